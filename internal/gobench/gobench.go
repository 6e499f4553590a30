// Package gobench is the body of one `go test -bench` sub-benchmark over a
// strategy's goroutine form, shared by the suites in bench/ (the built-in
// workloads) and fanbench.Benchmark (a user's): throughput, allocations
// and the sub-benchmark's own peak RSS, with every answer checked.
package gobench

import (
	"runtime/debug"
	"testing"

	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/workload"
)

// PeakUnit is the benchmark unit of the peak RSS: the metric catalogue's
// name for a process's VmHWM, as the harness's results.bench writes it.
const PeakUnit = results.UnitPeakRSS

// Run runs s's goroutine form over job b.N times and reports its
// throughput (b.SetBytes(size)), allocations and PeakUnit: the process's
// VmHWM after resetting it by writing "5" to /proc/self/clear_refs at the
// start, so the peak is this sub-benchmark's own. Where the peak cannot be
// reset (not Linux) the sub-benchmark is skipped, since its peak would be
// another's. check judges every answer; an error fails the benchmark. It
// returns the mean elapsed time the strategy measured itself.
func Run(b *testing.B, s strategy.Strategy, job strategy.Job, size int64, check func(workload.Answer) error) float64 {
	b.Helper()
	proc := measure.NewFS("")
	debug.FreeOSMemory()
	if err := proc.ResetPeak("self"); err != nil {
		b.Skipf("cannot reset the peak RSS (%v): skipping, the %s metric would be meaningless", err, PeakUnit)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var elapsed float64
	for i := 0; i < b.N; i++ {
		res, err := s.Goroutine(job)
		if err != nil {
			b.Fatal(err)
		}
		if err := check(res.Answer); err != nil {
			b.Fatal(err)
		}
		elapsed += res.Elapsed.Seconds()
	}
	st, err := proc.Status("self")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.VmHWM), PeakUnit)
	return elapsed / float64(b.N)
}
