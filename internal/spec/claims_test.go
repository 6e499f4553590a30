package spec

import (
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/units"
)

// synthRuns builds successful measured runs of one cell with the given
// peak RSS values (bytes) and elapsed times (seconds).
func synthRuns(strat string, size int64, knobs map[string]string, peaks []int64, secs []float64) []results.Run {
	c := results.Cell{Mode: "goroutine", Strategy: strat, Workload: "count", Size: size,
		SizeName: units.FormatSize(size), Workers: 2, Knobs: knobs}
	var runs []results.Run
	for i := range peaks {
		runs = append(runs, results.Run{Cell: c, Rep: i, Status: results.StatusOK, Verified: true,
			ElapsedSec: secs[i], Bytes: size, Memory: results.Memory{PeakRSS: peaks[i]}})
	}
	return runs
}

func claimRuns() []results.Run {
	const size = 16 << 20
	var runs []results.Run
	runs = append(runs, synthRuns("readall", size, nil, []int64{20 * mib, 18 * mib, 19 * mib, 30 * mib}, []float64{0.4, 0.2, 0.3, 0.1})...)
	runs = append(runs, synthRuns("ranges", size, nil, []int64{4 * mib, 5 * mib, 6 * mib}, []float64{0.2, 0.2, 0.2})...)
	// Runs that must not count: a warm-up with a huge peak, a failure.
	w := synthRuns("readall", size, nil, []int64{900 * mib}, []float64{9})[0]
	w.Warmup, w.Rep = true, -1
	f := synthRuns("readall", size, nil, []int64{1}, []float64{99})[0]
	f.Status, f.Reason = results.StatusFailed, "boom"
	return append(runs, w, f)
}

// within reports whether got is within tol of want.
func within(got, want, tol float64) bool { return got >= want-tol && got <= want+tol }

// mib is a mebibyte.
const mib = 1 << 20

func val(v float64) *float64 { return &v }

