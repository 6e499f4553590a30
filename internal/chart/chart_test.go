package chart_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/chart/synthetic"
	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

func loadFixture(t *testing.T) *chart.Results {
	t.Helper()
	res, err := chart.Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestLoadFixture(t *testing.T) {
	res := loadFixture(t)
	if res.Data.Experiment != "synthetic" {
		t.Errorf("experiment = %q", res.Data.Experiment)
	}
	if got := res.Data.Machine.Hardware(); got != "AMD EPYC 7B13 64-Core Processor, 8 cores" {
		t.Errorf("machine = %q", got)
	}
	// 67 cells with a warm-up each, plus one failed run.
	if want := 319; res.Data.Skipped != want {
		t.Errorf("skipped = %d, want %d", res.Data.Skipped, want)
	}
	if len(res.Claims) != 3 {
		t.Errorf("claims = %d, want 3", len(res.Claims))
	}
	if n := len(res.Data.Facets()); n != 3 {
		t.Errorf("facets = %d, want 3", n)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := chart.Load(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing folder: err = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, results.RunsFile), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, results.EnvFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := chart.Load(dir); err == nil || !strings.Contains(err.Error(), "no successful") {
		t.Errorf("empty runs: err = %v", err)
	}
}

func TestAllFigures(t *testing.T) {
	res := loadFixture(t)
	figs, err := chart.All(res.Data)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range figs {
		names[f.Name] = true
	}
	for _, want := range []string{
		"throughput_parse_goroutine_warm", "memory_count_goroutine_warm", "timeline_count_process_warm",
		"efficiency_parse_goroutine_warm", "modes_count_warm",
	} {
		if !names[want] {
			t.Errorf("missing figure %s", want)
		}
	}
	// parse was measured in goroutine mode only and without timelines.
	for _, absent := range []string{"modes_parse_warm", "timeline_parse_goroutine_warm"} {
		if names[absent] {
			t.Errorf("unexpected figure %s", absent)
		}
	}
}

func TestMain(m *testing.M) {
	os.Exit(synthetic.RunTests(m, "fanbench-chart-", &fixture, nil))
}

// TestSaveAll: every figure is written as PNG and SVG into a folder it
// creates; a folder that cannot be created is a "plots folder" error.
func TestSaveAll(t *testing.T) {
	figs, err := chart.Throughput(loadFixture(t).Data)
	if err != nil || len(figs) < 2 {
		t.Fatalf("throughput figures: %d, %v", len(figs), err)
	}
	dir := filepath.Join(t.TempDir(), "new", "plots")
	paths, err := plotkit.SaveAll(figs[:2], dir)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range figs[:2] {
		want = append(want, filepath.Join(dir, f.Name+".png"), filepath.Join(dir, f.Name+".svg"))
	}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
	for _, p := range want {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if paths, err := plotkit.SaveAll(figs, filepath.Join(file, "plots")); err == nil || !strings.Contains(err.Error(), "plots folder") || len(paths) != 0 {
		t.Errorf("folder under a file: paths %q, err %v", paths, err)
	}
}
