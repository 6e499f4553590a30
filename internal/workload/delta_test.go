package workload_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/split"
	. "github.com/fanbench/fanbench/internal/workload"
)

// deltaInputs are the edge inputs plus a generated fixture with many names.
func deltaInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{}
	for name, s := range EdgeInputs {
		in[name] = []byte(s)
	}
	var buf bytes.Buffer
	if _, err := fixture.Generate(&buf, 200<<10, 1); err != nil {
		t.Fatal(err)
	}
	in["fixture"] = buf.Bytes()
	return in
}

// batches cuts data into pieces of at most n lines.
func batches(data []byte, n int) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		end, lines := 0, 0
		for lines < n && end < len(data) {
			if k := bytes.IndexByte(data[end:], '\n'); k >= 0 {
				end += k + 1
			} else {
				end = len(data)
			}
			lines++
		}
		out = append(out, data[:end])
		data = data[end:]
	}
	return out
}

// TestResetReuse feeds one reused partial batch after batch, merging each
// batch into a total, and through AppendBinary/MergeBinary into another:
// both must give the reference answer, for batches of 1 line up.
func TestResetReuse(t *testing.T) {
	for _, w := range All {
		for name, data := range deltaInputs(t) {
			ref, err := w.Reference(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{1, 3, 1024} {
				scratch, merged, wired := w.New(), w.New(), w.New()
				var msg []byte
				for _, b := range batches(data, n) {
					scratch.Add(b)
					merged.Merge(scratch)
					if msg, err = scratch.AppendBinary(msg[:0]); err != nil {
						t.Fatal(err)
					}
					if err := wired.MergeBinary(msg); err != nil {
						t.Fatalf("%s/%s/%d: %v", w.Name, name, n, err)
					}
					scratch.Reset()
				}
				if got := merged.Answer(); got != ref {
					t.Errorf("%s/%s/batch %d: Merge+Reset %v, reference %v", w.Name, name, n, got, ref)
				}
				if got := wired.Answer(); got != ref {
					t.Errorf("%s/%s/batch %d: MergeBinary %v, reference %v", w.Name, name, n, got, ref)
				}
				if got, empty := scratch.Answer(), w.New().Answer(); got != empty {
					t.Errorf("%s/%s: reset partial answers %v, want %v", w.Name, name, got, empty)
				}
			}
		}
	}
}

// TestMergeShard splits each worker's partial over n shards by key: the
// shards merged give the reference answer, and no key is in two shards.
func TestMergeShard(t *testing.T) {
	w, _ := Lookup("parse")
	for name, data := range deltaInputs(t) {
		ref, _ := w.Reference(bytes.NewReader(data))
		for _, n := range []int{1, 3, 16, 64} {
			shards := make([]Partial, n)
			for i := range shards {
				shards[i] = w.New()
			}
			for _, r := range split.Bytes(data, 3) {
				p := w.New().(Keyed)
				p.Add(data[r.Off:r.End()])
				mask := p.Shards(n)
				first := true
				for i := range n {
					if mask&(1<<i) == 0 {
						q := w.New().(Keyed)
						q.MergeShard(p, i, n, false)
						if q.Answer().Stations != 0 {
							t.Errorf("%s/%d: shard %d not in the mask %b has keys", name, n, i, mask)
						}
						continue
					}
					shards[i].(Keyed).MergeShard(p, i, n, first)
					first = false
				}
				if first { // no key: the counters still count
					shards[0].(Keyed).MergeShard(p, 0, n, true)
				}
			}
			total, stations := w.New(), 0
			for _, s := range shards {
				stations += s.Answer().Stations
				total.Merge(s)
			}
			if got := total.Answer(); got != ref || stations != ref.Stations {
				t.Errorf("%s/%d shards: %v (%d stations over the shards), reference %v", name, n, got, stations, ref)
			}
		}
	}
}

// TestMergeBinaryRejectsTorn: every strict prefix of a message, and a
// message with a byte flipped in a name, fails or is refused, never panics.
func TestMergeBinaryRejectsTorn(t *testing.T) {
	for _, w := range All {
		p := w.New()
		p.Add([]byte("Hamburg;12.0\nBulawayo;8.9\nHamburg;-3.4\n"))
		msg, err := p.AppendBinary(nil)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < len(msg); k++ {
			if err := w.New().MergeBinary(msg[:k]); err == nil && w.Name != "none" {
				t.Errorf("%s: a %d-byte prefix of a %d-byte message accepted", w.Name, k, len(msg))
			}
		}
		if err := w.New().MergeBinary(append(msg, 0)); err == nil {
			t.Errorf("%s: a trailing byte accepted", w.Name)
		}
	}
	w, _ := Lookup("parse")
	p := w.New()
	p.Add([]byte("Hamburg;12.0\n"))
	msg, _ := p.AppendBinary(nil)
	bad := bytes.Replace(msg, []byte("Hamburg"), []byte("Ham;urg"), 1)
	if err := w.New().MergeBinary(bad); err == nil || !strings.Contains(err.Error(), "bad name") {
		t.Errorf("name with ';': error %v", err)
	}
}

// TestResetKeepsFastPath: a reset parse partial takes the same names again
// without allocating.
func TestResetKeepsFastPath(t *testing.T) {
	var buf bytes.Buffer
	if _, err := fixture.Generate(&buf, 1<<20, 1); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	w, _ := Lookup("parse")
	p, total := w.New(), w.New()
	p.Add(data)
	total.Merge(p)
	p.Reset()
	allocs := testing.AllocsPerRun(3, func() {
		p.Add(data)
		total.Merge(p)
		p.Reset()
	})
	if allocs > 0 {
		t.Errorf("Add+Merge+Reset after a reset: %v allocations", allocs)
	}
}