func TestEvaluateClaims(t *testing.T) {
	runs := claimRuns()
	tests := []struct {
		name      string
		claim     Claim
		n         int
		pass      bool
		value     float64
		limit     float64
		errSubstr string
	}{
		{"value bound holds", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "ranges"}, Op: "<=", Value: val(5 * mib), Stat: "median"},
			1, true, 5 * mib, 5 * mib, ""},
		{"value bound fails", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "ranges"}, Op: "<", Value: val(5 * mib), Stat: "median"},
			1, false, 5 * mib, 5 * mib, ""},
		{"median of an even count", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "readall"}, Op: ">", Value: val(0), Stat: "median"},
			1, true, 19.5 * mib, 0, ""},
		// A list selects each cell whose value is one of its values: two
		// cells here, the worse (readall's median 19.5 MiB) below 20 MiB.
		{"a list of strategies", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": []any{"readall", "ranges"}}, Op: "<", Value: val(20 * mib), Stat: "median"},
			2, true, 19.5 * mib, 20 * mib, ""},
		{"min", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "readall"}, Op: ">=", Value: val(18 * mib), Stat: "min"},
			1, true, 18 * mib, 18 * mib, ""},
		{"max (warm-up and failed runs left out)", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "readall"}, Op: "<", Value: val(31 * mib), Stat: "max"},
			1, true, 30 * mib, 31 * mib, ""},
		{"min of sec/op", Claim{Metric: "sec/op", Where: map[string]any{"strategy": "readall"}, Op: "<", Value: val(0.15), Stat: "min"},
			1, true, 0.1, 0.15, ""},
		{"of size", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "readall", "size": "16384KiB"}, Of: "size", Op: ">=", Ratio: 1.2, Stat: "median"},
			1, true, 19.5 * mib, 1.2 * 16 * mib, ""},
		{"of size fails", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "ranges"}, Of: "size", Op: ">=", Ratio: 0.9, Stat: "median"},
			1, false, 5 * mib, 0.9 * 16 * mib, ""},
		{"vs another cell", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "ranges"}, Vs: map[string]any{"strategy": "readall"}, VsMetric: "peak-RSS-B", Op: "<", Ratio: 0.3, Stat: "median"},
			1, true, 5 * mib, 0.3 * 19.5 * mib, ""},
		{"vs another cell fails", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "ranges"}, Vs: map[string]any{"strategy": "readall"}, VsMetric: "peak-RSS-B", Op: "<", Ratio: 0.2, Stat: "median"},
			1, false, 5 * mib, 0.2 * 19.5 * mib, ""},
		{"vs with another metric", Claim{Metric: "sec/op", Where: map[string]any{"strategy": "ranges"}, Vs: map[string]any{"strategy": "readall"}, VsMetric: "sec/op", Op: "<=", Ratio: 1, Stat: "max"},
			1, true, 0.2, 0.4, ""},
		{"where matches every cell", Claim{Metric: "peak-RSS-B", Where: map[string]any{"workers": 2}, Op: "<", Value: val(25 * mib), Stat: "median"},
			2, true, 0, 25 * mib, ""},
		{"where matches nothing", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "mmap"}, Op: "<", Value: val(1), Stat: "median"},
			1, false, 0, 0, "no measured cell matches"},
		{"vs matches nothing", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "ranges"}, Vs: map[string]any{"strategy": "mmap"}, VsMetric: "peak-RSS-B", Op: "<", Ratio: 1, Stat: "median"},
			1, false, 0, 0, "no measured cell to compare with"},
		{"metric not measured", Claim{Metric: "peak-PSS-B", Where: map[string]any{"strategy": "ranges"}, Op: "<", Value: val(1), Stat: "median"},
			1, false, 0, 0, "no peak-PSS-B figure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.claim.Text = tt.name
			vs := EvaluateClaims([]Claim{tt.claim}, runs)
			if len(vs) != tt.n {
				t.Fatalf("%d verdicts, want %d: %+v", len(vs), tt.n, vs)
			}
			for _, v := range vs {
				t.Logf("%v %s: %s", v.Pass, v.Claim, v.Measured)
				if v.Pass != tt.pass {
					t.Errorf("pass = %v, want %v (%s)", v.Pass, tt.pass, v.Measured)
				}
				if tt.errSubstr != "" {
					if !strings.Contains(v.Error, tt.errSubstr) {
						t.Errorf("error %q, want it to contain %q", v.Error, tt.errSubstr)
					}
					continue
				}
				if v.Error != "" {
					t.Errorf("unexpected error %q", v.Error)
				}
				if tt.n == 1 && v.Value != tt.value {
					t.Errorf("value %g, want %g", v.Value, tt.value)
				}
				if !within(v.Limit, tt.limit, 1e-9*tt.limit) {
					t.Errorf("limit %g, want %g", v.Limit, tt.limit)
				}
				if !strings.HasPrefix(v.Claim, tt.name+" [Fanout/") {
					t.Errorf("verdict names no cell: %q", v.Claim)
				}
				if v.Text != tt.name || v.Op != tt.claim.Op || v.Claim != v.Text+" ["+v.Cell+"]" {
					t.Errorf("text %q, op %q, cell %q do not match claim %q (op %s)", v.Text, v.Op, v.Cell, v.Claim, tt.claim.Op)
				}
			}
		})
	}
}

func TestEvaluateClaimsAmbiguousVs(t *testing.T) {
	const size = 16 << 20
	var runs []results.Run
	runs = append(runs, synthRuns("ranges", size, nil, []int64{4 * mib}, []float64{0.2})...)
	runs = append(runs, synthRuns("readall", size, map[string]string{"GOGC": "off"}, []int64{40 * mib}, []float64{0.2})...)
	runs = append(runs, synthRuns("readall", size, map[string]string{"GOGC": "100"}, []int64{20 * mib}, []float64{0.2})...)
	c := Claim{Text: "ranges under readall", Metric: "peak-RSS-B", Where: map[string]any{"strategy": "ranges"},
		Vs: map[string]any{"strategy": "readall"}, VsMetric: "peak-RSS-B", Op: "<", Ratio: 1, Stat: "median"}
	vs := EvaluateClaims([]Claim{c}, runs)
	if len(vs) != 1 || vs[0].Pass || !strings.Contains(vs[0].Error, "2 cells match the comparison") {
		t.Fatalf("ambiguous vs: %+v", vs)
	}
	// Naming the knob in vs makes it unambiguous.
	c.Vs = map[string]any{"strategy": "readall", "GOGC": "100"}
	vs = EvaluateClaims([]Claim{c}, runs)
	if len(vs) != 1 || !vs[0].Pass || vs[0].Error != "" || vs[0].Limit != 20*mib {
		t.Fatalf("vs with GOGC=100: %+v", vs)
	}
}

