package report

import (
	"fmt"
	"math"
	"sort"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/paired"
	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// Alpha is the significance level of the report's comparisons: a difference
// is significant when its test gives a p-value below Alpha. The test pairs
// the two strategies' runs by block (results.Run.Block: the runs of one
// repetition that ran moments apart, so the machine's load of that moment
// is common to both) when at least MinPairs blocks hold both, and takes
// Wilcoxon's signed-rank test of the per-block log ratios, two-sided;
// otherwise (a fanbench that did not plan in blocks, too few repetitions)
// the Mann-Whitney U test of the two samples (benchmath.AssumeNothing, as
// benchstat and fanbench compare use it).
const Alpha = 0.05

// MinPairs is the fewest blocks a paired comparison needs: with n pairs
// the two-sided signed-rank test cannot go below 2^(1-n), which must be
// under Alpha.
const MinPairs = paired.MinPairs

// Pick is the outcome of one comparison in one cell: the best candidate by
// a lower-is-better metric, its runner-up and how far apart they are.
type Pick struct {
	Best, Next       chart.Series    // Next is the zero chart.Series when Best was alone
	BestSum, NextSum results.Summary // medians with their intervals
	// Ratio is the runner-up's median over the best's (≥ 1): how many times
	// longer the runner-up takes, or how many times more memory it uses.
	Ratio float64
	// P is the test's p-value (see Alpha); NaN without a runner-up.
	P float64
	// Pairs is the number of blocks the paired test compared; 0 when the
	// samples were compared unpaired (Mann-Whitney U).
	Pairs int
	// Significant is P < Alpha.
	Significant bool
}

// Alone reports whether the best candidate had no competitor.
func (p Pick) Alone() bool { return p.Next.Strategy == "" }

// pick ranks the candidates with values for m at p by median, lowest first,
// and compares the first two. ok is false when no candidate has values.
func pick(d *chart.Dataset, f chart.Facet, cands []chart.Series, p chart.Point, m chart.DisplayMetric) (Pick, bool) {
	type ranked struct {
		s   chart.Series
		v   []float64
		sum results.Summary
	}
	var rs []ranked
	for _, s := range cands {
		if v := m.Values(d.Runs(f, s, p)); len(v) > 0 {
			rs = append(rs, ranked{s, v, chart.Summarize(v)})
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
		if logs := blockLogRatios(d.Runs(f, rs[0].s, p), d.Runs(f, rs[1].s, p), m); len(logs) >= MinPairs {
			// The runner-up must be the slower in the pairs too: a
			// two-sided test against the medians' order is no win.
			out.P, out.Pairs = twoSidedSignedRank(logs), len(logs)
			out.Significant = out.P < Alpha && results.Median(logs) > 0
		} else {
			out.P = results.MannWhitneyP(rs[0].v, rs[1].v)
			out.Significant = out.P < Alpha
		}
	}
	return out, true
}

// blockLogRatios pairs the runs of best and next by block
// (results.PairByBlock) and returns log(next/best) of m for every pair
// where both have a positive, finite figure; none when either has a run
// outside any block.
func blockLogRatios(best, next []results.Run, m chart.DisplayMetric) []float64 {
	pairs, _ := results.PairByBlock(best, next)
	var logs []float64
	for _, pr := range pairs {
		b, okb := m.Of(pr[0])
		n, okn := m.Of(pr[1])
		if okb && okn && b > 0 && n > 0 && !math.IsInf(b, 0) && !math.IsInf(n, 0) {
			logs = append(logs, math.Log(n/b))
		}
	}
	return logs
}

// twoSidedSignedRank is the two-sided p-value of Wilcoxon's signed-rank
// test that x is centred on 0.
func twoSidedSignedRank(x []float64) float64 {
	neg := make([]float64, len(x))
	for i, v := range x {
		neg[i] = -v
	}
	return min(1, 2*min(paired.SignedRankP(x), paired.SignedRankP(neg)))
}

// testText is how the comparison was tested: "p=0.031, 6 pairs" or, for
// unpaired samples, "p=0.002".
func (p Pick) testText() string {
	if p.Pairs > 0 {
		return fmt.Sprintf("%s, %d pairs", formatP(p.P), p.Pairs)
	}
	return formatP(p.P)
}

// Recommendation is one row of the recommendation table: for one cell of a
// facet (a size and a worker count), the fastest strategy and the one using
// least memory.
type Recommendation struct {
	Facet                  chart.Facet
	Point                  chart.Point
	Fastest, Leanest       Pick
	HasFastest, HasLeanest bool
}

// Recommend compares the candidate strategies of every facet at every size
// and worker count: by median time (sec/op) and by the memory figure mem.
// Rows are by facet, then size, then workers.
func Recommend(d *chart.Dataset, mem chart.MemoryMetric) []Recommendation {
	var out []Recommendation
	for _, f := range d.Facets() {
		cands := d.Candidates(f)
		for _, p := range facetPoints(d, f, cands) {
			r := Recommendation{Facet: f, Point: p}
			r.Fastest, r.HasFastest = pick(d, f, cands, p, chart.MetricTime)
			r.Leanest, r.HasLeanest = pick(d, f, cands, p, mem.DisplayMetric)
			if r.HasFastest || r.HasLeanest {
				out = append(out, r)
			}
		}
	}
	return out
}

// facetPoints lists the points where any of the series has runs, by size
// then workers.
func facetPoints(d *chart.Dataset, f chart.Facet, ss []chart.Series) []chart.Point {
	var ps []chart.Point
	for _, size := range d.Sizes(f) {
		for _, w := range d.Workers(f) {
			p := chart.Point{Size: size, Workers: w}
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
	Winner      chart.Series
	Wins, Cells int            // cells the winner won, cells compared
	Significant int            // cells the winner won with a significant margin
	Others      map[string]int // other winners' labels and their cell counts
	At          chart.Point    // the largest cell (size, then workers) the winner won
	Pick        Pick           // the comparison in that cell
}

// FacetVerdict is a facet's one-line answer: which strategy to use for
// speed and which for memory.
type FacetVerdict struct {
	Facet               chart.Facet
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
	wins, sig := map[chart.Series]int{}, map[chart.Series]int{}
	last := map[chart.Series]int{} // index of the largest row each series won (rows are ascending)
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
	var winner chart.Series
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
func pointWords(p chart.Point) string {
	return plotkit.FormatBytes(float64(p.Size)) + ", " + chart.WorkersWord(p.Workers)
}
