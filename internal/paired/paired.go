// Package paired judges an A/B comparison run in adjacent pairs: for each
// pair of runs (one of the base build, one of the head build, on the same
// machine moments apart) it takes the head/base ratio, summarizes the
// ratios of a cell and metric by their Hodges–Lehmann estimate with an
// exact Wilcoxon signed-rank confidence interval, and turns a family of
// such comparisons into verdicts (worse, same, better, undecided) with the
// false-alarm rate controlled over the whole family by Holm's method.
//
// A result is worse when the head is significantly worse than the base
// (one-sided signed-rank test that the log ratios are centred on the worse
// side of 0, Holm-adjusted p below alpha) and its estimate lies beyond the
// tolerance: significant and material, as benchstat's readers and Go's
// performance dashboard judge a change. So a build compared with itself
// (A/A) raises an alarm in at most alpha of the families, whatever the
// noise; a real change smaller than the tolerance can be called worse when
// its estimate lands beyond it. The stricter form, which asks the whole
// interval to clear the tolerance, missed a 10% slowdown that measured +7%
// with ±4% intervals on a loaded 2-core machine (docs/busy-machine.md).
//
// Why Hodges–Lehmann and the signed-rank test rather than a bootstrap: the
// interval is exact (its coverage is known from the signed-rank
// distribution, not from resampling six to thirty pairs, where a bootstrap
// undercovers), it is the same every time for the same data (no random
// resampling, so a CI verdict does not change on a re-run of the analysis),
// and it assumes only that the log ratios are symmetric around their
// centre, not that they are normal: timing noise on a shared machine has
// long tails.
package paired

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Verdict is the outcome of one cell and metric of a comparison.
type Verdict int

// The verdicts. Worse is the only one that fails a gate.
const (
	// Undecided: the interval reaches beyond the tolerance in the worse
	// direction but the test cannot say the change exceeds it.
	Undecided Verdict = iota
	// Same: the whole interval lies within ±tolerance.
	Same
	// Better: the whole interval lies beyond the tolerance in the better direction.
	Better
	// Worse: the head is significantly worse than the base (one-sided
	// signed-rank test, Holm-adjusted p below alpha) and the estimate is
	// beyond the tolerance in the worse direction.
	Worse
)

func (v Verdict) String() string {
	switch v {
	case Same:
		return "same"
	case Better:
		return "better"
	case Worse:
		return "worse"
	default:
		return "undecided"
	}
}

// MinPairs is the fewest pairs with which a 95% interval exists: with n
// pairs the most extreme signed-rank outcome has probability 2^-n, which
// must be at most 2.5%.
const MinPairs = 6

// Ratios returns head[i]/base[i] for each pair. Pairs where either value is
// NaN, where base is not positive or head negative are left out.
func Ratios(base, head []float64) []float64 {
	n := min(len(base), len(head))
	r := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		b, h := base[i], head[i]
		if math.IsNaN(b) || math.IsNaN(h) || b <= 0 || h < 0 || math.IsInf(b, 0) || math.IsInf(h, 0) {
			continue
		}
		r = append(r, h/b)
	}
	return r
}

// Result is the analysis of one cell and metric: the ratios of its pairs
// against a tolerance.
type Result struct {
	// N is the number of pairs (ratios) analysed.
	N int
	// Ratio is the Hodges–Lehmann estimate of the head/base ratio: the
	// exponential of the median of the pairwise (Walsh) averages of the log
	// ratios; the median ratio for symmetric log ratios.
	Ratio float64
	// Lo and Hi bound the confidence interval of the ratio; 0 and +Inf
	// when there are fewer than MinPairs pairs.
	Lo, Hi float64
	// Confidence is the interval's exact coverage (at least the level
	// asked for; 96.9% with 6 pairs for 95%).
	Confidence float64
	// Tolerance is the largest acceptable worsening, as a fraction (0.05).
	Tolerance float64
	// LowerIsWorse is set for rates (B/s), where a lower ratio is worse.
	LowerIsWorse bool
	// P is the one-sided signed-rank p-value of "the head is worse than
	// the base"; PAdjusted is P after Holm's adjustment over the family
	// the result was judged in.
	P, PAdjusted float64
	// Verdict is set by Judge.
	Verdict Verdict
}

