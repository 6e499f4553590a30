package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/chart/synthetic"
	"github.com/fanbench/fanbench/internal/report"
)

// fixture is the synthetic results folder the report tests read, written
// by TestMain (internal/chart/synthetic) before the tests run.
var fixture string

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
		paths, err := report.Write(res, root)
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
	os.Exit(synthetic.RunTests(m, "fanbench-report-", &fixture, removeReport))
}

// removeReport removes the report writeReport wrote.
func removeReport() {
	if reportDir != "" {
		os.RemoveAll(filepath.Dir(reportDir))
	}
}
