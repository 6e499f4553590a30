package report

import (
	"math"
	"testing"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// TestVerdictTie checks choose: with two strategies winning two cells
// each, the one that won the largest cell is the verdict.
func TestVerdictTie(t *testing.T) {
	f := chart.Facet{Workload: "count", Mode: "goroutine", Cache: "warm"}
	mk := func(best string, size int64) Recommendation {
		return Recommendation{Facet: f, Point: chart.Point{Size: size, Workers: 1}, HasFastest: true,
			Fastest: Pick{Best: chart.Series{Strategy: best}, Next: chart.Series{Strategy: "x"}, Ratio: 2, P: 0.002, Significant: true}}
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
		return FacetVerdict{Facet: chart.Facet{Workload: workload, Mode: "goroutine", Cache: "warm"}, HasSpeed: true, HasMemory: true,
			Speed:  Choice{Winner: chart.Series{Strategy: speed}, Wins: sw, Cells: sc, Significant: ss},
			Memory: Choice{Winner: chart.Series{Strategy: mem}, Wins: mw, Cells: mc, Significant: ms}}
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
	f := chart.Facet{Workload: "count", Mode: "goroutine", Cache: "warm"}
	mk := func(best string, size int64, p float64) Recommendation {
		return Recommendation{Facet: f, Point: chart.Point{Size: size, Workers: 1}, HasFastest: true,
			Fastest: Pick{Best: chart.Series{Strategy: best}, Next: chart.Series{Strategy: "x"}, Ratio: 1.1, P: p, Significant: p < Alpha}}
	}
	vs := Verdicts([]Recommendation{mk("mmap", 1, 0.3), mk("ranges", 2, 0.7)})
	if len(vs) != 1 || !vs[0].HasSpeed || !vs[0].Speed.None() || vs[0].Speed.Cells != 2 {
		t.Fatalf("verdicts %+v: want no winner in 2 cells", vs)
	}
	cell := choiceCell(vs[0].Speed, true, "fastest", "faster", plotkit.FormatSeconds)
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

// TestPickPaired: runs of two strategies planned in blocks are compared
// in pairs. The machine's load multiplies both strategies' times alike
// in each block (1× to 5×), and B is 10% slower than A in every one:
// the samples overlap (Mann-Whitney cannot tell them apart), the pairs
// agree in sign all six times, whose two-sided signed-rank p-value is
// 2·2⁻⁶ = 0.03125 (each sign equally likely: the all-positive outcome has
// probability 1/64, doubled for two sides).
func TestPickPaired(t *testing.T) {
	load := []float64{1, 3, 1.5, 5, 2, 4}
	runsOf := func(blocks int, blocked bool) []results.Run {
		var runs []results.Run
		for i := 0; i < blocks; i++ {
			for _, s := range []struct {
				name   string
				factor float64
			}{{"A", 1}, {"B", 1.1}} {
				r := results.Run{Experiment: "t", Status: results.StatusOK, Rep: i, ElapsedSec: s.factor * load[i], Bytes: 1 << 20,
					Cell: results.Cell{Mode: "goroutine", Strategy: s.name, Workload: "count", Size: 1 << 20, SizeName: "1MiB", Workers: 1}}
				if blocked {
					r.Block = i + 1
				}
				runs = append(runs, r)
			}
		}
		return runs
	}
	tests := []struct {
		name        string
		runs        []results.Run
		pairs       int
		p           float64 // exact, or <0: only above Alpha
		significant bool
	}{
		{"six blocks", runsOf(6, true), 6, 0.03125, true},
		{"unblocked: Mann-Whitney", runsOf(6, false), 0, -1, false},
		{"five blocks: too few pairs, Mann-Whitney", runsOf(5, true), 0, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := chart.NewDataset(tt.runs, results.Machine{})
			if err != nil {
				t.Fatal(err)
			}
			f := d.Facets()[0]
			p, ok := pick(d, f, d.Series(f), chart.Point{Size: 1 << 20, Workers: 1}, chart.MetricTime)
			if !ok {
				t.Fatal("no pick")
			}
			if p.Best.Strategy != "A" || p.Next.Strategy != "B" || p.Pairs != tt.pairs || p.Significant != tt.significant {
				t.Errorf("pick %s over %s, %d pairs, significant %v (p=%g); want A over B, %d pairs, significant %v",
					p.Best.Strategy, p.Next.Strategy, p.Pairs, p.Significant, p.P, tt.pairs, tt.significant)
			}
			if tt.p >= 0 && math.Abs(p.P-tt.p) > 1e-12 {
				t.Errorf("p = %g, want %g", p.P, tt.p)
			}
			if tt.p < 0 && p.P < Alpha {
				t.Errorf("p = %g, want at least %g (the samples overlap)", p.P, Alpha)
			}
		})
	}
}
