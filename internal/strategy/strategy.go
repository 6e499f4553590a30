// Package strategy holds the ways of delivering a file's bytes to workers,
// declared as one plain table so that a new strategy is one more row.
package strategy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fanbench/fanbench/fanout"
	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/input"
	"github.com/fanbench/fanbench/internal/look"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/workload"
)

// Knobs are a strategy's tuning parameters, typed. Every run records them.
// Each field is one row of the knob registry (knobs.go), which parses,
// checks, prints and encodes them.
type Knobs struct {
	BufSize  int           // ranges: read buffer per worker; chan: chunk size. Bytes.
	ChanCap  int           // chan: channel capacity in chunks; collect=channel: its queue's capacity in batches
	Pool     bool          // chan: recycle chunk buffers instead of allocating one per chunk
	Advice   fanout.Advice // mmap: madvise advice: normal, sequential, random, willneed, hugepage
	Populate bool          // mmap: MAP_POPULATE (fault every page in at map time)
	Split    fanout.Split  // readall, ranges, mmap, ceiling: static (one part per worker) or dynamic (segments claimed from a counter)
	Segment  int           // dynamic split: segment size in bytes
	// Collect is how the workers' results are combined: partials, mutex,
	// sharded, channel or manager (see internal/collect). mutex and
	// sharded need mode=goroutine, manager mode=process.
	Collect collect.How
	Batch   int // collect (but partials): lines per update; 1 is one update per record
	// MaxLine bounds the lines the strategies reading through buffers
	// (ranges, chan; both modes) take: a buffer grows for a line longer
	// than itself to MaxLine at most, and a line (its '\n' included)
	// longer than max(buf, maxline) fails the run (input.LineTooLong). It bounds their memory whatever the input: a
	// ranges worker holds at most max(buf, maxline), chan at most
	// (chancap + workers + 2) × (buf + maxline). The whole-file strategies
	// (readall, mmap, shm, ceiling) hold the file by design and take lines
	// of any length; pread cuts at bytes, not lines. Bytes.
	MaxLine int
	// MinTime, if positive, makes exec repeat the measured phase in the
	// same process until this much of it has been timed after the first
	// iteration (as go test -bench repeats a benchmark up to -benchtime):
	// the first iteration is recorded apart (FirstSec) and the time, CPU
	// and allocation figures are the mean per iteration of the repeats.
	// Memory figures are the first iteration's. 0 runs the phase once.
	MinTime time.Duration
}

// Upper bounds of the knobs and the worker count: sane limits where the
// memory estimate cannot help (a channel or worker count that would only
// exhaust file descriptors, processes or the scheduler) and where nothing
// is gained past them (a buffer larger than any fixture).
const (
	MaxBuf     = 1 << 30 // buf and maxline: 1GiB
	MaxChanCap = 1 << 20 // chancap: chunks or batches in a channel
	MaxSegment = 1 << 40 // segment: 1TiB
	MaxBatch   = 1 << 30 // batch: lines per update
	MaxWorkers = 4096    // workers, goroutines or processes
	// MaxMinTime bounds min_time: a run repeats for at most a minute.
	MaxMinTime = time.Minute
	// MaxIterations bounds the iterations of a min_time run, whatever
	// its phase costs (an empty file's phase takes microseconds).
	MaxIterations = 1_000_000
)

// CheckWorkers reports a worker count out of range, naming it.
func CheckWorkers(n int) error {
	switch {
	case n < 1:
		return fmt.Errorf("workers: %d, want at least 1", n)
	case n > MaxWorkers:
		return fmt.Errorf("workers: %d, want at most %d", n, MaxWorkers)
	}
	return nil
}

// Job is one strategy invocation: a file, a workload, a worker count.
type Job struct {
	Path     string
	Workload workload.Workload
	Workers  int
	Knobs    Knobs
	// AtPeak, if set, is called once after the work is done but before the
	// strategy releases its memory (buffers, mappings), outside the timed
	// phase: the moment to read end-of-run PSS.
	AtPeak func()
	// Command starts each worker of a process form (nil: SelfCommand).
	Command Command
	// Faults, for the fault tests, injects misbehaviour into the job's
	// collector (collect.Config.Faults; nil: none).
	Faults collect.Faults
	// Context is the job's context (nil: context.Background()): it cancels
	// a goroutine form.
	Context context.Context
	// opened, set only by this package's tests (those that change a file
	// under a run), is called with the job's path once the run has opened
	// it: by the forms that open it here just after the open, by the
	// fanout forms (fanout opens the file itself) just before the first
	// chunk is delivered, every worker waiting for it (atFirstChunk).
	opened func(path string)
}

// ctx is the job's context, context.Background() if it has none.
func (j Job) ctx() context.Context {
	if j.Context == nil {
		return context.Background()
	}
	return j.Context
}

