// Package compare compares two sets of fanbench results metric by metric
// and gates on regressions: a continuous-integration check that, unlike
// benchstat, decides. Each sample is summarized by its median with a
// confidence interval and two samples are compared with the Mann-Whitney U
// test (golang.org/x/perf/benchmath, assuming nothing about distributions).
package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/fanbench/fanbench/internal/results"
)

// Options configures a comparison.
type Options struct {
	// Gates are the metrics that can fail the comparison, with their
	// tolerances. Metrics without a gate are reported only.
	Gates []Gate
	// Alpha is the significance level: a change counts only when its
	// p-value is below Alpha. Zero means 0.05.
	Alpha float64
	// Confidence is the confidence level of the intervals around the
	// medians. Zero means results.Confidence (0.95).
	Confidence float64
	// ReportOnly marks a report whose regressions must not fail the
	// caller; it changes only the wording of the verdict.
	ReportOnly bool
	// AllowMissing lets a gated metric be absent on one side for some
	// benchmarks (or altogether) without failing: the gaps are still
	// listed. Without it a gap fails the comparison, since a gate cannot
	// judge what is not there (a strategy whose every run fails vanishes
	// from NEW).
	AllowMissing bool
}

// Row is one benchmark's comparison in one metric.
type Row struct {
	// Name is the benchmark name, without the "Benchmark" prefix.
	Name string
	// Old and New summarize the two samples (median and confidence
	// interval at Options.Confidence); one is nil when the benchmark has
	// this metric on one side only.
	Old, New *results.Summary
	// Delta is the relative change of the median, New/Old-1 (NaN when a
	// side is missing; ±Inf when the old median is 0).
	Delta float64
	// P is the Mann-Whitney U test's p-value (NaN when a side is missing).
	P float64
	// Significant reports whether P < alpha.
	Significant bool
	// Regression reports whether the metric is gated and the change is
	// significant and worse than the gate's tolerance.
	Regression bool
	// Notes are benchmath's warnings about the samples or the test, such
	// as too few samples for an interval or for significance.
	Notes []string
}

// Geomean summarizes a metric over the benchmarks present on both sides.
type Geomean struct {
	// Cells is the number of benchmarks it is taken over.
	Cells int
	// Old and New are the geometric means of the medians; NaN when some
	// median is not positive.
	Old, New float64
	// Delta is New/Old-1.
	Delta float64
}

// UnitComparison is the comparison of one unit across all benchmarks.
type UnitComparison struct {
	// Unit is the metric's unit.
	Unit string
	// Gate is the metric's gate, or nil if it is not gated.
	Gate *Gate
	// Rows has one entry per benchmark measured in this unit on either
	// side: OLD's order first, then benchmarks only NEW has.
	Rows []Row
	// Geomean is nil when no benchmark has the metric on both sides.
	Geomean *Geomean
}

// Report is the outcome of a comparison.
type Report struct {
	// Old and New name the compared files.
	Old, New string
	// Alpha and Confidence are the levels used.
	Alpha, Confidence float64
	// Gates are the gates applied.
	Gates []Gate
	// ReportOnly is Options.ReportOnly.
	ReportOnly bool
	// Metrics has one entry per unit, in order of first appearance.
	Metrics []UnitComparison
	// MissingInNew lists the benchmarks OLD has and NEW lacks entirely.
	MissingInNew []string
	// NewInNew lists the benchmarks only NEW has.
	NewInNew []string
	// Regressions lists every regression, in report order.
	Regressions []Regression
	// GatedMissing lists every benchmark that has a gated metric on one
	// side only, in report order.
	GatedMissing []Missing
	// AllowMissing is Options.AllowMissing.
	AllowMissing bool
}

// Missing is a gated metric of one benchmark that one side lacks.
type Missing struct {
	Unit string
	Name string
	// In is the side that lacks it: "OLD" or "NEW".
	In string
}

// String is "sec/op NAME: not in NEW".
func (m Missing) String() string { return m.Unit + " " + m.Name + ": not in " + m.In }

