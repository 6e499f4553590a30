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
// another's. A strategy with a Load (the ceiling) loads once, before the
// timer starts, and only its scan is repeated and timed. check judges
// every answer; an error fails the benchmark. It returns the mean elapsed
// time the strategy measured itself.
func Run(b *testing.B, s strategy.Strategy, job strategy.Job, size int64, check func(workload.Answer) error) float64 {
	b.Helper()
	proc := measure.NewFS("")
	debug.FreeOSMemory()
	if err := proc.ResetPeak("self"); err != nil {
		b.Skipf("cannot reset the peak RSS (%v): skipping, the %s metric would be meaningless", err, PeakUnit)
	}
	run := func() (strategy.Result, error) { return s.Goroutine(job) }
	done := func(err error) error { return err }
	if s.Load != nil {
		var err error
		if run, done, err = s.Load(job); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer() // the load is not the strategy's cost per operation
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var elapsed float64
	var runErr error
	for i := 0; i < b.N && runErr == nil; i++ {
		var res strategy.Result
		if res, runErr = run(); runErr == nil {
			runErr = check(res.Answer)
			elapsed += res.Elapsed.Seconds()
		}
	}
	b.StopTimer()
	if err := done(runErr); err != nil {
		b.Fatal(err)
	}
	st, err := proc.Status("self")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.VmHWM), PeakUnit)
	return elapsed / float64(b.N)
}