// open opens the job's input under the input policy (then calls
// j.opened, if set).
func (j Job) open() (*input.Input, error) {
	in, err := input.Open(j.Path)
	if err == nil && j.opened != nil {
		j.opened(j.Path)
	}
	return in, err
}

// atFirstChunk is fn, with j.opened, if set, called once before the first
// chunk is delivered and every call waiting for it to return: for a
// fanout form, the moment after the open when no worker has read the
// file's bytes yet (the whole-file ones hold them already).
func (j Job) atFirstChunk(fn func(fanout.Chunk) error) func(fanout.Chunk) error {
	if j.opened == nil {
		return fn
	}
	var once sync.Once
	return func(c fanout.Chunk) error {
		once.Do(func() { j.opened(j.Path) })
		return fn(c)
	}
}

// atPeak calls j.AtPeak if it is set.
func (j Job) atPeak() {
	if j.AtPeak != nil {
		j.AtPeak()
	}
}

// Result is what a strategy produced and what it cost.
type Result struct {
	Answer  workload.Answer
	Elapsed time.Duration // the measured phase (for ceiling: the scan only)
	// PhaseCPU, if positive, is the CPU time of the measured phase as the
	// form measured it itself: ceiling's leaves out the untimed load of
	// the file. Zero: the CPU time of the whole call is the phase's.
	PhaseCPU time.Duration
	Extra    map[string]float64 // strategy counters: copy-B, chunks, reads...
	// Workers holds, in process mode, each worker child's own figures
	// (VmHWM, RssAnon, RssFile, Pss...), read by the child after its work
	// and before it released its buffer or mapping, in worker order.
	// Goroutine mode leaves it nil.
	Workers []results.Memory
	// MemoryErr says, in process mode, why a worker's figures are missing
	// (the first such worker); empty when all were read.
	MemoryErr string
}

// Func runs a strategy.
type Func func(j Job) (Result, error)

// Strategy is one row of the table.
type Strategy struct {
	// Look is the strategy's name and how it looks in every chart
	// (its colour and marker), kept in internal/look so that the charts
	// read them without linking the strategies.
	look.Look
	Doc       string
	Goroutine Func // workers are goroutines in this process
	// Load, if set, splits the goroutine form for a benchmark loop: it
	// does the form's untimed setup once (ceiling: map the file and fault
	// every page in) and returns the timed part, scan, which may be
	// called again and again over what was loaded, and done, which
	// undoes the setup and returns the scans' error (given) or its own.
	// Goroutine is Load, one scan and done.
	Load func(Job) (scan func() (Result, error), done func(error) error, err error)
	// Process runs the workers as child processes (re-executed fanbench
	// workers, see WorkerMain); nil when the strategy has no process form.
	Process Func
	// Workloads, if set, are the only workloads the strategy runs (the
	// pread yardstick: count); others fail with an error naming them.
	Workloads []string
	// Collects, if set, are the only collect values the strategy takes
	// (pread: partials); otherwise every value that applies to the mode
	// (collect.Check).
	Collects []collect.How
	// Yardstick marks a strategy that measures a limit rather than a way
	// of delivering the bytes (ceiling: the workload over bytes already
	// in memory; pread: the plain pread loop). A spec's process-mode
	// matrix leaves yardsticks out: ceiling's process form is its
	// goroutine form, pread has none.
	Yardstick bool
	// Peak is a deliberately generous estimate of a run's whole-tree
	// anonymous memory: what the memory guards of run and exec judge by
	// (use EstimatePeak, which adds exec's spike).
	Peak func(f Footprint) Estimate
}

// Runs reports whether the strategy runs the named workload.
func (s Strategy) Runs(workload string) bool {
	return s.Workloads == nil || slices.Contains(s.Workloads, workload)
}

// Supports reports why the strategy cannot run the named workload in mode
// with knobs k, nil if it can: the one place that says which cells are
// possible, so that a spec is refused at load rather than every run of an
// impossible cell failing. It checks the form (Form), the workloads
// (Workloads) and the collect value (Collects, and collect.Check in the
// mode the workers run in: a yardstick's are goroutines in this process,
// ceiling's process form being its goroutine form).
func (s Strategy) Supports(mode Mode, workload string, k Knobs) error {
	if _, err := s.Form(mode); err != nil {
		return err
	}
	if !s.Runs(workload) {
		return fmt.Errorf("strategy %s runs the %s workload only, not %s", s.Name, strings.Join(s.Workloads, ", "), workload)
	}
	if s.Collects != nil && !slices.Contains(s.Collects, k.Collect) {
		return fmt.Errorf("strategy %s takes collect=%s only, not %s", s.Name, strings.Join(names(s.Collects), ", "), k.Collect)
	}
	workers := mode
	if s.Yardstick {
		workers = Goroutine
	}
	if err := collect.Check(k.Collect, workers.String()); err != nil {
		return fmt.Errorf("strategy %s in mode=%s: %w", s.Name, mode, err)
	}
	return nil
}

