package chart

import (
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"

	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/units"
)

// allocRuns makes n runs of a count cell of strategy with allocs bytes
// allocated and gcs GC cycles each, and time sec.
func allocRuns(mode, strategy string, n int, sec float64, allocs, gcs int64) []results.Run {
	var out []results.Run
	for i := 0; i < n; i++ {
		c := results.Cell{Mode: mode, Strategy: strategy, Workload: "count", Size: 12 << 20, SizeName: units.FormatSize(12 << 20),
			Workers: 2, Knobs: map[string]string{"cache": "warm"}}
		r := results.Run{Experiment: "axes", Cell: c, Rep: i, Status: results.StatusOK, ElapsedSec: sec,
			Bytes: 12 << 20, CacheState: "warm", Memory: results.Memory{PeakRSS: 10 << 20}}
		r.Runtime.AllocBytes, r.Runtime.GCCycles, r.Runtime.Measured = allocs, gcs, true
		out = append(out, r)
	}
	return out
}

// texts renders a panel onto a recorder and returns every string drawn.
func texts(t *testing.T, p *plot.Plot) []string {
	t.Helper()
	var rec recorder.Canvas
	p.Draw(draw.NewCanvas(&rec, 4*vg.Inch, 3*vg.Inch))
	var out []string
	for _, a := range rec.Actions {
		if fs, ok := a.(*recorder.FillString); ok {
			out = append(out, fs.String)
		}
	}
	return out
}

// figureOf builds the figures of build from runs and returns the one named name.
func figureOf(t *testing.T, build Builder, runs []results.Run, name string) *plotkit.Figure {
	t.Helper()
	d, err := NewDataset(runs, results.Machine{CPUModel: "synthetic", Cores: 2})
	if err != nil {
		t.Fatal(err)
	}
	figs, err := build(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no figure %s in %v", name, names(figs))
	return nil
}

// TestAllocChartUnitsAndLabels: with 3 runs (no interval: Hi is +Inf) of
// a 12 MiB file the allocation axis is in MiB, not GiB; the GC axis of
// 0–2 cycles has integer ticks only; each bar carries its value.
func TestAllocChartUnitsAndLabels(t *testing.T) {
	var runs []results.Run
	runs = append(runs, allocRuns("goroutine", "readall", 3, 0.01, 12<<20, 2)...)
	runs = append(runs, allocRuns("goroutine", "ranges", 3, 0.01, 256<<10, 1)...)
	runs = append(runs, allocRuns("goroutine", "mmap", 3, 0.01, 512, 0)...)
	fig := figureOf(t, AllocGC, runs, "alloc_count_goroutine_warm")
	alloc, gc := fig.Panels[0], fig.Panels[1]
	if got := alloc.Y.Label.Text; got != "allocated (MiB)" {
		t.Errorf("alloc axis %q, want allocated (MiB)", got)
	}
	for _, tk := range gc.Y.Tick.Marker.Ticks(gc.Y.Min, gc.Y.Max) {
		if tk.Value != float64(int(tk.Value)) {
			t.Errorf("GC tick at %g, want integers only", tk.Value)
		}
	}
	all := strings.Join(texts(t, alloc), "|") + "|" + strings.Join(texts(t, gc), "|")
	for _, want := range []string{"12 MiB", "256 KiB", "512 B", "|2|", "|1|", "|0|"} {
		if !strings.Contains("|"+all+"|", want) {
			t.Errorf("no bar label %q among %s", want, all)
		}
	}
}

// TestByteAndTimeUnits: the unit of an axis follows the largest value.
func TestByteAndTimeUnits(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want string
	}{{512, "B"}, {12 << 10, "KiB"}, {12 << 20, "MiB"}, {2 << 30, "GiB"}} {
		if _, got := plotkit.ByteUnit(tc.max); got != tc.want {
			t.Errorf("ByteUnit(%g) = %s, want %s", tc.max, got, tc.want)
		}
	}
	for _, tc := range []struct {
		max  float64
		size float64
		want string
	}{{300e-9, 1e-9, "ns"}, {40e-6, 1e-6, "µs"}, {0.012, 1e-3, "ms"}, {2.5, 1, "s"}} {
		if size, got := plotkit.SecondsUnit(tc.max); got != tc.want || size != tc.size {
			t.Errorf("SecondsUnit(%g) = %g %s, want %g %s", tc.max, size, got, tc.size, tc.want)
		}
	}
	// The timeline's axis, from milliseconds.
	for _, tc := range []struct {
		maxMs, size float64
		want        string
	}{{0.4, 1e-3, "µs"}, {40, 1, "ms"}, {2500, 1000, "s"}} {
		if size, got := plotkit.TimeUnit(tc.maxMs); got != tc.want || size != tc.size {
			t.Errorf("TimeUnit(%g ms) = %g %s, want %g %s", tc.maxMs, size, got, tc.size, tc.want)
		}
	}
}

