package runner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// dirEntries lists a folder's entries, failing the test if it is unreadable.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestDryRunBeyondMemory: `run --dry-run` of a spec whose sizes exceed the
// machine's memory lists the memory guard's refusals with their reasons,
// the fixtures it would generate against the free space, and an estimate,
// and writes nothing: the fixture and results folders stay empty.
func TestDryRunBeyondMemory(t *testing.T) {
	tmp := t.TempDir()
	fx, res := filepath.Join(tmp, "fx"), filepath.Join(tmp, "res")
	for _, d := range []string{fx, res} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// 1024 TiB: beyond any machine's memory and disk.
	sp := writeFile(t, filepath.Join(tmp, "huge.toml"), `name = "huge"
repetitions = 2
cache = "cold"
[[matrix]]
modes = ["goroutine", "process"]
strategies = ["readall", "ranges"]
sizes = ["64KiB", "1024TiB"]
workers = [4]
`)
	out := runCLI(t, nil, "run", "--dry-run", "--fixtures", fx, "--results", res, sp)
	if out.code != 0 {
		t.Fatalf("exit %d, stderr %q", out.code, out.stderr)
	}
	for _, want := range []string{
		"cells: 8 (6 to run, 2 refused by the memory guard)",
		"runs: 12 to launch",
		"refused by the memory guard (MemAvailable ",
		"  Fanout/mode=goroutine/strategy=readall/workload=count/size=1024TiB/workers=4: memory guard: estimated peak ",
		"  Fanout/mode=process/strategy=readall/workload=count/size=1024TiB/workers=4: memory guard: estimated peak ",
		"fixture-64KiB-seed1.txt: to generate, 64 KiB",
		"fixture-1024TiB-seed1.txt: to generate, 1024 TiB",
		"DOES NOT FIT: fixtures to generate need ",
		"estimated duration: ",
		"dry run: nothing was run or written",
	} {
		if !strings.Contains(out.stdout, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out.stdout)
		}
	}
	if strings.Contains(out.stdout, "strategy=ranges/workload=count/size=1024TiB/workers=4: memory guard") {
		t.Errorf("ranges, which streams, is refused:\n%s", out.stdout)
	}
	for _, d := range []string{fx, res} {
		if names := dirEntries(t, d); len(names) != 0 {
			t.Errorf("%s holds %v after a dry run, want it empty", d, names)
		}
	}
	// Without --dry-run the same spec fails on the space check before
	// anything is generated, in one line.
	out = runCLI(t, nil, "run", "--yes", "--fixtures", fx, "--results", res, sp)
	if out.code != 1 || !strings.Contains(out.stderr, "fixtures to generate need ") || strings.Count(out.stderr, "\n") != 1 {
		t.Errorf("run: exit %d, stderr %q: want 1 and one line about free space", out.code, out.stderr)
	}
	for _, d := range []string{fx, res} {
		if names := dirEntries(t, d); len(names) != 0 {
			t.Errorf("%s holds %v after a refused run, want it empty", d, names)
		}
	}
}

// TestRunConfirmsLargePlans: a plan over the threshold (here 10,002 runs:
// 2 cells × 5,001, within MaxRepetitions) is refused in one line when
// stdin is not a terminal and --yes is not given; nothing is written.
func TestRunConfirmsLargePlans(t *testing.T) {
	tmp := t.TempDir()
	res := filepath.Join(tmp, "res")
	sp := writeFile(t, filepath.Join(tmp, "many.toml"), "name = \"many\"\nrepetitions = 5001\n"+matrixOf(1, "ranges", "mmap"))
	out := runCLI(t, nil, "run", "--fixtures", filepath.Join(tmp, "fx"), "--results", res, sp)
	want := "fanbench run: this plan is large (10002 runs, estimated "
	if out.code != 1 || !strings.HasPrefix(out.stderr, want) || !strings.HasSuffix(out.stderr, "): give --yes to start it (--dry-run shows it)\n") {
		t.Errorf("exit %d, stderr %q: want 1 and %q…", out.code, out.stderr, want)
	}
	for _, d := range []string{res, filepath.Join(tmp, "fx")} {
		if _, err := os.Stat(d); err == nil {
			t.Errorf("%s was created by a refused run", d)
		}
	}
}

// TestPlanThresholds: the confirmation threshold, by run count and by
// estimated duration.
func TestPlanThresholds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		runs  int
		each  time.Duration
		large bool
	}{
		{"small", 100, time.Second, false},
		{"10000 runs", 10000, time.Millisecond, false},
		{"10001 runs", 10001, time.Millisecond, true},
		{"just under an hour", 60, 59 * time.Second, false},
		{"over an hour", 61, time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &RunPlan{Skips: []string{""}, Estimate: DurationEstimate{Runs: time.Duration(tc.runs) * tc.each}}
			for range tc.runs {
				p.Order = append(p.Order, Planned{})
			}
			if _, large := p.NeedsConfirmation(); large != tc.large {
				t.Errorf("%d runs × %v: large %v, want %v", tc.runs, tc.each, large, tc.large)
			}
		})
	}
}

