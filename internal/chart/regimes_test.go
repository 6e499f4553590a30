package chart

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/units"
)

// TestFitLogLog: slopes of exact power laws, worked out by hand.
func TestFitLogLog(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xs, ys []float64
		slope  float64
		ok     bool
	}{
		{"linear", []float64{1, 2, 4, 8}, []float64{3, 6, 12, 24}, 1, true},
		{"square", []float64{1, 10, 100}, []float64{2, 200, 20000}, 2, true},
		{"flat", []float64{16, 256, 4096}, []float64{5, 5, 5}, 0, true},
		{"square root", []float64{1, 4, 16}, []float64{1, 2, 4}, 0.5, true},
		{"non-positive points dropped", []float64{0, 1, 2, -3}, []float64{7, 1, 2, 1}, 1, true},
		{"one point", []float64{4}, []float64{2}, 0, false},
		{"one distinct x", []float64{4, 4}, []float64{2, 3}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fit, ok := FitLogLog(tc.xs, tc.ys)
			if ok != tc.ok || (ok && math.Abs(fit.Slope-tc.slope) > 1e-9) {
				t.Errorf("fit %+v ok %v, want slope %g ok %v", fit, ok, tc.slope, tc.ok)
			}
		})
	}
}

// regimeRuns makes n runs of a cell with the given times.
func regimeRuns(mode, strategy, cache string, size int64, workers int, secs ...float64) []results.Run {
	var out []results.Run
	for i, s := range secs {
		c := results.Cell{Mode: mode, Strategy: strategy, Workload: "count", Size: size, SizeName: units.FormatSize(size),
			Workers: workers, Knobs: map[string]string{"cache": cache}}
		out = append(out, results.Run{Experiment: "regimes", Cell: c, Rep: i, Status: results.StatusOK, ElapsedSec: s,
			Bytes: size, CacheState: cache, Memory: results.Memory{PeakRSS: 10 << 20}})
	}
	return out
}

// TestScaleChart: time proportional to size gives a fitted slope of 1.00
// in the legend; a cell the memory guard refused is drawn and listed, not
// left out; facets with fewer than three sizes get no scale chart.
func TestScaleChart(t *testing.T) {
	var runs []results.Run
	for _, size := range []int64{16 << 20, 256 << 20, 4 << 30} {
		sec := float64(size) / 1e9
		runs = append(runs, regimeRuns("goroutine", "ranges", "cold", size, 4, sec, sec*1.01, sec*0.99)...)
		if size < 4<<30 {
			runs = append(runs, regimeRuns("goroutine", "readall", "cold", size, 4, 2*sec, 2*sec, 2*sec)...)
		}
	}
	refused := results.Run{Experiment: "regimes", Status: results.StatusSkipped, Reason: "memory guard: estimated peak 4.1 GiB exceeds 80% of MemAvailable 4 GiB",
		CacheState: "cold", Cell: results.Cell{Mode: "goroutine", Strategy: "readall", Workload: "count", Size: 4 << 30, SizeName: "4GiB", Workers: 4,
			Knobs: map[string]string{"cache": "cold"}}}
	runs = append(runs, refused)
	// A facet with two sizes only: no scale chart.
	runs = append(runs, regimeRuns("process", "ranges", "cold", 16<<20, 4, 0.1)...)
	runs = append(runs, regimeRuns("process", "ranges", "cold", 256<<20, 4, 0.2)...)
	d, err := NewDataset(runs, results.Machine{CPUModel: "test", Cores: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := Facet{Workload: "count", Mode: "goroutine", Cache: "cold"}
	if why := d.Refused(f, Series{Strategy: "readall"}, Point{4 << 30, 4}); why != refused.Reason {
		t.Errorf("refused reason %q, want %q", why, refused.Reason)
	}
	figs, err := Scale(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 1 || figs[0].Name != "scale_count_goroutine_cold" || len(figs[0].Panels) != 2 {
		t.Fatalf("figures %v, want one two-panel scale_count_goroutine_cold", names(figs))
	}
	var labels []string
	for _, e := range figs[0].Legend {
		labels = append(labels, e.Label)
	}
	for _, want := range []string{"ranges (time ~ size^1.00)", "readall (time ~ size^1.00)"} {
		if !strings.Contains(strings.Join(labels, "|"), want) {
			t.Errorf("legend %q lacks %q", labels, want)
		}
	}
	var svg bytes.Buffer
	if err := figs[0].Encode(&svg, "svg"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(svg.String(), "refused"); n < 2 {
		t.Errorf("the refused cell is marked %d times in the SVG, want once per panel", n)
	}
}

// TestCacheChart: cold and warm runs of the same cells give one figure per
// workload with a panel per mode measured in both states.
func TestCacheChart(t *testing.T) {
	var runs []results.Run
	for _, mode := range []string{"goroutine", "process"} {
		for _, st := range []string{"ranges", "mmap"} {
			runs = append(runs, regimeRuns(mode, st, "cold", 1<<30, 4, 0.3, 0.31)...)
			runs = append(runs, regimeRuns(mode, st, "warm", 1<<30, 4, 0.05, 0.06)...)
		}
	}
	d, err := NewDataset(runs, results.Machine{})
	if err != nil {
		t.Fatal(err)
	}
	figs, err := Cache(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 1 || figs[0].Name != "cache_count" || len(figs[0].Panels) != 2 {
		t.Fatalf("figures %v, want one cache_count with 2 panels", names(figs))
	}
	// Warm runs only: nothing to compare.
	d, _ = NewDataset(regimeRuns("goroutine", "ranges", "warm", 1<<30, 4, 0.05), results.Machine{})
	if figs, _ := Cache(d); len(figs) != 0 {
		t.Errorf("warm-only results gave %v", names(figs))
	}
}

func names(figs []*plotkit.Figure) []string {
	var out []string
	for _, f := range figs {
		out = append(out, f.Name)
	}
	return out
}