// Regression is one gated metric of one benchmark that got significantly
// worse than its tolerance.
type Regression struct {
	Unit  string
	Name  string
	Delta float64
	P     float64
}

// Failed reports whether any gated metric regressed, or is missing on one
// side without AllowMissing.
func (r *Report) Failed() bool { return len(r.Regressions) > 0 || r.missingFails() }

func (r *Report) missingFails() bool { return len(r.GatedMissing) > 0 && !r.AllowMissing }

// Compare compares two result sets. It fails only when a gate names a unit
// that neither set measures, since such a gate could never fail.
func Compare(old, new *Set, opt Options) (*Report, error) {
	if opt.Alpha == 0 {
		opt.Alpha = 0.05
	}
	if opt.Confidence == 0 {
		opt.Confidence = results.Confidence
	}
	if !(opt.Alpha > 0 && opt.Alpha < 1) || !(opt.Confidence > 0 && opt.Confidence < 1) {
		return nil, fmt.Errorf("alpha %v and confidence %v must be between 0 and 1", opt.Alpha, opt.Confidence)
	}
	units := old.Units()
	for _, u := range new.units {
		if !slices.Contains(units, u) {
			units = append(units, u)
		}
	}
	gates := map[string]*Gate{}
	for i := range opt.Gates {
		g := &opt.Gates[i]
		if !slices.Contains(units, g.Unit) {
			return nil, fmt.Errorf("gated unit %q is in neither %s nor %s (units: %s)", g.Unit, old.Path, new.Path, strings.Join(units, ", "))
		}
		gates[g.Unit] = g
	}
	r := &Report{Old: old.Path, New: new.Path, Alpha: opt.Alpha, Confidence: opt.Confidence,
		Gates: opt.Gates, ReportOnly: opt.ReportOnly, AllowMissing: opt.AllowMissing}

	names := old.Names()
	for _, n := range new.names {
		if _, ok := old.samples[n]; !ok {
			names = append(names, n)
			r.NewInNew = append(r.NewInNew, n)
		}
	}
	for _, n := range old.names {
		if _, ok := new.samples[n]; !ok {
			r.MissingInNew = append(r.MissingInNew, n)
		}
	}

	thresholds := &benchmath.Thresholds{CompareAlpha: opt.Alpha}
	for _, unit := range units {
		m := UnitComparison{Unit: unit, Gate: gates[unit]}
		for _, name := range names {
			ov, nv := old.samples[name][unit], new.samples[name][unit]
			if len(ov) == 0 && len(nv) == 0 {
				continue
			}
			row := Row{Name: name, Delta: math.NaN(), P: math.NaN()}
			var os, ns *benchmath.Sample
			if len(ov) > 0 {
				os = benchmath.NewSample(slices.Clone(ov), thresholds)
				row.Old = summarize(os, opt.Confidence, &row.Notes)
			}
			if len(nv) > 0 {
				ns = benchmath.NewSample(slices.Clone(nv), thresholds)
				row.New = summarize(ns, opt.Confidence, &row.Notes)
			}
			if os != nil && ns != nil {
				c := benchmath.AssumeNothing.Compare(os, ns)
				row.P = c.P
				row.Significant = c.P < opt.Alpha
				addNotes(&row.Notes, c.Warnings)
				row.Delta = RelChange(row.Old.Median, row.New.Median)
				if g := m.Gate; g != nil && row.Significant && worse(unit, row.Delta, g.Tolerance) {
					row.Regression = true
					r.Regressions = append(r.Regressions, Regression{Unit: unit, Name: name, Delta: row.Delta, P: row.P})
				}
			} else if m.Gate != nil {
				in := "NEW"
				if os == nil {
					in = "OLD"
				}
				r.GatedMissing = append(r.GatedMissing, Missing{Unit: unit, Name: name, In: in})
			}
			m.Rows = append(m.Rows, row)
		}
		m.Geomean = geomean(m.Rows)
		r.Metrics = append(r.Metrics, m)
	}
	return r, nil
}

func summarize(s *benchmath.Sample, confidence float64, notes *[]string) *results.Summary {
	sum, warnings := results.SummarizeSample(s, confidence)
	addNotes(notes, warnings)
	return &sum
}

