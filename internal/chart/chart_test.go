package chart_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/chart/synthetic"
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

// srcHref finds src and href attribute values.
var srcHref = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]*)"`)

var (
	reportOnce sync.Once
	reportDir  string
	reportFigs int
	reportErr  error
)

// writeReport renders the fixture's report once for the tests that read it.
func writeReport(t *testing.T) (dir string, figs int) {
	t.Helper()
	reportOnce.Do(func() {
		res, err := chart.Load(fixture)
		if err != nil {
			reportErr = err
			return
		}
		root, err := os.MkdirTemp("", "chart-report-")
		if err != nil {
			reportErr = err
			return
		}
		paths, err := chart.Report(res, root)
		if err != nil {
			reportErr = err
			return
		}
		for _, p := range paths {
			if _, err := os.Stat(p); err != nil {
				reportErr = err
				return
			}
			if strings.HasSuffix(p, ".png") {
				reportFigs++
			}
		}
		reportDir = chart.PlotDir(root, res.Data)
	})
	if reportErr != nil {
		t.Fatal(reportErr)
	}
	return reportDir, reportFigs
}

func TestReportLinks(t *testing.T) {
	dir, figs := writeReport(t)
	html, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	refs := srcHref.FindAllStringSubmatch(string(html), -1)
	if len(refs) == 0 {
		t.Fatal("index.html has no src or href")
	}
	dataURIs := 0
	for _, m := range refs {
		ref := m[1]
		switch {
		case strings.HasPrefix(ref, "data:image/png;base64,"):
			dataURIs++
		case strings.Contains(ref, "://") || strings.HasPrefix(ref, "//"):
			t.Errorf("index.html needs the network: %q", ref)
		case strings.HasPrefix(ref, "#"):
		default:
			if _, err := os.Stat(filepath.Join(dir, ref)); err != nil {
				t.Errorf("index.html links a missing file: %v", err)
			}
		}
	}
	if dataURIs != figs {
		t.Errorf("index.html embeds %d images, want %d", dataURIs, figs)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's model (fixture_test.go) makes mmap the fastest count
	// strategy in goroutine mode (16 against ranges' 11 GB/s at 8 workers)
	// and, by the cgroup peak every goroutine run has (anonymous memory
	// plus 1 MiB; the warm page cache is not charged), also the leanest:
	// half the 9 MiB base plus 1 MiB = 5.5 MiB, against ranges' W = 8 MiB of
	// buffers more, 13.5 MiB: 2.45×.
	for _, want := range []string{"| **FAIL** | chan throughput", "**PASS**", "| count · goroutine · warm cache | **mmap**: fastest",
		"**mmap**: least in 24 of 24 cells; at 1 GiB, 8 workers: 5.5 MiB, 2.45× less than ranges", "cpu_model | AMD EPYC"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "fanbench-chart-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixture = filepath.Join(tmp, synthetic.Experiment, synthetic.Stamp)
	if err := synthetic.Write(fixture); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	if reportDir != "" {
		os.RemoveAll(filepath.Dir(reportDir))
	}
	// No goroutine (of the concurrent figure rendering) outlives the tests.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// TestSaveAll: every figure is written as PNG and SVG into a folder it
// creates; a folder that cannot be created is a "plots folder" error.
func TestSaveAll(t *testing.T) {
	figs, err := chart.Throughput(loadFixture(t).Data)
	if err != nil || len(figs) < 2 {
		t.Fatalf("throughput figures: %d, %v", len(figs), err)
	}
	dir := filepath.Join(t.TempDir(), "new", "plots")
	paths, err := chart.SaveAll(figs[:2], dir)
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
	if paths, err := chart.SaveAll(figs, filepath.Join(file, "plots")); err == nil || !strings.Contains(err.Error(), "plots folder") || len(paths) != 0 {
		t.Errorf("folder under a file: paths %q, err %v", paths, err)
	}
}
