package ab

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/compare"
	"github.com/fanbench/fanbench/internal/paired"
	"github.com/fanbench/fanbench/internal/results"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// synthRuns makes n pairs of records for one cell: the head's time is
// shift times the base's, each with lognormal noise; allocations are
// fixed at allocs (base) and allocs·allocShift (head).
func synthRuns(rng *rand.Rand, strategy string, n int, shift, noise float64, allocs int64, allocShift float64) []results.Run {
	var runs []results.Run
	for rep := 0; rep < n; rep++ {
		level := 0.05 * (1 + float64(rep)/float64(n)) // drift
		for _, arm := range []string{ArmBase, ArmHead} {
			t, al := level*math.Exp(noise*rng.NormFloat64()), allocs
			if arm == ArmHead {
				t *= shift
				al = int64(math.Round(float64(allocs) * allocShift))
			}
			runs = append(runs, results.Run{Status: results.StatusOK, Rep: rep, ElapsedSec: t, Bytes: 1 << 20,
				Cell:    results.Cell{Mode: "goroutine", Strategy: strategy, Workload: "count", Size: 1 << 20, Workers: 2, Arm: arm},
				Runtime: results.Runtime{AllocBytes: al * 64, AllocObjects: al}})
		}
	}
	return runs
}

// mustGates parses gates as --gate takes them.
func mustGates(t *testing.T, text string) []compare.Gate {
	t.Helper()
	gates, err := compare.ParseGates(text)
	if err != nil {
		t.Fatal(err)
	}
	return gates
}

// analyze is Analyze of runs with the gates given as --gate takes them,
// none reported beside them, at α = 0.05.
func analyze(t *testing.T, runs []results.Run, gates string) *Analysis {
	t.Helper()
	a, err := Analyze(runs, mustGates(t, gates), nil, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAnalyzeVerdicts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var runs []results.Run
	runs = append(runs, synthRuns(rng, "mmap", 20, 1.25, 0.02, 100, 1)...)  // 25% slower: worse
	runs = append(runs, synthRuns(rng, "ranges", 20, 1.0, 0.02, 100, 1)...) // same
	runs = append(runs, synthRuns(rng, "chan", 20, 1.0, 0.02, 100, 1.5)...) // allocations +50%: worse
	runs = append(runs, synthRuns(rng, "readall", 3, 1.0, 0.02, 100, 1)...) // too few pairs: undecided
	// A failed run and an unpaired run are not pairs.
	runs = append(runs, results.Run{Status: results.StatusFailed, Reason: "boom", Rep: 7,
		Cell: results.Cell{Mode: "goroutine", Strategy: "shm", Workload: "count", Size: 1 << 20, Workers: 2, Arm: ArmHead}})
	a := analyze(t, runs, "sec/op:+10%,allocs:+0%")
	want := map[string]paired.Verdict{
		"mmap sec/op": paired.Worse, "mmap allocs": paired.Same,
		"ranges sec/op": paired.Same, "ranges allocs": paired.Same,
		"chan sec/op": paired.Same, "chan allocs": paired.Worse,
		"readall sec/op": paired.Undecided, "readall allocs": paired.Undecided,
	}
	if len(a.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(a.Rows), len(want))
	}
	for _, r := range a.Rows {
		key := r.Strategy + " " + r.Unit
		if r.Verdict != want[key] {
			t.Errorf("%s: %v (ratio %.3f [%.3f, %.3f] p=%.3g adj %.3g), want %v", key, r.Verdict, r.Ratio, r.Lo, r.Hi, r.P, r.PAdjusted, want[key])
		}
	}
	if a.Pairs["Fanout/mode=goroutine/strategy=mmap/workload=count/size=1MiB/workers=2"] != 20 {
		t.Errorf("pairs: %v", a.Pairs)
	}
	if len(a.Failed) != 1 || a.HeadFailed != 1 || !strings.Contains(a.Failed[0], "boom") || !a.Regressed() {
		t.Errorf("failed runs %v, regressed %v", a.Failed, a.Regressed())
	}
	open := a.Open()
	if !open["Fanout/mode=goroutine/strategy=readall/workload=count/size=1MiB/workers=2"] || open["Fanout/mode=goroutine/strategy=ranges/workload=count/size=1MiB/workers=2"] {
		t.Errorf("open cells %v: want readall (undecided) and not ranges (same)", open)
	}
}