// Mode is a worker mode: Goroutine or Process. Its text is its name
// (MarshalText; UnmarshalText refuses any other text).
type Mode string

// The worker modes.
const (
	Goroutine Mode = "goroutine" // workers are goroutines in one process
	Process   Mode = "process"   // workers are child processes
)

// Modes are the worker modes, in the order runs report them.
var Modes = []Mode{Goroutine, Process}

// String is the mode's name.
func (m Mode) String() string { return string(m) }

// MarshalText is the mode's name.
func (m Mode) MarshalText() ([]byte, error) { return []byte(m), nil }

// UnmarshalText reads a mode's name, refusing any other text.
func (m *Mode) UnmarshalText(b []byte) error {
	v := Mode(b)
	if !slices.Contains(Modes, v) {
		return fmt.Errorf("%q, want %s", b, strings.Join(names(Modes), " or "))
	}
	*m = v
	return nil
}

// ModesText is ms (all Modes when none is given) joined by ", ", for
// messages.
func ModesText(ms ...Mode) string {
	if len(ms) == 0 {
		ms = Modes
	}
	return strings.Join(names(ms), ", ")
}

// Form returns the strategy's function for mode, or an error naming what
// is missing.
func (s Strategy) Form(mode Mode) (Func, error) {
	var f Func
	switch mode {
	case Goroutine:
		f = s.Goroutine
	case Process:
		f = s.Process
	default:
		return nil, fmt.Errorf("mode %q: want one of %s", string(mode), ModesText())
	}
	if f == nil {
		return nil, fmt.Errorf("strategy %s has no mode=%s form", s.Name, mode)
	}
	return f, nil
}

// All is the table of strategies. ceiling's process form is its goroutine
// form on purpose: the ceiling is the workload over bytes already in one
// process's memory with W goroutines, the same yardstick for both modes
// (it reports no worker children). pread is the other yardstick: the plain
// pread-and-scan loop ranges is judged against, goroutine mode and the
// count workload only.
var All = []Strategy{
	{Look: look.ReadAll, Doc: "read the whole file into one buffer, cut it on newlines into W slices; process: the parent writes each child's part down its stdin pipe (a copy per child)",
		Goroutine: goroutine(fanout.ReadAll, copied), Process: readAllProcess, Peak: wholeFile},
	{Look: look.Ranges, Doc: "each worker preads its own newline-aligned range through a small reusable buffer; process: each child gets path, offset and length",
		Goroutine: goroutine(fanout.Ranges, preads), Process: rangesProcess, Peak: lineBufs},
	{Look: look.Mmap, Doc: "map the file once (PROT_READ, MAP_SHARED); workers scan sub-slices; process: each child maps the file and scans its range",
		Goroutine: goroutine(fanout.Mmap, none), Process: mmapProcess, Peak: bufPerWorker},
	{Look: look.Chan, Doc: "one reader sends newline-aligned chunks over a bounded channel to W workers; process: the parent streams chunks into the children's stdin pipes",
		Goroutine: goroutine(fanout.Chan, chunksCopied), Process: chanProcess, Peak: chunks},
	{Look: look.Shm, Doc: "goroutine: read the file into memory once and scan it (as readall); process: the parent copies the file once into a sealed memfd that every child maps",
		Goroutine: goroutine(fanout.Shm, copied), Process: shmProcess, Peak: shmPeak},
	{Look: look.Ceiling, Doc: "the workload over the file's pages already mapped and faulted in (MAP_POPULATE, not timed): the machine's limit; process mode runs the same goroutine form",
		Goroutine: ceiling, Load: ceilingLoad, Process: ceiling, Yardstick: true, Peak: ceilingPeak},
	{Look: look.Pread, Doc: "yardstick for count: W goroutines pread contiguous byte ranges (not line-aligned) through a buf-sized buffer and count newlines; goroutine mode only",
		Goroutine: preadScan, Workloads: []string{"count"}, Collects: []collect.How{collect.Partials}, Yardstick: true, Peak: bufPerWorker},
}

// Lookup finds a strategy by name.
func Lookup(name string) (Strategy, error) {
	for _, s := range All {
		if s.Name == name {
			return s, nil
		}
	}
	return Strategy{}, fmt.Errorf("unknown strategy %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// Names lists the strategy names in table order.
func Names() []string {
	var n []string
	for _, s := range All {
		n = append(n, s.Name)
	}
	return n
}

// collectConfig is the job's collect configuration.
func collectConfig(j Job) collect.Config {
	return collect.Config{How: j.Knobs.Collect, Workload: j.Workload, Workers: j.Workers, Batch: j.Knobs.Batch, Queue: j.Knobs.ChanCap, Faults: j.Faults}
}

// newCollector returns the goroutine-mode collector of job j, the error
// naming the strategy.
func newCollector(name string, j Job) (*collect.Collector, error) {
	c, err := collect.New(collectConfig(j))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

// firstError is the first non-nil error of errs, or nil.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
