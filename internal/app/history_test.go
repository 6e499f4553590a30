package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/results"
)

// historyResults writes a synthetic results folder under root whose
// elapsed times are scaled by slow, with 8 repetitions of two cells.
func historyResults(t *testing.T, root, commit string, slow float64) string {
	t.Helper()
	var runs []results.Run
	for _, s := range []string{"ranges", "mmap"} {
		c := results.Cell{Mode: "goroutine", Strategy: s, Workload: "count", Size: 16 << 20, Workers: 2}
		for rep := 0; rep < 8; rep++ {
			runs = append(runs, results.Run{Experiment: "ci", Cell: c, Rep: rep, Status: results.StatusOK,
				ElapsedSec: 0.01 * slow * (1 + 0.01*float64(rep%4)), Bytes: c.Size,
				Memory: results.Memory{PeakRSS: 20 << 20}})
		}
	}
	return writeResultsFolder(t, root, commit, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), runs)
}

// writeResultsFolder writes root/ci/COMMIT with the env.json of commit
// at time at and the results.bench of runs.
func writeResultsFolder(t *testing.T, root, commit string, at time.Time, runs []results.Run) string {
	t.Helper()
	d, err := results.CreateDir(filepath.Join(root, "ci", commit))
	if err != nil {
		t.Fatal(err)
	}
	env := results.Environment{Time: at, Hostname: "h", Experiment: "ci", Commit: commit}
	if err := results.WriteEnv(d.EnvPath(), env); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteBench(env, runs); err != nil {
		t.Fatal(err)
	}
	return d.Path
}

func TestHistoryCommand(t *testing.T) {
	root := t.TempDir()
	hist := filepath.Join(root, "results", "history.jsonl")
	out := filepath.Join(root, "plots", "history")
	first := historyResults(t, root, "aaaaaaa1", 1)
	second := historyResults(t, root, "bbbbbbb2", 1.3)

	steps := []struct {
		args       []string
		wantStdout []string
	}{
		{[]string{"history", "add", "--history", hist, first}, []string{hist, "added ci commit aaaaaaa"}},
		// Flags may follow the folder.
		{[]string{"history", "add", second, "--history", hist, "--gate", "sec/op:+10%"},
			[]string{hist, "Mann-Whitney", "gate fired: sec/op Fanout/mode=goroutine/strategy=mmap/", "gate fired: sec/op Fanout/mode=goroutine/strategy=ranges/"}},
		{[]string{"history", "plot", "--history", hist, "--out", out},
			[]string{filepath.Join(out, "ci_sec_per_op.png"), filepath.Join(out, "ci_sec_per_op.svg"), filepath.Join(out, "ci_peak-RSS-B.svg")}},
	}
	for _, s := range steps {
		var stdout, stderr bytes.Buffer
		if code := Run(&stdout, &stderr, s.args); code != 0 {
			t.Fatalf("%q: exit %d: %s", s.args, code, stderr.String())
		}
		for _, w := range s.wantStdout {
			if !strings.Contains(stdout.String(), w) {
				t.Errorf("%q: stdout lacks %q:\n%s", s.args, w, stdout.String())
			}
		}
		if s.args[1] == "plot" {
			for _, p := range strings.Fields(stdout.String()) {
				if st, err := os.Stat(p); err != nil || st.Size() == 0 {
					t.Errorf("printed path %s: %v", p, err)
				}
			}
		}
	}
}

