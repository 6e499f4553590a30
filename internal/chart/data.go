package chart

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// Confidence is the confidence level of every interval fanbench draws.
const Confidence = results.Confidence

// Summarize returns the median of values and its 95% confidence interval
// (results.Summarize at Confidence). values is not modified.
func Summarize(values []float64) results.Summary { return results.Summarize(values, Confidence) }

// Facet is one chart's slice of the results: a workload in a mode with a
// page-cache state, on one machine where the results hold several.
type Facet struct {
	Workload string
	Mode     string
	Cache    string
	// Machine is the machine label (results.Run.Machine) in a dataset
	// whose runs carry two or more labels, so that no facet pools runs of
	// different machines; "" otherwise.
	Machine string
}

// Slug is the facet as a file-name fragment: "count_goroutine_warm", with
// "_machine-LABEL" appended when the facet names a machine.
func (f Facet) Slug() string {
	s := plotkit.Slug(f.Workload) + "_" + plotkit.Slug(f.Mode) + "_" + plotkit.Slug(f.Cache)
	if f.Machine != "" {
		s += "_machine-" + plotkit.Slug(f.Machine)
	}
	return s
}

// String describes the facet in words for titles: "workload count,
// goroutine mode, warm cache", after "machine LABEL: " when the facet
// names a machine.
func (f Facet) String() string {
	s := fmt.Sprintf("workload %s, %s mode, %s cache", f.Workload, f.Mode, f.Cache)
	if f.Machine != "" {
		s = "machine " + f.Machine + ": " + s
	}
	return s
}

// Series identifies one line of a chart: a strategy with one setting of the
// other knobs (empty when the results hold a single setting).
type Series struct {
	Strategy string
	Knobs    string // "k=v k=v", sorted, without the cache knob
}

// Label is the series' legend text.
func (s Series) Label() string {
	if s.Knobs == "" {
		return s.Strategy
	}
	return s.Strategy + " (" + s.Knobs + ")"
}

// Point is one cell within a facet and series: a size and a worker count.
type Point struct {
	Size    int64
	Workers int
}

// Dataset is the successful, non-warm-up runs of one results folder grouped
// by facet, series and point, ready to chart. When the runs carry two or
// more machine labels (a merge of shards run on different machines), every
// facet names its machine (Facet.Machine) and Machines holds each
// machine's runs as a dataset of its own.
type Dataset struct {
	Experiment string
	Machine    results.Machine
	// Label is the machine label of a dataset of one machine's runs
	// (Machines); "" otherwise.
	Label string
	// Skipped counts runs left out: failed, skipped and warm-up runs.
	Skipped int

	// byMachine is set when the runs carry two or more machine labels.
	byMachine bool
	machines  []*Dataset

	cells map[Facet]map[Series]map[Point][]results.Run
	// refused holds the memory guard's reason for each cell it refused
	// (runs recorded as skipped), so charts can draw them as refused.
	refused map[Facet]map[Series]map[Point]string
}

// NewDataset groups runs by cell, keeping only those with status ok that are
// not warm-up runs. It fails when no run is left or the runs name more than
// one experiment. When the runs carry two or more machine labels, the
// facets name their machine and Machines holds each machine's dataset
// (whose Machine is unknown until the caller sets it, as Load does).
func NewDataset(runs []results.Run, m results.Machine) (*Dataset, error) {
	d := &Dataset{Machine: m, cells: map[Facet]map[Series]map[Point][]results.Run{},
		refused: map[Facet]map[Series]map[Point]string{}}
	labels := results.Machines(runs)
	d.byMachine = len(labels) > 1
	for _, r := range runs {
		if r.Status == results.StatusSkipped && !r.Warmup {
			d.addRefused(r)
		}
		if r.Status != results.StatusOK || r.Warmup || r.ElapsedSec <= 0 {
			d.Skipped++
			continue
		}
		if d.Experiment == "" {
			d.Experiment = r.Experiment
		} else if r.Experiment != d.Experiment {
			return nil, fmt.Errorf("runs of two experiments, %q and %q, in one results set", d.Experiment, r.Experiment)
		}
		f := d.facetOf(r)
		s := Series{Strategy: r.Cell.Strategy, Knobs: knobString(r.Cell.Knobs)}
		p := Point{Size: r.Cell.Size, Workers: r.Cell.Workers}
		if d.cells[f] == nil {
			d.cells[f] = map[Series]map[Point][]results.Run{}
		}
		if d.cells[f][s] == nil {
			d.cells[f][s] = map[Point][]results.Run{}
		}
		d.cells[f][s][p] = append(d.cells[f][s][p], r)
	}
	if len(d.cells) == 0 {
		return nil, fmt.Errorf("no successful measured runs among %d runs", len(runs))
	}
	d.joinReferences()
	d.dropUniformKnobs()
	d.matchRefusedSeries()
	if d.Experiment == "" {
		d.Experiment = "unnamed"
	}
	if d.byMachine {
		slices.Sort(labels)
		for _, label := range labels {
			var own []results.Run
			for _, r := range runs {
				if r.Machine == label {
					own = append(own, r)
				}
			}
			sub, err := NewDataset(own, results.Machine{})
			if err != nil {
				continue // a machine without a measured run has nothing to chart or compare
			}
			sub.Label = label
			d.machines = append(d.machines, sub)
		}
	}
	return d, nil
}