func addNotes(notes *[]string, errs []error) {
	for _, e := range errs {
		if msg := e.Error(); !slices.Contains(*notes, msg) {
			*notes = append(*notes, msg)
		}
	}
}

// RelChange is the relative change new/old-1, with a zero old value giving
// ±Inf (or 0 if new is zero too).
func RelChange(old, new float64) float64 {
	if old == new {
		return 0
	}
	if old == 0 {
		return math.Copysign(math.Inf(1), new)
	}
	return new/old - 1
}

// worse reports whether a relative change delta of unit is a worsening
// beyond tol.
func worse(unit string, delta, tol float64) bool {
	if results.IsHigherBetter(unit) {
		return delta < -tol
	}
	return delta > tol
}

func geomean(rows []Row) *Geomean {
	g := &Geomean{}
	var so, sn float64
	positive := true
	for _, r := range rows {
		if r.Old == nil || r.New == nil {
			continue
		}
		g.Cells++
		if r.Old.Median <= 0 || r.New.Median <= 0 {
			positive = false
			continue
		}
		so += math.Log(r.Old.Median)
		sn += math.Log(r.New.Median)
	}
	if g.Cells == 0 {
		return nil
	}
	if !positive {
		g.Old, g.New, g.Delta = math.NaN(), math.NaN(), math.NaN()
		return g
	}
	g.Old, g.New = math.Exp(so/float64(g.Cells)), math.Exp(sn/float64(g.Cells))
	g.Delta = RelChange(g.Old, g.New)
	return g
}

// Verdict is the one-line outcome, "verdict: PASS (...)" or
// "verdict: FAIL (...)", naming up to three regressions.
func (r *Report) Verdict() string {
	var b strings.Builder
	if r.Failed() {
		b.WriteString("verdict: FAIL (")
		var parts []string
		if len(r.Regressions) > 0 {
			var regs []string
			for _, g := range r.Regressions {
				regs = append(regs, fmt.Sprintf("%s %s %s p=%.3f", g.Unit, g.Name, pctString(g.Delta, 1), g.P))
			}
			parts = append(parts, plural(len(regs), "regression", "regressions")+": "+firstFew(regs))
		}
		if r.missingFails() {
			var miss []string
			for _, m := range r.GatedMissing {
				miss = append(miss, m.String())
			}
			parts = append(parts, plural(len(miss), "gated figure", "gated figures")+" missing: "+firstFew(miss))
		}
		b.WriteString(strings.Join(parts, "; "))
	} else if len(r.Gates) == 0 {
		b.WriteString("verdict: PASS (no gated metrics: nothing can fail without --gate")
	} else {
		fmt.Fprintf(&b, "verdict: PASS (no significant regression beyond tolerance in %s",
			plural(len(r.Gates), "gated metric", "gated metrics"))
	}
	for _, m := range r.Metrics {
		if m.Gate != nil && m.Geomean == nil {
			fmt.Fprintf(&b, "; gated %s is on one side only", m.Unit)
		}
	}
	if n := len(r.MissingInNew); n > 0 {
		fmt.Fprintf(&b, "; %s missing in NEW", plural(n, "cell", "cells"))
	}
	if n := len(r.NewInNew); n > 0 {
		fmt.Fprintf(&b, "; %s new in NEW", plural(n, "cell", "cells"))
	}
	b.WriteString(")")
	if r.ReportOnly && r.Failed() {
		b.WriteString(" [report only: not failing]")
	}
	return b.String()
}

// firstFew joins up to three items with "; ", then says how many more.
func firstFew(items []string) string {
	const show = 3
	if len(items) <= show {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:show], "; ") + fmt.Sprintf("; and %d more", len(items)-show)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// pctString writes a relative change as a signed percentage.
func pctString(delta float64, prec int) string {
	switch {
	case math.IsNaN(delta):
		return "?"
	case math.IsInf(delta, 1):
		return "+∞%"
	case math.IsInf(delta, -1):
		return "-∞%"
	}
	return fmt.Sprintf("%+.*f%%", prec, delta*100)
}
