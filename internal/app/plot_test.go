package app

import (
	"bytes"
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
	lines := strings.Fields(stdout.String())
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