func TestAnalyzeCountsFromZero(t *testing.T) {
	// gc-cycles 0 in both arms compare as equal; 0 → 1 is a ratio of 2.
	mk := func(arm string, rep int, gc int64) results.Run {
		return results.Run{Status: results.StatusOK, Rep: rep, ElapsedSec: 0.01,
			Cell:    results.Cell{Mode: "goroutine", Strategy: "mmap", Workload: "count", Size: 1, Workers: 1, Arm: arm},
			Runtime: results.Runtime{AllocObjects: 5, GCCycles: gc}}
	}
	for _, tc := range []struct {
		head  int64
		ratio float64
		want  paired.Verdict
	}{{0, 1, paired.Same}, {1, 2, paired.Worse}} {
		var runs []results.Run
		for rep := 0; rep < 8; rep++ {
			runs = append(runs, mk(ArmBase, rep, 0), mk(ArmHead, rep, tc.head))
		}
		a := analyze(t, runs, "gc-cycles:+0%")
		if len(a.Rows) != 1 || a.Rows[0].Ratio != tc.ratio || a.Rows[0].Verdict != tc.want {
			t.Errorf("gc-cycles 0 → %d: %+v, want ratio %v and %v", tc.head, a.Rows, tc.ratio, tc.want)
		}
	}
}

// TestAnalyzeFamilies: gated times and gated counts are two Holm families
// at α/2 each. Three cells of seven pairs, mmap's time 50% slower in every
// pair: its one-sided p is 2^-7 = 0.0078, below α/2 over the 3 time tests
// (0.0083) but above α over all 12 gated tests (0.0042), so it is worse
// only because time is its own family.
func TestAnalyzeFamilies(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	var runs []results.Run
	runs = append(runs, synthRuns(rng, "mmap", 7, 1.5, 0.01, 100, 1)...)
	runs = append(runs, synthRuns(rng, "ranges", 7, 1, 0.01, 100, 1)...)
	runs = append(runs, synthRuns(rng, "chan", 7, 1, 0.01, 100, 1)...)
	a := analyze(t, runs, "sec/op:+5%,allocs:+0%,alloc-B:+0%,gc-cycles:+0%")
	if len(a.Gated()) != 12 {
		t.Fatalf("%d gated tests, want 12", len(a.Gated()))
	}
	for _, r := range a.Rows {
		want := paired.Same
		if r.Strategy == "mmap" && r.Unit == "sec/op" {
			want = paired.Worse
			if math.Abs(r.P-1.0/128) > 1e-12 {
				t.Errorf("mmap sec/op p = %v, want 1/128", r.P)
			}
		}
		if r.Verdict != want && !(want == paired.Same && r.Verdict == paired.Undecided) {
			t.Errorf("%s %s: %v (p %.3g adj %.3g), want %v", r.Strategy, r.Unit, r.Verdict, r.P, r.PAdjusted, want)
		}
	}
	if m := a.Method(); !strings.Contains(m, "Holm over the 3 time tests and over the 9 count and memory tests, at α/2 each") {
		t.Errorf("method %q does not name the two families", m)
	}
}

// TestAnalyzeNoAllocations: a run that allocated nothing has no allocation
// figures in results; with its runtime read (cpu-sec) they count as 0, so
// a base that allocated in one pair and a head that never did is compared,
// not "a figure the head no longer reports".
func TestAnalyzeNoAllocations(t *testing.T) {
	var runs []results.Run
	for rep := 0; rep < 8; rep++ {
		for _, arm := range []string{ArmBase, ArmHead} {
			rt := results.Runtime{CPUSec: 0.01}
			if arm == ArmBase && rep == 5 {
				rt.AllocObjects, rt.AllocBytes = 16, 7680
			}
			runs = append(runs, results.Run{Status: results.StatusOK, Rep: rep, ElapsedSec: 0.01, Runtime: rt,
				Cell: results.Cell{Mode: "goroutine", Strategy: "mmap", Workload: "count", Size: 1, Workers: 1, Arm: arm}})
		}
	}
	a := analyze(t, runs, "allocs:+2%,alloc-B:+2%,gc-cycles:+0%")
	if len(a.HeadMissing) != 0 || a.Regressed() {
		t.Errorf("head missing %v, regressed %v: want neither", a.HeadMissing, a.Regressed())
	}
	if len(a.Rows) != 3 {
		t.Fatalf("%d rows, want allocs, alloc-B and gc-cycles", len(a.Rows))
	}
	for _, r := range a.Rows {
		if r.N != 8 {
			t.Errorf("%s: %d pairs, want 8", r.Unit, r.N)
		}
	}
}

