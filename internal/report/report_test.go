package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/report"
	"github.com/fanbench/fanbench/internal/results"
)

var updateReport = flag.Bool("update-report", false, "rewrite testdata/report_golden.md (review the diff by hand)")

const (
	kib = 1 << 10
	mib = 1 << 20
)

// seq is six repetitions base, base+step, ..., base+5·step: the median is
// base+2.5·step.
func seq(base, step float64) []float64 {
	out := make([]float64, 6)
	for i := range out {
		out[i] = base + float64(i)*step
	}
	return out
}

// golden builds the runs of one cell: times in milliseconds and cgroup
// tree peaks in bytes, one of each per repetition.
func goldenRuns(mode, strategy, workload string, sizeMiB int64, workers int, ms, peak []float64) []results.Run {
	var out []results.Run
	for i := range ms {
		r := results.Run{
			Experiment: "golden", Rep: i, Status: results.StatusOK, CacheState: "warm",
			Cell: results.Cell{Mode: mode, Strategy: strategy, Workload: workload, Size: sizeMiB * mib,
				SizeName: strings.TrimSuffix(plotkit.FormatBytes(float64(sizeMiB*mib)), " MiB") + "MiB", Workers: workers},
			ElapsedSec: ms[i] / 1000, Bytes: sizeMiB * mib,
		}
		if peak != nil {
			r.Memory.PeakRSS = int64(peak[i]) + 8*mib
			r.TreePeaks = []results.TreePeak{{Bytes: int64(peak[i]), Source: "cgroup-v1-max_usage"}}
		}
		out = append(out, r)
	}
	return out
}

// mibs is six memory figures: whole MiB plus 0, 4, ..., 20 KiB (median +10 KiB).
func mibs(n float64) []float64 { return seq(n*mib, 4*kib) }

// goldenResults is a small results set whose every figure in the report
// was worked out by hand (see the comments in TestReportMarkdownGolden).
func goldenResults() (*chart.Results, error) {
	var runs []results.Run
	add := func(rs []results.Run) { runs = append(runs, rs...) }
	// count, goroutine mode.
	for _, sw := range []struct {
		size                        int64
		workers                     int
		mmap, ranges, readall       []float64 // ms
		mmapMem, rangesMem, readMem []float64
	}{
		{4, 1, seq(1, 0.02), seq(2, 0.02), seq(4, 0.02), mibs(2), mibs(3), mibs(6)},
		{4, 2, seq(0.60, 0.02), seq(0.61, 0.02), seq(3, 0.02), mibs(2), mibs(3), mibs(6)},
		{16, 1, seq(3, 0.02), seq(6, 0.02), seq(12, 0.02), mibs(2), mibs(3), mibs(18)},
		{16, 2, seq(2.5, 0.02), seq(2, 0.02), seq(11, 0.02), seq(3*mib, 8*kib), seq(3*mib+4*kib, 8*kib), mibs(18)},
	} {
		add(goldenRuns("goroutine", "mmap", "count", sw.size, sw.workers, sw.mmap, sw.mmapMem))
		add(goldenRuns("goroutine", "ranges", "count", sw.size, sw.workers, sw.ranges, sw.rangesMem))
		add(goldenRuns("goroutine", "readall", "count", sw.size, sw.workers, sw.readall, sw.readMem))
		add(goldenRuns("goroutine", "ceiling", "count", sw.size, sw.workers, seq(0.5, 0.02), mibs(1)))
		if sw.workers == 1 {
			add(goldenRuns("external", "ref:wc", "count", sw.size, 1, seq(5, 0.02), nil))
		}
	}
	// count, process mode, one cell.
	add(goldenRuns("process", "readall", "count", 16, 2, seq(20, 0.02), mibs(34)))
	add(goldenRuns("process", "mmap", "count", 16, 2, seq(5, 0.02), mibs(6)))
	// parse, goroutine mode, one cell.
	add(goldenRuns("goroutine", "ranges", "parse", 4, 1, seq(8, 0.02), mibs(3)))
	add(goldenRuns("goroutine", "mmap", "parse", 4, 1, seq(9, 0.02), mibs(5)))
	// Left out: a failed run and a warm-up run.
	failed := goldenRuns("goroutine", "mmap", "count", 4, 1, []float64{1}, mibs(2)[:1])[0]
	failed.Status, failed.Reason = results.StatusFailed, "timeout"
	warm := goldenRuns("goroutine", "mmap", "count", 4, 1, []float64{1}, mibs(2)[:1])[0]
	warm.Warmup = true
	runs = append(runs, failed, warm)

	env := results.Environment{GoVersion: "go1.26.8", GOOS: "linux", GOARCH: "amd64", Kernel: "Linux 6.1 <x>",
		CPUModel: "Test CPU", CPUCores: 2, Commit: "abc123"}
	d, err := chart.NewDataset(runs, results.MachineOf(env))
	if err != nil {
		return nil, err
	}
	claims := []results.ClaimResult{
		{Text: "readall holds the <b>whole</b> file | in memory", Cell: "Fanout/mode=goroutine/strategy=readall/workload=count/size=4MiB/workers=1",
			Op: ">=", Pass: true, Value: 6 * mib, Limit: 0.9 * 4 * mib, Measured: "median peak-RSS-B = 6 MiB >= 0.9 × size"},
		{Text: "readall holds the <b>whole</b> file | in memory", Cell: "Fanout/mode=goroutine/strategy=readall/workload=count/size=4MiB/workers=2",
			Op: ">=", Pass: true, Value: 6 * mib, Limit: 0.9 * 4 * mib, Measured: "median peak-RSS-B = 6 MiB >= 0.9 × size"},
		{Text: "mmap is twice as fast as chan", Cell: "Fanout/mode=goroutine/strategy=mmap/workload=count/size=4MiB/workers=1",
			Op: ">=", Pass: true, Value: 2.1, Limit: 2, Measured: "ratio 2.1 >= 2"},
		{Text: "mmap is twice as fast as chan", Cell: "Fanout/mode=goroutine/strategy=mmap/workload=count/size=4MiB/workers=2",
			Op: ">=", Pass: false, Value: 1.8, Limit: 2, Measured: "ratio 1.8 >= 2 <script>"},
		{Text: "mmap is twice as fast as chan", Cell: "Fanout/mode=goroutine/strategy=mmap/workload=count/size=16MiB/workers=1",
			Op: ">=", Error: "no B/s figure for chan", Measured: "no B/s figure for chan"},
	}
	for i := range claims {
		claims[i].Claim = claims[i].Text + " [" + claims[i].Cell + "]"
		claims[i].Summary = i < 2 // the first claim is one of the experiment's findings
	}
	return &chart.Results{Dir: "results/golden/20260101T000000Z", Data: d, Env: env, Claims: claims}, nil
}

