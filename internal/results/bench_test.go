package results

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"

	"github.com/fanbench/fanbench/internal/testenv"
)

func TestBenchName(t *testing.T) {
	base := Cell{Mode: "process", Strategy: "mmap", Workload: "count", Size: 1 << 30, Workers: 4}
	withKnobs := func(k map[string]string) Cell { c := base; c.Knobs = k; return c }
	tests := []struct {
		name string
		cell Cell
		want string
	}{
		{"plain", base, "Fanout/mode=process/strategy=mmap/workload=count/size=1GiB/workers=4"},
		{"knobs sorted", withKnobs(map[string]string{"pool": "on", "buf": "64KiB", "GOGC": "50"}),
			"Fanout/mode=process/strategy=mmap/workload=count/size=1GiB/workers=4/GOGC=50/buf=64KiB/pool=on"},
		{"unsafe characters", withKnobs(map[string]string{"a=b": "x y/z"}),
			"Fanout/mode=process/strategy=mmap/workload=count/size=1GiB/workers=4/a_b=x_y_z"},
		{"trailing negative number", withKnobs(map[string]string{"GOGC": "-1"}),
			"Fanout/mode=process/strategy=mmap/workload=count/size=1GiB/workers=4/GOGC=−1"},
		{"size name when size unknown", Cell{Mode: "goroutine", Strategy: "ref:wc", Workload: "count", SizeName: "tiny", Workers: 1},
			"Fanout/mode=goroutine/strategy=ref:wc/workload=count/size=tiny/workers=1"},
		{"arm after the knobs", func() Cell { c := withKnobs(map[string]string{"buf": "64KiB"}); c.Arm = "head"; return c }(),
			"Fanout/mode=process/strategy=mmap/workload=count/size=1GiB/workers=4/buf=64KiB/arm=head"},
		{"small size", Cell{Mode: "goroutine", Strategy: "chan", Workload: "parse", Size: 100, Workers: 16},
			"Fanout/mode=goroutine/strategy=chan/workload=parse/size=100B/workers=16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BenchName(tt.cell)
			if got != tt.want {
				t.Fatalf("BenchName = %q, want %q", got, tt.want)
			}
			// The name must come back from a benchmark file whole, with
			// no part mistaken for a GOMAXPROCS suffix.
			_, parts := benchfmt.Name(got).Parts()
			for _, p := range parts {
				if p[0] == '-' {
					t.Errorf("name part %q read as GOMAXPROCS", p)
				}
			}
		})
	}
}

func TestTreePeakUnitMapping(t *testing.T) {
	// Every source named in the TreePeak documentation must map.
	for source, want := range map[string]string{
		"cgroup-v2-memory.peak": "tree-peak-cgroup-B",
		"cgroup-v1-max_usage":   "tree-peak-cgroup-B",
		"sum-vmhwm":             "tree-peak-sumhwm-B",
		"sampled-rss":           "tree-peak-sampled-rss-B",
		"sampled-pss":           "tree-peak-sampled-pss-B",
	} {
		if got, ok := TreePeakUnit(source); !ok || got != want {
			t.Errorf("TreePeakUnit(%q) = %q, %v; want %q", source, got, ok, want)
		}
	}
	if _, ok := TreePeakUnit("guess"); ok {
		t.Error("an unknown source mapped to a unit")
	}
}

func testEnv() Environment {
	seed := int64(42)
	return Environment{
		Time:       time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC),
		Experiment: "fanout-basic", Seed: &seed,
		GoVersion: "go1.26.8", GOOS: "linux", GOARCH: "amd64", GOGC: "100", GOMAXPROCS: 8,
		Kernel: "Linux 6.8.0 #1 SMP", CPUModel: "Test CPU @ 3.0GHz", CPUCores: 4, CPUThreads: 8,
		MemTotal: 16 << 30, THP: "madvise", Commit: "abc123",
		Fixtures: []FixtureEnv{{Path: "/f/a", FSType: "ext4"}, {Path: "/f/b", FSType: "ext4"}},
	}
}

