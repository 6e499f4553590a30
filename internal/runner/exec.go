// Package runner turns experiment specs into runs: it executes one run in
// this process (Exec, behind `fanbench exec`), launches runs as fresh child
// processes and measures them from outside, and drives whole experiments.
package runner

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/input"
	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/workload"
)

// ExecOptions describe one run in this process.
type ExecOptions struct {
	Path     string
	Mode     strategy.Mode // goroutine (workers are goroutines) or process (workers are child processes)
	Strategy string
	Workload string
	Workers  int
	Knobs    strategy.Knobs
	// Verify computes the reference answer after measuring, and compares.
	Verify bool
	// Expect, if set, is the reference answer to compare with (no
	// recompute): the run's own cross-check. The driver does not rely on
	// it; it verifies what the run reports and writes (AnswerOut) itself.
	Expect *workload.Answer
	// AnswerOut, if set, is a file to write the answer's canonical text to
	// (workload.Answer.Text), after the measurements.
	AnswerOut string
	// Profile, if set, is a path prefix for PREFIX.cpu.pprof and PREFIX.heap.pprof.
	Profile string
	// Force runs what the memory guard would refuse.
	Force bool
	// MemAvailable, if set, replaces the machine's MemAvailable for the
	// memory guard (tests).
	MemAvailable func() int64 `json:"-"`
	// Command, if set, starts each process-mode worker instead of
	// strategy.SelfCommand, and Faults injects collector faults: both are
	// for the tests.
	Command strategy.Command `json:"-"`
	Faults  collect.Faults   `json:"-"`
	// Spike, if positive, allocates and touches that many bytes for
	// SpikeHold before the measured work, then returns them to the OS: a
	// short peak that VmHWM keeps and a slow RSS sampler misses.
	Spike int64
	// ExtraWork, when it names this run's strategy, injects calibration's
	// real slowdown (workload.ExtraWorkEnv; goroutine mode only). The
	// report's Extra records it as "extra-work-pct".
	ExtraWork workload.ExtraWork
}

// extraSpares is how many extra-work wrappers beyond two per worker an
// injected run makes ahead of its measured work (workload.WithExtraWork):
// enough for the collectors' shards and batches.
const extraSpares = 16

// SpikeHold is how long a Spike's memory is held.
const SpikeHold = 10 * time.Millisecond

// spike allocates n bytes, touches every page, holds them for SpikeHold and
// gives them back to the OS.
func spike(n int64) {
	b := make([]byte, n)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	time.Sleep(SpikeHold)
	runtime.KeepAlive(b)
	b = nil
	debug.FreeOSMemory()
}

// ExecReport is what one run reports about itself: the JSON object that
// `fanbench exec` prints and the launcher reads.
type ExecReport struct {
	Mode       strategy.Mode     `json:"mode"`
	Strategy   string            `json:"strategy"`
	Workload   string            `json:"workload"`
	Workers    int               `json:"workers"`
	Knobs      map[string]string `json:"knobs"`
	File       string            `json:"file"`
	Size       int64             `json:"size"`
	Answer     workload.Answer   `json:"answer"`
	Reference  *workload.Answer  `json:"reference,omitempty"`
	Verified   bool              `json:"verified"`
	ElapsedSec float64           `json:"elapsed_sec"`
	Memory     results.Memory    `json:"memory"`
	Runtime    results.Runtime   `json:"runtime"`
	// WorkerMemory holds each child's own figures in process mode.
	WorkerMemory []results.Memory `json:"worker_memory,omitempty"`
	// TreeSumHWM is the sum of every process's VmHWM in process mode: an
	// upper bound of the whole tree's peak.
	TreeSumHWM int64              `json:"tree_sum_vmhwm,omitempty"`
	Extra      map[string]float64 `json:"extra,omitempty"`
	GOMAXPROCS int                `json:"gomaxprocs"`
	GOGC       string             `json:"gogc"`
	GOMEMLIMIT string             `json:"gomemlimit"`
	MemoryErr  string             `json:"memory_error,omitempty"`
}

// Exec runs one strategy once in this process and reports the answer and
// the process's own figures. Memory is read at the strategy's peak point
// (before it releases buffers or mappings); VmHWM is read last.
func Exec(o ExecOptions) (ExecReport, error) {
	rep := ExecReport{Mode: o.Mode, Strategy: o.Strategy, Workload: o.Workload, Workers: o.Workers,
		Knobs: o.Knobs.Map(), File: o.Path, GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOGC: os.Getenv("GOGC"), GOMEMLIMIT: os.Getenv("GOMEMLIMIT")}
	if rep.Mode == "" {
		rep.Mode = strategy.Goroutine
	}
	x, err := prepareExec(o, &rep)
	if err != nil {
		return rep, err
	}
	if err := x.measure(o, &rep); err != nil {
		return rep, err
	}
	return rep, x.finish(o, &rep)
}

// execRun is an exec's run, checked and ready: the strategy's form, the
// workload (wrapped when extra work is injected) and the extra work.
type execRun struct {
	run   strategy.Func
	w     workload.Workload
	extra *workload.Extra
}