// facetOf is the facet of a run: its machine's where the dataset keeps
// machines apart.
func (d *Dataset) facetOf(r results.Run) Facet {
	f := Facet{Workload: r.Cell.Workload, Mode: r.Cell.Mode, Cache: cacheState(r)}
	if d.byMachine {
		f.Machine = r.Machine
	}
	return f
}

// Machines returns, when the runs carry two or more machine labels, each
// machine's measured runs as a dataset of its own (Label set, facets
// without Machine), by label; nil otherwise. Charts are drawn from these,
// so that no chart mixes machines.
func (d *Dataset) Machines() []*Dataset { return d.machines }

// joinReferences moves reference commands (mode "external") into every
// goroutine- and process-mode facet of the same workload and cache state, so
// that `wc -l` sits beside the strategies it is a reference for. A reference
// with no such facet keeps a facet of its own.
func (d *Dataset) joinReferences() {
	for f, series := range d.cells {
		if f.Mode != "external" {
			continue
		}
		joined := false
		for g := range d.cells {
			if g.Mode == "external" || g.Workload != f.Workload || g.Cache != f.Cache || g.Machine != f.Machine {
				continue
			}
			for s, pts := range series {
				d.cells[g][s] = pts
			}
			joined = true
		}
		if joined {
			delete(d.cells, f)
		}
	}
}

// cacheState is the run's page-cache state: the recorded one, else the
// cache knob, else "unknown".
func cacheState(r results.Run) string {
	if r.CacheState != "" {
		return r.CacheState
	}
	if c := r.Cell.Knobs["cache"]; c != "" {
		return c
	}
	return "unknown"
}

