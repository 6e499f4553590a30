package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fanbench/fanbench/internal/cli"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/report"
	"github.com/fanbench/fanbench/internal/runner"
)

func init() {
	register("plot", "draw charts (PNG and SVG) from a results folder", cmdPlot)
	register("report", "write charts, report.md and index.html from a results folder", cmdReport)
}

// cmdPlot is `fanbench plot RESULTS_DIR [--out plots/]`.
func cmdPlot(stdout, stderr io.Writer, args []string) error {
	res, out, err := loadForCharts("plot", stdout, stderr, args)
	if err != nil {
		return err
	}
	_, paths, err := chart.Plot(res, out)
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return err
}

// cmdReport is `fanbench report RESULTS_DIR [--out plots/]`.
func cmdReport(stdout, stderr io.Writer, args []string) error {
	res, out, err := loadForCharts("report", stdout, stderr, args)
	if err != nil {
		return err
	}
	if err := noteIncomplete(stdout, res); err != nil {
		return err
	}
	paths, err := report.Write(res, out)
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	if err != nil {
		return err
	}
	return report.WriteSummary(stdout, res, useColor(stdout))
}

// noteIncomplete marks the report of an experiment that has not finished:
// "incomplete: N of M runs" at the top of report.md, index.html and the
// command's output, and, since the claims are judged only when it
// finishes, the spec's claims judged on the runs recorded so far.
func noteIncomplete(stdout io.Writer, res *chart.Results) error {
	st, err := runner.ReadFolderState(res.Dir)
	if err != nil {
		return usagef("results folder %s: %v", res.Dir, err)
	}
	why := st.Incomplete()
	if why == "" {
		return nil
	}
	next := "continue with " + cli.Command(cli.Program(), "run", "--resume", res.Dir)
	if _, err := os.Stat(filepath.Join(res.Dir, runner.MergeFileName)); err == nil {
		next = "merged without some shards' runs: finish those shards, then merge again"
	}
	res.Notice = fmt.Sprintf("%s; the figures and claims are of the runs recorded so far (%s)", why, next)
	if res.Claims == nil {
		res.Claims = st.Claims
	}
	fmt.Fprintln(stdout, res.Notice)
	return nil
}

// loadForCharts parses `NAME RESULTS_DIR [--out DIR]` (flags before or after
// the folder) and loads the results folder.
func loadForCharts(name string, stdout, stderr io.Writer, args []string) (*chart.Results, string, error) {
	fset := cli.NewFlagSet(name, stdout, stderr, fmt.Sprintf("usage: fanbench %s RESULTS_DIR [--out plots/]", name))
	out := fset.String("out", "plots", "output root; charts go to OUT/EXPERIMENT/")
	pos, err := cli.Parse(fset, args)
	if err != nil {
		return nil, "", flagError(err)
	}
	if len(pos) != 1 {
		return nil, "", usagef("want one RESULTS_DIR, got %d arguments (usage: fanbench %s RESULTS_DIR [--out plots/])", len(pos), name)
	}
	res, err := chart.Load(pos[0])
	if err != nil {
		// A folder that is missing or is not a readable results folder is bad input.
		return nil, "", usagef("%v", err)
	}
	return res, *out, nil
}
