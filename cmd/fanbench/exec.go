package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/runner"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

func init() {
	register("exec", "run one strategy once on a file and print one JSON report", cmdExec)
}

// knobFlags binds strategy knobs to flags; sizes are parsed after Parse.
type knobFlags struct {
	k                     strategy.Knobs
	buf, segment, maxline string
}

func addKnobFlags(fs *flag.FlagSet) *knobFlags {
	kf := &knobFlags{k: strategy.DefaultKnobs()}
	kf.buf = units.FormatSize(int64(kf.k.BufSize))
	kf.segment = units.FormatSize(int64(kf.k.Segment))
	kf.maxline = units.FormatSize(int64(kf.k.MaxLine))
	fs.StringVar(&kf.buf, "buf", kf.buf, "ranges read buffer / chan chunk size (e.g. 1MiB)")
	fs.IntVar(&kf.k.ChanCap, "chancap", kf.k.ChanCap, "chan: channel capacity in chunks")
	fs.BoolVar(&kf.k.Pool, "pool", kf.k.Pool, "chan: recycle chunk buffers")
	fs.StringVar(&kf.k.Advice, "advice", kf.k.Advice, "mmap: madvise advice (normal, sequential, random, willneed, hugepage)")
	fs.BoolVar(&kf.k.Populate, "populate", kf.k.Populate, "mmap: MAP_POPULATE")
	fs.StringVar(&kf.k.Split, "split", kf.k.Split, "static (a part per worker) or dynamic (segments claimed from a counter)")
	fs.StringVar(&kf.segment, "segment", kf.segment, "dynamic split: segment size")
	fs.StringVar(&kf.k.Collect, "collect", kf.k.Collect, "how results are combined: partials, mutex, sharded (goroutine mode), channel, manager (process mode)")
	fs.IntVar(&kf.k.Batch, "batch", kf.k.Batch, "collect (but partials): lines per update (1: one update per record)")
	fs.StringVar(&kf.maxline, "maxline", kf.maxline, "ranges, chan: the longest line taken; a longer one (than buf and maxline) fails the run")
	return kf
}

func (kf *knobFlags) knobs() (strategy.Knobs, error) {
	b, err := units.ParseSize(kf.buf)
	if err != nil {
		return kf.k, usagef("flag -buf: %v", err)
	}
	s, err := units.ParseSize(kf.segment)
	if err != nil {
		return kf.k, usagef("flag -segment: %v", err)
	}
	m, err := units.ParseSize(kf.maxline)
	if err != nil {
		return kf.k, usagef("flag -maxline: %v", err)
	}
	kf.k.BufSize, kf.k.Segment, kf.k.MaxLine = int(b), int(s), int(m)
	if err := kf.k.Validate(); err != nil {
		return kf.k, usagef("%v", err)
	}
	return kf.k, nil
}

func cmdExec(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fanbench exec --strategy S --workload W --workers N [knobs] FILE")
		fs.PrintDefaults()
	}
	var o runner.ExecOptions
	fs.StringVar(&o.Strategy, "strategy", "", "strategy: readall, ranges, mmap, chan, shm, ceiling")
	fs.StringVar(&o.Workload, "workload", "count", "workload: count, parse, none")
	fs.IntVar(&o.Workers, "workers", 1, "number of workers")
	fs.StringVar(&o.Mode, "mode", "goroutine", "goroutine (workers are goroutines) or process (workers are child processes)")
	fs.BoolVar(&o.Force, "force", false, "run even if the memory guard refuses (estimated peak over 80% of MemAvailable)")
	fs.BoolVar(&o.Verify, "verify", false, "compute the reference answer after measuring and compare (exit 1 on mismatch)")
	expect := fs.String("expect", "", "reference answer as JSON to compare with")
	fs.StringVar(&o.AnswerOut, "answer-out", "", "write the answer's canonical text to `PATH` (parse: the 1BRC baseline's output line; count: LINES BYTES)")
	fs.StringVar(&o.Profile, "profile", "", "write PREFIX.cpu.pprof and PREFIX.heap.pprof")
	spikeSize := fs.String("spike", "", "allocate and touch SIZE for 10ms before the work (a short peak for sampler studies)")
	kf := addKnobFlags(fs)
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		return usagef("want exactly one FILE argument, got %d", len(pos))
	}
	o.Path = pos[0]
	if _, err := strategy.Lookup(o.Strategy); err != nil {
		return usagef("flag -strategy: %v", err)
	}
	if !slices.Contains(strategy.Modes, o.Mode) {
		return usagef("flag -mode: %q, want one of %s", o.Mode, strings.Join(strategy.Modes, ", "))
	}
	if _, err := workload.Lookup(o.Workload); err != nil {
		return usagef("flag -workload: %v", err)
	}
	if err := strategy.CheckWorkers(o.Workers); err != nil {
		return usagef("flag -%v", err)
	}
	if o.Knobs, err = kf.knobs(); err != nil {
		return err
	}
	if *spikeSize != "" {
		n, err := units.ParseSize(*spikeSize)
		if err != nil {
			return usagef("flag -spike: %v", err)
		}
		o.Spike = n
	}
	if *expect != "" {
		var a workload.Answer
		if err := json.Unmarshal([]byte(*expect), &a); err != nil {
			return usagef("flag -expect: %v", err)
		}
		o.Expect = &a
	}
	if o.ExtraWork, err = workload.ParseExtraWork(os.Getenv(workload.ExtraWorkEnv)); err != nil {
		return usagef("%v", err)
	}
	rep, runErr := runner.Exec(o)
	if rep.Answer.Workload != "" { // a run that failed before its answer reports nothing

		enc := json.NewEncoder(stdout)
		if err := enc.Encode(rep); err != nil {
			return err
		}
	}
	return runErr
}
