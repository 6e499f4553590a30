package chart

import (
	"math"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
)

// memRun is a run with a VmHWM and the given tree peaks.
func memRun(mode, strategy string, hwm int64, peaks ...results.TreePeak) results.Run {
	r := run(strategy, 4*MiB, 2, 0.01)
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
			memRun("goroutine", "mmap", 30*MiB, cg(5*MiB)),
			memRun("process", "readall", 20*MiB, cg(40*MiB), sum(70*MiB)),
		}, "tree-peak-cgroup-B", []float64{5 * MiB, 40 * MiB}},
		{"no cgroup: the sum of VmHWM, which is VmHWM for one process", []results.Run{
			memRun("goroutine", "mmap", 30*MiB),
			memRun("process", "readall", 20*MiB, sum(70*MiB)),
		}, "sum-vmhwm-B", []float64{30 * MiB, 70 * MiB}},
		{"cgroup for some cells only: the metric every cell has", []results.Run{
			memRun("goroutine", "mmap", 30*MiB, cg(5*MiB)),
			memRun("goroutine", "ranges", 12*MiB),
		}, "sum-vmhwm-B", []float64{30 * MiB, 12 * MiB}},
		{"cold cache: the cgroup charges the pages read in, so the sum of VmHWM", []results.Run{
			coldRun(memRun("goroutine", "ranges", 12*MiB, cg(4*MiB+12*MiB))),
			coldRun(memRun("process", "ranges", 20*MiB, cg(4*MiB+20*MiB), sum(25*MiB))),
		}, "sum-vmhwm-B", []float64{12 * MiB, 25 * MiB}},
		{"cold and warm facets: the warm ones decide the report's figure", []results.Run{
			coldRun(memRun("goroutine", "ranges", 12*MiB, cg(4*MiB+12*MiB))),
			memRun("goroutine", "mmap", 30*MiB, cg(5*MiB)),
		}, "tree-peak-cgroup-B", []float64{16 * MiB, 5 * MiB}},
		{"the ceiling is no candidate", []results.Run{
			memRun("goroutine", "mmap", 30*MiB, cg(5*MiB)),
			memRun("goroutine", "ceiling", 12*MiB),
		}, "tree-peak-cgroup-B", []float64{5 * MiB, math.NaN()}},
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

// TestVerdictTie checks choose: with two strategies winning two cells
// each, the one that won the largest cell is the verdict.
func TestVerdictTie(t *testing.T) {
	f := Facet{Workload: "count", Mode: "goroutine", Cache: "warm"}
	mk := func(best string, size int64) Recommendation {
		return Recommendation{Facet: f, Point: Point{size, 1}, HasFastest: true,
			Fastest: Pick{Best: Series{Strategy: best}, Next: Series{Strategy: "x"}, Ratio: 2, P: 0.002, Significant: true}}
	}
	recs := []Recommendation{mk("mmap", 1), mk("ranges", 2), mk("mmap", 3), mk("ranges", 4)}
	vs := Verdicts(recs)
	if len(vs) != 1 || !vs[0].HasSpeed || vs[0].HasMemory {
		t.Fatalf("verdicts %+v", vs)
	}
	c := vs[0].Speed
	if c.Winner.Strategy != "ranges" || c.Wins != 2 || c.Cells != 4 || c.At.Size != 4 || c.Others["mmap"] != 2 {
		t.Errorf("choice %+v, want ranges winning 2 of 4 with the largest cell", c)
	}
}

func TestHeadline(t *testing.T) {
	fv := func(workload, speed string, sw, sc, ss int, mem string, mw, mc, ms int) FacetVerdict {
		return FacetVerdict{Facet: Facet{Workload: workload, Mode: "goroutine", Cache: "warm"}, HasSpeed: true, HasMemory: true,
			Speed:  Choice{Winner: Series{Strategy: speed}, Wins: sw, Cells: sc, Significant: ss},
			Memory: Choice{Winner: Series{Strategy: mem}, Wins: mw, Cells: mc, Significant: ms}}
	}
	tests := []struct {
		name string
		vs   []FacetVerdict
		want string
	}{
		{"one strategy for both", []FacetVerdict{fv("count", "mmap", 3, 4, 2, "mmap", 4, 4, 4), fv("parse", "mmap", 1, 1, 0, "mmap", 1, 1, 1)},
			"Use mmap for both speed (fastest in 4 of 5 cells, 2 of them significantly) and memory (least in 5 of 5 cells, all significantly)."},
		{"one each", []FacetVerdict{fv("count", "mmap", 1, 1, 1, "ranges", 1, 1, 0)},
			"Use mmap for speed (fastest in 1 of 1 cells, significantly). Use ranges for memory (least in 1 of 1 cells, none significantly)."},
		{"it depends", []FacetVerdict{fv("count", "mmap", 2, 2, 2, "ranges", 2, 2, 2), fv("parse", "ranges", 2, 2, 2, "ranges", 2, 2, 2)},
			"For speed it depends on the row: mmap in 1, ranges in 1. Use ranges for memory (least in 4 of 4 cells, all significantly)."},
		{"most rows first", []FacetVerdict{fv("count", "mmap", 2, 2, 2, "ranges", 2, 2, 2), fv("parse", "ranges", 2, 2, 2, "ranges", 2, 2, 2),
			fv("other", "ranges", 2, 2, 2, "mmap", 2, 2, 2)},
			"For speed it depends on the row: ranges in 2, mmap in 1. For memory it depends on the row: ranges in 2, mmap in 1."},
		{"nothing", nil, "No strategy was measured: nothing to recommend."},
	}
	for _, tt := range tests {
		if got := headline(tt.vs); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestVerdictNeedsSignificance: a cell whose best strategy is not
// significantly ahead of the runner-up has no winner; a facet none of
// whose cells has one names no strategy, in the verdict cell and the
// headline, and a facet with some says how many cells had none.
func TestVerdictNeedsSignificance(t *testing.T) {
	f := Facet{Workload: "count", Mode: "goroutine", Cache: "warm"}
	mk := func(best string, size int64, p float64) Recommendation {
		return Recommendation{Facet: f, Point: Point{size, 1}, HasFastest: true,
			Fastest: Pick{Best: Series{Strategy: best}, Next: Series{Strategy: "x"}, Ratio: 1.1, P: p, Significant: p < Alpha}}
	}
	vs := Verdicts([]Recommendation{mk("mmap", 1, 0.3), mk("ranges", 2, 0.7)})
	if len(vs) != 1 || !vs[0].HasSpeed || !vs[0].Speed.None() || vs[0].Speed.Cells != 2 {
		t.Fatalf("verdicts %+v: want no winner in 2 cells", vs)
	}
	cell := choiceCell(vs[0].Speed, true, "fastest", "faster", FormatSeconds)
	if cell.Winner != "" || cell.Detail != "no significant difference (2 cells compared)" {
		t.Errorf("verdict cell %+v", cell)
	}
	if got, want := headline(vs), "No significant difference in speed between the strategies."; got != want {
		t.Errorf("headline %q, want %q", got, want)
	}
	vs = Verdicts([]Recommendation{mk("mmap", 1, 0.002), mk("ranges", 2, 0.7), mk("mmap", 3, 0.002)})
	c := vs[0].Speed
	if c.Winner.Strategy != "mmap" || c.Wins != 2 || c.Cells != 3 || len(c.Others) != 0 {
		t.Errorf("choice %+v, want mmap in 2 of 3, nobody else", c)
	}
	if got, want := wonIn(c), "in 2 of 3 cells (no significant difference in 1)"; got != want {
		t.Errorf("wonIn %q, want %q", got, want)
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
