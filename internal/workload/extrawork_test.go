package workload

import (
	"os"
	"path/filepath"
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

// countingPartial counts the bytes it is given: how much work was done.
type countingPartial struct {
	Partial
	n *int
}

func (c countingPartial) Add(b []byte) { *c.n += len(b); c.Partial.Add(b) }

func (c countingPartial) Merge(o Partial) { c.Partial.Merge(o.(countingPartial).Partial) }

func TestWithExtraWork(t *testing.T) {
	var lines strings.Builder
	for i := 0; i < 5000; i++ {
		lines.WriteString("Hamburg;12.3\nBulawayo;-8.9\n")
	}
	data := []byte(lines.String())
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"count", "parse"} {
		w, _ := Lookup(name)
		want := func() Answer { p := w.New(); p.Add(data); return p.Answer() }()
		worked := 0
		counted := w
		counted.New = func() Partial { return countingPartial{w.New(), &worked} }
		slow, err := WithExtraWork(counted, 10, 2, path)
		if err != nil {
			t.Fatal(err)
		}
		primed := worked // the spares' priming, before the measured work
		// Two workers' halves, merged: the answer is unchanged.
		half := len(data) / 2
		for data[half-1] != '\n' {
			half++
		}
		a, b := slow.New(), slow.New()
		a.Add(data[:half])
		b.Add(data[half:])
		a.Merge(b)
		if got := a.Answer(); got != want {
			t.Errorf("%s: answer with extra work %v, want %v", name, got, want)
		}
		// The extra work is 10% of the bytes, to within a line per buffer.
		extra := worked - primed - len(data)
		if lo, hi := len(data)/10-2*30, len(data)/10; extra < lo || extra > hi {
			t.Errorf("%s: %d extra bytes worked over, want about 10%% of %d", name, extra, len(data))
		}
		if primed != 0 {
			t.Errorf("%s: spares that are not Keyed were primed with %d bytes", name, primed)
		}
		// Unwrapped, parse's spares (Keyed) come primed with every name
		// of the file's first MiB; count's hold nothing.
		real, err := WithExtraWork(w, 10, 1, path)
		if err != nil {
			t.Fatal(err)
		}
		spare := real.New().(*extraPartial).spare.Answer()
		if wantStations := map[string]int{"count": 0, "parse": 2}[name]; spare.Stations != wantStations || (name == "count" && spare.Bytes != 0) {
			t.Errorf("%s: spare before the work: %+v, want %d stations", name, spare, wantStations)
		}
	}
	if _, err := WithExtraWork(All[0], 10, 1, filepath.Join(t.TempDir(), "absent")); err == nil {
		t.Error("a missing prime file was accepted")
	}
}
