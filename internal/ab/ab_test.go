package ab

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/runner"
	"github.com/fanbench/fanbench/internal/spec"
	"github.com/fanbench/fanbench/internal/testenv"
)

// fanbenchBin is fanbench for both arms of the tests' comparisons: this
// test binary, which TestMain (testenv.Main) runs as fanbench when it is
// started by that name.
func fanbenchBin(t *testing.T) string { return testenv.Fanbench(t) }

// cancelAfter cancels its context once n lines were written to it.
type cancelAfter struct {
	mu     sync.Mutex
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n -= strings.Count(string(p), "\n")
	if c.n <= 0 && c.cancel != nil {
		c.cancel()
	}
	return len(p), nil
}

func TestRunAAInterruptResume(t *testing.T) {
	bin := fanbenchBin(t)
	tmp := t.TempDir()
	// Two matrix cells, a reference command and a claim.
	sp, err := spec.Load(filepath.Join("testdata", "tiny.toml"))
	if err != nil {
		t.Fatal(err)
	}
	// Huge time tolerances and exact counts: an A/A must decide "same" on
	// the counts and never call anything worse.
	gates := mustGates(t, "sec/op:+400%,reads:+0%,copy-B:+0%")
	b := Build{Rev: bin, Binary: bin}
	dir := filepath.Join(tmp, "ab")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := Options{Spec: sp, Base: b, Head: b, Dir: dir, FixtureDir: filepath.Join(tmp, "fx"), Gates: gates,
		Pairs: 6, Step: 2, MaxPairs: 8, Progress: &cancelAfter{n: 9, cancel: cancel}}
	if _, err := Run(ctx, o); err == nil || !strings.Contains(err.Error(), "--resume "+dir) {
		t.Fatalf("interrupted comparison: err = %v, want the --resume command", err)
	}
	runs, _ := readRuns(dir)
	if len(runs) == 0 || len(runs) >= 2*2*6 {
		t.Fatalf("%d runs recorded before the interruption, want some but not all", len(runs))
	}

	spec2, err := spec.Load(filepath.Join(dir, runner.SpecCopyName))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Run(context.Background(), Options{Spec: spec2, Dir: dir, Resume: true, FixtureDir: o.FixtureDir})
	if err != nil {
		t.Fatal(err)
	}
	a := out.Analysis
	if len(a.Pairs) != 2 {
		t.Fatalf("pairs per cell %v: want the 2 matrix cells (the reference command is left out)", a.Pairs)
	}
	for cell, n := range a.Pairs {
		if n < 6 || n > 8 {
			t.Errorf("%s: %d pairs, want 6 to 8", cell, n)
		}
	}
	if a.Regressed() {
		t.Errorf("A/A comparison failed: worse %v, failed %v", a.Worse(), a.Failed)
	}
	runs, _ = readRuns(dir)
	seen := map[string]int{}
	for _, r := range runs {
		seen[results.BenchName(r.Cell)+"#"+string(rune('0'+r.Rep))]++
		if r.Cell.Arm != ArmBase && r.Cell.Arm != ArmHead {
			t.Errorf("record without an arm: %+v", r.Cell)
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s recorded %d times after resume", k, n)
		}
	}
	bench, _ := os.ReadFile(filepath.Join(dir, results.BenchFile))
	if !strings.Contains(string(bench), "/arm=base ") || !strings.Contains(string(bench), "/arm=head ") {
		t.Error("results.bench does not name the arms")
	}
	if _, err := os.Stat(filepath.Join(dir, results.ClaimsFile)); err != nil {
		t.Errorf("claims.json: %v", err)
	} else if b, _ := os.ReadFile(filepath.Join(dir, results.ClaimsFile)); strings.Contains(string(b), "never judged") {
		t.Error("ab judged the spec's claims")
	}
	if err := out.WriteFiles(""); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{MarkdownFile, HTMLFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}

	// A new comparison into a folder that holds runs is refused.
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "already holds runs") {
		t.Errorf("reused folder: err = %v", err)
	}
}