func TestHistoryCommandBadInput(t *testing.T) {
	root := t.TempDir()
	dir := historyResults(t, root, "aaaaaaa1", 1)
	hist := filepath.Join(root, "history.jsonl")
	var stdout, stderr bytes.Buffer
	if code := Run(&stdout, &stderr, []string{"history", "add", "--history", hist, dir}); code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr.String())
	}
	corrupt := filepath.Join(root, "corrupt.jsonl")
	if err := os.WriteFile(corrupt, []byte("nonsense\n{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(root, "nope")
	tests := []struct {
		args []string
		want string // the error line names this
	}{
		{[]string{"history"}, "subcommand"},
		{[]string{"history", "frob"}, "frob"},
		{[]string{"history", "add", "--history", hist}, "RESULTS_DIR"},
		{[]string{"history", "add", "--history", hist, dir, dir}, "RESULTS_DIR"},
		{[]string{"history", "add", "--history", hist, missing}, missing},
		{[]string{"history", "add", "--history", hist, "--gate", "sec/op:ten", dir}, "--gate"},
		{[]string{"history", "add", "--history", hist, "--bogus", dir}, "bogus"},
		{[]string{"history", "add", "--history", hist, dir}, "already in"},
		{[]string{"history", "add", "--history", corrupt, dir}, corrupt + ":1"},
		{[]string{"history", "plot", "--history", missing}, missing},
		{[]string{"history", "plot", "--history", corrupt}, corrupt + ":1"},
		{[]string{"history", "plot", "--history", hist, "extra"}, "extra"},
		{[]string{"history", "plot", "--history", hist, "--cells", "("}, "--cells"},
		{[]string{"history", "plot", "--history", hist, "--cells", "nothing-matches"}, "--cells"},
		{[]string{"history", "plot", "--history", hist, "--metrics", "frobs"}, "--metrics"},
		{[]string{"history", "plot", "--history", hist, "--max-cells", "0"}, "--max-cells"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := Run(&stdout, &stderr, tt.args)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %s)", tt.args, code, stderr.String())
			continue
		}
		msg := stderr.String()
		if tt.want == "bogus" { // a bad flag: the usage and the flags first, the error line last
			if !strings.HasPrefix(msg, "usage: fanbench history add") {
				t.Errorf("%q: no usage before the error: %q", tt.args, msg)
			}
			msg = msg[strings.LastIndex(strings.TrimSuffix(msg, "\n"), "\n")+1:]
		}
		if !strings.HasPrefix(msg, "fanbench history: ") || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.want) {
			t.Errorf("%q: want one error line naming %q, got %q", tt.args, tt.want, msg)
		}
	}
	// The failed commands left the history as it was.
	data, err := os.ReadFile(hist)
	if err != nil || strings.Count(string(data), "\n") != 1 {
		t.Errorf("history after bad input: %d lines, %v", strings.Count(string(data), "\n"), err)
	}
}

// allocResults writes a results folder of 8 runs of one cell whose Go
// runtime was measured, each allocating allocs objects of 64 bytes.
func allocResults(t *testing.T, root, commit string, hour int, allocs int64) string {
	t.Helper()
	c := results.Cell{Mode: "goroutine", Strategy: "mmap", Workload: "count", Size: 16 << 20, Workers: 2}
	var runs []results.Run
	for rep := 0; rep < 8; rep++ {
		runs = append(runs, results.Run{Experiment: "ci", Cell: c, Rep: rep, Status: results.StatusOK,
			ElapsedSec: 0.01, Bytes: c.Size, Memory: results.Memory{PeakRSS: 20 << 20},
			Runtime: results.Runtime{AllocBytes: 64 * allocs, AllocObjects: allocs, Measured: true}})
	}
	return writeResultsFolder(t, root, commit, time.Date(2026, 1, 1, hour, 0, 0, 0, time.UTC), runs)
}

// TestGateOnMeasuredZero: a base whose runs allocated nothing (measured:
// 0 allocs) against a head allocating 2,000 objects per run fails
// `compare --gate allocs:+2%` and fires `history add --gate allocs:+2%`.
// Before, the base's zeros were left out of results.bench as "no figure"
// and compare said PASS.
func TestGateOnMeasuredZero(t *testing.T) {
	root := t.TempDir()
	base := allocResults(t, root, "aaaaaaa1", 0, 0)
	head := allocResults(t, root, "bbbbbbb2", 1, 2000)
	var stdout, stderr bytes.Buffer
	code := Run(&stdout, &stderr, []string{"compare", "--gate", "allocs:+2%",
		filepath.Join(base, results.BenchFile), filepath.Join(head, results.BenchFile)})
	if code != 1 {
		t.Errorf("compare: exit %d, want 1 (the gate fails)\n%s%s", code, stdout.String(), stderr.String())
	}
	hist := filepath.Join(root, "history.jsonl")
	for _, args := range [][]string{{"history", "add", "--history", hist, base}, {"history", "add", "--history", hist, "--gate", "allocs:+2%", head}} {
		stdout.Reset()
		stderr.Reset()
		if code := Run(&stdout, &stderr, args); code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr.String())
		}
	}
	if want := "gate fired: allocs Fanout/mode=goroutine/strategy=mmap/workload=count/size=16MiB/workers=2 +∞%"; !strings.Contains(stdout.String(), want) {
		t.Errorf("history add --gate:\n%s\nwant %q", stdout.String(), want)
	}
}