// Analyze summarizes the ratios of one cell and metric at the given
// confidence level (0.95) against tol (a fraction, 0.05 for 5%). Its
// Verdict and PAdjusted are set by Judge, which needs the whole family.
func Analyze(ratios []float64, tol float64, lowerIsWorse bool, confidence float64) (Result, error) {
	if !(tol >= 0) || math.IsInf(tol, 0) {
		return Result{}, fmt.Errorf("tolerance %v: want a finite fraction ≥ 0", tol)
	}
	if !(confidence > 0 && confidence < 1) {
		return Result{}, fmt.Errorf("confidence %v: want a level between 0 and 1", confidence)
	}
	res := Result{N: len(ratios), Tolerance: tol, LowerIsWorse: lowerIsWorse, Lo: 0, Hi: math.Inf(1), P: 1, PAdjusted: 1}
	if len(ratios) == 0 {
		res.Ratio = math.NaN()
		return res, nil
	}
	d := make([]float64, len(ratios))
	for i, r := range ratios {
		if !(r > 0) || math.IsInf(r, 0) {
			return Result{}, fmt.Errorf("ratio %v of pair %d: want a finite ratio > 0", r, i)
		}
		d[i] = math.Log(r)
	}
	est, lo, hi, cover := HodgesLehmann(d, confidence)
	res.Ratio, res.Confidence = math.Exp(est), cover
	if !math.IsInf(lo, 0) {
		res.Lo, res.Hi = math.Exp(lo), math.Exp(hi)
	}
	// The worse direction is positive log ratio for times, sizes and
	// counts, negative for rates.
	worse := make([]float64, len(d))
	for i, x := range d {
		if lowerIsWorse {
			x = -x
		}
		worse[i] = x
	}
	res.P = SignedRankP(worse)
	return res, nil
}

// HodgesLehmann returns the Hodges–Lehmann estimate of the centre of d
// (the median of its n(n+1)/2 Walsh averages (d[i]+d[j])/2, i ≤ j) and the
// distribution-free confidence interval from the signed-rank distribution:
// [W(C), W(N+1-C)] of the sorted Walsh averages, with C the largest integer
// such that P(T ≤ C-1) ≤ (1-confidence)/2 for the signed-rank statistic T.
// cover is the interval's exact coverage, 1 - 2·P(T ≤ C-1). When n is too
// small for the level, lo and hi are -Inf and +Inf and cover is 1.
func HodgesLehmann(d []float64, confidence float64) (est, lo, hi, cover float64) {
	n := len(d)
	if n == 0 {
		return math.NaN(), math.Inf(-1), math.Inf(1), 1
	}
	w := make([]float64, 0, n*(n+1)/2)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			w = append(w, (d[i]+d[j])/2)
		}
	}
	sort.Float64s(w)
	est = median(w)
	c, tail := critical(n, (1-confidence)/2)
	if c == 0 {
		return est, math.Inf(-1), math.Inf(1), 1
	}
	return est, w[c-1], w[len(w)-c], 1 - 2*tail
}

// critical returns the largest C with P(T ≤ C-1) ≤ a for the signed-rank
// statistic T of n untied observations, and that probability.
func critical(n int, a float64) (int, float64) {
	cdf := rankCDF(n)
	c, tail := 0, 0.0
	for k := 0; k < len(cdf); k++ {
		if cdf[k] > a {
			break
		}
		c, tail = k+1, cdf[k]
	}
	return c, tail
}

// rankCDF returns P(T ≤ k) for k = 0..n(n+1)/2 under the null hypothesis,
// for the signed-rank statistic T of n untied observations (ranks 1..n).
func rankCDF(n int) []float64 {
	scores := make([]int, n)
	for i := range scores {
		scores[i] = i + 1
	}
	dist := subsetSums(scores)
	for k := 1; k < len(dist); k++ {
		dist[k] += dist[k-1]
	}
	return dist
}

// subsetSums returns, for each total s, the probability that a random
// subset of scores (each member in with probability 1/2) sums to s.
func subsetSums(scores []int) []float64 {
	total := 0
	for _, s := range scores {
		total += s
	}
	dist := make([]float64, total+1)
	dist[0] = 1
	top := 0
	for _, s := range scores {
		for k := top; k >= 0; k-- {
			if dist[k] != 0 {
				dist[k+s] += dist[k] / 2
				dist[k] /= 2
			}
		}
		top += s
	}
	return dist
}

// normalAbove is the size above which SignedRankP uses the normal
// approximation (with tie correction) instead of the exact distribution.
const normalAbove = 200

