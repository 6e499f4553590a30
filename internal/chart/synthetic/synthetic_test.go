package synthetic

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteDeterministic: the chart goldens are drawn from this folder, so
// two writes must give the same bytes; and it holds every planned run:
// count goroutine 6 strategies × 6 sizes × 4 worker counts × 7 runs (a
// warm-up and 6) = 1008, count process 5 × 6 × 4 × 7 = 840 plus ref:wc at
// one worker 6 × 7 = 42, parse goroutine 4 × 3 × 4 × 7 = 336: 2226.
func TestWriteDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Write(a); err != nil {
		t.Fatal(err)
	}
	if err := Write(b); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"runs.jsonl", "env.json", "claims.json"} {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two writes", name)
		}
		if name == "runs.jsonl" {
			if n := bytes.Count(x, []byte("\n")); n != 2226 {
				t.Errorf("%d runs, want 2226", n)
			}
		}
	}
}