// TestClaimsFromSpec evaluates the claims as a spec states them (defaults
// applied by Parse), the way the driver does.
func TestClaimsFromSpec(t *testing.T) {
	s := mustSpec(t, `name = "x"
[[matrix]]
strategies = ["readall", "ranges"]
sizes = ["16MiB"]
workers = [2]

[[claim]]
text = "readall holds the file"
metric = "peak-RSS-B"
where = { strategy = "readall", size = "16MiB" }
of = "size"
op = ">="
ratio = 0.9

[[claim]]
text = "ranges needs well under readall's peak"
metric = "peak-RSS-B"
where = { strategy = "ranges" }
vs = { strategy = "readall" }
op = "<"
ratio = 0.7
`)
	vs := EvaluateClaims(s.Claims, claimRuns())
	if len(vs) != 2 {
		t.Fatalf("%d verdicts: %+v", len(vs), vs)
	}
	for _, v := range vs {
		if !v.Pass || v.Error != "" {
			t.Errorf("%s: %s (error %q)", v.Claim, v.Measured, v.Error)
		}
		if !strings.Contains(v.Measured, "median peak-RSS-B") {
			t.Errorf("default stat is not the median: %s", v.Measured)
		}
	}
}

// TestClaimOnCellWithoutSuccess: a cell a claim selects (or compares with)
// whose every measured run failed or was skipped fails the claim, naming
// the cell and why, instead of leaving the claim to the cells that remain.
func TestClaimOnCellWithoutSuccess(t *testing.T) {
	const size = 16 << 20
	runs := synthRuns("ranges", size, nil, []int64{4 * mib, 5 * mib}, []float64{0.2, 0.2})
	for _, r := range synthRuns("chan", size, nil, []int64{1, 1}, []float64{1, 1}) {
		r.Status, r.Reason = results.StatusFailed, "exit status 2: boom"
		runs = append(runs, r)
	}
	chanCell := "Fanout/mode=goroutine/strategy=chan/workload=count/size=16MiB/workers=2"
	why := "no successful run of " + chanCell + " (2 failed or skipped; the first failed: exit status 2: boom)"
	tests := []struct {
		name  string
		claim Claim
		want  map[string]string // cell → error ("" for a verdict that holds)
	}{
		{"where selects it", Claim{Metric: "peak-RSS-B", Where: map[string]any{"workers": 2}, Op: "<", Value: val(25 * mib), Stat: "median"},
			map[string]string{"Fanout/mode=goroutine/strategy=ranges/workload=count/size=16MiB/workers=2": "", chanCell: why}},
		{"vs names it", Claim{Metric: "peak-RSS-B", Where: map[string]any{"strategy": "ranges"}, Vs: map[string]any{"strategy": "chan"}, VsMetric: "peak-RSS-B", Op: "<", Ratio: 1, Stat: "median"},
			map[string]string{"Fanout/mode=goroutine/strategy=ranges/workload=count/size=16MiB/workers=2": why}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.claim.Text = tt.name
			vs := EvaluateClaims([]Claim{tt.claim}, runs)
			if len(vs) != len(tt.want) {
				t.Fatalf("%d verdicts, want %d: %+v", len(vs), len(tt.want), vs)
			}
			for _, v := range vs {
				want, ok := tt.want[v.Cell]
				if !ok || v.Error != want || v.Pass != (want == "") {
					t.Errorf("%s: pass %v, error %q; want error %q", v.Cell, v.Pass, v.Error, want)
				}
			}
		})
	}
}