// TestPlanEstimateFromPast: a cell with past results is estimated from the
// median of their wall times (here 1, 2 and 9 s: 2 s per run), one without
// by the rough model (50 ms + 64 KiB at 1 GB/s).
func TestPlanEstimateFromPast(t *testing.T) {
	sp := mustSpec(t, "name = \"est\"\nrepetitions = 3\n"+matrixOf(1, "readall", "ranges"))
	cells := sp.Cells()
	root := t.TempDir()
	past := filepath.Join(root, "other", "20250101T000000Z")
	if err := os.MkdirAll(past, 0o755); err != nil {
		t.Fatal(err)
	}
	log, err := results.OpenRunLog(filepath.Join(past, results.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []float64{1, 2, 9} {
		r := results.Run{Cell: cells[0].Record(), Status: results.StatusOK, CacheState: "warm", Usage: results.Usage{WallSec: s}}
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	// A failed run and a run in the other cache state do not count.
	for _, r := range []results.Run{
		{Cell: cells[0].Record(), Status: results.StatusFailed, CacheState: "warm", Usage: results.Usage{WallSec: 100}},
		{Cell: cells[0].Record(), Status: results.StatusOK, CacheState: "cold", Usage: results.Usage{WallSec: 100}},
	} {
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	log.Close()
	p, err := BuildPlan(sp, filepath.Join(t.TempDir(), "fx"), root, false, func() int64 { return 1 << 40 })
	if err != nil {
		t.Fatal(err)
	}
	model := 50*time.Millisecond + time.Duration(float64(64<<10)/1e9*float64(time.Second))
	if want := 3*2*time.Second + 3*model; p.Estimate.Runs != want || p.Estimate.FromPast != 3 || p.Estimate.Modelled != 3 {
		t.Errorf("estimate %+v, want runs %v, 3 from past, 3 modelled", p.Estimate, want)
	}
}

// TestDriverMakesOnlyUsedFixtures: the memory guard decides before any
// fixture is made, so a size whose every cell is refused is never
// generated (nor read), and its runs are recorded as skipped.
func TestDriverMakesOnlyUsedFixtures(t *testing.T) {
	sp := mustSpec(t, `name = "onlyused"
repetitions = 1
`+quick+`[[matrix]]
strategies = ["readall"]
sizes = ["64KiB", "4MiB"]
workers = [1]
`)
	tmp := t.TempDir()
	fx, dir := filepath.Join(tmp, "fx"), filepath.Join(tmp, "results")
	// The guard allows 80% of 82 MiB = 65.6 MiB: readall's estimate is
	// 64 MiB + the size, so 64 KiB runs and 4 MiB is refused.
	o := Options{Spec: sp, Dir: dir, FixtureDir: fx, Self: fanbenchBin(t), Progress: io.Discard,
		memAvailable: func() int64 { return 82 << 20 }}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Runs != 1 || sum.Skipped != 1 || sum.Failed != 0 {
		t.Errorf("summary %+v, want 1 run and 1 skipped", *sum)
	}
	names := dirEntries(t, fx)
	if !slices.Contains(names, fixture.FileName(64<<10, 1)) || slices.Contains(names, fixture.FileName(4<<20, 1)) {
		t.Errorf("fixture folder holds %v: want the 64KiB fixture and not the 4MiB one", names)
	}
	runs, _ := readRunsOK(t, dir)
	for _, r := range runs {
		if r.Cell.SizeName == "4MiB" && (r.Status != results.StatusSkipped || !strings.HasPrefix(r.Reason, "memory guard: ")) {
			t.Errorf("4MiB run: %s %q, want skipped by the memory guard", r.Status, r.Reason)
		}
	}
}

// TestCacheKnobNamesEveryCell: once some cells vary the cache state, every
// cell names its own (the spec's cache where its block sets none), so cold
// and warm cells differ in name and a duplicate warm cell is one cell.
func TestCacheKnobNamesEveryCell(t *testing.T) {
	sp := mustSpec(t, `name = "c"
cache = "warm"
[[matrix]]
strategies = ["mmap"]
sizes = ["1MiB"]
workers = [4]
[[matrix]]
strategies = ["mmap"]
sizes = ["1MiB"]
workers = [4]
[matrix.knobs]
cache = ["cold", "warm"]
`)
	want := []string{
		"Fanout/mode=goroutine/strategy=mmap/workload=count/size=1MiB/workers=4/cache=warm",
		"Fanout/mode=goroutine/strategy=mmap/workload=count/size=1MiB/workers=4/cache=cold",
	}
	if got := cellNames(sp.Cells()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("cells %v, want %v", got, want)
	}
	for _, c := range sp.Cells() {
		if got := c.Cache.String(); got != c.Record().Knobs["cache"] {
			t.Errorf("%s: cache state %q", c.Name(), got)
		}
	}
	// Without the knob anywhere, names stay as they were.
	plain := mustSpec(t, "name = \"p\"\ncache = \"cold\"\n[[matrix]]\nstrategies = [\"mmap\"]\nsizes = [\"1MiB\"]\nworkers = [4]\n")
	c := plain.Cells()[0]
	if c.Name() != "Fanout/mode=goroutine/strategy=mmap/workload=count/size=1MiB/workers=4" || c.Cache != spec.Cold {
		t.Errorf("plain cell %s, cache %s", c.Name(), c.Cache)
	}
}

// TestSummaryClaimsMarkVerdicts: a claim marked summary = true gives
// verdicts marked for the report's summary; others are not.
func TestSummaryClaimsMarkVerdicts(t *testing.T) {
	// Two claims alike but for their text and the summary mark.
	claim := func(text, mark string) string {
		return "[[claim]]\ntext = \"" + text + "\"\n" + mark + "metric = \"sec/op\"\nwhere = { strategy = \"readall\" }\nop = \"<\"\nvalue = 10.0\n"
	}
	sp := mustSpec(t, "name = \"s\"\n"+matrix+claim("finding", "summary = true\n")+claim("plain", ""))
	c := sp.Cells()[0]
	runs := []results.Run{{Cell: c.Record(), Status: results.StatusOK, ElapsedSec: 1}}
	v := spec.EvaluateClaims(sp.Claims, runs)
	if len(v) != 2 || !v[0].Summary || v[1].Summary || !v[0].Pass {
		t.Errorf("verdicts %+v: want the first marked for the summary, the second not", v)
	}
}