// goldenOutcome is a fixed outcome with every kind of row: worse, same,
// undecided with and without an interval, better, report-only, a failed
// head run.
func goldenOutcome() *Outcome {
	row := func(strategy, unit string, n int, ratio, lo, hi, tol float64, v paired.Verdict) *Row {
		return &Row{Cell: "Fanout/mode=goroutine/strategy=" + strategy + "/workload=count/size=16MiB/workers=2", Strategy: strategy,
			Unit: unit, Speed: results.SpeedDependent(unit),
			Result: paired.Result{N: n, Ratio: ratio, Lo: lo, Hi: hi, Tolerance: tol, Verdict: v}}
	}
	a := &Analysis{Alpha: 0.05, Rows: []*Row{
		row("mmap", "sec/op", 14, 1.123, 1.081, 1.170, 0.05, paired.Worse),
		row("mmap", "allocs", 14, 1, 1, 1, 0, paired.Same),
		row("ranges", "sec/op", 30, 1.02, 0.97, 1.08, 0.05, paired.Undecided),
		row("ranges", "peak-RSS-B", 30, 1.0, 0.999, 1.001, 0.03, paired.Same),
		row("chan", "sec/op", 6, 0.8, 0.7, 0.9, 0.05, paired.Better),
		row("chan", "alloc-B", 6, 1.0, 0.9, math.Inf(1), 0.02, paired.Undecided),
		func() *Row {
			r := row("chan", "wall-sec", 6, 1.5, 1.3, 1.7, 0.05, paired.Worse)
			r.ReportOnly = true
			return r
		}(),
	}, Pairs: map[string]int{"a": 6, "b": 14, "c": 30}, Failed: []string{"goroutine/shm/count/16MiB/2w head rep 3: failed exit status 2"}, HeadFailed: 1}
	return &Outcome{Dir: "results/ab-ci/T", Analysis: a, Rounds: 3, Spent: 95 * time.Second, Budget: 10 * time.Minute, MaxPairs: 30, Stopped: "max-pairs",
		Base: Build{Rev: "HEAD~1", Commit: "0123456789abcdef0123456789abcdef01234567"}, Head: Build{Rev: "HEAD", Commit: "89abcdef0123456789abcdef0123456789abcdef"}}
}

// TestReportGolden renders a fixed outcome as text, Markdown and HTML and
// compares with testdata (the expected tables were checked by hand against
// the rows of goldenOutcome).
func TestReportGolden(t *testing.T) {
	o := goldenOutcome()
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"report.txt", func(b *bytes.Buffer) error { return o.WriteText(b) }},
		{"report.md", func(b *bytes.Buffer) error { return o.WriteMarkdown(b) }},
		{"report.html", func(b *bytes.Buffer) error { return o.WriteHTML(b) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", f.name)
		if *update {
			os.MkdirAll("testdata", 0o755)
			os.WriteFile(path, b.Bytes(), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s differs from %s:\n%s", f.name, path, b.String())
		}
	}
	var b bytes.Buffer
	o.WriteText(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// The report-only wall-sec row is shown but neither counted nor failing.
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "verdict: FAIL: 1 worse beyond tolerance and 1 head runs failed (2 same, 1 better, 2 undecided of 6 gated") {
		t.Errorf("last line %q: want the verdict", last)
	}
}

func TestBaseFailuresAreNotRegressions(t *testing.T) {
	// An old base build that cannot run what the runner asks fails every
	// base run: nothing is compared, and the head is not blamed.
	var runs []results.Run
	for rep := 0; rep < 6; rep++ {
		for _, arm := range []string{ArmBase, ArmHead} {
			r := results.Run{Status: results.StatusOK, Rep: rep, ElapsedSec: 0.01,
				Cell: results.Cell{Mode: "goroutine", Strategy: "mmap", Workload: "count", Size: 1, Workers: 1, Arm: arm}}
			if arm == ArmBase {
				r.Status, r.Reason = results.StatusFailed, "exit status 2: flag provided but not defined: -newknob"
			}
			runs = append(runs, r)
		}
	}
	a := analyze(t, runs, "sec/op:+10%")
	o := &Outcome{Analysis: a}
	if want := "goroutine/mmap/count/1B/1w base rep 0: failed exit status 2: flag provided but not defined: -newknob"; a.FirstBaseFailure != want {
		t.Errorf("first base failure %q, want %q", a.FirstBaseFailure, want)
	}
	if a.Regressed() || a.HeadFailed != 0 || len(a.Failed) != 6 || !strings.HasPrefix(o.Verdict(), "verdict: UNDECIDED: nothing compared: 6 base runs failed") {
		t.Errorf("regressed %v, head failed %d, failed %d, verdict %q", a.Regressed(), a.HeadFailed, len(a.Failed), o.Verdict())
	}
}

// TestHeadMissingGatedMetricFails: a gated figure the base measured and the
// head no longer reports (here peak-RSS-B) fails the comparison, named in
// the verdict, instead of dropping out of it; one neither arm reports
// (rss-anon-B) does not.
func TestHeadMissingGatedMetricFails(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	runs := synthRuns(rng, "mmap", 8, 1.0, 0.02, 100, 1)
	for i := range runs {
		if runs[i].Cell.Arm == ArmBase {
			runs[i].Memory.PeakRSS = 10 << 20
		}
	}
	a := analyze(t, runs, "sec/op:+10%,peak-RSS-B:+3%,rss-anon-B:+5%")
	want := "goroutine/mmap/count/1MiB/2w peak-RSS-B"
	if len(a.HeadMissing) != 1 || a.HeadMissing[0] != want || !a.Regressed() {
		t.Fatalf("HeadMissing %q, Regressed %v; want [%q] and true", a.HeadMissing, a.Regressed(), want)
	}
	v := (&Outcome{Analysis: a}).Verdict()
	if !strings.HasPrefix(v, "verdict: FAIL") || !strings.Contains(v, "1 gated figures the head no longer reports ("+want+")") {
		t.Errorf("verdict %q", v)
	}
}
