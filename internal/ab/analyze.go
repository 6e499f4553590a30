package ab

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fanbench/fanbench/internal/compare"
	"github.com/fanbench/fanbench/internal/paired"
	"github.com/fanbench/fanbench/internal/results"
)

// The two arms of a comparison.
const (
	ArmBase = "base"
	ArmHead = "head"
)

// DefaultGates are the metrics an A/B comparison gates on unless told
// otherwise: the counts and sizes that do not depend on the machine's
// speed, tightly. Times are in DefaultReport: the calibration on the
// project's CI machine kind found no time tolerance it can enforce
// (docs/ci.md, "What this machine can detect"); a quieter machine can move them here.
const DefaultGates = "allocs:+2%,alloc-B:+2%,gc-cycles:+0%,reads:+0%,copy-B:+0%,peak-RSS-B:+3%,rss-anon-B:+5%"

// DefaultReport are the metrics judged and shown but never failing unless
// told otherwise: the times, and minflt (which follows the kernel's page
// cache and huge-page state more than the code).
const DefaultReport = "cpu-sec:+10%,sec/op:+10%,minflt:+5%"

// Confidence is the level of the intervals reports show.
const Confidence = results.Confidence

// Row is one cell and metric of a comparison.
type Row struct {
	// Cell is the cell's benchmark name without its arm.
	Cell string
	// Strategy is the cell's strategy.
	Strategy string
	// Unit is the metric.
	Unit string
	// Speed is set for a time or rate (results.SpeedDependent).
	Speed bool
	// ReportOnly marks a metric judged and shown but never failing the
	// comparison (--report); it is judged in its own Holm family.
	ReportOnly bool
	paired.Result
}

// Short is the cell's name for a table: mode/strategy/workload/size/workers
// and any knobs, without the keys.
func (r *Row) Short() string { return shortName(r.Cell) }

func shortName(name string) string {
	parts := strings.Split(strings.TrimPrefix(name, "Fanout/"), "/")
	for i, p := range parts {
		if k, v, ok := strings.Cut(p, "="); ok {
			switch k {
			case "mode", "strategy", "workload", "size":
				parts[i] = v
			case "workers":
				parts[i] = v + "w"
			}
		}
	}
	return strings.Join(parts, "/")
}

// Analysis is the judgement of one comparison.
type Analysis struct {
	// Rows has one entry per cell and gated metric with at least one
	// pair, in cell then gate order.
	Rows []*Row
	// Alpha is the family's false-alarm level.
	Alpha float64
	// Pairs is the number of complete pairs per cell.
	Pairs map[string]int
	// Failed lists the runs that failed, as "cell arm rep: reason";
	// HeadFailed counts those of the head arm, and FirstBaseFailure is
	// the first of the base arm's lines ("" if no base run failed).
	Failed           []string
	HeadFailed       int
	FirstBaseFailure string
	// HeadMissing lists the gated figures the base measured in some pair
	// of a cell and the head did not, as "cell unit": a gate cannot pass
	// on what the head no longer reports.
	HeadMissing []string
	// Gates are the gates judged; Report the metrics judged for the
	// report only.
	Gates, Report []compare.Gate
}

// pairKey identifies a pair: the cell without its arm and the repetition.
type pairKey struct {
	cell string
	rep  int
}