// SignedRankP is the one-sided p-value of Wilcoxon's signed-rank test that
// the values of x are centred above 0: the probability, with every sign
// equally likely, of a sum of positive ranks at least the observed one.
// Zeros are left out (Wilcoxon's treatment) and tied magnitudes share
// their mean rank; the distribution is exact (conditional on the ties) up
// to 200 non-zero values, a normal approximation above. No non-zero value
// gives 1.
func SignedRankP(x []float64) float64 {
	var nz []float64
	for _, v := range x {
		if v != 0 && !math.IsNaN(v) {
			nz = append(nz, v)
		}
	}
	n := len(nz)
	if n == 0 {
		return 1
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return math.Abs(nz[idx[a]]) < math.Abs(nz[idx[b]]) })
	// Doubled mid-ranks are integers: rank 2·(mean position) for a tie group.
	ranks2 := make([]int, n)
	ties := 0.0 // Σ(t³ - t) over tie groups, for the normal approximation
	for i := 0; i < n; {
		j := i
		for j+1 < n && math.Abs(nz[idx[j+1]]) == math.Abs(nz[idx[i]]) {
			j++
		}
		r2 := i + 1 + j + 1 // (i+1 + j+1)/2 doubled
		for k := i; k <= j; k++ {
			ranks2[idx[k]] = r2
		}
		t := float64(j - i + 1)
		ties += t*t*t - t
		i = j + 1
	}
	obs := 0
	for i, v := range nz {
		if v > 0 {
			obs += ranks2[i]
		}
	}
	if n > normalAbove {
		fn := float64(n)
		mean := fn * (fn + 1) / 4
		sd := math.Sqrt(fn*(fn+1)*(2*fn+1)/24 - ties/48)
		z := (float64(obs)/2 - 0.5 - mean) / sd // continuity correction
		return 0.5 * math.Erfc(z/math.Sqrt2)
	}
	dist := subsetSums(ranks2)
	p := 0.0
	for k := obs; k < len(dist); k++ {
		p += dist[k]
	}
	return min(p, 1)
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Holm returns Holm's step-down adjusted p-values for the family p: the
// i-th smallest p-value times (m-i+1), made monotone and capped at 1. A
// test whose adjusted p-value is below alpha is rejected with the
// probability of any false rejection in the family at most alpha.
func Holm(p []float64) []float64 {
	m := len(p)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	adj := make([]float64, m)
	run := 0.0
	for rank, i := range idx {
		v := min(1, float64(m-rank)*p[i])
		run = max(run, v)
		adj[i] = run
	}
	return adj
}

// ErrNoResults is returned by Judge for an empty family.
var ErrNoResults = errors.New("no results to judge")

// Judge sets the verdicts of a family of results (every cell and gated
// metric of one comparison): Holm's adjustment over the family's P, then
// worse when the adjusted p-value is below alpha, same when the interval
// lies within ±tolerance, better when it lies beyond the tolerance on the
// better side, undecided otherwise. The probability that any result of a
// family with no real worsening beyond its tolerance is judged worse is at
// most alpha.
func Judge(family []*Result, alpha float64) error {
	if len(family) == 0 {
		return ErrNoResults
	}
	if !(alpha > 0 && alpha < 1) {
		return fmt.Errorf("alpha %v: want a level between 0 and 1", alpha)
	}
	ps := make([]float64, len(family))
	for i, r := range family {
		ps[i] = r.P
	}
	adj := Holm(ps)
	for i, r := range family {
		r.PAdjusted = adj[i]
		r.Verdict = verdict(r, alpha)
	}
	return nil
}

func verdict(r *Result, alpha float64) Verdict {
	if r.PAdjusted < alpha && r.beyond() {
		return Worse
	}
	if r.N < MinPairs || math.IsInf(r.Hi, 0) {
		return Undecided
	}
	up, down := 1+r.Tolerance, 1/(1+r.Tolerance)
	lo, hi := r.Lo, r.Hi
	if r.LowerIsWorse {
		lo, hi = 1/hi, 1/lo // in the worse-is-higher orientation
	}
	switch {
	case hi < down:
		return Better
	case lo >= down && hi <= up:
		return Same
	default:
		return Undecided
	}
}

// beyond reports whether the estimate lies beyond the tolerance in the
// worse direction.
func (r *Result) beyond() bool {
	if r.LowerIsWorse {
		return r.Ratio < 1/(1+r.Tolerance)
	}
	return r.Ratio > 1+r.Tolerance
}

// Hidden is the largest worsening the result's interval still allows, as a
// fraction (0.07 for "up to 7% worse"): what an undecided cell could hide.
// +Inf when there is no interval.
func (r Result) Hidden() float64 {
	if math.IsInf(r.Hi, 0) || r.Lo <= 0 {
		return math.Inf(1)
	}
	if r.LowerIsWorse {
		return 1/r.Lo - 1
	}
	return r.Hi - 1
}
