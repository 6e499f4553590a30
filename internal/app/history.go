package app

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/history"
	"github.com/fanbench/fanbench/internal/runner"
)

func init() {
	register("history", "record results folders in history.jsonl and chart them (add, plot)", cmdHistory)
}

const historyUsage = `usage: fanbench history add [--history results/history.jsonl] [--gate SPEC] [--allow-incomplete] RESULTS_DIR
       fanbench history plot [--history results/history.jsonl] [--out plots/history] [--cells REGEXP] [--max-cells 10] [--metrics sec/op,B/s]`

// cmdHistory is `fanbench history add|plot ...`.
func cmdHistory(stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 {
		return usagef("want a subcommand, add or plot (%s)", strings.ReplaceAll(cli.Named(historyUsage), "\n", ";"))
	}
	switch args[0] {
	case "add":
		return historyAdd(stdout, stderr, args[1:])
	case "plot":
		return historyPlot(stdout, stderr, args[1:])
	case "-h", "-help", "--help", "help":
		// The usage of both subcommands, then the flags of each.
		fmt.Fprintln(stdout, cli.Named(historyUsage))
		for _, sub := range []string{"add", "plot"} {
			fs, _ := newHistoryFlags(sub, stdout, stderr)
			fmt.Fprintf(stdout, "%s flags:\n", fs.Name())
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return cli.ErrHelp
	}
	return usagef("unknown subcommand %q: want add or plot", args[0])
}

// historyFlags are the flags of history add (path, gate,
// allowIncomplete) and history plot (path, out, cells, maxCells, metrics).
type historyFlags struct {
	path, gate, out, cells, metrics *string
	allowIncomplete                 *bool
	maxCells                        *int
}

// newHistoryFlags defines the flags of history SUB, add or plot.
func newHistoryFlags(sub string, stdout, stderr io.Writer) (*cli.FlagSet, historyFlags) {
	fset := cli.NewFlagSet("history "+sub, stdout, stderr, historyUsage)
	var f historyFlags
	if sub == "add" {
		f.path = fset.String("history", history.DefaultPath, "history `file` to append to")
		f.gate = fset.String("gate", "", "comma-separated `UNIT:±N%` limits checked against the previous entry of the experiment (e.g. 'sec/op:+10%'); a fired gate is recorded, not fatal")
		f.allowIncomplete = fset.Bool("allow-incomplete", false, "record a results folder whose experiment has not finished (the entry says so)")
		return fset, f
	}
	f.path = fset.String("history", history.DefaultPath, "history `file` to chart")
	f.out = fset.String("out", "plots/history", "output `folder` for the PNG and SVG charts")
	f.cells = fset.String("cells", "", "`regexp` of the benchmark names to draw (default: workers=2 at the largest size, plus cells whose gate fired)")
	f.maxCells = fset.Int("max-cells", history.DefaultMaxCells, "draw at most `N` cells per chart")
	f.metrics = fset.String("metrics", "", "comma-separated `units` to chart (default: "+strings.Join(history.DefaultMetrics, ",")+")")
	return fset, f
}

// historyAdd is `fanbench history add [--history FILE] [--gate SPEC] RESULTS_DIR`.
func historyAdd(stdout, stderr io.Writer, args []string) error {
	fset, f := newHistoryFlags("add", stdout, stderr)
	path, gate, allowIncomplete := f.path, f.gate, f.allowIncomplete
	pos, err := parseHistoryFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("add: want one RESULTS_DIR argument, got %d", len(pos))
	}
	st, err := runner.ReadFolderState(pos[0])
	if err != nil {
		return usagef("results folder %s: %v", pos[0], err)
	}
	incomplete := st.Incomplete()
	if incomplete != "" && !*allowIncomplete {
		return usagef("results folder %s: %s: history add records finished experiments (finish it with %s, or give --allow-incomplete)",
			pos[0], incomplete, cli.Command(cli.Program(), "run", "--resume", pos[0]))
	}
	e, err := history.AddWith(*path, pos[0], history.AddOptions{Gates: *gate, Incomplete: incomplete})
	if err != nil {
		var ie *history.InputError
		switch {
		case errors.Is(err, history.ErrGate):
			return usagef("--gate: %v", err)
		case errors.As(err, &ie):
			return usagef("%v", err)
		}
		return err
	}
	fmt.Fprintln(stdout, *path)
	fmt.Fprintf(stdout, "added %s commit %s (%d cells) from %s\n", e.Experiment, e.Short(), len(e.Cells), e.Results)
	if e.Incomplete != "" {
		fmt.Fprintf(stdout, "recorded as %s (--allow-incomplete)\n", e.Incomplete)
	}
	if e.GateNote != "" {
		fmt.Fprintf(stdout, "gate %s: %s\n", e.Gate, e.GateNote)
	}
	for _, f := range e.GateFired {
		fmt.Fprintf(stdout, "gate fired: %s\n", f)
	}
	return nil
}

// historyPlot is `fanbench history plot [--history FILE] [--out DIR] [--cells REGEXP]`.
func historyPlot(stdout, stderr io.Writer, args []string) error {
	fset, f := newHistoryFlags("plot", stdout, stderr)
	path, out, cells, maxCells, metrics := f.path, f.out, f.cells, f.maxCells, f.metrics
	pos, err := parseHistoryFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("plot: unexpected argument %q (the history file is given with --history)", pos[0])
	}
	opt := history.PlotOptions{MaxCells: *maxCells}
	if *maxCells < 1 {
		return usagef("--max-cells: %d is not a positive number", *maxCells)
	}
	if *cells != "" {
		re, err := regexp.Compile(*cells)
		if err != nil {
			return usagef("--cells: %v", err)
		}
		opt.Cells = re
	}
	for _, m := range strings.Split(*metrics, ",") {
		if m = strings.TrimSpace(m); m != "" {
			opt.Metrics = append(opt.Metrics, m)
		}
	}
	entries, torn, err := history.ReadTorn(*path)
	if err != nil {
		return usagef("%v", err)
	}
	if torn > 0 {
		fmt.Fprintf(stderr, "%s history: warning: %s: dropped a torn last line\n", cli.Program(), *path)
	}
	paths, err := history.Plot(entries, *out, opt)
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	if err != nil {
		var ie *history.InputError
		switch {
		case errors.Is(err, history.ErrCells):
			return usagef("--cells: %v", err)
		case errors.Is(err, history.ErrMetric):
			return usagef("--metrics: %v", err)
		case errors.As(err, &ie):
			return usagef("%s: %v", *path, err)
		}
		return err
	}
	return nil
}

// parseHistoryFlags parses flags before or after the positional arguments,
// which it returns. A bad flag is a usage error.
func parseHistoryFlags(fset *cli.FlagSet, args []string) ([]string, error) {
	pos, err := cli.Parse(fset, args)
	if err != nil {
		return nil, flagError(err)
	}
	return pos, nil
}