// testRuns returns 6 OK runs of two strategies, a warm-up, a failure and a
// skipped run.
func testRuns() []Run {
	var runs []Run
	for i := range 6 {
		for j, strat := range []string{"mmap", "readall"} {
			r := sampleRun(2*i + j)
			r.Cell.Strategy = strat
			r.Cell.Knobs = nil
			r.Runtime = Runtime{AllocBytes: 1 << 20, AllocObjects: 100, GCCycles: 2}
			r.Memory.RSSAnon, r.Memory.RSSFile = 10<<20, 90<<20
			r.Memory.PSSAnon, r.Memory.PSSFile = 10<<20, 20<<20
			r.TreePeaks = []TreePeak{{Bytes: 400 << 20, Source: "cgroup-v2-memory.peak"}, {Bytes: 500 << 20, Source: "sum-vmhwm"}}
			runs = append(runs, r)
		}
	}
	warm := sampleRun(100)
	warm.Warmup = true
	failed := sampleRun(101)
	failed.Status, failed.Reason = StatusFailed, "answer mismatch:\nwant 10 lines, got 9"
	skipped := sampleRun(102)
	skipped.Status, skipped.Reason = StatusSkipped, "memory guard"
	return append(runs, warm, failed, skipped)
}

func TestWriteBench(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteBench(&buf, testEnv(), testRuns()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()

	// The environment comes first, as file configuration.
	for _, line := range []string{"goos: linux\n", "goarch: amd64\n", "cpu: Test CPU @ 3.0GHz\n", "go: go1.26.8\n",
		"kernel: Linux 6.8.0 #1 SMP\n", "commit: abc123\n", "gogc: 100\n", "fs: ext4\n", "seed: 42\n",
		"experiment: fanout-basic\n", "date: 2026-05-06T07:08:09Z\n"} {
		if i := strings.Index(out, line); i < 0 || i > strings.Index(out, "BenchmarkFanout") {
			t.Errorf("config line %q missing or after the first result", line)
		}
	}
	if strings.Contains(out, "pkg:") {
		t.Error("results.bench has a pkg line")
	}
	for _, w := range []string{
		"# warning: Fanout/mode=process/strategy=mmap/workload=count/size=1GiB/workers=4/advice=sequential run order=101 rep=2 failed: answer mismatch:; want 10 lines, got 9\n",
		"run order=102 rep=0 skipped: memory guard\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("missing warning %q in\n%s", w, out)
		}
	}

	r := benchfmt.NewReader(strings.NewReader(out), "results.bench")
	n := 0
	units := map[string]int{}
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Errorf("syntax error: %v", rec)
		case *benchfmt.Result:
			n++
			if rec.Iters != 1 {
				t.Errorf("iterations = %d, want 1", rec.Iters)
			}
			if got := rec.GetConfig("goos"); got != "linux" {
				t.Errorf("goos config = %q", got)
			}
			for _, v := range rec.Values {
				units[v.Unit]++
				if v.OrigUnit != "" {
					t.Errorf("unit %q was rewritten to %q on reading", v.OrigUnit, v.Unit)
				}
			}
			if v, _ := rec.Value("sec/op"); v <= 0 {
				t.Errorf("sec/op = %v", v)
			}
			if v, _ := rec.Value("peak-PSS-B"); v != 40<<20 {
				t.Errorf("peak-PSS-B = %v, want the sampled 40 MiB (above the 30 MiB end-of-run PSS)", v)
			}
			if v, _ := rec.Value("B/s"); v <= 0 {
				t.Errorf("B/s = %v", v)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 12 {
		t.Errorf("read %d results, want 12 (warm-up, failed and skipped runs left out)", n)
	}
	for _, u := range []string{"sec/op", "B/s", "peak-RSS-B", "peak-PSS-B", "rss-anon-B", "rss-file-B", "pss-anon-B",
		"pss-file-B", "alloc-B", "allocs", "gc-cycles", "lock-wait-sec", "minflt", "majflt", "wall-sec", "tree-peak-cgroup-B", "tree-peak-sumhwm-B"} {
		if units[u] != 12 {
			t.Errorf("unit %s on %d results, want 12", u, units[u])
		}
	}

	// benchstat's -col /strategy must find the strategy in every name.
	proj, err := (&benchproc.ProjectionParser{}).Parse("/strategy", nil)
	if err != nil {
		t.Fatal(err)
	}
	r = benchfmt.NewReader(strings.NewReader(out), "results.bench")
	strategies := map[string]bool{}
	for r.Scan() {
		if res, ok := r.Result().(*benchfmt.Result); ok {
			strategies[proj.Project(res).StringValues()] = true
		}
	}
	if len(strategies) != 2 || !strategies["mmap"] || !strategies["readall"] {
		t.Errorf("-col /strategy finds %v, want mmap and readall", strategies)
	}
}

func TestWriteBenchLeavesOutUnmeasured(t *testing.T) {
	r := Run{Status: StatusOK, Cell: Cell{Mode: "goroutine", Strategy: "ranges", Workload: "count", Size: 1 << 20, Workers: 2},
		ElapsedSec: 0.25, Bytes: 1 << 20,
		CacheState: "warm", Residency: 0.5,
		TreePeaks: []TreePeak{{Bytes: 1, Source: "mystery"}}}
	noTime := r
	noTime.ElapsedSec = 0
	var buf bytes.Buffer
	if err := WriteBench(&buf, Environment{GOOS: "linux"}, []Run{r, noTime}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	want := "BenchmarkFanout/mode=goroutine/strategy=ranges/workload=count/size=1MiB/workers=2 1 0.25 sec/op 4.194304e+06 B/s\n"
	if !strings.Contains(out, want) {
		t.Errorf("want result line %q in\n%s", want, out)
	}
	for _, w := range []string{`tree peak from unknown source "mystery": left out`, "cache state warm not reached (residency 0.500)", "status ok but no elapsed time"} {
		if !strings.Contains(out, w) {
			t.Errorf("missing warning %q in\n%s", w, out)
		}
	}
}

func TestWriteBenchNoSuccessfulRuns(t *testing.T) {
	failed := sampleRun(0)
	failed.Status, failed.Reason = StatusFailed, "timeout"
	var buf bytes.Buffer
	if err := WriteBench(&buf, testEnv(), []Run{failed}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "goos: linux\n") || !strings.Contains(out, "# warning: no successful runs\n") || !strings.Contains(out, "failed: timeout") {
		t.Errorf("unexpected output:\n%s", out)
	}
}

// TestBenchstat runs the real benchstat (the version go.mod pins) over a
// written file. Building it is slow, so only without -short; a benchstat
// that cannot be built here is a missing tool (a failure in CI), and one
// that runs and rejects the file is a failure everywhere.
func TestBenchstat(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds benchstat")
	}
	goBin := testenv.LookPath(t, "the Go toolchain", "go")
	path := filepath.Join(t.TempDir(), BenchFile)
	d := Dir{Path: filepath.Dir(path)}
	if err := d.WriteBench(testEnv(), testRuns()); err != nil {
		t.Fatal(err)
	}
	benchstat := filepath.Join(t.TempDir(), "benchstat")
	if out, err := exec.Command(goBin, "build", "-o", benchstat, "golang.org/x/perf/cmd/benchstat").CombinedOutput(); err != nil {
		testenv.Missing(t, "cannot build benchstat: %v\n%s", err, out)
	}
	out, err := exec.Command(benchstat, "-col", "/strategy", path).CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat rejects %s: %v\n%s", path, err, out)
	}
	for _, want := range []string{"mmap", "readall", "vs base", "sec/op", "peak-PSS-B", "tree-peak-cgroup-B"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("benchstat output lacks %q:\n%s", want, out)
		}
	}
}

