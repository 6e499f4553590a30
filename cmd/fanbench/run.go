package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"golang.org/x/term"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/runner"
)

func init() {
	register("run", "run an experiment spec (experiments/NAME.toml) and write a results folder", cmdRun)
}

func cmdRun(stdout, stderr io.Writer, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: fanbench run [flags] experiments/NAME.toml\n       fanbench run --resume RESULTS_DIR")
		fs.PrintDefaults()
	}
	resultsRoot := fs.String("results", "results", "results root: the folder is ROOT/<experiment>/<UTC time>")
	fixtures := fs.String("fixtures", fixture.DefaultDir, "fixture folder")
	resume := fs.String("resume", "", "continue the interrupted experiment in this results folder")
	force := fs.Bool("force", false, "run cells the memory guard would skip")
	advisory := fs.Bool("advisory-claims", false, "report failed claims without failing the command")
	reps := fs.Int("reps", 0, "override the spec's repetitions")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return flagError(err)
	}
	var specPath string
	switch {
	case *resume != "" && len(pos) == 0:
		specPath = filepath.Join(*resume, runner.SpecCopyName)
	case *resume == "" && len(pos) == 1:
		specPath = pos[0]
	default:
		return usagef("want one spec file, or --resume RESULTS_DIR alone")
	}
	spec, err := runner.LoadSpec(specPath)
	if err != nil {
		return usagef("%v", err)
	}
	if *reps < 0 {
		return usagef("flag -reps: %d, want at least 1", *reps)
	}
	if *reps > 0 {
		spec.Repetitions = *reps
	}
	// A closed pipe on stdout (e.g. `| tee` killed by Ctrl-C) must not kill the
	// run before it records what it has: writes then fail instead.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	isTerm := false
	if f, ok := stderr.(*os.File); ok {
		isTerm = term.IsTerminal(int(f.Fd()))
	}
	sum, err := runner.Run(ctx, runner.Options{Spec: spec, ResultsRoot: *resultsRoot, Dir: *resume, Resume: *resume != "",
		FixtureDir: *fixtures, Force: *force, Progress: stderr, Terminal: isTerm, Log: stdout})
	if err != nil {
		if ctx.Err() != nil {
			return &exitError{code: 130, msg: err.Error()}
		}
		return err
	}
	fmt.Fprintf(stdout, "results: %s (%d runs, %d failed, %d skipped, %.1fs)\n", sum.Dir, sum.Runs, sum.Failed, sum.Skipped, sum.Elapsed.Seconds())
	failedClaims := 0
	for _, v := range sum.Verdicts {
		word := "PASS"
		if !v.Pass {
			word = "FAIL"
			failedClaims++
		}
		fmt.Fprintf(stdout, "%s  %s: %s\n", word, v.Claim, v.Measured)
	}
	fmt.Fprintf(stdout, "compare strategies: go run golang.org/x/perf/cmd/benchstat -col /strategy %s\n", filepath.Join(sum.Dir, "results.bench"))
	var errs []error
	if sum.Failed > 0 {
		errs = append(errs, fmt.Errorf("%d runs failed (reasons in %s)", sum.Failed, filepath.Join(sum.Dir, "runs.jsonl")))
	}
	if failedClaims > 0 && !*advisory {
		errs = append(errs, fmt.Errorf("%d of %d claims failed", failedClaims, len(sum.Verdicts)))
	}
	if len(errs) > 0 {
		return &exitError{code: 1, msg: errors.Join(errs...).Error()}
	}
	return nil
}
