package runner

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
)

// TestMachineLoad: the launcher's Load of a run is the machine's busy CPU
// time between two readings less the run's own and the sampler's,
// never below 0, judged by results.Disturbed. Figures worked out by hand.
func TestMachineLoad(t *testing.T) {
	at := func(busy, steal, load float64) machineReading {
		r := machineReading{load: load, ok: true}
		r.cpu.Busy, r.cpu.Steal, r.cpu.CPUs = busy, steal, 2
		return r
	}
	u := results.Usage{WallSec: 1, UserSec: 0.6, SysSec: 0.2}
	for _, tt := range []struct {
		name      string
		b, a      machineReading
		other     float64
		disturbed bool
	}{
		// 2 CPUs × 1 s: 2 s of capacity. Busy 1.0 s, own 0.8 s, sampler 0.1 s: others 0.1 s (5%).
		{"quiet", at(100, 0, 0.5), at(101, 0, 0.6), 0.1, false},
		// Busy 2.0 s: others 1.1 s (55%).
		{"busy", at(100, 0, 1), at(102, 0, 3), 1.1, true},
		// Busy below the run's own (tick sampling): 0, not negative.
		{"ticks", at(100, 0, 1), at(100.5, 0, 1), 0, false},
		// Steal 0.2 s of 2 s (10% > 5%), others 0.
		{"steal", at(100, 5, 1), at(100.9, 5.2, 1), 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.b.since(tt.a, u, 0.1)
			if l == nil {
				t.Fatal("no load")
			}
			if diff := l.OtherCPUSec - tt.other; diff > 1e-9 || diff < -1e-9 || l.Disturbed != tt.disturbed || l.LoadStart != tt.b.load || l.LoadEnd != tt.a.load {
				t.Errorf("load %+v, want other %v s, disturbed %v", *l, tt.other, tt.disturbed)
			}
		})
	}
	if l := (machineReading{}).since(at(1, 0, 1), u, 0); l != nil {
		t.Errorf("a failed reading gave %+v, want no load", *l)
	}
}

// TestRerunDisturbed: with rerun_disturbed = 2, a run that other work
// disturbs is launched again up to twice and recorded once, as its last
// attempt. The other work is this test's own: busy loops on every CPU for
// as long as the experiment runs, beside a reference command that sleeps
// (so the run itself uses no CPU and every attempt is disturbed, whatever
// else the machine runs).
func TestRerunDisturbed(t *testing.T) {
	tmp := t.TempDir()
	sp := mustSpec(t, `name = "rerun"
repetitions = 1
rerun_disturbed = 2
`+matrixOf(1, "readall")+`
[[reference]]
name = "nap"
command = ["sleep", "0.3"]
`)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
			}
		}()
	}
	root := filepath.Join(tmp, "results")
	sum, err := Run(context.Background(), Options{Spec: sp, Dir: root, FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard})
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := readRunsOK(t, sum.Dir)
	found := false
	for _, r := range runs {
		if r.Cell.Strategy != "ref:nap" {
			continue
		}
		found = true
		if r.Load == nil || !r.Load.Disturbed || r.Attempts != 3 {
			t.Errorf("nap: attempts %d, load %+v: want 3 attempts, each disturbed", r.Attempts, r.Load)
		}
	}
	if !found || len(runs) != 2 {
		t.Fatalf("%d runs recorded (nap among them: %v), want 2", len(runs), found)
	}
	if sum.Load.Rerun < 1 || sum.Load.Disturbed < 1 {
		t.Errorf("summary %+v: want the re-run counted", sum.Load)
	}
}
