package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/cli"

	"github.com/fanbench/fanbench/internal/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// noisy returns n deterministic values spread evenly within ±noise
// (relative) around center, in a scrambled order.
func noisy(center, noise float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		k := (i * 7) % n // a permutation of 0..n-1 when n is not a multiple of 7
		frac := 0.0
		if n > 1 {
			frac = float64(k)/float64(n-1)*2 - 1 // -1..1
		}
		v[i] = center * (1 + noise*frac)
	}
	return v
}

// data is benchmark name → unit → values.
type data map[string]map[string][]float64

// benchText writes d in the Go benchmark format, one line per repetition,
// names and units sorted so files are stable.
func benchText(d data) string {
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\n\n")
	names := make([]string, 0, len(d))
	for n := range d {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		units := make([]string, 0, len(d[name]))
		reps := 0
		for u, vs := range d[name] {
			units = append(units, u)
			reps = max(reps, len(vs))
		}
		sort.Strings(units)
		for i := range reps {
			fmt.Fprintf(&b, "Benchmark%s 1", name)
			for _, u := range units {
				if i < len(d[name][u]) {
					fmt.Fprintf(&b, " %v %s", d[name][u][i], u)
				}
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func mustRead(t *testing.T, d data, name string) *Set {
	t.Helper()
	s, err := Read(strings.NewReader(benchText(d)), name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustGates(t *testing.T, s string) []Gate {
	t.Helper()
	g, err := ParseGates(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

const cellA = "Fanout/mode=process/strategy=mmap/workload=count/size=1GiB/workers=4"

func TestGateJudgment(t *testing.T) {
	tests := []struct {
		name       string
		old, new   []float64
		unit       string
		gate       string
		regression bool
		delta      string // expected delta cell: "~" or a percentage
	}{
		{"identical distributions", noisy(1.0, 0.01, 10), noisy(1.0, 0.01, 10), "sec/op", "sec/op:+10%", false, "~"},
		{"30% slower, 10% tolerance", noisy(1.0, 0.01, 10), noisy(1.3, 0.01, 10), "sec/op", "sec/op:+10%", true, "+30.00%"},
		{"30% slower, 50% tolerance", noisy(1.0, 0.01, 10), noisy(1.3, 0.01, 10), "sec/op", "sec/op:+50%", false, "+30.00%"},
		{"30% slower, 3 vs 3 samples", noisy(1.0, 0.01, 3), noisy(1.3, 0.01, 3), "sec/op", "sec/op:+10%", false, "~"},
		{"overlapping noise", noisy(1.0, 0.3, 10), noisy(1.05, 0.3, 10), "sec/op", "sec/op:+1%", false, "~"},
		{"30% faster", noisy(1.3, 0.01, 10), noisy(1.0, 0.01, 10), "sec/op", "sec/op:+10%", false, "-23.08%"},
		{"significant but within tolerance", noisy(1.0, 0.01, 10), noisy(1.05, 0.01, 10), "sec/op", "sec/op:+10%", false, "+5.00%"},
		{"throughput down 30%", noisy(1e9, 0.01, 10), noisy(0.7e9, 0.01, 10), "B/s", "B/s:-10%", true, "-30.00%"},
		{"throughput up 30%", noisy(1e9, 0.01, 10), noisy(1.3e9, 0.01, 10), "B/s", "B/s:-10%", false, "+30.00%"},
		{"peak RSS up 8%, 5% tolerance", noisy(1<<30, 0.005, 8), noisy(1.08*(1<<30), 0.005, 8), "peak-RSS-B", "peak-RSS-B:+5%", true, "+8.00%"},
		{"major faults from zero", []float64{0, 0, 0, 0, 0, 0}, []float64{5, 6, 7, 5, 6, 7}, "majflt", "majflt:+0%", true, "+∞%"},
		{"ungated metric changes", noisy(1.0, 0.01, 10), noisy(2.0, 0.01, 10), "allocs", "", false, "+100.00%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := mustRead(t, data{cellA: {tt.unit: tt.old}}, "old.bench")
			new := mustRead(t, data{cellA: {tt.unit: tt.new}}, "new.bench")
			rep, err := Compare(old, new, Options{Gates: mustGates(t, tt.gate)})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Failed() != tt.regression || len(rep.Regressions) != map[bool]int{true: 1}[tt.regression] {
				t.Errorf("Failed = %v with %d regressions, want %v", rep.Failed(), len(rep.Regressions), tt.regression)
			}
			rows, _ := rep.tableCells(&rep.Metrics[0])
			if rows[0].delta != tt.delta {
				t.Errorf("delta cell = %q, want %q (p=%.4f)", rows[0].delta, tt.delta, rep.Metrics[0].Rows[0].P)
			}
			wantVerdict := "verdict: PASS"
			if tt.regression {
				wantVerdict = "verdict: FAIL (1 regression: " + tt.unit + " " + cellA
			}
			if v := rep.Verdict(); !strings.HasPrefix(v, wantVerdict) {
				t.Errorf("verdict = %q, want prefix %q", v, wantVerdict)
			}
		})
	}
}

func TestThreeSamplesCannotBeSignificant(t *testing.T) {
	// Whatever the change, 3 vs 3 samples cannot reach p < 0.05: the note
	// must say so, and the gate must not fail.
	old := mustRead(t, data{cellA: {"sec/op": {1, 1.01, 1.02}}}, "old")
	new := mustRead(t, data{cellA: {"sec/op": {10, 10.1, 10.2}}}, "new")
	rep, err := Compare(old, new, Options{Gates: mustGates(t, "sec/op:+10%")})
	if err != nil {
		t.Fatal(err)
	}
	row := rep.Metrics[0].Rows[0]
	if rep.Failed() || row.Significant || row.P < 0.05 {
		t.Errorf("3 vs 3 judged significant: p=%v", row.P)
	}
	if !strings.Contains(strings.Join(row.Notes, "\n"), "need >= 4 samples to detect a difference") {
		t.Errorf("notes = %q, want benchmath's sample-size warning", row.Notes)
	}
}

func TestMissingAndNewCells(t *testing.T) {
	cellB := strings.Replace(cellA, "mmap", "chan", 1)
	cellC := strings.Replace(cellA, "mmap", "shm", 1)
	old := mustRead(t, data{cellA: {"sec/op": noisy(1, 0.01, 6), "tree-peak-cgroup-B": noisy(1e9, 0.01, 6)}, cellB: {"sec/op": noisy(2, 0.01, 6)}}, "old")
	new := mustRead(t, data{cellA: {"sec/op": noisy(1, 0.01, 6)}, cellC: {"sec/op": noisy(3, 0.01, 6)}}, "new")
	rep, err := Compare(old, new, Options{Gates: mustGates(t, "sec/op:+10%,tree-peak-cgroup-B:+5%")})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep.MissingInNew) != "["+cellB+"]" || fmt.Sprint(rep.NewInNew) != "["+cellC+"]" {
		t.Errorf("missing %v, new %v", rep.MissingInNew, rep.NewInNew)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, want := range []string{
		"missing in NEW (only in OLD):\n  " + cellB + "\n",
		"new in NEW (not in OLD):\n  " + cellC + "\n",
		"; gated tree-peak-cgroup-B is on one side only; 1 cell missing in NEW; 1 cell new in NEW)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Every row of every metric is listed, including one-sided ones.
	if n := len(rep.Metrics[0].Rows); n != 3 {
		t.Errorf("sec/op has %d rows, want 3", n)
	}
	if rows := rep.Metrics[1].Rows; len(rows) != 1 || rows[0].New != nil || rep.Metrics[1].Geomean != nil {
		t.Errorf("tree-peak-cgroup-B rows = %+v, want one row missing in NEW and no geomean", rows)
	}
}

func TestParseGates(t *testing.T) {
	good := []struct {
		in   string
		want string
	}{
		{"", "[]"},
		{"sec/op:+10%", "[sec/op:+10%]"},
		{"sec/op:+10%,peak-RSS-B:+5%", "[sec/op:+10% peak-RSS-B:+5%]"},
		{"B/s:-10%", "[B/s:-10%]"},
		{"B/s:10%", "[B/s:-10%]"},
		{" allocs : 0% , gc-cycles:+2.5%", "[allocs:+0% gc-cycles:+2.5%]"},
	}
	for _, tt := range good {
		g, err := ParseGates(tt.in)
		if err != nil {
			t.Errorf("ParseGates(%q): %v", tt.in, err)
			continue
		}
		var s []string
		for _, x := range g {
			s = append(s, x.String())
		}
		if got := "[" + strings.Join(s, " ") + "]"; got != tt.want {
			t.Errorf("ParseGates(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	bad := []struct{ in, token, why string }{
		{"sec/op", "sec/op", "UNIT:±N%"},
		{"sec/op:10", "sec/op:10", "not a percentage"},
		{"sec/op:+x%", "sec/op:+x%", "not a number"},
		{"sec/op:+-5%", "sec/op:+-5%", "not a number"},
		{"sec/op:%", "sec/op:%", "not a number"},
		{"B/s:+10%", "B/s:+10%", "write B/s:-10%"},
		{"sec/op:-5%", "sec/op:-5%", "write sec/op:+5%"},
		{"sec/op:+10%,,", "", "UNIT:±N%"},
		{":+5%", ":+5%", "UNIT:±N%"},
		{"sec/op:+10%,sec/op:+5%", "sec/op:+5%", "gated twice"},
		{"peak RSS:+5%", "peak RSS:+5%", "white space"},
		{"sec/op:+Inf%", "sec/op:+Inf%", "not a number"},
	}
	for _, tt := range bad {
		_, err := ParseGates(tt.in)
		if err == nil {
			t.Errorf("ParseGates(%q) succeeded", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("bad token %q", tt.token)) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ParseGates(%q) = %q, want it to name token %q and say %q", tt.in, err, tt.token, tt.why)
		}
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"syntax error", "goos: linux\nBenchmarkX 1 1.0 sec/op\nBenchmarkY 1 abc sec/op\n", "x.bench:3: parsing measurement"},
		{"no results", "goos: linux\n# warning: no successful runs\n", "x.bench: no benchmark results"},
		{"empty", "", "x.bench: no benchmark results"},
	}
	for _, tt := range tests {
		if _, err := Read(strings.NewReader(tt.in), "x.bench"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestCompareRejectsUnknownGateUnit(t *testing.T) {
	s := mustRead(t, data{cellA: {"sec/op": {1}}}, "a")
	_, err := Compare(s, s, Options{Gates: mustGates(t, "sec/ops:+10%")})
	if err == nil || !strings.Contains(err.Error(), `"sec/ops" is in neither`) {
		t.Errorf("err = %v", err)
	}
}

func TestGeomean(t *testing.T) {
	cellB := strings.Replace(cellA, "mmap", "chan", 1)
	old := mustRead(t, data{cellA: {"sec/op": {1, 1, 1}, "majflt": {0, 0, 0}}, cellB: {"sec/op": {4, 4, 4}, "majflt": {1, 1, 1}}}, "old")
	new := mustRead(t, data{cellA: {"sec/op": {2, 2, 2}, "majflt": {0, 0, 0}}, cellB: {"sec/op": {8, 8, 8}, "majflt": {1, 1, 1}}}, "new")
	rep, err := Compare(old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Metrics[1].Geomean // units sorted in benchText: majflt, sec/op
	if rep.Metrics[1].Unit != "sec/op" || g.Cells != 2 || math.Abs(g.Old-2) > 1e-12 || math.Abs(g.New-4) > 1e-12 || math.Abs(g.Delta-1) > 1e-12 {
		t.Errorf("sec/op geomean = %+v, want old 2, new 4, +100%%", g)
	}
	if g := rep.Metrics[0].Geomean; g.Cells != 2 || !math.IsNaN(g.Old) {
		t.Errorf("majflt geomean over a zero = %+v, want undefined", g)
	}
}

// goldenScenario is a comparison with a regression, an improvement, an
// insignificant change, one-sided cells, a rate gate and ungated metrics.
func goldenScenario() (old, new data) {
	cellB := strings.Replace(cellA, "mmap", "readall", 1)
	cellC := strings.Replace(cellA, "mmap", "chan", 1)
	cellD := strings.Replace(cellA, "mmap", "shm", 1)
	old = data{
		cellA: {"sec/op": noisy(1.0, 0.01, 10), "B/s": noisy(1.07e9, 0.01, 10), "peak-RSS-B": noisy(300<<20, 0.002, 10), "allocs": noisy(1000, 0, 10)},
		cellB: {"sec/op": noisy(2.0, 0.02, 10), "B/s": noisy(5.3e8, 0.02, 10), "peak-RSS-B": noisy(1.4*(1<<30), 0.002, 10), "allocs": noisy(5000, 0, 10)},
		cellC: {"sec/op": noisy(1.5, 0.01, 10), "B/s": noisy(7.1e8, 0.01, 10), "peak-RSS-B": noisy(64<<20, 0.002, 10), "allocs": noisy(9000, 0, 10)},
	}
	new = data{
		cellA: {"sec/op": noisy(1.3, 0.01, 10), "B/s": noisy(0.82e9, 0.01, 10), "peak-RSS-B": noisy(301<<20, 0.002, 10), "allocs": noisy(1000, 0, 10)},
		cellB: {"sec/op": noisy(1.7, 0.02, 10), "B/s": noisy(6.3e8, 0.02, 10), "peak-RSS-B": noisy(1.5*(1<<30), 0.002, 10), "allocs": noisy(5000, 0, 10)},
		cellD: {"sec/op": noisy(0.9, 0.01, 3), "B/s": noisy(1.2e9, 0.01, 3), "peak-RSS-B": noisy(40<<20, 0.002, 3), "allocs": noisy(10, 0, 3)},
	}
	return old, new
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestGolden(t *testing.T) {
	oldData, newData := goldenScenario()
	old, new := mustRead(t, oldData, "old.bench"), mustRead(t, newData, "new.bench")
	for _, tt := range []struct {
		golden       string
		format       Format
		gates        string
		allowMissing bool
	}{
		{"fail.txt.golden", Text, "sec/op:+10%,peak-RSS-B:+5%,B/s:-10%", false},
		{"fail.md.golden", Markdown, "sec/op:+10%,peak-RSS-B:+5%,B/s:-10%", false},
		{"missing.txt.golden", Text, "sec/op:+50%,peak-RSS-B:+10%", false},
		{"missing.md.golden", Markdown, "sec/op:+50%,peak-RSS-B:+10%", false},
		{"pass.txt.golden", Text, "sec/op:+50%,peak-RSS-B:+10%", true},
		{"nogates.md.golden", Markdown, "", false},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			rep, err := Compare(old, new, Options{Gates: mustGates(t, tt.gates), AllowMissing: tt.allowMissing})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := rep.Write(&buf, tt.format); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.golden, buf.Bytes())
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if last := lines[len(lines)-1]; last != rep.Verdict() {
				t.Errorf("last line %q is not the verdict %q", last, rep.Verdict())
			}
		})
	}
}

func TestJSON(t *testing.T) {
	oldData, newData := goldenScenario()
	old, new := mustRead(t, oldData, "old.bench"), mustRead(t, newData, "new.bench")
	rep, err := Compare(old, new, Options{Gates: mustGates(t, "sec/op:+10%,B/s:-10%")})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Pass        bool   `json:"pass"`
		Verdict     string `json:"verdict"`
		Regressions []struct {
			Unit     string   `json:"unit"`
			Name     string   `json:"name"`
			DeltaPct *float64 `json:"delta_pct"`
		} `json:"regressions"`
		Gates []struct {
			Unit  string `json:"unit"`
			Worse string `json:"worse"`
		} `json:"gates"`
		Metrics []struct {
			Unit string `json:"unit"`
			Rows []struct {
				Name   string `json:"name"`
				Status string `json:"status"`
				Old    *struct {
					N  int      `json:"n"`
					Lo *float64 `json:"lo"`
				} `json:"old"`
				P *float64 `json:"p"`
			} `json:"rows"`
		} `json:"metrics"`
		MissingInNew []string `json:"missing_in_new"`
		NewInNew     []string `json:"new_in_new"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, buf.Bytes())
	}
	if got.Pass || !strings.HasPrefix(got.Verdict, "FAIL (2 regressions") || len(got.Regressions) != 2 {
		t.Errorf("pass=%v verdict=%q regressions=%+v", got.Pass, got.Verdict, got.Regressions)
	}
	if r := got.Regressions[0]; r.Unit != "B/s" || r.DeltaPct == nil || math.Abs(*r.DeltaPct+23.36) > 0.01 {
		t.Errorf("first regression = %+v (B/s comes first in the file's unit order)", r)
	}
	if len(got.Gates) != 2 || got.Gates[1].Worse != "lower" {
		t.Errorf("gates = %+v", got.Gates)
	}
	if len(got.MissingInNew) != 1 || len(got.NewInNew) != 1 {
		t.Errorf("missing %v new %v", got.MissingInNew, got.NewInNew)
	}
	statuses := map[string]int{}
	for _, row := range got.Metrics[0].Rows {
		statuses[row.Status]++
		if row.Status == "new_in_new" && (row.Old != nil || row.P != nil) {
			t.Errorf("one-sided row has old=%v p=%v, want null", row.Old, row.P)
		}
	}
	if statuses["both"] != 2 || statuses["missing_in_new"] != 1 || statuses["new_in_new"] != 1 {
		t.Errorf("row statuses = %v", statuses)
	}
}

// writeResultsDir writes a results folder through the results package, as
// fanbench run does, with reps runs of one cell whose elapsed times are vals.
func writeResultsDir(t *testing.T, vals []float64) string {
	t.Helper()
	d, err := results.CreateDir(filepath.Join(t.TempDir(), "results"))
	if err != nil {
		t.Fatal(err)
	}
	var runs []results.Run
	for i, v := range vals {
		runs = append(runs, results.Run{Status: results.StatusOK, Order: i, Rep: i, ElapsedSec: v, Bytes: 1 << 30,
			Cell:   results.Cell{Mode: "process", Strategy: "mmap", Workload: "count", Size: 1 << 30, Workers: 4},
			Memory: results.Memory{PeakRSS: 300 << 20}})
	}
	if err := d.WriteBench(results.Environment{GOOS: "linux", GOARCH: "amd64"}, runs); err != nil {
		t.Fatal(err)
	}
	return d.Path
}

func TestCommand(t *testing.T) {
	oldDir := writeResultsDir(t, noisy(1.0, 0.01, 10))
	slowDir := writeResultsDir(t, noisy(1.3, 0.01, 10))
	sameDir := writeResultsDir(t, noisy(1.0, 0.01, 10))
	badFile := filepath.Join(t.TempDir(), "bad.bench")
	os.WriteFile(badFile, []byte("BenchmarkX 1 zz sec/op\n"), 0o644)
	benchFile := filepath.Join(oldDir, results.BenchFile)

	tests := []struct {
		name     string
		args     []string
		wantErr  string // "usage: ..." for a *UsageError, "regression", "help", or ""
		wantOut  string // substring of stdout
		lastLine string // prefix of stdout's last line
	}{
		{"same", []string{oldDir, sameDir, "--gate", "sec/op:+10%"}, "", "sec/op (gate: +10%)", "verdict: PASS (no significant regression beyond tolerance in 1 gated metric)"},
		{"slower fails", []string{"--gate=sec/op:+10%,peak-RSS-B:+5%", oldDir, slowDir}, "regression", "REGRESSION", "verdict: FAIL (1 regression: sec/op " + cellA + " +30.0% p=0.000)"},
		{"flags after arguments", []string{oldDir, slowDir, "--gate", "sec/op:+10%"}, "regression", "", "verdict: FAIL"},
		{"tolerant gate passes", []string{oldDir, slowDir, "--gate", "sec/op:+50%"}, "", "+30.00%", "verdict: PASS"},
		{"report only", []string{"--report-only", oldDir, slowDir, "--gate", "sec/op:+10%"}, "", "", "verdict: FAIL (1 regression"},
		{"bench file and markdown", []string{benchFile, slowDir, "--format", "markdown", "--gate", "B/s:-10%"}, "regression", "| name | old median ± CI |", "verdict: FAIL"},
		{"json", []string{oldDir, slowDir, "--format=json"}, "", `"pass": true`, "}"},
		{"alpha too strict for 10 samples", []string{oldDir, slowDir, "--gate", "sec/op:+10%", "--alpha", "0.00001"}, "", "", "verdict: PASS"},
		{"after --", []string{"--gate", "sec/op:+10%", "--", oldDir, sameDir}, "", "", "verdict: PASS"},
		{"bad gate", []string{oldDir, slowDir, "--gate", "sec/op:+10%,rss:lots"}, `usage: --gate: bad token "rss:lots"`, "", ""},
		{"gate on unknown unit", []string{oldDir, slowDir, "--gate", "sec/ops:+10%"}, `usage: --gate: gated unit "sec/ops" is in neither`, "", ""},
		{"bad format", []string{oldDir, slowDir, "--format", "xml"}, `usage: --format: unknown format "xml"`, "", ""},
		{"bad alpha", []string{oldDir, slowDir, "--alpha", "2"}, "usage: --alpha: 2 is not between 0 and 1", "", ""},
		{"unknown flag", []string{oldDir, slowDir, "--gates", "x"}, "usage: flag provided but not defined: -gates", "", ""},
		{"one argument", []string{oldDir}, "usage: want two arguments, OLD and NEW, got 1", "", ""},
		{"missing OLD", []string{filepath.Join(oldDir, "nope"), slowDir}, "usage: OLD: stat ", "", ""},
		{"folder without results.bench", []string{t.TempDir(), slowDir}, "usage: OLD: open ", "", ""},
		{"corrupt NEW", []string{oldDir, badFile}, "usage: NEW: " + badFile + ":1: parsing measurement", "", ""},
		{"help", []string{"-h"}, "help", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Command(&stdout, &stderr, tt.args)
			var ue *UsageError
			switch {
			case strings.HasPrefix(tt.wantErr, "usage: "):
				if !errors.As(err, &ue) || !strings.HasPrefix(ue.Msg, strings.TrimPrefix(tt.wantErr, "usage: ")) {
					t.Fatalf("err = %v, want a usage error starting %q", err, strings.TrimPrefix(tt.wantErr, "usage: "))
				}
				if strings.Contains(ue.Msg, "\n") {
					t.Errorf("usage error spans lines: %q", ue.Msg)
				}
				return
			case tt.wantErr == "help":
				if !errors.Is(err, cli.ErrHelp) || !strings.Contains(stdout.String(), "usage: fanbench compare") || stderr.Len() != 0 {
					t.Fatalf("err = %v, stdout %q, stderr %q; want cli.ErrHelp and the usage on stdout", err, stdout.String(), stderr.String())
				}
				return
			case tt.wantErr == "regression":
				if !errors.Is(err, ErrRegression) {
					t.Fatalf("err = %v, want ErrRegression", err)
				}
			default:
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			}
			out := stdout.String()
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, tt.lastLine) {
				t.Errorf("last line = %q, want prefix %q", last, tt.lastLine)
			}
		})
	}
}

// TestGateFailsOnMissing: a gate cannot judge what one side lacks, so a
// gated figure missing on either side (a cell gone from NEW, a gated unit
// NEW no longer reports, a cell only NEW has) fails the comparison and is
// listed, unless AllowMissing; ungated figures missing never fail.
func TestGateFailsOnMissing(t *testing.T) {
	cellB := strings.Replace(cellA, "mmap", "chan", 1)
	same := noisy(1, 0.01, 6)
	tests := []struct {
		name     string
		old, new data
		gates    string
		allow    bool
		failed   bool
		missing  string // the GatedMissing entries, worked out by hand
	}{
		{"cell gone from NEW", data{cellA: {"sec/op": same}, cellB: {"sec/op": same}}, data{cellA: {"sec/op": same}},
			"sec/op:+10%", false, true, "[sec/op " + cellB + ": not in NEW]"},
		{"cell gone from NEW, allowed", data{cellA: {"sec/op": same}, cellB: {"sec/op": same}}, data{cellA: {"sec/op": same}},
			"sec/op:+10%", true, false, "[sec/op " + cellB + ": not in NEW]"},
		{"gated unit gone from NEW", data{cellA: {"sec/op": same, "peak-RSS-B": same}}, data{cellA: {"sec/op": same}},
			"peak-RSS-B:+5%", false, true, "[peak-RSS-B " + cellA + ": not in NEW]"},
		{"cell only in NEW", data{cellA: {"sec/op": same}}, data{cellA: {"sec/op": same}, cellB: {"sec/op": same}},
			"sec/op:+10%", false, true, "[sec/op " + cellB + ": not in OLD]"},
		{"ungated unit gone from NEW", data{cellA: {"sec/op": same, "allocs": same}}, data{cellA: {"sec/op": same}},
			"sec/op:+10%", false, false, "[]"},
		{"nothing missing", data{cellA: {"sec/op": same}}, data{cellA: {"sec/op": same}},
			"sec/op:+10%", false, false, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Compare(mustRead(t, tt.old, "old"), mustRead(t, tt.new, "new"),
				Options{Gates: mustGates(t, tt.gates), AllowMissing: tt.allow})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Failed() != tt.failed {
				t.Errorf("Failed() = %v, want %v; verdict %s", rep.Failed(), tt.failed, rep.Verdict())
			}
			if got := fmt.Sprint(rep.GatedMissing); got != tt.missing {
				t.Errorf("GatedMissing = %s, want %s", got, tt.missing)
			}
			if v := rep.Verdict(); tt.failed != strings.HasPrefix(v, "verdict: FAIL (1 gated figure missing: ") {
				t.Errorf("verdict %q", v)
			}
		})
	}
}

// TestCommandOtherMachine: results from different machines (CPU, cores,
// kernel or Go version) get a "# warning:" line and only counts gate
// (allocations here); time and memory (peak RSS, a figure of the kernel,
// page size and memory pressure) are reported, unless --same-machine.
func TestCommandOtherMachine(t *testing.T) {
	write := func(cpu string, sec, rss, allocs float64) string {
		var b strings.Builder
		fmt.Fprintf(&b, "cpu: %s\ncores: 2\nkernel: 6.18\ngo: go1.26.8\n\n", cpu)
		for i := 0; i < 10; i++ {
			fmt.Fprintf(&b, "BenchmarkFanout/strategy=mmap 1 %g sec/op %g peak-RSS-B %g allocs\n", sec*(1+0.001*float64(i)), rss*(1+0.0001*float64(i)), allocs+float64(i))
		}
		p := filepath.Join(t.TempDir(), "results.bench")
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := write("Intel Xeon", 1.0, 1e6, 1000)
	slowerElsewhere := write("AMD EPYC", 1.5, 1e6, 1000)   // time +50% on another machine
	fatterElsewhere := write("AMD EPYC", 1.0, 1.2e6, 1000) // peak RSS +20% on another machine
	allocsElsewhere := write("AMD EPYC", 1.0, 1e6, 2000)   // allocations ×2 on another machine
	slowerHere := write("Intel Xeon", 1.5, 1e6, 1000)
	fatterHere := write("Intel Xeon", 1.0, 1.2e6, 1000)
	gate := "sec/op:+10%,peak-RSS-B:+5%,allocs:+2%"
	const warning = `# warning: OLD and NEW come from different machines (cpu: "Intel Xeon" vs "AMD EPYC"): only counts gate, times, rates and memory are reported (not gated: sec/op:+10%,peak-RSS-B:+5%; gated: allocs:+2%); --same-machine gates them too` + "\n"
	tests := []struct {
		name       string
		args       []string
		regression bool
		warning    bool
	}{
		{"time on another machine is not gated", []string{base, slowerElsewhere, "--gate", gate}, false, true},
		{"memory on another machine is not gated", []string{base, fatterElsewhere, "--gate", gate}, false, true},
		{"allocations on another machine are gated", []string{base, allocsElsewhere, "--gate", gate}, true, true},
		{"--same-machine gates time", []string{base, slowerElsewhere, "--gate", gate, "--same-machine"}, true, false},
		{"--same-machine gates memory", []string{base, fatterElsewhere, "--gate", gate, "--same-machine"}, true, false},
		{"same machine gates time", []string{base, slowerHere, "--gate", gate}, true, false},
		{"same machine gates memory", []string{base, fatterHere, "--gate", gate}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Command(&stdout, &stderr, tt.args)
			if got := errors.Is(err, ErrRegression); got != tt.regression {
				t.Errorf("regression = %v (err %v), want %v:\n%s", got, err, tt.regression, stdout.String())
			}
			warned := strings.HasPrefix(stdout.String(), warning)
			if warned != tt.warning || (!tt.warning && strings.Contains(stdout.String(), "# warning: OLD and NEW")) {
				t.Errorf("warning line = %v, want %v:\n%s", warned, tt.warning, stdout.String())
			}
		})
	}
}

func TestGateStringRounds(t *testing.T) {
	// 7/100*100 is 7.000000000000001 in floating point: printed as 7.
	for in, want := range map[string]string{"sec/op:+7%": "sec/op:+7%", "B/s:-2.5%": "B/s:-2.5%", "allocs:+0%": "allocs:+0%"} {
		gs, err := ParseGates(in)
		if err != nil || len(gs) != 1 || gs[0].String() != want {
			t.Errorf("ParseGates(%q)[0].String() = %v, %v; want %q", in, gs, err, want)
		}
	}
}
