package workload

import (
	"strings"
	"testing"
)

func TestParseExtraWork(t *testing.T) {
	tests := []struct {
		in   string
		want ExtraWork
		err  bool
	}{
		{"", ExtraWork{}, false},
		{"mmap:10", ExtraWork{"mmap", 10}, false},
		{"ranges:2.5", ExtraWork{"ranges", 2.5}, false},
		{"mmap", ExtraWork{}, true},
		{":10", ExtraWork{}, true},
		{"mmap:0", ExtraWork{}, true},
		{"mmap:101", ExtraWork{}, true},
		{"mmap:x", ExtraWork{}, true},
	}
	for _, tc := range tests {
		got, err := ParseExtraWork(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseExtraWork(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && !strings.Contains(err.Error(), ExtraWorkEnv) {
			t.Errorf("error %q does not name %s", err, ExtraWorkEnv)
		}
	}
}

// extraInput is 10,000 lines over two names, 280,000 bytes, and its two
// halves cut at a line end: two workers' parts.
func extraInput() (data, a, b []byte) {
	var lines strings.Builder
	for i := 0; i < 5000; i++ {
		lines.WriteString("Hamburg;12.3\nBulawayo;-8.9\n")
	}
	data = []byte(lines.String())
	half := len(data) / 2
	for data[half-1] != '\n' {
		half++
	}
	return data, data[:half], data[half:]
}

// TestWithExtraWork: two workers' partials with 10% extra work, given
// their halves in 4 KiB buffers and merged, give the answer of the plain
// workload, go over 10% of the bytes again (to within a line per buffer),
// and allocate exactly what the plain partials allocate.
func TestWithExtraWork(t *testing.T) {
	data, h1, h2 := extraInput()
	const buf = 4 << 10
	work := func(w Workload) Answer {
		a, b := w.New(), w.New()
		for _, p := range []struct {
			p    Partial
			part []byte
		}{{a, h1}, {b, h2}} {
			for rest := p.part; len(rest) > 0; {
				n := min(buf, len(rest))
				for n < len(rest) && rest[n-1] != '\n' {
					n--
				}
				p.p.Add(rest[:n])
				rest = rest[n:]
			}
		}
		a.Merge(b)
		return a.Answer()
	}
	for _, w := range All {
		want := work(w)
		// Spares for the allocation count's runs too: AllocsPerRun runs once more than asked.
		slow, err := WithExtraWork(w, 10, 2*12)
		if err != nil {
			t.Fatal(err)
		}
		if got := work(slow.Workload); got != want {
			t.Errorf("%s: answer with extra work %v, want %v", w.Name, got, want)
		}
		// 10% of every buffer, each cut back to a line end: at most one
		// 14-byte line less per buffer (70 buffers here).
		extra, tenth := slow.Bytes(), int64(len(data)/10)
		if extra > tenth || extra < tenth-70*14 {
			t.Errorf("%s: %d bytes gone over again, want 10%% of %d (to within a line per buffer)", w.Name, extra, len(data))
		}
		plain := testing.AllocsPerRun(10, func() { work(w) })
		with := testing.AllocsPerRun(10, func() { work(slow.Workload) })
		if plain != with {
			t.Errorf("%s: %v allocations with extra work, %v without", w.Name, with, plain)
		}
	}
}

// TestExtraWorkKeyed: parse's wrapped partials stay Keyed (a sharded
// collector merges them shard by shard) and merge to the plain answer.
func TestExtraWorkKeyed(t *testing.T) {
	_, h1, h2 := extraInput()
	w, _ := Lookup("parse")
	plain := w.New()
	plain.Add(h1)
	plain.Add(h2)
	slow, err := WithExtraWork(w, 50, 3)
	if err != nil {
		t.Fatal(err)
	}
	total, a, b := slow.New(), slow.New(), slow.New()
	a.Add(h1)
	b.Add(h2)
	for _, p := range []Partial{a, b} {
		k, ok := p.(Keyed)
		if !ok {
			t.Fatalf("wrapped parse partial %T is not Keyed", p)
		}
		if k.Shards(4) == 0 {
			t.Fatal("a wrapped partial with records reports no shards")
		}
		for i := 0; i < 4; i++ {
			total.(Keyed).MergeShard(p, i, 4, i == 0)
		}
	}
	if got, want := total.Answer().Text, plain.Answer().Text; got != want {
		t.Errorf("sharded merge with extra work: %q, want %q", got, want)
	}
}

// TestProbers: the workloads WithExtraWork accepts are exactly those whose
// partials can redo their work read-only; others are refused by name.
func TestProbers(t *testing.T) {
	for _, w := range All {
		_, isProber := w.New().(prober)
		if probers[w.Name] != isProber {
			t.Errorf("%s: probers says %v, its partial is a prober: %v", w.Name, probers[w.Name], isProber)
		}
	}
	other := Workload{Name: "user", New: func() Partial { return &nonePartial{} }}
	if _, err := WithExtraWork(other, 10, 1); err == nil || !strings.Contains(err.Error(), "user") {
		t.Errorf("a workload without a probe: %v, want an error naming it", err)
	}
}