// CheckOutputs refuses an output of o (AnswerOut, Profile's two files)
// that is the input file, by device and inode (os.SameFile: another path
// to it, a symlink or a hard link to it too), before anything is opened
// for writing: writing it would destroy the input. The error names the
// flag; an output that does not exist yet, or cannot be read, is left to
// its write.
func CheckOutputs(o ExecOptions) error {
	in, err := os.Stat(o.Path)
	if err != nil {
		return nil // the input policy names it
	}
	outs := []struct{ flag, path string }{{"answer-out", o.AnswerOut}}
	if o.Profile != "" {
		outs = append(outs, struct{ flag, path string }{"profile", o.Profile + ".cpu.pprof"},
			struct{ flag, path string }{"profile", o.Profile + ".heap.pprof"})
	}
	for _, out := range outs {
		if out.path == "" {
			continue
		}
		if st, err := os.Stat(out.path); err == nil && os.SameFile(in, st) {
			return fmt.Errorf("flag -%s: %s is the input file %s (writing it would destroy the input)", out.flag, out.path, o.Path)
		}
	}
	return nil
}

// prepareExec checks o, refuses what the input policy or the memory guard
// refuses, and sets rep.Size: everything before anything is allocated.
func prepareExec(o ExecOptions, rep *ExecReport) (execRun, error) {
	var x execRun
	if err := CheckOutputs(o); err != nil {
		return x, err
	}
	if !slices.Contains(strategy.Modes, rep.Mode) {
		return x, fmt.Errorf("mode %q: want one of %s", string(o.Mode), strategy.ModesText())
	}
	if err := strategy.CheckWorkers(o.Workers); err != nil {
		return x, err
	}
	if err := o.Knobs.Validate(); err != nil {
		return x, err
	}
	s, err := strategy.Lookup(o.Strategy)
	if err != nil {
		return x, err
	}
	// In process mode the parent's AtPeak comes after the children have
	// reported (see strategy's process forms); Memory and Runtime are the
	// parent's own, WorkerMemory the children's.
	if x.run, err = s.Form(rep.Mode); err != nil {
		return x, err
	}
	if x.w, err = workload.Lookup(o.Workload); err != nil {
		return x, err
	}
	// The input policy (input.Open) refuses what cannot be
	// measured before anything runs, --verify's reference included.
	in, err := input.Open(o.Path)
	if err != nil {
		return x, err
	}
	in.Close()
	// The memory guard of run, with the same estimate, before anything is
	// allocated: the spike, the buffers, the children.
	est := s.EstimatePeak(strategy.Footprint{Mode: rep.Mode, Size: in.Size, Workers: o.Workers, Knobs: o.Knobs,
		GCOff: os.Getenv("GOGC") == "off", Spike: o.Spike})
	avail := o.MemAvailable
	if avail == nil {
		avail = memAvailable
	}
	if why := strategy.MemoryGuard(est, avail(), o.Force); why != "" {
		return x, errors.New(why)
	}
	rep.Size = in.Size
	if o.ExtraWork.Strategy == o.Strategy {
		if rep.Mode != strategy.Goroutine {
			return x, fmt.Errorf("%s=%s: extra work is injected in goroutine mode only", workload.ExtraWorkEnv, o.ExtraWork)
		}
		// Wrappers for every partial a goroutine form makes: one per
		// worker, the total, and a collector's (a shard each, a batch each).
		e, err := workload.WithExtraWork(x.w, o.ExtraWork.Percent, 2*o.Workers+extraSpares)
		if err != nil {
			return x, err
		}
		x.extra, x.w = &e, e.Workload
	}
	return x, nil
}

