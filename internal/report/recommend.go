package chart

import (
	"fmt"
	"math"
	"sort"

	"github.com/fanbench/fanbench/internal/results"
)

// Alpha is the significance level of the report's comparisons: a difference
// is significant when the Mann-Whitney U test (benchmath.AssumeNothing, as
// benchstat and fanbench compare use it) gives a p-value below Alpha.
const Alpha = 0.05

// MemoryMetric is a memory figure that means the same for every strategy
// in both modes, so the recommendation can compare them like for like. Its
// Label names it in table headers and its Meaning says in a sentence what
// it counts (both the catalogue's).
type MemoryMetric struct {
	Metric
	// ChargesColdReads is true for a figure that counts the page cache a
	// run reads in: with a cold cache it grows with the file for every
	// strategy alike and says nothing of what the program holds, so it is
	// not chosen for cells measured cold.
	ChargesColdReads bool
}

// memoryMetrics are the like-for-like memory figures in order of
// preference: the cgroup's peak charge when the machine gives every run a
// cgroup and the cache was warm, else the sum of every process's VmHWM (in goroutine mode the one
// process's VmHWM, which is the same sum over a tree of one).
var memoryMetrics = []MemoryMetric{
	{Metric: catalogued(results.UnitTreeCgroup), ChargesColdReads: true},
	{Metric: catalogued(results.UnitSumHWM)},
}

// Candidates are the series of a facet that can be recommended: strategies,
// not the in-memory ceiling or reference commands.
func (d *Dataset) Candidates(f Facet) []Series {
	var out []Series
	for _, s := range d.Series(f) {
		if !IsCeiling(s.Strategy) && !IsReference(s.Strategy) {
			out = append(out, s)
		}
	}
	return out
}

// ChooseMemoryMetric picks the first of the like-for-like memory figures
// that every candidate cell of the dataset has (commonMemoryMetric); when
// none covers them all, the one covering the most (the earlier on a tie).
// The warm-cache facets decide where there are any, so that one cold facet
// does not take the cgroup's figure from the whole report.
func ChooseMemoryMetric(d *Dataset) MemoryMetric {
	var cells, warm [][]results.Run
	for _, f := range d.Facets() {
		for _, s := range d.Candidates(f) {
			for _, p := range d.Points(f, s) {
				cells = append(cells, d.Runs(f, s, p))
				if f.Cache != "cold" {
					warm = append(warm, d.Runs(f, s, p))
				}
			}
		}
	}
	if len(warm) > 0 {
		cells = warm
	}
	if m, ok := commonMemoryMetric(cells); ok {
		return m
	}
	best, bestN := memoryMetrics[0], -1
	for _, m := range memoryMetrics {
		n := 0
		for _, runs := range cells {
			if len(m.Metric.Values(runs)) > 0 {
				n++
			}
		}
		if n > bestN {
			best, bestN = m, n
		}
	}
	return best
}

// Pick is the outcome of one comparison in one cell: the best candidate by
// a lower-is-better metric, its runner-up and how far apart they are.
type Pick struct {
	Best, Next       Series          // Next is the zero Series when Best was alone
	BestSum, NextSum results.Summary // medians with their intervals
	// Ratio is the runner-up's median over the best's (≥ 1): how many times
	// longer the runner-up takes, or how many times more memory it uses.
	Ratio float64
	// P is the Mann-Whitney U p-value of the two samples; NaN without a runner-up.
	P float64
	// Significant is P < Alpha.
	Significant bool
}

// Alone reports whether the best candidate had no competitor.
func (p Pick) Alone() bool { return p.Next.Strategy == "" }

// pick ranks the candidates with values for m at p by median, lowest first,
// and compares the first two. ok is false when no candidate has values.
func (d *Dataset) pick(f Facet, cands []Series, p Point, m Metric) (Pick, bool) {
	type ranked struct {
		s   Series
		v   []float64
		sum results.Summary
	}
	var rs []ranked
	for _, s := range cands {
		if v := m.Values(d.Runs(f, s, p)); len(v) > 0 {
			rs = append(rs, ranked{s, v, Summarize(v)})
		}
	}
	if len(rs) == 0 {
		return Pick{}, false
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].sum.Median < rs[j].sum.Median })
	out := Pick{Best: rs[0].s, BestSum: rs[0].sum, P: math.NaN(), Ratio: math.NaN()}
	if len(rs) > 1 {
		out.Next, out.NextSum = rs[1].s, rs[1].sum
		if rs[0].sum.Median > 0 {
			out.Ratio = rs[1].sum.Median / rs[0].sum.Median
		}
		out.P = results.MannWhitneyP(rs[0].v, rs[1].v)
		out.Significant = out.P < Alpha
	}
	return out, true
}

// Recommendation is one row of the recommendation table: for one cell of a
// facet (a size and a worker count), the fastest strategy and the one using
// least memory.
type Recommendation struct {
	Facet                  Facet
	Point                  Point
	Fastest, Leanest       Pick
	HasFastest, HasLeanest bool
}