// goldenFigures are hand-made figures (the report only needs their names,
// titles and captions) in the order chart.All gives: kind by kind.
var goldenFigures = []*plotkit.Figure{
	{Name: "throughput_count_goroutine_warm", Kind: chart.KindThroughput, Title: "Throughput — count, goroutine\nsubtitle", Caption: "Bytes per second <i>raw</i>."},
	{Name: "throughput_count_process_warm", Kind: chart.KindThroughput, Title: "Throughput — count, process", Caption: "Process mode."},
	{Name: "memory_count_goroutine_warm", Kind: chart.KindMemory, Title: "Peak memory — count, goroutine", Caption: "Peaks."},
	{Name: "speedup_count_goroutine_warm", Kind: chart.KindSpeedup, Title: "Speed-up — count, goroutine", Caption: "Speed-up."},
}

// writeGoldenPages writes res's pages with the golden figures (stand-in
// PNGs) into a new folder and returns it.
func writeGoldenPages(t *testing.T, res *chart.Results) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range goldenFigures {
		if err := os.WriteFile(filepath.Join(dir, f.Name+".png"), []byte("png"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := report.WritePages(res, goldenFigures, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestReportMarkdownGolden renders report.md from goldenResults and
// compares it with testdata/report_golden.md, whose figures were checked by
// hand:
//
//   - count, goroutine: mmap's median 1.05 ms at 4 MiB/1 worker against
//     ranges' 2.05 ms is 1.95×; at 16 MiB/1 worker 3.05 against 6.05 ms is
//     1.98×; at 16 MiB/2 workers ranges (2.05 ms) beats mmap (2.55 ms) by
//     1.24×; six against six fully separated runs give the Mann-Whitney
//     p = 2/924 = 0.002. At 4 MiB/2 workers the runs interleave (0.60,
//     0.62, … against 0.61, 0.63, …): medians 0.65 and 0.66 ms, 1.02×, and
//     by exact enumeration of the 924 splits p = 646/924 = 0.699.
//   - memory (cgroup peak): mmap 2 MiB + 10 KiB = 2.01 MiB against ranges'
//     3082 KiB, 1.50×; at 16 MiB/2 workers the peaks interleave as the
//     times above: 3.02 MiB against 3096/3092 = 1.00×, p = 0.699.
//   - count, process: mmap 5.05 ms against readall 20.05 ms, 3.97×; memory
//     6.01 MiB against 34 MiB + 10 KiB, 5.66×.
//   - parse: ranges 8.05 ms against mmap 9.05 ms, 1.12×; memory 3.01 MiB
//     against 5130/3082 = 1.66×.
//   - claims: 6 MiB against 0.9 × 4 MiB is a margin of +67%; 2.1 against 2
//     is +5.0%, 1.8 against 2 is −10%: one claim of two holds. The first is
//     a finding (summary = true): it is in the findings after the key
//     charts, the other in the claims section.
//   - raw HTML in claim texts, measured strings, captions and the
//     environment is escaped (&lt;b&gt;), and | in a table cell is \|.
func TestReportMarkdownGolden(t *testing.T) {
	res, err := goldenResults()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeGoldenPages(t, res)
	got, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report_golden.md")
	if *updateReport {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -run TestReportMarkdownGolden -update-report writes it; review it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("report.md line %d:\n got %q\nwant %q", i+1, g, w)
				break
			}
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The escaping itself, beside the golden file: no raw tag from the input
	// survives in either format, and each is there escaped.
	for _, doc := range []struct {
		name    string
		text    []byte
		escaped []string
	}{
		{"report.md", got, []string{"&lt;b>whole&lt;/b> file \\| in memory", "2 &lt;script>", "&lt;i>raw&lt;/i>", "6.1 &lt;x>"}},
		{"index.html", html, []string{"&lt;b&gt;whole&lt;/b&gt; file | in memory", "2 &lt;script&gt;", "&lt;i&gt;raw&lt;/i&gt;", "6.1 &lt;x&gt;"}},
	} {
		for _, raw := range []string{"<b>whole</b>", "2 <script>", "<i>raw</i>", "6.1 <x>"} {
			if bytes.Contains(doc.text, []byte(raw)) {
				t.Errorf("%s keeps raw HTML %q from its input", doc.name, raw)
			}
		}
		for _, e := range doc.escaped {
			if !bytes.Contains(doc.text, []byte(e)) {
				t.Errorf("%s lacks the escaped %q", doc.name, e)
			}
		}
	}
}

// TestReportWithoutClaims: a spec without claims (claims.json holds an
// empty list) gets no "Claims: 0 of 0 hold" line and no Claims section.
func TestReportWithoutClaims(t *testing.T) {
	res, err := goldenResults()
	if err != nil {
		t.Fatal(err)
	}
	res.Claims = []results.ClaimResult{}
	dir := writeGoldenPages(t, res)
	for _, name := range []string{"report.md", "index.html"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if s := string(b); strings.Contains(s, "0 of 0 hold") || strings.Contains(s, `id="claims"`) || strings.Contains(s, "\n## Claims") {
			t.Errorf("%s of a spec without claims speaks of claims", name)
		}
	}
}

// TestReportStatesLoad: the report's opening says how busy the machine
// was over the runs it is computed from: 12 runs, of which 4 were
// disturbed and 1 run again, load average up to 7.5 on 2 CPUs (a third
// of the runs disturbed is more than a quarter: busy).
func TestReportStatesLoad(t *testing.T) {
	var runs []results.Run
	runs = append(runs, goldenRuns("goroutine", "mmap", "count", 4, 1, seq(1, 0.02), mibs(2))...)
	runs = append(runs, goldenRuns("goroutine", "ranges", "count", 4, 1, seq(2, 0.02), mibs(3))...)
	for i := range runs {
		runs[i].Load = &results.Load{LoadStart: 1 + float64(i)/2, LoadEnd: 1, CPUs: 2, Disturbed: i%3 == 0}
	}
	runs[3].Attempts = 2
	d, err := chart.NewDataset(runs, results.Machine{})
	if err != nil {
		t.Fatal(err)
	}
	dir := writeGoldenPages(t, &chart.Results{Dir: "results/load/1", Data: d})
	const want = "The machine was busy while it ran, so times carry its load: 4 of 12 measured runs were disturbed " +
		"(other processes took more than 25% of the CPUs' time during them), 1 was run again; the load average reached 6.5 on 2 CPUs."
	for _, name := range []string{"report.md", "index.html"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if name == "index.html" {
			s = strings.ReplaceAll(s, "&#39;", "'")
		}
		if i, v := strings.Index(s, want), strings.Index(s, "Verdict"); i < 0 || v < 0 || i > v {
			t.Errorf("%s: the load sentence is missing or below the verdict; want before it:\n%s", name, want)
		}
	}
}
