package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/history"
	"github.com/fanbench/fanbench/internal/results"
)

// incompleteFolder writes the results folder of an experiment interrupted
// after 3 of its 6 planned runs (plan.json says 6; two cells, 3
// repetitions): its spec copy has a claim, and there is no claims.json,
// which the driver writes only when the plan is done.
func incompleteFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "part", "20260101T000000Z")
	d, err := results.CreateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	const spec = `name = "part"
repetitions = 3
seed = 5

[[matrix]]
strategies = ["readall", "ranges"]
sizes = ["64KiB"]
workers = [1]

[[claim]]
text = "readall holds the file"
metric = "peak-RSS-B"
where = { strategy = "readall" }
op = ">="
value = 1
`
	files := map[string]string{"spec.toml": spec, "plan.json": `{"repetitions":3,"warmup":0,"seed":5,"runs":6}` + "\n"}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	log, err := results.OpenRunLog(d.RunsPath())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	var runs []results.Run
	for i, s := range []string{"readall", "ranges", "readall"} {
		c := results.Cell{Mode: "goroutine", Strategy: s, Workload: "count", Size: 64 << 10, SizeName: "64KiB", Workers: 1}
		r := results.Run{Experiment: "part", Cell: c, Rep: i / 2, Order: i, Status: results.StatusOK, Verified: true,
			ElapsedSec: 0.001 * float64(i+1), Bytes: c.Size, Memory: results.Memory{PeakRSS: 10 << 20, PSS: 8 << 20},
			Usage: results.Usage{WallSec: 0.01}, CacheState: "warm", Residency: 1, ResidencyOK: true}
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	env := results.Environment{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Hostname: "h", Experiment: "part", Commit: "ccccccc3"}
	if err := results.WriteEnv(d.EnvPath(), env); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteBench(env, runs); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReportSaysIncomplete: the report of an interrupted experiment says
// "incomplete: 3 of 6 runs" at the top of its output, report.md and
// index.html, and has its Claims section, the spec's claim judged on the
// runs recorded so far. Before, it gave a verdict with no notice and no
// claims.
func TestReportSaysIncomplete(t *testing.T) {
	dir := incompleteFolder(t)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := Run(&stdout, &stderr, []string{"report", dir, "--out", out}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	notice := "incomplete: 3 of 6 runs; the figures and claims are of the runs recorded so far (continue with fanbench run --resume " + dir + ")"
	if first, _, _ := strings.Cut(stdout.String(), "\n"); first != notice {
		t.Errorf("first line of the output %q, want %q", first, notice)
	}
	for name, want := range map[string][]string{
		"report.md":  {"# fanbench report: part\n\n**" + notice + "**\n\n", "## Claims\n", "readall holds the file"},
		"index.html": {"<h1>fanbench report: part</h1>\n<p class=\"fail\"><b>" + notice + "</b></p>\n", `<section id="claims">`},
	} {
		b, err := os.ReadFile(filepath.Join(out, "part", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}
}

// TestHistoryAddRefusesIncomplete: history add of an interrupted
// experiment's folder is refused in one line, exit 2, and nothing is
// written; with --allow-incomplete it is added and the entry says so.
// Before, the partial medians were recorded like any others.
func TestHistoryAddRefusesIncomplete(t *testing.T) {
	dir := incompleteFolder(t)
	hist := filepath.Join(t.TempDir(), "history.jsonl")
	var stdout, stderr bytes.Buffer
	code := Run(&stdout, &stderr, []string{"history", "add", "--history", hist, dir})
	want := "fanbench history: results folder " + dir + ": incomplete: 3 of 6 runs: history add records finished experiments (finish it with fanbench run --resume " + dir + ", or give --allow-incomplete)\n"
	if code != 2 || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want 2, %q", code, stderr.String(), want)
	}
	if _, err := os.Stat(hist); !os.IsNotExist(err) {
		t.Errorf("history written after the refusal: %v", err)
	}
	stdout.Reset()
	stderr.Reset()
	if code := Run(&stdout, &stderr, []string{"history", "add", "--allow-incomplete", "--history", hist, dir}); code != 0 {
		t.Fatalf("--allow-incomplete: exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "recorded as incomplete: 3 of 6 runs (--allow-incomplete)\n") {
		t.Errorf("stdout %q does not say the entry is incomplete", stdout.String())
	}
	entries, err := history.Read(hist)
	if err != nil || len(entries) != 1 || entries[0].Incomplete != "incomplete: 3 of 6 runs" {
		t.Errorf("history: %+v, %v; want one entry marked incomplete", entries, err)
	}
}