// Recommend compares the candidate strategies of every facet at every size
// and worker count: by median time (sec/op) and by the memory figure mem.
// Rows are by facet, then size, then workers.
func Recommend(d *Dataset, mem MemoryMetric) []Recommendation {
	var out []Recommendation
	for _, f := range d.Facets() {
		cands := d.Candidates(f)
		for _, p := range d.facetPoints(f, cands) {
			r := Recommendation{Facet: f, Point: p}
			r.Fastest, r.HasFastest = d.pick(f, cands, p, MetricTime)
			r.Leanest, r.HasLeanest = d.pick(f, cands, p, mem.Metric)
			if r.HasFastest || r.HasLeanest {
				out = append(out, r)
			}
		}
	}
	return out
}

// facetPoints lists the points where any of the series has runs, by size
// then workers.
func (d *Dataset) facetPoints(f Facet, ss []Series) []Point {
	var ps []Point
	for _, size := range d.Sizes(f) {
		for _, w := range d.Workers(f) {
			p := Point{size, w}
			for _, s := range ss {
				if len(d.Runs(f, s, p)) > 0 {
					ps = append(ps, p)
					break
				}
			}
		}
	}
	return ps
}

// Choice is one half of a facet's verdict: the strategy that won the most
// cells for one criterion, and its margin in the largest cell it won. A
// cell is won only with a significant margin (or by the one strategy
// measured there); a Choice without a Winner (None) found no significant
// difference in any of its Cells.
type Choice struct {
	Winner      Series
	Wins, Cells int            // cells the winner won, cells compared
	Significant int            // cells the winner won with a significant margin
	Others      map[string]int // other winners' labels and their cell counts
	At          Point          // the largest cell (size, then workers) the winner won
	Pick        Pick           // the comparison in that cell
}

// FacetVerdict is a facet's one-line answer: which strategy to use for
// speed and which for memory.
type FacetVerdict struct {
	Facet               Facet
	Speed, Memory       Choice
	HasSpeed, HasMemory bool
}

// Verdicts condenses the recommendation rows into one verdict per facet, in
// facet order.
func Verdicts(recs []Recommendation) []FacetVerdict {
	var out []FacetVerdict
	for i := 0; i < len(recs); {
		j := i
		for j < len(recs) && recs[j].Facet == recs[i].Facet {
			j++
		}
		rows := recs[i:j]
		v := FacetVerdict{Facet: recs[i].Facet}
		v.Speed, v.HasSpeed = choose(rows, func(r Recommendation) (Pick, bool) { return r.Fastest, r.HasFastest })
		v.Memory, v.HasMemory = choose(rows, func(r Recommendation) (Pick, bool) { return r.Leanest, r.HasLeanest })
		out = append(out, v)
		i = j
	}
	return out
}

// None reports whether no cell had a significant winner.
func (c Choice) None() bool { return c.Wins == 0 }

// choose finds the series that won the most rows (on a tie, the one that
// won the largest cell) and its comparison in the largest row it won.
func choose(rows []Recommendation, get func(Recommendation) (Pick, bool)) (Choice, bool) {
	wins, sig := map[Series]int{}, map[Series]int{}
	last := map[Series]int{} // index of the largest row each series won (rows are ascending)
	cells := 0
	for i, r := range rows {
		p, ok := get(r)
		if !ok {
			continue
		}
		cells++
		if !p.Significant && !p.Alone() {
			continue // a cell without a significant margin has no winner
		}
		wins[p.Best]++
		last[p.Best] = i
		if p.Significant {
			sig[p.Best]++
		}
	}
	if cells == 0 {
		return Choice{}, false
	}
	if len(wins) == 0 {
		return Choice{Cells: cells}, true // no significant difference in any cell
	}
	var winner Series
	bestN, bestLast := -1, -1
	for s, n := range wins {
		if n > bestN || (n == bestN && last[s] > bestLast) {
			winner, bestN, bestLast = s, n, last[s]
		}
	}
	c := Choice{Winner: winner, Wins: bestN, Cells: cells, Significant: sig[winner], Others: map[string]int{}}
	for s, n := range wins {
		if s != winner {
			c.Others[s.Label()] = n
		}
	}
	c.At = rows[bestLast].Point
	c.Pick, _ = get(rows[bestLast])
	return c, true
}

// formatRatio prints a ratio with three significant digits, keeping
// trailing zeros so that a tie reads as one: "1.00×", "1.32×", "12.5×".
func formatRatio(r float64) string {
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0):
		return "n/a"
	case r < 10:
		return fmt.Sprintf("%.2f×", r)
	case r < 100:
		return fmt.Sprintf("%.1f×", r)
	}
	return fmt.Sprintf("%.0f×", r)
}

// formatP prints a p-value as benchstat does: "p=0.002", "p=0.310".
func formatP(p float64) string {
	if math.IsNaN(p) {
		return "no test"
	}
	return fmt.Sprintf("p=%.3f", p)
}

// pointWords is "16 MiB, 2 workers".
func pointWords(p Point) string {
	return FormatBytes(float64(p.Size)) + ", " + WorkersWord(p.Workers)
}
