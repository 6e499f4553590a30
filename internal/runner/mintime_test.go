package runner

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"
)

// TestExecMinTime: with the min_time knob, exec repeats the measured phase
// in one process until min_time of it is timed, and reports per-iteration
// figures: the repeats' timed total reaches min_time, the first iteration
// is kept apart, the answer is still verified, the phase CPU time counts
// the worker children in process mode (it exceeds the parent's own CPU
// time), and ceiling's phase CPU time, the scan's alone, is within the
// CPU time of its whole call (the load untimed). Without the knob a run is
// one iteration and reports neither iterations nor a first time.
func TestExecMinTime(t *testing.T) {
	self := fanbenchBin(t)
	small := genFixture(t, "1MiB")
	// In process mode the children parse: on 8 MiB their CPU time is tens
	// of milliseconds, far above what the parent spends around its pipes,
	// so "the children are counted" does not hang on how a busy machine
	// schedules the parent (on 1 MiB the two were close enough to cross).
	large := genFixture(t, "8MiB")
	const minTime = 0.03
	for _, tt := range []struct {
		name                        string
		args                        []string
		path                        string
		repeats, children, scanOnly bool
	}{
		{"mmap count", []string{"--strategy", "mmap", "--workload", "count", "--min_time", "30ms"}, small, true, false, false},
		{"ceiling parse", []string{"--strategy", "ceiling", "--workload", "parse", "--min_time", "30ms"}, small, true, false, true},
		{"process chan parse", []string{"--mode", "process", "--strategy", "chan", "--workload", "parse", "--min_time", "30ms"}, large, true, true, false},
		{"once", []string{"--strategy", "ranges", "--workload", "parse"}, small, false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"exec", "--workers", "2", "--verify"}, tt.args...), tt.path)
			cmd := exec.Command(self, args...)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %v", args, err)
			}
			var rep ExecReport
			if err := json.Unmarshal(out, &rep); err != nil {
				t.Fatal(err)
			}
			r := rep.Runtime
			t.Logf("elapsed %.6f s, %+v", rep.ElapsedSec, r)
			if !rep.Verified {
				t.Errorf("not verified: %+v", rep.Answer)
			}
			if r.PhaseCPUSec <= 0 {
				t.Errorf("phase CPU time %v, want a figure", r.PhaseCPUSec)
			}
			if !tt.repeats {
				if r.Iterations != 0 || r.FirstSec != 0 {
					t.Errorf("one iteration reported %d iterations, first %v", r.Iterations, r.FirstSec)
				}
				return
			}
			if r.Iterations < 1 || r.FirstSec <= 0 {
				t.Fatalf("%d iterations, first %v s: want the repeats counted and the first kept", r.Iterations, r.FirstSec)
			}
			// The loop stops once the repeats' timed total reaches min_time.
			if total := rep.ElapsedSec * float64(r.Iterations); total < minTime*0.999 {
				t.Errorf("repeats timed %.4f s in all, want at least min_time %.3f s", total, minTime)
			}
			if tt.children && r.PhaseCPUSec <= r.CPUSec {
				t.Errorf("process mode: phase CPU %v s is not above the parent's own %v s: the children are not counted", r.PhaseCPUSec, r.CPUSec)
			}
			if tt.scanOnly && r.PhaseCPUSec > r.CPUSec {
				t.Errorf("ceiling: phase CPU %v s above the whole call's %v s", r.PhaseCPUSec, r.CPUSec)
			}
		})
	}
}
