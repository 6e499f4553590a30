package chart

import (
	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// MemoryMetric is a memory figure that means the same for every strategy
// in both modes, so the recommendation can compare them like for like. Its
// Label names it in table headers and its Meaning says in a sentence what
// it counts (both the catalogue's).
type MemoryMetric struct {
	DisplayMetric
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
	{DisplayMetric: catalogued(results.UnitTreeCgroup), ChargesColdReads: true},
	{DisplayMetric: catalogued(results.UnitSumHWM)},
}

// Candidates are the series of a facet that can be recommended: strategies,
// not the in-memory ceiling or reference commands.
func (d *Dataset) Candidates(f Facet) []Series {
	var out []Series
	for _, s := range d.Series(f) {
		if !plotkit.IsCeiling(s.Strategy) && !plotkit.IsReference(s.Strategy) {
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
			if len(m.DisplayMetric.Values(runs)) > 0 {
				n++
			}
		}
		if n > bestN {
			best, bestN = m, n
		}
	}
	return best
}
