package report_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/chart/synthetic"
	"github.com/fanbench/fanbench/internal/report"
	"github.com/fanbench/fanbench/internal/results"
)

var updateSummary = flag.Bool("update-summary", false, "rewrite testdata/summary_golden.txt")

// ansi matches the escape sequences the coloured summary uses.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// checkWidth fails unless every line of out, escapes aside, fits the
// terminal's 80 columns.
func checkWidth(t *testing.T, out string) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(ansi.ReplaceAllString(l, "")); n > 80 {
			t.Errorf("%d columns: %q", n, l)
		}
	}
}

// TestSummaryGolden: the terminal summary of the synthetic fixture, with
// no colour, is testdata/summary_golden.txt (go test -update-summary rewrites it);
// every line fits 80 columns; in colour the same text with escapes.
func TestSummaryGolden(t *testing.T) {
	res, err := chart.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var plain, color bytes.Buffer
	if err := report.WriteSummary(&plain, res, false); err != nil {
		t.Fatal(err)
	}
	golden := "testdata/summary_golden.txt"
	if *updateSummary {
		if err := os.WriteFile(golden, plain.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if plain.String() != string(want) {
		t.Errorf("summary differs from %s:\n%s", golden, plain.String())
	}
	if ansi.MatchString(plain.String()) {
		t.Errorf("escapes in the uncoloured summary")
	}
	checkWidth(t, plain.String())
	if err := report.WriteSummary(&color, res, true); err != nil {
		t.Fatal(err)
	}
	if !ansi.MatchString(color.String()) || ansi.ReplaceAllString(color.String(), "") != plain.String() {
		t.Errorf("coloured summary is not the plain one with escapes:\n%q", color.String())
	}
	checkWidth(t, color.String())
}

// TestSummaryUndecidedAndUnstable: two strategies that measure alike have
// no winner ("no significant difference"), and a cell whose six times
// are 1 s but one 2 s has the 95% interval [1 s, 2 s] of six runs (their
// extremes), +100% of its median 1 s: flagged unstable. Its rival's
// interval [0.98 s, 1.02 s] is ±2%: not flagged.
func TestSummaryUndecidedAndUnstable(t *testing.T) {
	runs := append(synthetic.CellRuns("goroutine", "ranges", "warm", 1<<30, 1, 1, 1, 1, 1, 2),
		synthetic.CellRuns("goroutine", "mmap", "warm", 1<<30, 1, 1.01, 0.99, 1, 1.02, 0.98)...)
	out, d := summaryOf(t, runs, false)
	want := "verdict (medians; significant when p < 0.05; memory: " + chart.ChooseMemoryMetric(d).Label + ")\n" +
		"count · goroutine · warm cache\n" +
		"  speed:  no significant difference (the one cell compared)\n" +
		"  memory: no significant difference (the one cell compared)\n" +
		"unstable: 1 cell's 95% interval is wider than ±20% of the median:\n" +
		"  ranges · count · goroutine · warm cache, 1 GiB, 4 workers: sec/op ±100%\n"
	if out != want {
		t.Errorf("summary:\n%s\nwant:\n%s", out, want)
	}
}

// TestSummaryWidth: long strategy labels (many knobs) and many unstable
// cells still fit 80 columns, and the unstable list stops at 8 names.
func TestSummaryWidth(t *testing.T) {
	var runs []results.Run
	for i, st := range []string{"ranges", "mmap", "readall"} {
		for k, size := range []int64{1 << 20, 1 << 30, 64 << 30} {
			rs := synthetic.CellRuns("process", st, "cold", size, 1, 1, 1, 1, 1, float64(3+i))
			for j := range rs {
				// Two settings of every knob: each series' label names them all.
				rs[j].Cell.Knobs = map[string]string{"cache": "cold", "buf": fmt.Sprintf("%dMiB", 1+k%2), "chancap": fmt.Sprint(4096 + k%2),
					"split": []string{"dynamic", "static"}[k%2], "segment": fmt.Sprintf("%dMiB", 8+k%2), "advice": []string{"sequential", "willneed"}[k%2]}
			}
			runs = append(runs, rs...)
		}
	}
	out, _ := summaryOf(t, runs, true)
	checkWidth(t, out)
	if plain := ansi.ReplaceAllString(out, ""); !strings.Contains(plain, "unstable: 9 cells'") || !strings.Contains(plain, "\n  and 1 more (") {
		t.Errorf("want 9 unstable cells, 8 named:\n%s", out)
	}
}

// summaryOf is the terminal summary of runs, and their dataset.
func summaryOf(t *testing.T, runs []results.Run, color bool) (string, *chart.Dataset) {
	t.Helper()
	d, err := chart.NewDataset(runs, results.Machine{CPUModel: "synthetic", Cores: 2})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := report.WriteSummary(&out, &chart.Results{Data: d}, color); err != nil {
		t.Fatal(err)
	}
	return out.String(), d
}
