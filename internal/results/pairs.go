package results

import (
	"math"
	"slices"
)

// PairByBlock pairs the runs of two cells by block (Run.Block: runs of one
// block ran moments apart, so the machine's load of that moment is common
// to both): for every block holding a run of a and a run of b, the two, a's
// first, in b's order. ok is false when a run of either lies outside any
// block (a warm-up, an A/B comparison's run, a fanbench that did not plan
// in blocks): such runs do not pair.
func PairByBlock(a, b []Run) (pairs [][2]Run, ok bool) {
	byBlock := map[int]Run{}
	for _, r := range a {
		if r.Block == 0 {
			return nil, false
		}
		byBlock[r.Block] = r
	}
	for _, r := range b {
		if r.Block == 0 {
			return nil, false
		}
		if ra, in := byBlock[r.Block]; in {
			pairs = append(pairs, [2]Run{ra, r})
		}
	}
	return pairs, true
}

// Median is the median of v (the mean of the middle two for an even
// count), NaN for none. v is not changed.
func Median(v []float64) float64 {
	n := len(v)
	if n == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(v))
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
