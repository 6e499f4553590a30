package strategy

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/fanout"
	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/input"
	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/workload"
)

// The goroutine forms are the fanout package: fanout.Run delivers the
// chunks, each to the collector sink of the worker it is on.

// counters are the strategy counters a goroutine form records in Extra
// from fanout's Stats (their names are the results' metric names).
type counters func(fanout.Stats) map[string]float64

func copied(st fanout.Stats) map[string]float64 {
	return map[string]float64{results.UnitCopyB: float64(st.CopiedBytes)}
}

func preads(st fanout.Stats) map[string]float64 {
	return map[string]float64{results.UnitReads: float64(st.Reads)}
}

func chunksCopied(st fanout.Stats) map[string]float64 {
	return map[string]float64{"chunks": float64(st.Chunks), results.UnitCopyB: float64(st.CopiedBytes)}
}

func none(fanout.Stats) map[string]float64 { return nil }

// goroutine is strategy s's goroutine form: fanout.Run over the job's file.
func goroutine(s fanout.Strategy, extra counters) Func {
	return func(j Job) (Result, error) {
		return gather(string(s), j, extra, func(opt fanout.Options, fn func(fanout.Chunk) error) (fanout.Stats, error) {
			opt.Strategy = s
			st, err := fanout.Run(j.ctx(), j.Path, opt, j.atFirstChunk(fn))
			var ll *fanout.LineTooLong
			if errors.As(err, &ll) { // named as the process forms name it: by the maxline knob
				err = fmt.Errorf("%s %s: %w", s, j.Path, input.LineTooLong{Off: ll.Off, MaxLine: ll.MaxLine})
			}
			return st, err
		})
	}
}

// ceiling maps the file and faults every page of it in (MAP_POPULATE),
// untimed, then times only the parallel scan over those resident pages
// (fanout.RunBytes): what the workload costs when delivery is free. Its
// PhaseCPU is the scan's CPU time, the mapping left out. The pages are the
// page cache's own, as mmap's are, so no strategy's scan reads memory the
// ceiling's does not: a copy of the file on the heap (the ceiling's first
// form) scanned slower than mmap's mapping of the page cache on this
// machine (count at 4-16 MiB: mmap at 0.74-0.99 of its phase CPU time),
// and a ceiling below a delivery strategy is no ceiling.
func ceiling(j Job) (Result, error) {
	scan, done, err := ceilingLoad(j)
	if err != nil {
		return Result{}, err
	}
	res, err := scan()
	if err := done(err); err != nil {
		return Result{}, err
	}
	return res, nil
}

// ceilingLoad is the ceiling's Load: it maps the file with every page
// faulted in, and returns the timed scan over that mapping (which may run
// again and again) and done, which unmaps it and checks that the file did
// not change.
func ceilingLoad(j Job) (scan func() (Result, error), done func(error) error, err error) {
	const name = "ceiling"
	in, err := j.open()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	data, unmap, err := input.Map(in, unix.MADV_NORMAL, true)
	if err != nil {
		err = in.End(name, err)
		in.Close()
		return nil, nil, err
	}
	scan = func() (Result, error) {
		cpu := measure.ProcessCPU()
		res, err := gather(name, j, none, func(opt fanout.Options, fn func(fanout.Chunk) error) (fanout.Stats, error) {
			st, err := fanout.RunBytes(j.ctx(), data, opt, fn)
			if err != nil {
				err = fmt.Errorf("%s: %w", name, err)
			}
			return st, err
		})
		res.PhaseCPU = max(measure.ProcessCPU()-cpu, 1) // never 0: 0 means "the whole call"
		return res, err
	}
	done = func(err error) error {
		defer in.Close()
		if uerr := unmap(); uerr != nil && err == nil {
			err = fmt.Errorf("%s %s: munmap: %w", name, in.Path, uerr)
		}
		return in.End(name, err)
	}
	return scan, done, nil
}

// gather runs deliver with the job's options and a function adding each
// chunk to its worker's sink, and combines the sinks as the collect knob
// says. The sinks are closed and combined just before the job's AtPeak
// (inside the timed phase), or after a failure.
func gather(name string, j Job, extra counters, deliver func(fanout.Options, func(fanout.Chunk) error) (fanout.Stats, error)) (Result, error) {
	col, err := newCollector(name, j)
	if err != nil {
		return Result{}, err
	}
	g := &gatherer{col: col, sinks: make([]collect.Sink, j.Workers), atPeak: j.AtPeak}
	for w := range g.sinks {
		g.sinks[w] = col.Sink(w)
	}
	opt := options(j)
	opt.AtPeak = g.peak
	st, err := deliver(opt, g.add)
	g.combine()
	if err != nil {
		return Result{}, err
	}
	if g.err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, g.err)
	}
	return Result{Answer: g.partial.Answer(), Elapsed: st.Elapsed + g.took, Extra: collectExtra(g.stats, extra(st))}, nil
}

// gatherer is a goroutine form's collection: a sink per worker, combined
// once by combine.
type gatherer struct {
	col    *collect.Collector
	sinks  []collect.Sink
	atPeak func() // the job's

	done    bool
	took    time.Duration // combining
	partial workload.Partial
	stats   collect.Stats
	err     error
}

// add is fanout's fn: the chunk goes to its worker's sink.
func (g *gatherer) add(c fanout.Chunk) error {
	g.sinks[c.Worker].Add(c.Data)
	return nil
}

// combine closes the sinks and combines them, once.
func (g *gatherer) combine() {
	if g.done {
		return
	}
	g.done = true
	start := time.Now()
	for _, s := range g.sinks {
		s.Close() // Finish reports a sink's failure
	}
	g.partial, g.stats, g.err = g.col.Finish()
	g.took = time.Since(start)
}

// peak is fanout's AtPeak: combine, then the job's AtPeak.
func (g *gatherer) peak() {
	g.combine()
	if g.err == nil && g.atPeak != nil {
		g.atPeak()
	}
}

// options are the fanout options of job j (the strategy left to the caller).
func options(j Job) fanout.Options {
	k := j.Knobs
	o := fanout.Options{Workers: j.Workers, BufSize: k.BufSize, ChanCap: k.ChanCap, NoPool: !k.Pool,
		Split: k.Split, Segment: k.Segment, MaxLine: k.MaxLine,
		Advice: k.Advice, Populate: k.Populate}
	if o.ChanCap == 0 {
		o.ChanCap = fanout.Unbuffered // the knob's 0 is a capacity, fanout's a default
	}
	return o
}
