package app

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
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

func cmdExec(stdout, stderr io.Writer, args []string) error {
	fs := cli.NewFlagSet("exec", stdout, stderr, "usage: fanbench exec --strategy S --workload W --workers N [knobs] FILE")
	var o runner.ExecOptions
	fs.StringVar(&o.Strategy, "strategy", "", "strategy: readall, ranges, mmap, chan, shm, ceiling")
	fs.StringVar(&o.Workload, "workload", "count", "workload: "+strings.Join(workload.Names(), ", "))
	fs.IntVar(&o.Workers, "workers", 1, "number of workers")
	mode := fs.String("mode", strategy.Goroutine.String(), "goroutine (workers are goroutines) or process (workers are child processes)")
	fs.BoolVar(&o.Force, "force", false, "run even if the memory guard refuses (estimated peak over 80% of MemAvailable)")
	fs.BoolVar(&o.Verify, "verify", false, "compute the reference answer after measuring and compare (exit 1 on mismatch)")
	expect := fs.String("expect", "", "reference answer as JSON to compare with")
	fs.StringVar(&o.AnswerOut, "answer-out", "", "write the answer's canonical text to `PATH` (parse: the 1BRC baseline's output line; count: LINES BYTES)")
	fs.StringVar(&o.Profile, "profile", "", "write PREFIX.cpu.pprof and PREFIX.heap.pprof")
	spikeSize := fs.String("spike", "", "allocate and touch SIZE for 10ms before the work (a short peak for sampler studies)")
	o.Knobs = strategy.DefaultKnobs()
	strategy.BindFlags(fs.FlagSet, &o.Knobs) // one flag per registry row
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
	if o.Mode.UnmarshalText([]byte(*mode)) != nil {
		return usagef("flag -mode: %q, want one of %s", *mode, strategy.ModesText())
	}
	var modeErr error
	fs.Visit(func(f *flag.Flag) { // the knobs given, not their defaults
		if n, ok := strategy.LookupKnob(f.Name); ok && modeErr == nil {
			if err := n.CheckMode(o.Mode); err != nil {
				modeErr = fmt.Errorf("flag -%s: %w", f.Name, err)
			}
		}
	})
	if modeErr != nil {
		return usagef("%v", modeErr)
	}
	if _, err := workload.Lookup(o.Workload); err != nil {
		return usagef("flag -workload: %v", err)
	}
	if err := strategy.CheckWorkers(o.Workers); err != nil {
		return usagef("flag -%v", err)
	}
	if err := o.Knobs.Validate(); err != nil {
		return usagef("%v", err)
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
	if err := runner.CheckOutputs(o); err != nil {
		return usagef("%v", err)
	}
	rep, runErr := runner.Exec(o)
	if rep.Answer.Workload != "" { // a run that failed before its answer reports nothing
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(rep); err != nil {
			return err
		}
		if w := badLinesWarning(rep.Answer, o.Path); w != "" {
			fmt.Fprintf(stderr, "%s exec: warning: %s\n", cli.Program(), w)
		}
	}
	return runErr
}

// badLinesShare is the share of a file's lines that the parse workload may
// find are not NAME;VALUE records before exec warns: more suggests a file
// that is not in the format, measured as mostly skipped lines.
const badLinesShare = 0.01

// badLinesWarning is exec's warning when more than badLinesShare of the
// lines of file were not records of the parse workload, or "".
func badLinesWarning(a workload.Answer, file string) string {
	if a.Workload != "parse" || a.Lines == 0 || float64(a.Bad) <= badLinesShare*float64(a.Lines) {
		return ""
	}
	return fmt.Sprintf("%s: %d of %d lines (%.1f%%) are not NAME;VALUE records, which parse skips (more than %g%%)",
		file, a.Bad, a.Lines, 100*float64(a.Bad)/float64(a.Lines), 100*badLinesShare)
}