// TestIntegerTicks: counts get ticks at whole numbers only, however small
// the range.
func TestIntegerTicks(t *testing.T) {
	for _, tc := range []struct {
		max  float64
		want string
	}{{2.1, "0,1,2"}, {1, "0,1"}, {12, "0,5,10"}} {
		var labels []string
		for _, tk := range (plotkit.UnitTicks{Integer: true}).Ticks(0, tc.max) {
			if tk.Value != float64(int(tk.Value)) {
				t.Errorf("max %g: tick at %g", tc.max, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, ","); got != tc.want {
			t.Errorf("max %g: labels %s, want %s", tc.max, got, tc.want)
		}
	}
}

// TestCacheChartTimeUnit: bars of 10–30 ms are on a ms axis, labelled.
func TestCacheChartTimeUnit(t *testing.T) {
	var runs []results.Run
	runs = append(runs, regimeRuns("goroutine", "ranges", "cold", 1<<20, 4, 0.030, 0.031, 0.029)...)
	runs = append(runs, regimeRuns("goroutine", "ranges", "warm", 1<<20, 4, 0.010, 0.011, 0.009)...)
	runs = append(runs, regimeRuns("goroutine", "mmap", "cold", 1<<20, 4, 0.020, 0.021, 0.019)...)
	runs = append(runs, regimeRuns("goroutine", "mmap", "warm", 1<<20, 4, 0.010, 0.011, 0.009)...)
	fig := figureOf(t, Cache, runs, "cache_count")
	p := fig.Panels[0]
	if got := p.Y.Label.Text; got != "time (ms)" {
		t.Errorf("cache axis %q, want time (ms)", got)
	}
	all := "|" + strings.Join(texts(t, p), "|") + "|"
	for _, want := range []string{"|30 ms|", "|10 ms|", "|20 ms|"} {
		if !strings.Contains(all, want) {
			t.Errorf("no bar label %q among %s", want, all)
		}
	}
}

// sizedRuns makes three runs of a count cell at each size, each taking
// the time that gives gbps decimal GB/s.
func sizedRuns(mode, strategy string, gbps float64, sizes ...int64) []results.Run {
	var out []results.Run
	for _, size := range sizes {
		sec := float64(size) / 1e9 / gbps
		out = append(out, regimeRuns(mode, strategy, "warm", size, 2, sec, sec*1.01, sec*0.99)...)
	}
	return out
}

// TestThroughputSiblingsShareLogAxis: goroutine-mode lines 20× apart need
// a log axis; the process-mode chart, whose lines are 2× apart, gets one
// too, so the two charts of the kind read alike. With both within 10×
// neither is log.
func TestThroughputSiblingsShareLogAxis(t *testing.T) {
	sizes := []int64{1 << 20, 16 << 20}
	for _, tc := range []struct {
		name     string
		fastGoro float64
		wantLog  bool
	}{{"one wide", 20, true}, {"both narrow", 2, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var runs []results.Run
			runs = append(runs, sizedRuns("goroutine", "ranges", 1, sizes...)...)
			runs = append(runs, sizedRuns("goroutine", "mmap", tc.fastGoro, sizes...)...)
			runs = append(runs, sizedRuns("process", "ranges", 1, sizes...)...)
			runs = append(runs, sizedRuns("process", "mmap", 2, sizes...)...)
			for _, name := range []string{"throughput_count_goroutine_warm", "throughput_count_process_warm"} {
				p := figureOf(t, Throughput, runs, name).Panels[0]
				_, isLog := p.Y.Scale.(plot.LogScale)
				if isLog != tc.wantLog {
					t.Errorf("%s: log y axis %v, want %v (label %q)", name, isLog, tc.wantLog, p.Y.Label.Text)
				}
			}
		})
	}
}

// TestEfficiencyLogAxis: shares of the ceiling of 5% and 90% (18× apart)
// put the efficiency chart on a log axis labelled in percent.
func TestEfficiencyLogAxis(t *testing.T) {
	sizes := []int64{1 << 20, 16 << 20}
	var runs []results.Run
	runs = append(runs, sizedRuns("goroutine", "ceiling", 10, sizes...)...)
	runs = append(runs, sizedRuns("goroutine", "ranges", 0.5, sizes...)...)
	runs = append(runs, sizedRuns("goroutine", "mmap", 9, sizes...)...)
	p := figureOf(t, Efficiency, runs, "efficiency_count_goroutine_warm").Panels[0]
	if _, ok := p.Y.Scale.(plot.LogScale); !ok {
		t.Fatalf("linear y axis (label %q), want log", p.Y.Label.Text)
	}
	var labels []string
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got := strings.Join(labels, ","); !strings.Contains(got, "10%") || !strings.Contains(got, "100%") {
		t.Errorf("y ticks %s, want 10%% and 100%% among them", got)
	}
}