// Analyze pairs the base and head runs of each cell and repetition and
// judges every gated metric of every cell as one family (Holm at alpha),
// and the report-only metrics as another.
// Counts and sizes are compared as (head+1)/(base+1), so that a count of 0
// compares (0 → 0 is a ratio of 1, 0 → 1 of 2); times and rates as
// head/base.
func Analyze(runs []results.Run, gates, report []compare.Gate, alpha float64) (*Analysis, error) {
	a := &Analysis{Alpha: alpha, Pairs: map[string]int{}, Gates: gates, Report: report}
	p := a.pairRuns(runs)
	families := map[family][]*paired.Result{}
	all := append(slices.Clip(gates), report...)
	for _, cell := range p.cells {
		a.Pairs[cell] = len(p.byCell[cell])
		for gi, g := range all {
			speed := results.SpeedDependent(g.Unit)
			ratios, missing := p.ratios(cell, g.Unit, speed)
			if missing && gi < len(gates) {
				a.HeadMissing = append(a.HeadMissing, shortName(cell)+" "+g.Unit)
			}
			if len(ratios) == 0 {
				continue
			}
			res, err := paired.Analyze(ratios, g.Tolerance, results.IsHigherBetter(g.Unit), Confidence)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", shortName(cell), g.Unit, err)
			}
			row := &Row{Cell: cell, Strategy: p.strategyOf[cell], Unit: g.Unit, Speed: speed, ReportOnly: gi >= len(gates), Result: res}
			a.Rows = append(a.Rows, row)
			families[familyOf(row)] = append(families[familyOf(row)], &row.Result)
		}
	}
	for f, fam := range families {
		if err := paired.Judge(fam, a.familyAlpha(f, len(families[gatedTime]) > 0 && len(families[gatedCounts]) > 0)); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// pairing is a comparison's runs paired: each cell's whole pairs (base
// and head of one repetition), in cell and repetition order, with each
// run's metrics.
type pairing struct {
	arms       map[pairKey]map[string]map[string]float64 // pair → arm → unit → value
	strategyOf map[string]string                         // cell → its strategy
	cells      []string                                  // cells with at least one whole pair, sorted
	byCell     map[string][]pairKey                      // cell → its whole pairs, by repetition
}

// pairRuns pairs the measured runs of runs (warm-ups and runs of no arm
// left out), recording the failed ones in a.
func (a *Analysis) pairRuns(runs []results.Run) pairing {
	p := pairing{arms: map[pairKey]map[string]map[string]float64{}, strategyOf: map[string]string{}, byCell: map[string][]pairKey{}}
	var order []pairKey
	for _, r := range runs {
		if r.Warmup || r.Cell.Arm == "" {
			continue
		}
		c := r.Cell
		c.Arm = ""
		name := results.BenchName(c)
		if r.Status != results.StatusOK {
			a.Failed = append(a.Failed, fmt.Sprintf("%s %s rep %d: %s %s", shortName(name), r.Cell.Arm, r.Rep, r.Status, r.Reason))
			switch {
			case r.Cell.Arm == ArmHead:
				a.HeadFailed++
			case a.FirstBaseFailure == "":
				a.FirstBaseFailure = a.Failed[len(a.Failed)-1]
			}
			continue
		}
		k := pairKey{name, r.Rep}
		if p.arms[k] == nil {
			p.arms[k] = map[string]map[string]float64{}
			order = append(order, k)
		}
		p.arms[k][r.Cell.Arm] = pairMetrics(r)
		p.strategyOf[name] = c.Strategy
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].cell != order[j].cell {
			return order[i].cell < order[j].cell
		}
		return order[i].rep < order[j].rep
	})
	for _, k := range order {
		if p.arms[k][ArmBase] == nil || p.arms[k][ArmHead] == nil {
			continue // half a pair: a failed or interrupted run
		}
		if p.byCell[k.cell] == nil {
			p.cells = append(p.cells, k.cell)
		}
		p.byCell[k.cell] = append(p.byCell[k.cell], k)
	}
	return p
}

// pairMetrics are run r's metrics. A run that allocated nothing has no
// allocation figures in results (they are left out, not written as 0);
// its runtime figures were read all the same (cpu-sec), so they are 0
// here: a pair whose base allocated 16 objects and whose head none is a
// ratio, not a figure the head no longer reports.
func pairMetrics(r results.Run) map[string]float64 {
	m := results.Metrics(r)
	if _, ok := m[results.UnitCPUSec]; ok {
		for _, u := range []string{results.UnitAllocs, results.UnitAllocB, results.UnitGCCycles} {
			if _, ok := m[u]; !ok {
				m[u] = 0
			}
		}
	}
	return m
}