// TestUnitsCatalogue checks Units against the list of units the Results
// section of docs/reference.md names (written out by hand here), and that a run with
// every figure measured writes no unit outside it.
func TestUnitsCatalogue(t *testing.T) {
	want := []string{"sec/op", "B/s", "cpu-sec", "phase-cpu-sec", "peak-RSS-B", "peak-PSS-B", "rss-anon-B", "rss-file-B", "pss-anon-B",
		"pss-file-B", "pss-sum-B", "alloc-B", "allocs", "gc-cycles", "lock-wait-sec", "messages", "ipc-B",
		"reads", "copy-B", "minflt", "majflt", "wall-sec", "tree-peak-cgroup-B", "tree-peak-sampled-pss-B",
		"tree-peak-sampled-rss-B", "tree-peak-sumhwm-B"}
	got := Units()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Units() = %v\nwant %v", got, want)
	}
	r := sampleRun(1)
	r.Runtime = Runtime{AllocBytes: 1, AllocObjects: 1, GCCycles: 1, MutexWaitSec: 1, CPUSec: 1}
	r.Memory = Memory{PeakRSS: 1, RSSAnon: 1, RSSFile: 1, PSS: 1, PSSAnon: 1, PSSFile: 1}
	r.Workers = []Memory{{PSS: 1}}
	r.Extra = map[string]float64{"messages": 1, "ipc-B": 1, "reads": 1, "copy-B": 1}
	for _, src := range []string{"cgroup-v1-max_usage", "sum-vmhwm", "sampled-rss", "sampled-pss"} {
		r.TreePeaks = append(r.TreePeaks, TreePeak{Bytes: 1, Source: src})
	}
	for u := range Metrics(r) {
		if !slices.Contains(got, u) {
			t.Errorf("Metrics writes %q, which Units does not list", u)
		}
	}
}

