package chart

import (
	"math"
	"testing"

	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// memRun is a run with a VmHWM and the given tree peaks.
func memRun(mode, strategy string, hwm int64, peaks ...results.TreePeak) results.Run {
	r := run(strategy, 4*plotkit.MiB, 2, 0.01)
	r.Cell.Mode = mode
	r.Memory.PeakRSS = hwm
	r.TreePeaks = peaks
	return r
}

// coldRun marks r as measured with a cold page cache.
func coldRun(r results.Run) results.Run {
	r.CacheState = "cold"
	return r
}

func TestChooseMemoryMetric(t *testing.T) {
	cg := func(b int64) results.TreePeak { return results.TreePeak{Bytes: b, Source: "cgroup-v2-memory.peak"} }
	sum := func(b int64) results.TreePeak { return results.TreePeak{Bytes: b, Source: "sum-vmhwm"} }
	tests := []struct {
		name   string
		runs   []results.Run
		metric string
		// the figure each run gives under the chosen metric, in order
		want []float64
	}{
		{"cgroup everywhere", []results.Run{
			memRun("goroutine", "mmap", 30*plotkit.MiB, cg(5*plotkit.MiB)),
			memRun("process", "readall", 20*plotkit.MiB, cg(40*plotkit.MiB), sum(70*plotkit.MiB)),
		}, "tree-peak-cgroup-B", []float64{5 * plotkit.MiB, 40 * plotkit.MiB}},
		{"no cgroup: the sum of VmHWM, which is VmHWM for one process", []results.Run{
			memRun("goroutine", "mmap", 30*plotkit.MiB),
			memRun("process", "readall", 20*plotkit.MiB, sum(70*plotkit.MiB)),
		}, "sum-vmhwm-B", []float64{30 * plotkit.MiB, 70 * plotkit.MiB}},
		{"cgroup for some cells only: the metric every cell has", []results.Run{
			memRun("goroutine", "mmap", 30*plotkit.MiB, cg(5*plotkit.MiB)),
			memRun("goroutine", "ranges", 12*plotkit.MiB),
		}, "sum-vmhwm-B", []float64{30 * plotkit.MiB, 12 * plotkit.MiB}},
		{"cold cache: the cgroup charges the pages read in, so the sum of VmHWM", []results.Run{
			coldRun(memRun("goroutine", "ranges", 12*plotkit.MiB, cg(4*plotkit.MiB+12*plotkit.MiB))),
			coldRun(memRun("process", "ranges", 20*plotkit.MiB, cg(4*plotkit.MiB+20*plotkit.MiB), sum(25*plotkit.MiB))),
		}, "sum-vmhwm-B", []float64{12 * plotkit.MiB, 25 * plotkit.MiB}},
		{"cold and warm facets: the warm ones decide the report's figure", []results.Run{
			coldRun(memRun("goroutine", "ranges", 12*plotkit.MiB, cg(4*plotkit.MiB+12*plotkit.MiB))),
			memRun("goroutine", "mmap", 30*plotkit.MiB, cg(5*plotkit.MiB)),
		}, "tree-peak-cgroup-B", []float64{16 * plotkit.MiB, 5 * plotkit.MiB}},
		{"the ceiling is no candidate", []results.Run{
			memRun("goroutine", "mmap", 30*plotkit.MiB, cg(5*plotkit.MiB)),
			memRun("goroutine", "ceiling", 12*plotkit.MiB),
		}, "tree-peak-cgroup-B", []float64{5 * plotkit.MiB, math.NaN()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDataset(tt.runs, results.Machine{})
			if err != nil {
				t.Fatal(err)
			}
			m := ChooseMemoryMetric(d)
			if m.Name != tt.metric {
				t.Fatalf("metric %s, want %s", m.Name, tt.metric)
			}
			for i, r := range tt.runs {
				v, ok := m.Of(r)
				if math.IsNaN(tt.want[i]) {
					if ok {
						t.Errorf("run %d: %v, want none", i, v)
					}
					continue
				}
				if !ok || v != tt.want[i] {
					t.Errorf("run %d: %v (%v), want %v", i, v, ok, tt.want[i])
				}
			}
		})
	}
}

// TestCaptionAndScale: a caption promises only the intervals drawn
// (benchmath gives none below 6 runs at 95%), and a y axis goes
// logarithmic when its medians span more than 10×.
func TestCaptionAndScale(t *testing.T) {
	sum := func(n int, med float64, ci bool) results.Summary {
		s := results.Summary{Median: med, N: n, Lo: math.Inf(-1), Hi: math.Inf(1)}
		if ci {
			s.Lo, s.Hi = med*0.9, med*1.1
		}
		return s
	}
	for _, tt := range []struct {
		ss   []results.Summary
		want string
	}{
		{[]results.Summary{sum(6, 1, true), sum(6, 2, true)}, "median of 6 runs, bars 95% CI"},
		{[]results.Summary{sum(1, 1, false), sum(1, 2, false)}, "n = 1: no interval"},
		{[]results.Summary{sum(3, 1, false)}, "median of 3 runs: no interval"},
		{[]results.Summary{sum(3, 1, false), sum(6, 2, true)}, "median of 3–6 runs, bars 95% CI where n allows"},
		{nil, "no runs"},
	} {
		if got := nReps(tt.ss); got != tt.want {
			t.Errorf("nReps = %q, want %q", got, tt.want)
		}
	}
	if !wideRange([]results.Summary{sum(6, 1, true), sum(6, 10.5, true)}) || wideRange([]results.Summary{sum(6, 1, true), sum(6, 9.5, true)}) {
		t.Error("wideRange: want true above 10× and false below")
	}
}