// measure runs the job (after the spike, under the CPU profile) and
// records its answer, time, runtime figures and memory in rep.
func (x execRun) measure(o ExecOptions, rep *ExecReport) error {
	proc := measure.NewFS("")
	if o.Profile != "" {
		stop, err := startCPUProfile(o.Profile + ".cpu.pprof")
		if err != nil {
			return err
		}
		defer stop()
	}
	atPeak := func() {
		m, err := proc.SelfMemory()
		if err != nil {
			rep.MemoryErr = err.Error()
		}
		rep.Memory = m
	}
	if o.Spike > 0 {
		spike(o.Spike)
	}
	job := strategy.Job{Path: o.Path, Workload: x.w, Workers: o.Workers, Knobs: o.Knobs, AtPeak: atPeak,
		Command: o.Command, Faults: o.Faults}
	before := measure.ExactRuntime()
	res, err := x.run(job)
	after := measure.ReadRuntime()
	if err != nil {
		return err
	}
	rep.Runtime = after.Exact().Since(before)
	rep.Runtime.PhaseCPUSec = phaseCPU(res, rep.Runtime.PhaseCPUSec)
	rep.Answer, rep.ElapsedSec, rep.Extra = res.Answer, res.Elapsed.Seconds(), res.Extra
	if x.extra != nil {
		if x.extra.Bytes() == 0 && rep.Size > 0 {
			return fmt.Errorf("%s=%s: %s handed no bytes to the workload's partials: no extra work was done", workload.ExtraWorkEnv, o.ExtraWork, o.Strategy)
		}
		if rep.Extra == nil {
			rep.Extra = map[string]float64{}
		}
		rep.Extra["extra-work-pct"] = o.ExtraWork.Percent
		rep.Extra["extra-work-B"] = float64(x.extra.Bytes())
	}
	if o.Knobs.MinTime > 0 {
		job.AtPeak = nil // reading smaps would add to the repeats' timed work
		if err := x.repeat(o, job, rep); err != nil {
			return err
		}
	}
	if stt, err := proc.Status("self"); err == nil {
		rep.Memory.PeakRSS = max(rep.Memory.PeakRSS, stt.VmHWM)
	}
	if rep.Mode == strategy.Process {
		rep.WorkerMemory = res.Workers
		rep.TreeSumHWM = rep.Memory.PeakRSS
		for _, m := range res.Workers {
			rep.TreeSumHWM += m.PeakRSS
		}
		if res.MemoryErr != "" && rep.MemoryErr == "" {
			rep.MemoryErr = res.MemoryErr
		}
	}
	return nil
}

// repeat runs the measured phase again, as the min_time knob asks, until
// min_time of it has been timed (at least once, at most
// strategy.MaxIterations times), after the first iteration that measure
// recorded, with job (measure's, without AtPeak). Each answer must equal
// the first's. The time, CPU and
// allocation figures become the repeats' mean per iteration, the first
// iteration's time is kept as FirstSec; the memory figures and the GC
// cycles stay the first iteration's (AtPeak is not called again: reading
// smaps would add to the timed work).
func (x execRun) repeat(o ExecOptions, job strategy.Job, rep *ExecReport) error {
	first := rep.Runtime
	var timed time.Duration
	var cpuSec float64
	n := 0
	before := measure.ExactRuntime()
	for n == 0 || (timed < o.Knobs.MinTime && n < strategy.MaxIterations) {
		start := measure.ProcessCPU() + measure.ChildrenCPU()
		res, err := x.run(job)
		cpuSec += phaseCPU(res, (measure.ProcessCPU() + measure.ChildrenCPU() - start).Seconds())
		if err != nil {
			return fmt.Errorf("min_time: iteration %d: %w", n+2, err)
		}
		if res.Answer != rep.Answer {
			return fmt.Errorf("min_time: iteration %d answered %v, the first %v", n+2, res.Answer.WithoutText(), rep.Answer.WithoutText())
		}
		timed += res.Elapsed
		n++
	}
	all := measure.ReadRuntime().Exact().Since(before)
	per := func(v float64) float64 { return v / float64(n) }
	rep.Runtime = results.Runtime{
		AllocBytes:   int64(math.Round(per(float64(all.AllocBytes)))),
		AllocObjects: int64(math.Round(per(float64(all.AllocObjects)))),
		GCCycles:     first.GCCycles,
		GCCPUSec:     per(all.GCCPUSec),
		MutexWaitSec: per(all.MutexWaitSec),
		CPUSec:       per(all.CPUSec),
		PhaseCPUSec:  per(cpuSec),
		Iterations:   n,
		FirstSec:     rep.ElapsedSec,
		Measured:     true,
	}
	rep.ElapsedSec = per(timed.Seconds())
	return nil
}

// phaseCPU is one iteration's phase CPU time in seconds: the form's own
// figure when it measured one (ceiling: its scan alone), else bracket, the
// CPU time of the process and its reaped children around the call.
func phaseCPU(res strategy.Result, bracket float64) float64 {
	if res.PhaseCPU > 0 {
		return res.PhaseCPU.Seconds()
	}
	return bracket
}

// finish writes the heap profile and the answer file, then checks the
// answer against --expect or (--verify) the workload's reference.
func (x execRun) finish(o ExecOptions, rep *ExecReport) error {
	if o.Profile != "" {
		if err := writeHeapProfile(o.Profile + ".heap.pprof"); err != nil {
			return err
		}
	}
	if o.AnswerOut != "" {
		if err := os.WriteFile(o.AnswerOut, []byte(rep.Answer.Text), 0o644); err != nil {
			return fmt.Errorf("answer-out: %w", err)
		}
	}
	switch {
	case o.Expect != nil:
		rep.Reference = o.Expect
	case o.Verify:
		debug.FreeOSMemory()
		ref, err := fixture.ReferenceOf(o.Path, x.w)
		if err != nil {
			return err
		}
		rep.Reference = &ref
	}
	if rep.Reference != nil {
		ref := rep.Reference.WithoutText()
		rep.Reference = &ref
		rep.Verified = ref == rep.Answer.WithoutText()
		if !rep.Verified {
			return fmt.Errorf("wrong answer: got %v, reference %v", rep.Answer, ref)
		}
	}
	return nil
}

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	return nil
}