// ratios are cell's per-pair head/base ratios of unit (for a count or
// size, of the values plus one: speed false), and whether a pair's base
// has the figure and its head does not.
func (p pairing) ratios(cell, unit string, speed bool) (ratios []float64, missing bool) {
	for _, k := range p.byCell[cell] {
		b, okb := p.arms[k][ArmBase][unit]
		h, okh := p.arms[k][ArmHead][unit]
		missing = missing || okb && !okh
		if !okb || !okh {
			continue
		}
		if !speed {
			b, h = b+1, h+1
		}
		ratios = append(ratios, paired.Ratios([]float64{b}, []float64{h})...)
	}
	return ratios, missing
}

// family is one Holm family of a comparison's tests.
type family int

// The families: gated times, gated counts and sizes, and the report-only
// metrics. The two gated families share the comparison's α (α/2 each when
// both hold tests: Bonferroni between them, Holm within), so that the
// false-alarm rate of the gate is at most α over every gated cell and
// metric while time, whose noise needs the power, is not judged against
// the many count tests that almost never reject.
const (
	gatedCounts family = iota
	gatedTime
	reportOnly
)

func familyOf(r *Row) family {
	switch {
	case r.ReportOnly:
		return reportOnly
	case r.Speed:
		return gatedTime
	}
	return gatedCounts
}

// familyAlpha is the level family f is judged at; split says both gated
// families hold tests.
func (a *Analysis) familyAlpha(f family, split bool) float64 {
	if f != reportOnly && split {
		return a.Alpha / 2
	}
	return a.Alpha
}

// Gated lists the rows that can fail the comparison.
func (a *Analysis) Gated() []*Row {
	var out []*Row
	for _, r := range a.Rows {
		if !r.ReportOnly {
			out = append(out, r)
		}
	}
	return out
}

// Count returns how many gated rows have verdict v.
func (a *Analysis) Count(v paired.Verdict) int {
	n := 0
	for _, r := range a.Gated() {
		if r.Verdict == v {
			n++
		}
	}
	return n
}

// Worse lists the gated rows judged worse.
func (a *Analysis) Worse() []*Row { return a.rowsWith(paired.Worse) }

// Undecided lists the gated rows left undecided.
func (a *Analysis) Undecided() []*Row { return a.rowsWith(paired.Undecided) }

func (a *Analysis) rowsWith(v paired.Verdict) []*Row {
	var out []*Row
	for _, r := range a.Gated() {
		if r.Verdict == v {
			out = append(out, r)
		}
	}
	return out
}

// Open lists the cells that more pairs could still decide: those with a
// gated metric neither same nor better.
func (a *Analysis) Open() map[string]bool {
	open := map[string]bool{}
	for _, r := range a.Gated() {
		if r.Verdict != paired.Same && r.Verdict != paired.Better {
			open[r.Cell] = true
		}
	}
	return open
}

// Regressed reports whether the comparison fails: a metric worse beyond its
// tolerance, or a head run that failed (a head build that gives a wrong
// answer or crashes is a regression too). Base runs that failed (an old
// build that cannot run what the new runner asks of it) leave their cells
// uncompared but are not the head's regression.
func (a *Analysis) Regressed() bool {
	return len(a.Worse()) > 0 || a.HeadFailed > 0 || len(a.HeadMissing) > 0
}

// Method says, in one line, how the verdicts were reached.
func (a *Analysis) Method() string {
	m := "per-pair head/base ratios; Hodges–Lehmann estimate with an exact Wilcoxon signed-rank " +
		strconv.Itoa(int(Confidence*100)) + "% interval; worse = significantly worse (one-sided signed-rank) and estimated beyond the tolerance, " +
		fmt.Sprintf("false alarms controlled over all %d gated cell×metric tests at family α = %g", len(a.Gated()), a.Alpha)
	time := 0
	for _, r := range a.Gated() {
		if r.Speed {
			time++
		}
	}
	if counts := len(a.Gated()) - time; time > 0 && counts > 0 {
		m += fmt.Sprintf(" (Holm over the %d time tests and over the %d count and memory tests, at α/2 each)", time, counts)
	} else {
		m += " (Holm)"
	}
	if n := len(a.Rows) - len(a.Gated()); n > 0 {
		m += fmt.Sprintf(" (and over the %d report-only tests as their own family)", n)
	}
	return m
}
