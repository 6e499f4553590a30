package gobench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/workload"
)

// TestRun: a sub-benchmark over a 3-line file reports its bytes per
// operation, allocations and a peak-RSS-B within the process's own peak,
// and checks every answer: count's answer is 3 lines and 18 bytes (by
// hand), and a check that fails fails the benchmark.
func TestRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(path, []byte("a;1.0\nb;2.0\nc;3.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := strategy.Lookup("ranges")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := workload.Lookup("count")
	job := strategy.Job{Path: path, Workload: w, Workers: 2, Knobs: strategy.DefaultKnobs()}
	var answers []workload.Answer
	res := testing.Benchmark(func(b *testing.B) {
		Run(b, s, job, 18, func(a workload.Answer) error {
			answers = append(answers, a)
			return nil
		})
	})
	if res.N == 0 || res.Bytes != 18 {
		t.Fatalf("result %+v: want N > 0 and 18 bytes per op", res)
	}
	peak, ok := res.Extra[PeakUnit]
	if !ok {
		if _, err := os.Stat("/proc/self/clear_refs"); err != nil {
			t.Skipf("no clear_refs here: %v", err)
		}
		t.Fatalf("no %s in %v", PeakUnit, res.Extra)
	}
	if peak <= 0 || peak > 1<<30 {
		t.Errorf("%s = %v, want a process's peak", PeakUnit, peak)
	}
	for _, a := range answers {
		if a.Lines != 3 || a.Bytes != 18 {
			t.Fatalf("answer %v, want 3 lines and 18 bytes", a)
		}
	}
	failed := testing.Benchmark(func(b *testing.B) {
		Run(b, s, job, 18, func(workload.Answer) error { return errors.New("wrong") })
	})
	if failed.N != 0 {
		t.Errorf("a failing check still gave a result: %v", failed)
	}
}

// TestRunCeilingLoadsOnce: the ceiling's load (its mapping of the file,
// every page faulted in) is done once per sub-benchmark, before the
// timer starts, not in every timed iteration: between iterations (when
// check runs) the file stays mapped, and it is unmapped when Run returns.
// Before, every iteration mapped and unmapped it inside the timed loop,
// so no check ever saw it mapped.
func TestRunCeilingLoadsOnce(t *testing.T) {
	if _, err := os.Stat("/proc/self/maps"); err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	path := filepath.Join(t.TempDir(), "ceiling-input.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("a;1.0\n", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := strategy.Lookup("ceiling")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := workload.Lookup("count")
	job := strategy.Job{Path: path, Workload: w, Workers: 2, Knobs: strategy.DefaultKnobs()}
	mapped := func() bool {
		maps, err := os.ReadFile("/proc/self/maps")
		if err != nil {
			t.Fatal(err)
		}
		return strings.Contains(string(maps), path)
	}
	checks, unmappedAtCheck := 0, 0
	res := testing.Benchmark(func(b *testing.B) {
		Run(b, s, job, 6000, func(a workload.Answer) error {
			checks++
			if !mapped() {
				unmappedAtCheck++
			}
			if a.Lines != 1000 {
				return fmt.Errorf("answer %v, want 1000 lines", a)
			}
			return nil
		})
	})
	if res.N == 0 || checks == 0 {
		t.Fatalf("the benchmark did not run: %+v", res)
	}
	if unmappedAtCheck != 0 {
		t.Errorf("the file was not mapped at %d of %d checks: it is loaded inside the timed loop", unmappedAtCheck, checks)
	}
	if mapped() {
		t.Errorf("the file is still mapped after Run")
	}
}