func TestSpeedDependent(t *testing.T) {
	for unit, want := range map[string]bool{"sec/op": true, "B/s": true, "cpu-sec": true, "wall-sec": true, "lock-wait-sec": true,
		"allocs": false, "alloc-B": false, "peak-RSS-B": false, "minflt": false, "reads": false, "copy-B": false} {
		if got := SpeedDependent(unit); got != want {
			t.Errorf("SpeedDependent(%q) = %v, want %v", unit, got, want)
		}
	}
}

func TestMetricsStrategyCounters(t *testing.T) {
	r := Run{Status: StatusOK, ElapsedSec: 1, Bytes: 10, Extra: map[string]float64{"reads": 7, "copy-B": 4096, "chunks": 3}}
	m := Metrics(r)
	if m[UnitReads] != 7 || m[UnitCopyB] != 4096 {
		t.Errorf("Metrics = %v, want reads 7 and copy-B 4096", m)
	}
	if _, ok := m["chunks"]; ok {
		t.Errorf("chunks is not a results.bench unit: %v", m)
	}
}

// TestMeasuredZeroIsAFigure: a run whose Go runtime was measured and
// allocated nothing has alloc-B, allocs and gc-cycles of 0 in
// results.bench and Metrics; only a run that did not measure them (a
// reference command) lacks them. A record written before Runtime.Measured
// counts as measured when it recorded any allocation, as before.
func TestMeasuredZeroIsAFigure(t *testing.T) {
	const line = "BenchmarkFanout/mode=goroutine/strategy=mmap/workload=count/size=1MiB/workers=1 1 0.5 sec/op 2.097152e+06 B/s"
	for _, tc := range []struct {
		name string
		json string // the record's runtime object in runs.jsonl
		want string // the result line's runtime figures, after sec/op and B/s
	}{
		{"measured, allocated nothing", `{"alloc_bytes":0,"alloc_objects":0,"gc_cycles":0,"gc_cpu_sec":0,"measured":true}`,
			" 0 alloc-B 0 allocs 0 gc-cycles 0 lock-wait-sec\n"},
		{"measured, allocated", `{"alloc_bytes":4096,"alloc_objects":2,"gc_cycles":1,"gc_cpu_sec":0,"measured":true}`,
			" 4096 alloc-B 2 allocs 1 gc-cycles 0 lock-wait-sec\n"},
		{"not measured (a reference command)", `{"alloc_bytes":0,"alloc_objects":0,"gc_cycles":0,"gc_cpu_sec":0}`, "\n"},
		{"older record that allocated", `{"alloc_bytes":4096,"alloc_objects":2,"gc_cycles":0,"gc_cpu_sec":0}`,
			" 4096 alloc-B 2 allocs 0 gc-cycles 0 lock-wait-sec\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := `{"cell":{"mode":"goroutine","strategy":"mmap","workload":"count","size":1048576,"size_name":"1MiB","workers":1},` +
				`"status":"ok","elapsed_sec":0.5,"bytes":1048576,"runtime":` + tc.json + "}\n"
			runs, dropped, err := ReadRuns(writeLines(t, rec))
			if err != nil || dropped != 0 || len(runs) != 1 {
				t.Fatalf("ReadRuns: %d runs, %d dropped, %v", len(runs), dropped, err)
			}
			var buf bytes.Buffer
			if err := WriteBench(&buf, Environment{GOOS: "linux"}, runs); err != nil {
				t.Fatal(err)
			}
			if want := line + tc.want; !strings.Contains(buf.String(), want) {
				t.Errorf("results.bench:\n%s\nwant the line %q", buf.String(), want)
			}
			_, has := Metrics(runs[0])[UnitAllocB]
			if want := tc.want != "\n"; has != want {
				t.Errorf("Metrics has %s: %v, want %v", UnitAllocB, has, want)
			}
			// A record written now keeps the flag: it reads back the same.
			again, _, err := readRuns(strings.NewReader(marshalLine(t, runs[0])), "again")
			if err != nil || len(again) != 1 || again[0].Runtime != runs[0].Runtime {
				t.Errorf("round trip: %+v, %v; want %+v", again, err, runs[0].Runtime)
			}
		})
	}
}