// TestClaimOnMeasuredZero: a cell whose runs measured their Go runtime and
// allocated nothing has alloc-B figures of 0, so `alloc-B <= 1024` holds
// there (it failed: "no alloc-B figure"); a cell that never measured it (a
// reference command) still has no figure.
func TestClaimOnMeasuredZero(t *testing.T) {
	zero := synthRuns("mmap", 1<<20, nil, []int64{mib, mib, mib}, []float64{0.1, 0.1, 0.1})
	for i := range zero {
		zero[i].Runtime = results.Runtime{Measured: true}
	}
	ref := synthRuns("ref:wc", 1<<20, nil, []int64{mib, mib, mib}, []float64{0.1, 0.1, 0.1})
	claim := Claim{Metric: "alloc-B", Op: "<=", Value: val(1024), Stat: "median"}
	for _, tc := range []struct {
		name string
		runs []results.Run
		pass bool
	}{
		{"measured zero", zero, true},
		{"not measured", ref, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := EvaluateClaims([]Claim{claim}, tc.runs)
			if len(vs) != 1 {
				t.Fatalf("verdicts %+v, want one", vs)
			}
			v := vs[0]
			if v.Pass != tc.pass || tc.pass && (v.Value != 0 || v.Error != "") || !tc.pass && !strings.Contains(v.Error, "alloc-B") {
				t.Errorf("verdict %+v, want pass %v", v, tc.pass)
			}
		})
	}
}

// TestClaimPaired: a claim comparing two cells that ran in shared blocks
// is judged on the median of the per-block ratios. mmap's per-block time
// ratios to the ceiling are 1.0, 1.1, 1.2, 1.3, 1.4 and 2.0 (median 1.25);
// the medians of the two cells' times give 4.4/3.5 = 1.257 instead. So
// "mmap within 1.255× of the ceiling" holds in pairs and fails unpaired.
func TestClaimPaired(t *testing.T) {
	const size = 16 << 20
	ceiling := []float64{1, 2, 3, 4, 5, 6}
	ratios := []float64{1.0, 1.1, 1.2, 1.3, 1.4, 2.0}
	mmap := make([]float64, len(ceiling))
	for i := range ceiling {
		mmap[i] = ceiling[i] * ratios[i]
	}
	peaks := []int64{1, 1, 1, 1, 1, 1}
	c := Claim{Text: "mmap near the ceiling", Metric: "sec/op", VsMetric: "sec/op", Where: map[string]any{"strategy": "mmap"},
		Vs: map[string]any{"strategy": "ceiling"}, Op: "<=", Ratio: 1.255, Stat: "median"}
	runsOf := func(blocks []int) []results.Run {
		rs := append(synthRuns("mmap", size, nil, peaks, mmap), synthRuns("ceiling", size, nil, peaks, ceiling)...)
		for i := range rs {
			rs[i].Block = blocks[i%len(ceiling)]
		}
		return rs
	}
	tests := []struct {
		name   string
		blocks []int
		pass   bool
		value  float64
		text   string
	}{
		{"paired", []int{1, 2, 3, 4, 5, 6}, true, 1.25, "median of 6 paired ratios"},
		{"unblocked", []int{0, 0, 0, 0, 0, 0}, false, 4.4, "median sec/op"},
		{"the other cell's runs in other blocks", []int{1, 2, 3, 4, 5, 6}, false, 4.4, "median sec/op"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := runsOf(tt.blocks)
			if tt.name == "the other cell's runs in other blocks" {
				for i := len(ceiling); i < len(runs); i++ {
					runs[i].Block += 10
				}
			}
			vs := EvaluateClaims([]Claim{c}, runs)
			if len(vs) != 1 {
				t.Fatalf("%d verdicts", len(vs))
			}
			v := vs[0]
			if v.Pass != tt.pass || !within(v.Value, tt.value, 1e-9) || !strings.Contains(v.Measured, tt.text) || v.Error != "" {
				t.Errorf("pass %v, value %g, measured %q, error %q; want pass %v, value %g, %q", v.Pass, v.Value, v.Measured, v.Error, tt.pass, tt.value, tt.text)
			}
		})
	}
}
