package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/report"
	"github.com/fanbench/fanbench/internal/results"
)

// shardEnv is a shard's environment record, as merge keeps it under shards/.
type shardEnv struct {
	k             int
	label, cpu    string
	cores         int
	kernel, goVer string
}

// writeMerged writes a results folder as fanbench merge leaves it: the
// runs (their Machine labels set), env.json (the first shard's),
// merge.json naming each shard's machine, and each shard's env.json under
// shards/shard-K-of-N/.
func writeMerged(t *testing.T, runs []results.Run, shards []shardEnv) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "merged")
	d, err := results.CreateNewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	envOf := func(s shardEnv) results.Environment {
		return results.Environment{GoVersion: s.goVer, GOOS: "linux", GOARCH: "amd64", Kernel: s.kernel, CPUModel: s.cpu, CPUCores: s.cores}
	}
	if err := results.WriteEnv(d.EnvPath(), envOf(shards[0])); err != nil {
		t.Fatal(err)
	}
	log, err := results.OpenRunLog(d.RunsPath())
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range runs {
		r.Order = i
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	type shard struct {
		K       int    `json:"k"`
		Machine string `json:"machine"`
	}
	rec := struct {
		N      int     `json:"n"`
		Shards []shard `json:"shards"`
	}{N: len(shards)}
	for _, s := range shards {
		rec.Shards = append(rec.Shards, shard{K: s.k, Machine: s.label})
		sub := filepath.Join(dir, "shards", fmt.Sprintf("shard-%d-of-%d", s.k, len(shards)))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := results.WriteEnv(filepath.Join(sub, results.EnvFile), envOf(s)); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal(rec)
	if err := os.WriteFile(filepath.Join(dir, "merge.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// onMachine labels runs with a machine, as merge does.
func onMachine(label string, runs []results.Run) []results.Run {
	for i := range runs {
		runs[i].Machine = label
	}
	return runs
}

// twoMachineRuns: the count cells (mmap and ranges at 4 and 16 MiB, one
// worker) on both machines, with opposite winners: on alpha mmap takes
// 1.05 ms at 4 MiB (seq(1, 0.02): median 1.00+2.5·0.02) against ranges'
// 2.05 ms; on beta mmap takes 4.05 ms against ranges' 3.05 ms. Pooled, a
// cell's twelve runs would mix both machines. Beta alone also ran parse.
// Alpha has a warm-up and a failed run besides, which are not measured
// runs: alpha has 2×2×6 = 24 measured runs, beta 24 + 2×6 = 36.
func twoMachineRuns() []results.Run {
	var runs []results.Run
	for _, size := range []int64{4, 16} {
		runs = append(runs, onMachine("alpha", goldenRuns("goroutine", "mmap", "count", size, 1, seq(1, 0.02), mibs(2)))...)
		runs = append(runs, onMachine("alpha", goldenRuns("goroutine", "ranges", "count", size, 1, seq(2, 0.02), mibs(3)))...)
		runs = append(runs, onMachine("beta", goldenRuns("goroutine", "mmap", "count", size, 1, seq(4, 0.02), mibs(5)))...)
		runs = append(runs, onMachine("beta", goldenRuns("goroutine", "ranges", "count", size, 1, seq(3, 0.02), mibs(4)))...)
	}
	runs = append(runs, onMachine("beta", goldenRuns("goroutine", "ranges", "parse", 4, 1, seq(8, 0.02), mibs(3)))...)
	runs = append(runs, onMachine("beta", goldenRuns("goroutine", "mmap", "parse", 4, 1, seq(9, 0.02), mibs(5)))...)
	extra := onMachine("alpha", goldenRuns("goroutine", "mmap", "count", 4, 1, []float64{1, 1}, mibs(2)[:2]))
	extra[0].Warmup = true
	extra[1].Status, extra[1].Reason = results.StatusFailed, "timeout"
	return append(runs, extra...)
}

var twoShards = []shardEnv{
	{k: 1, label: "alpha", cpu: "Alpha CPU", cores: 4, kernel: "Linux 6.1", goVer: "go1.26.1"},
	{k: 2, label: "beta", cpu: "Beta CPU", cores: 8, kernel: "Linux 6.8", goVer: "go1.26.2"},
}

// reportOf loads the results folder dir and writes its report into a new
// plots root out: the results, out, the paths written and report.md.
func reportOf(t *testing.T, dir string) (res *chart.Results, out string, paths []string, md string) {
	t.Helper()
	res, err := chart.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out = t.TempDir()
	if paths, err = report.Write(res, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "golden", "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	return res, out, paths, string(b)
}

// section is the text of report.md's section "## NAME", up to the next
// "## " heading.
func section(md, name string) string {
	_, after, ok := strings.Cut(md, "\n## "+name+"\n")
	if !ok {
		return ""
	}
	if i := strings.Index(after, "\n## "); i >= 0 {
		return after[:i]
	}
	return after
}

// TestReportTwoMachines: a merged folder whose runs carry two machine
// labels gets a machines table (each machine's CPU, cores, kernel and Go
// from its shard's env.json, its shard and its measured runs), a verdict,
// recommendation and charts per machine, each naming it, and a
// cross-machine table of the cells both measured, headed as not paired
// and not tested. Before machines were kept apart the report had one
// verdict row for count, pooling both machines' runs.
func TestReportTwoMachines(t *testing.T) {
	res, out, paths, md := reportOf(t, writeMerged(t, twoMachineRuns(), twoShards))

	if got := section(md, "Machines"); !strings.Contains(got, "| alpha | 1/2 | Alpha CPU | 4 | Linux 6.1 | go1.26.1 | 24 |") ||
		!strings.Contains(got, "| beta | 2/2 | Beta CPU | 8 | Linux 6.8 | go1.26.2 | 36 |") {
		t.Errorf("machines table:\n%s", got)
	}
	verdict := section(md, "Verdict")
	for _, want := range []string{
		"On machine alpha: Use mmap", "On machine beta: ",
		"| machine alpha · count · goroutine · warm cache | **mmap**: fastest in 2 of 2 cells",
		"| machine beta · count · goroutine · warm cache | **ranges**: fastest in 2 of 2 cells",
		"| machine beta · parse · goroutine · warm cache | **ranges**:",
	} {
		if !strings.Contains(verdict, want) {
			t.Errorf("verdict lacks %q:\n%s", want, verdict)
		}
	}
	if strings.Contains(verdict, "| count · ") || strings.Contains(verdict, "machine alpha · parse") {
		t.Errorf("verdict has a row pooling machines, or parse on alpha, which never ran it:\n%s", verdict)
	}
	rec := section(md, "Recommendation")
	for _, want := range []string{"### machine alpha: workload count, goroutine mode, warm cache", "### machine beta: workload count, goroutine mode, warm cache"} {
		if !strings.Contains(rec, want) {
			t.Errorf("recommendation lacks %q", want)
		}
	}
	// The cross-machine table: mmap at 4 MiB 1.05 ms on alpha, 4.05 ms on
	// beta, 4.05/1.05 = 3.857 → 3.86×; ranges 2.05 and 3.05 ms, 1.49×.
	cross := section(md, "Across machines")
	for _, want := range []string{
		"**Different machines: not paired, no significance test.**",
		"| where | strategy | size | workers | sec/op on alpha | sec/op on beta | beta / alpha |",
		"| count · goroutine · warm cache | mmap | 4 MiB | 1 | 1.05 ms ±",
		"| count · goroutine · warm cache | ranges | 4 MiB | 1 | 2.05 ms ±",
	} {
		if !strings.Contains(cross, want) {
			t.Errorf("cross-machine view lacks %q:\n%s", want, cross)
		}
	}
	for _, row := range []struct{ strategy, beta, ratio string }{{"mmap", "4.05 ms", "3.86×"}, {"ranges", "3.05 ms", "1.49×"}} {
		line := ""
		for _, l := range strings.Split(cross, "\n") {
			if strings.HasPrefix(l, "| count · goroutine · warm cache | "+row.strategy+" | 4 MiB |") {
				line = l
			}
		}
		if !strings.Contains(line, row.beta) || !strings.HasSuffix(line, " "+row.ratio+" |") {
			t.Errorf("cross-machine row of %s at 4 MiB %q: want beta's %s and the ratio %s", row.strategy, line, row.beta, row.ratio)
		}
	}
	if strings.Contains(cross, "parse") || strings.Count(cross, "\n| count · ") != 4 {
		t.Errorf("cross-machine view: want the 4 count cells both machines ran, not parse (beta's alone):\n%s", cross)
	}
	if !strings.Contains(md, " · machine: 2 machines, alpha, beta · ") {
		t.Errorf("report's header does not say it spans two machines")
	}

	// Charts: each machine's, named and titled with it; none pooled.
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	all := strings.Join(names, " ")
	for _, want := range []string{"throughput_count_goroutine_warm_machine-alpha.png", "throughput_count_goroutine_warm_machine-beta.png",
		"throughput_count_goroutine_warm_machine-beta.svg"} {
		if !strings.Contains(all, want) {
			t.Errorf("no chart %s among %s", want, all)
		}
	}
	if strings.Contains(all, "throughput_count_goroutine_warm.png") || strings.Contains(all, "parse_goroutine_warm_machine-alpha") {
		t.Errorf("a pooled chart, or a parse chart for alpha: %s", all)
	}
	if !strings.Contains(md, "(machine alpha)") || !strings.Contains(md, "(machine beta)") {
		t.Errorf("the report's chart titles do not name their machines")
	}
	svg, err := os.ReadFile(filepath.Join(out, "golden", "throughput_count_goroutine_warm_machine-beta.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte("machine beta")) || !bytes.Contains(svg, []byte("Beta CPU, 8 cores")) {
		t.Errorf("beta's throughput chart names neither its machine nor its CPU")
	}

	html, err := os.ReadFile(filepath.Join(out, "golden", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<section id="machines">`, `<td class="l">Beta CPU</td>`, `<section id="across-machines">`,
		"<b>Different machines: not paired, no significance test.</b>", `<td class="where">machine beta · count · goroutine · warm cache</td>`} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("index.html lacks %s", want)
		}
	}

	var sum bytes.Buffer
	if err := report.WriteSummary(&sum, res, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"machine alpha · count · goroutine · warm cache\n  speed:  mmap,", "machine beta · count · goroutine · warm cache\n  speed:  ranges,"} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("terminal verdict lacks %q:\n%s", want, sum.String())
		}
	}
}

// TestReportOneMachine: a merge whose runs all carry one label gets a
// one-row machines table, and otherwise the report of the same runs
// unlabelled: no machine in the verdict or the charts' names, no
// cross-machine view.
func TestReportOneMachine(t *testing.T) {
	var runs []results.Run
	for _, size := range []int64{4, 16} {
		runs = append(runs, onMachine("solo", goldenRuns("goroutine", "mmap", "count", size, 1, seq(1, 0.02), mibs(2)))...)
		runs = append(runs, onMachine("solo", goldenRuns("goroutine", "ranges", "count", size, 1, seq(2, 0.02), mibs(3)))...)
	}
	_, _, paths, md := reportOf(t, writeMerged(t, runs, []shardEnv{{k: 1, label: "solo", cpu: "Solo CPU", cores: 2, kernel: "Linux 6.1", goVer: "go1.26.1"}}))
	if got := section(md, "Machines"); !strings.Contains(got, "| solo | 1/1 | Solo CPU | 2 | Linux 6.1 | go1.26.1 | 24 |") {
		t.Errorf("machines table:\n%s", got)
	}
	if !strings.Contains(section(md, "Verdict"), "| count · goroutine · warm cache | **mmap**:") || strings.Contains(md, "machine solo") ||
		strings.Contains(md, "## Across machines") {
		t.Errorf("one machine's report names it outside the machines table, or compares machines:\n%s", md)
	}
	for _, p := range paths {
		if strings.Contains(p, "machine-") {
			t.Errorf("one machine's chart %s names it", p)
		}
	}
}

// TestLoadMachineFiles: a merged folder's merge.json or a shard's
// env.json under shards/ that is not JSON fails Load naming the file; one
// that is absent leaves what it would tell unknown.
func TestLoadMachineFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(dir string) error
		err     string   // the error names this file; "" for none
		machine []string // else each machine's label, shards and CPU
	}{
		{"merge.json not JSON", func(dir string) error { return os.WriteFile(filepath.Join(dir, "merge.json"), []byte("{"), 0o644) },
			"merged/merge.json: unexpected end of JSON input", nil},
		{"shard env.json not JSON", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "shards", "shard-2-of-2", results.EnvFile), []byte("[1"), 0o644)
		}, "shards/shard-2-of-2/env.json", nil},
		{"no merge.json", func(dir string) error { return os.Remove(filepath.Join(dir, "merge.json")) },
			"", []string{"alpha  unknown", "beta  unknown"}},
		{"no shard env.json", func(dir string) error {
			return os.Remove(filepath.Join(dir, "shards", "shard-1-of-2", results.EnvFile))
		},
			"", []string{"alpha 1/2 unknown", "beta 2/2 Beta CPU"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeMerged(t, twoMachineRuns(), twoShards)
			if err := tc.breakIt(dir); err != nil {
				t.Fatal(err)
			}
			res, err := chart.Load(dir)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("Load: %v, want one line naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range res.Machines {
				cpu := "unknown"
				if m.Env != nil {
					cpu = m.Env.CPUModel
				}
				got = append(got, m.Label+" "+strings.Join(m.Shards, ",")+" "+cpu)
			}
			if strings.Join(got, "|") != strings.Join(tc.machine, "|") {
				t.Errorf("machines %q, want %q", got, tc.machine)
			}
		})
	}
}