// knobString renders the knobs other than the cache state, sorted.
func knobString(k map[string]string) string {
	var parts []string
	for name, v := range k {
		if name == "cache" {
			continue
		}
		parts = append(parts, name+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// Facets returns the facets in a stable order: by machine, workload, mode,
// cache.
func (d *Dataset) Facets() []Facet {
	fs := make([]Facet, 0, len(d.cells))
	for f := range d.cells {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Machine != b.Machine {
			return a.Machine < b.Machine
		}
		if a.Workload != b.Workload {
			return a.Workload < b.Workload
		}
		if a.Mode != b.Mode {
			return a.Mode < b.Mode
		}
		return a.Cache < b.Cache
	})
	return fs
}

// Series returns a facet's series in legend order.
func (d *Dataset) Series(f Facet) []Series {
	ss := make([]Series, 0, len(d.cells[f]))
	for s := range d.cells[f] {
		ss = append(ss, s)
	}
	sortSeries(ss)
	return ss
}

func sortSeries(ss []Series) {
	sort.Slice(ss, func(i, j int) bool {
		if ss[i].Strategy != ss[j].Strategy {
			return plotkit.LessStrategy(ss[i].Strategy, ss[j].Strategy)
		}
		return ss[i].Knobs < ss[j].Knobs
	})
}

// Points returns the points of one series, by size then workers.
func (d *Dataset) Points(f Facet, s Series) []Point {
	ps := make([]Point, 0, len(d.cells[f][s]))
	for p := range d.cells[f][s] {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Size != ps[j].Size {
			return ps[i].Size < ps[j].Size
		}
		return ps[i].Workers < ps[j].Workers
	})
	return ps
}

// Runs returns the repetitions of one cell.
func (d *Dataset) Runs(f Facet, s Series, p Point) []results.Run { return d.cells[f][s][p] }

// Sizes and Workers return the distinct sizes and worker counts of a facet,
// ascending.
func (d *Dataset) Sizes(f Facet) []int64 { return distinctOf(d.cells[f], pointSize) }

// Workers: see Sizes.
func (d *Dataset) Workers(f Facet) []int { return distinctOf(d.cells[f], pointWorkers) }

func pointSize(p Point) int64  { return p.Size }
func pointWorkers(p Point) int { return p.Workers }

// distinctOf returns the distinct values of one coordinate (of) over the
// points of every series of a facet, ascending.
func distinctOf[T cmp.Ordered, V any](series map[Series]map[Point]V, of func(Point) T) []T {
	set := map[T]bool{}
	for _, ps := range series {
		for p := range ps {
			set[of(p)] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// DisplayMetric is an entry of the metric catalogue (results.Catalogue) as the
// charts and tables draw it: the catalogue's name, label, meaning and
// value, in a display unit.
type DisplayMetric struct {
	results.Metric
	// Unit is the display unit: "s", "GB/s", "B", "" for counts.
	Unit string
	// per divides the catalogue's value into the display unit (0: as is).
	per float64
}

// Of is the run's figure in the display unit, false when the run lacks it.
func (m DisplayMetric) Of(r results.Run) (float64, bool) {
	v, ok := m.Metric.Of(r)
	if ok && m.per != 0 {
		v /= m.per
	}
	return v, ok
}

// catalogued is the catalogue's metric name in its own unit.
func catalogued(name string) DisplayMetric {
	m := results.MustLookup(name)
	return DisplayMetric{Metric: m, Unit: m.Kind.Unit()}
}

// The metrics fanbench charts and tabulates, each the catalogue's figure
// that results.bench records under the same name where it records one
// (results.UnitPSS, tree-pss-B and tree-peak-B are the catalogue's
// derived figures).
var (
	MetricTime       = catalogued(results.UnitSecPerOp)
	MetricThroughput = throughputGB()
	MetricPeakRSS    = catalogued(results.UnitPeakRSS)
	MetricPSS        = catalogued(results.UnitPSS)
	MetricTreePeak   = catalogued(results.UnitTreePeak)
	MetricAlloc      = catalogued(results.UnitAllocB)
	MetricGC         = catalogued(results.UnitGCCycles)
	// MetricTreePSS is the whole tree's PSS: in goroutine mode the one
	// process's, in process mode the parent's plus each worker's (missing
	// when the workers' figures are), so that it means the same in both.
	MetricTreePSS = catalogued(results.UnitTreePSSSum)
)

// throughputGB is the catalogue's B/s in decimal GB/s.
func throughputGB() DisplayMetric {
	m := catalogued(results.UnitBytesPerS)
	m.Label, m.Unit, m.per = "GB/s", "GB/s", 1e9
	return m
}

// Format prints a value of the metric in its display unit: seconds and
// bytes humanly, anything else to three significant digits.
func (m DisplayMetric) Format(v float64) string {
	switch m.Unit {
	case "s":
		return plotkit.FormatSeconds(v)
	case "B":
		return plotkit.FormatBytes(v)
	}
	return plotkit.TrimFloat(v, 3)
}

// Values are the metric's figures of runs, in order, leaving out runs
// that lack it (and NaN or infinite figures).
func (m DisplayMetric) Values(runs []results.Run) []float64 {
	var v []float64
	for _, r := range runs {
		if x, ok := m.Of(r); ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	return v
}

// Summary summarizes a metric over one cell's repetitions; ok is false when
// no repetition has the metric.
func (d *Dataset) Summary(f Facet, s Series, p Point, m DisplayMetric) (results.Summary, bool) {
	v := m.Values(d.Runs(f, s, p))
	if len(v) == 0 {
		return results.Summary{}, false
	}
	return Summarize(v), true
}

// commonMemoryMetric is the first like-for-like memory figure
// (memoryMetrics) that every one of the cells (each a set of runs) has: the
// one figure a chart comparing them draws for all its bars or lines. Where
// some run was measured with a cold cache, figures that charge the page
// cache the run reads in are passed over (MemoryMetric.ChargesColdReads).
func commonMemoryMetric(cells [][]results.Run) (MemoryMetric, bool) {
	cold := false
	for _, runs := range cells {
		for _, r := range runs {
			cold = cold || r.CacheState == "cold"
		}
	}
	for _, m := range memoryMetrics {
		all := len(cells) > 0 && !(cold && m.ChargesColdReads)
		for _, runs := range cells {
			if !all || len(m.DisplayMetric.Values(runs)) == 0 {
				all = false
				break
			}
		}
		if all {
			return m, true
		}
	}
	return MemoryMetric{}, false
}

// representative returns the repetition whose time is the median (the lower
// middle one for an even count), preferring runs that carry a memory
// timeline: the nearest to the median among those.
func representative(runs []results.Run) (results.Run, bool) {
	rs := append([]results.Run(nil), runs...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].ElapsedSec < rs[j].ElapsedSec })
	mid := (len(rs) - 1) / 2
	for dist := 0; dist < len(rs); dist++ {
		for _, i := range []int{mid - dist, mid + dist} {
			if i >= 0 && i < len(rs) && len(rs[i].Samples) > 0 {
				return rs[i], true
			}
		}
	}
	return results.Run{}, false
}

// dropUniformKnobs clears the knob text of series whose strategy has a
// single knob setting in its facet: the legend names knobs only where they
// tell series apart.
func (d *Dataset) dropUniformKnobs() {
	for f, bySeries := range d.cells {
		variants := map[string]int{}
		for s := range bySeries {
			variants[s.Strategy]++
		}
		for s, pts := range bySeries {
			if s.Knobs != "" && variants[s.Strategy] == 1 {
				delete(bySeries, s)
				bySeries[Series{Strategy: s.Strategy}] = pts
			}
		}
		d.cells[f] = bySeries
	}
}

// addRefused records a skipped run's cell and reason.
func (d *Dataset) addRefused(r results.Run) {
	f := d.facetOf(r)
	s := Series{Strategy: r.Cell.Strategy, Knobs: knobString(r.Cell.Knobs)}
	if d.refused[f] == nil {
		d.refused[f] = map[Series]map[Point]string{}
	}
	if d.refused[f][s] == nil {
		d.refused[f][s] = map[Point]string{}
	}
	d.refused[f][s][Point{Size: r.Cell.Size, Workers: r.Cell.Workers}] = r.Reason
}

// matchRefusedSeries names refused cells' series as dropUniformKnobs named
// the measured ones: a strategy with one knob setting is its name alone.
func (d *Dataset) matchRefusedSeries() {
	for f, bySeries := range d.refused {
		variants := map[string]int{}
		for s := range d.cells[f] {
			variants[s.Strategy]++
		}
		for s, pts := range bySeries {
			if _, ok := d.cells[f][s]; !ok && s.Knobs != "" && variants[s.Strategy] <= 1 {
				delete(bySeries, s)
				bySeries[Series{Strategy: s.Strategy}] = pts
			}
		}
	}
}

// Refused returns the memory guard's reason for refusing a cell, "" when
// it was not refused.
func (d *Dataset) Refused(f Facet, s Series, p Point) string { return d.refused[f][s][p] }

// refusedSeries lists the series with refused cells in a facet.
func (d *Dataset) refusedSeries(f Facet) []Series {
	var out []Series
	for s := range d.refused[f] {
		out = append(out, s)
	}
	sortSeries(out)
	return out
}

// sizesWithRefused is Sizes with the sizes of refused cells added.
func (d *Dataset) sizesWithRefused(f Facet) []int64 {
	sizes := append(d.Sizes(f), distinctOf(d.refused[f], pointSize)...)
	slices.Sort(sizes)
	return slices.Compact(sizes)
}
