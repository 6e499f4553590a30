package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/chart/synthetic"
)

// chartFixture writes the chart tests' synthetic results folder under a
// temporary root and returns the folder.
func chartFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), synthetic.Experiment, synthetic.Stamp)
	if err := synthetic.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPlotCommand(t *testing.T) {
	dir := chartFixture(t)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	// Flags may come after the folder.
	if code := Run(&stdout, &stderr, []string{"report", dir, "--out", out}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	// The paths, then the terminal summary (the report package's golden
	// summary of the same synthetic folder; no colour off a terminal).
	paths, summary, ok := strings.Cut(stdout.String(), "verdict (")
	golden, err := os.ReadFile(filepath.Join("..", "report", "testdata", "summary_golden.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !ok || "verdict ("+summary != string(golden) {
		t.Errorf("report's summary differs from ../report/testdata/summary_golden.txt:\n%s", stdout.String())
	}
	lines := strings.Fields(paths)
	var html, svg bool
	for _, p := range lines {
		if !strings.HasPrefix(p, filepath.Join(out, "synthetic")+string(filepath.Separator)) {
			t.Errorf("path %s is not under OUT/EXPERIMENT", p)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("printed path: %v", err)
		}
		html = html || strings.HasSuffix(p, "index.html")
		svg = svg || strings.HasSuffix(p, ".svg")
	}
	if !html || !svg {
		t.Errorf("report wrote no index.html or SVG:\n%s", stdout.String())
	}
}

func TestPlotCommandBadInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	for _, args := range [][]string{
		{"plot"},
		{"plot", missing},
		{"report", "a", "b"},
		{"plot", "--bogus", chartFixture(t)},
	} {
		var stdout, stderr bytes.Buffer
		if code := Run(&stdout, &stderr, args); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if len(args) == 2 && args[1] == missing && !strings.Contains(stderr.String(), missing) {
			t.Errorf("%q: error does not name the folder: %s", args, stderr.String())
		}
	}
}

// TestReportRefusesDamagedRuns: a complete last line of runs.jsonl that is
// not a record (here a one-character typo) is damage, not a torn write:
// report and plot fail in one line naming the file and the line, exit 2,
// instead of leaving the run out without a word.
func TestReportRefusesDamagedRuns(t *testing.T) {
	dir := chartFixture(t)
	runsPath := filepath.Join(dir, "runs.jsonl")
	b, err := os.ReadFile(runsPath)
	if err != nil {
		t.Fatal(err)
	}
	n := bytes.Count(b, []byte("\n"))
	first := b[:bytes.IndexByte(b, '\n')+1]
	typo := bytes.Replace(first, []byte(`"rep":`), []byte(`"rep";`), 1)
	if err := os.WriteFile(runsPath, append(b, typo...), 0o644); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%s:%d: invalid character ';' after object key", runsPath, n+1)
	for _, cmd := range []string{"report", "plot"} {
		var stdout, stderr bytes.Buffer
		code := Run(&stdout, &stderr, []string{cmd, dir, "--out", t.TempDir()})
		if code != 2 || !strings.Contains(stderr.String(), want) || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line with %q", cmd, code, stderr.String(), want)
		}
	}
}
