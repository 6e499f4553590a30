package results

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// The metric catalogue: every figure fanbench writes to results.bench,
// names in a claim or a gate, charts, tabulates or keeps in its history is
// one entry of Catalogue, with its unit, its better direction, where its
// value comes from and what it means. results.bench (benchValues), claims
// (runner's spec validation and formatting), compare and fanbench ab (the
// worse direction, speed dependence), the charts and the report
// (internal/chart) and the history (internal/history) all read it; the
// metric table of docs/reference.md is generated from it (MetricTable,
// checked by TestREADMEMetrics).
//
// Adding a metric is one entry here (plus the code that measures its value
// into a Run field).

// Units written to results.bench. Byte units end in "-B" so that benchstat
// scales them with binary prefixes.
const (
	UnitSecPerOp   = "sec/op"
	UnitBytesPerS  = "B/s"
	UnitCPUSec     = "cpu-sec"
	UnitPhaseCPU   = "phase-cpu-sec"
	UnitPeakRSS    = "peak-RSS-B"
	UnitPeakPSS    = "peak-PSS-B"
	UnitRSSAnon    = "rss-anon-B"
	UnitRSSFile    = "rss-file-B"
	UnitPSSAnon    = "pss-anon-B"
	UnitPSSFile    = "pss-file-B"
	UnitPSSSum     = "pss-sum-B"
	UnitAllocB     = "alloc-B"
	UnitAllocs     = "allocs"
	UnitGCCycles   = "gc-cycles"
	UnitLockWait   = "lock-wait-sec"
	UnitMessages   = "messages"
	UnitIPCBytes   = "ipc-B"
	UnitReads      = "reads"
	UnitCopyB      = "copy-B"
	UnitMinFlt     = "minflt"
	UnitMajFlt     = "majflt"
	UnitWallSec    = "wall-sec"
	UnitTreeCgroup = "tree-peak-cgroup-B"
	UnitTreeSumHWM = "tree-peak-sumhwm-B"
	UnitTreeRSS    = "tree-peak-sampled-rss-B"
	UnitTreePSS    = "tree-peak-sampled-pss-B"
)

// Derived figures: catalogue entries that the charts and the report draw
// but results.bench does not carry (Metric.Bench is false), each computed
// from the same Run fields as the results.bench figures it is named after.
const (
	// UnitPSS is the run's own process's PSS at the end of the measured
	// work. The memory chart's dashed line and the report's PSS column are
	// this figure, not peak-PSS-B: in process mode the sampled PSS that
	// peak-PSS-B takes the larger of is the whole tree's, and those
	// figures are labelled as the parent's own.
	UnitPSS = "pss-B"
	// UnitTreePSSSum is the whole tree's PSS in either mode: pss-sum-B in
	// process mode, the one process's pss-B otherwise.
	UnitTreePSSSum = "tree-pss-B"
	// UnitTreePeak is the most exact whole-tree peak a run has.
	UnitTreePeak = "tree-peak-B"
	// UnitSumHWM is the sum of every process's VmHWM in either mode.
	UnitSumHWM = "sum-vmhwm-B"
)

// Sources of a TreePeak: how a whole-tree peak was obtained.
const (
	SourceCgroupV2   = "cgroup-v2-memory.peak" // the run's cgroup's memory.peak (cgroup v2)
	SourceCgroupV1   = "cgroup-v1-max_usage"   // the run's cgroup's memory.max_usage_in_bytes (cgroup v1)
	SourceSumHWM     = "sum-vmhwm"             // the sum of every process's VmHWM: an upper bound
	SourceSampledRSS = "sampled-rss"           // the largest sampled tree RSS: a lower bound
	SourceSampledPSS = "sampled-pss"           // the largest sampled tree PSS: a lower bound
)

// Kind is what a metric's figures are, which decides how they are scaled
// and printed.
type Kind int

// The kinds of figures.
const (
	KindCount Kind = iota // a number of things: allocations, faults, read calls
	KindTime              // seconds
	KindBytes             // bytes
	KindRate              // bytes per second
)

// Unit is the kind's base unit as the docs' metric table writes it: "s", "B",
// "B/s", or "" for a count.
func (k Kind) Unit() string {
	switch k {
	case KindTime:
		return "s"
	case KindBytes:
		return "B"
	case KindRate:
		return "B/s"
	}
	return ""
}

// Better is the direction in which a metric improves.
type Better int

// The directions.
const (
	LowerIsBetter  Better = iota // times, sizes and counts
	HigherIsBetter               // rates
)

// String is "lower" or "higher".
func (b Better) String() string {
	if b == HigherIsBetter {
		return "higher"
	}
	return "lower"
}

// Metric is one entry of the metric catalogue.
type Metric struct {
	// Name is the unit the figure is written under in results.bench, and
	// the name claims, gates, history and charts use for it.
	Name string
	// Kind is what the figures are (time, bytes, rate, count).
	Kind Kind
	// Better is the direction in which the figure improves.
	Better Better
	// Speed is set for figures that depend on how fast and how busy the
	// machine is (times and rates); counts and sizes can be compared
	// across machines and gated tightly.
	Speed bool
	// Bench is set for the figures results.bench carries (and Metrics
	// returns, and claims and gates may name); a derived figure the charts
	// draw has it unset.
	Bench bool
	// Label is the figure in a few words for table headers and legends.
	Label string
	// Source says where the value comes from: the Run field, or for a
	// whole-tree peak the TreePeak sources.
	Source string
	// Meaning says in a sentence what the figure counts.
	Meaning string
	// Sources are, for a whole-tree peak, the TreePeak.Source values
	// written under Name.
	Sources []string

	value func(*Run) (float64, bool)
}

// Of returns the run's figure, false when the run lacks it or it is not a
// finite number. For a results.bench metric it is the value WriteBench
// writes for a successful run.
func (m Metric) Of(r Run) (float64, bool) {
	if m.value == nil {
		return 0, false
	}
	v, ok := m.value(&r)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

func memValue(f func(*Run) int64) func(*Run) (float64, bool) {
	return func(r *Run) (float64, bool) { v := f(r); return float64(v), v > 0 }
}

// runtimeValue is a runtime/metrics figure: present when the run measured
// its Go runtime (Runtime.HasFigures), 0 included; a run that did not
// measure the Go heap, like a reference command, has no figure rather
// than 0.
func runtimeValue(f func(*Run) float64) func(*Run) (float64, bool) {
	return func(r *Run) (float64, bool) { return f(r), r.Runtime.HasFigures() }
}

// usageValue is a wait4 figure: present when the launcher recorded the
// run's wall time.
func usageValue(f func(*Run) float64) func(*Run) (float64, bool) {
	return func(r *Run) (float64, bool) { return f(r), r.Usage.WallSec > 0 }
}

// extraValue is a strategy's or collector's counter in Run.Extra.
func extraValue(key string) func(*Run) (float64, bool) {
	return func(r *Run) (float64, bool) { v, ok := r.Extra[key]; return v, ok }
}

// treePeakValue is the first positive whole-tree peak the run recorded
// from one of sources (as results.bench keeps the first).
func treePeakValue(sources ...string) func(*Run) (float64, bool) {
	return func(r *Run) (float64, bool) {
		for _, tp := range r.TreePeaks {
			if tp.Bytes > 0 && slices.Contains(sources, tp.Source) {
				return float64(tp.Bytes), true
			}
		}
		return 0, false
	}
}

// pssSum is the run's own end-of-run PSS plus each worker's PSS, present
// when the run has workers' figures (process mode).
func pssSum(r *Run) (float64, bool) {
	if len(r.Workers) == 0 {
		return 0, false
	}
	sum := r.Memory.PSS
	for _, w := range r.Workers {
		sum += w.PSS
	}
	return float64(sum), sum > 0
}

// Catalogue is every metric: the results.bench units in the order
// results.bench writes them (the whole-tree peaks last, in name order,
// where results.bench keeps the run's order of TreePeaks), then the
// derived figures.
var Catalogue = []Metric{
	{Name: UnitSecPerOp, Kind: KindTime, Speed: true, Bench: true, Label: "time", Source: "Run.ElapsedSec",
		Meaning: "elapsed time of the measured phase, timed inside the run (for ceiling, the scan only)",
		value:   func(r *Run) (float64, bool) { return r.ElapsedSec, r.ElapsedSec > 0 }},
	{Name: UnitBytesPerS, Kind: KindRate, Better: HigherIsBetter, Speed: true, Bench: true, Label: "throughput", Source: "Run.Bytes / Run.ElapsedSec",
		Meaning: "bytes processed per second of the measured phase",
		value: func(r *Run) (float64, bool) {
			return float64(r.Bytes) / r.ElapsedSec, r.ElapsedSec > 0 && r.Bytes > 0
		}},
	{Name: UnitCPUSec, Kind: KindTime, Speed: true, Bench: true, Label: "CPU time", Source: "Run.Runtime.CPUSec",
		Meaning: "CPU time of the run's own process (all threads, user and system; in process mode the parent only) during the measured work",
		value:   func(r *Run) (float64, bool) { return r.Runtime.CPUSec, r.Runtime.CPUSec > 0 }},
	{Name: UnitPhaseCPU, Kind: KindTime, Speed: true, Bench: true, Label: "phase CPU time", Source: "Run.Runtime.PhaseCPUSec",
		Meaning: "CPU time of the measured phase alone, every thread of the run's process and every worker child it reaped (ceiling: the scan only); per iteration under min_time. What the gate judges: it does not grow while the run waits for a CPU",
		value:   func(r *Run) (float64, bool) { return r.Runtime.PhaseCPUSec, r.Runtime.PhaseCPUSec > 0 }},
	{Name: UnitPeakRSS, Kind: KindBytes, Bench: true, Label: "peak RSS", Source: "Run.Memory.PeakRSS (VmHWM)",
		Meaning: "the run's own process's peak resident set (VmHWM of /proc/self/status), not wait4's ru_maxrss",
		value:   peakRSS},
	{Name: UnitPeakPSS, Kind: KindBytes, Bench: true, Label: "peak PSS", Source: "max(Run.Memory.PSS, Run.Samples[].PSS)",
		Meaning: "the larger of the run's own end-of-run PSS and the largest sampled PSS; the sampler sees the whole tree, so in process mode it is the tree's sampled peak whenever PSS was sampled",
		value:   memValue(func(r *Run) int64 { return PeakPSS(*r) })},
	{Name: UnitRSSAnon, Kind: KindBytes, Bench: true, Label: "RSS anon", Source: "Run.Memory.RSSAnon (RssAnon)",
		Meaning: "the run's own anonymous resident memory at the end of the measured work",
		value:   memValue(func(r *Run) int64 { return r.Memory.RSSAnon })},
	{Name: UnitRSSFile, Kind: KindBytes, Bench: true, Label: "RSS file", Source: "Run.Memory.RSSFile (RssFile)",
		Meaning: "the run's own file-backed resident memory (page cache it maps) at the end of the measured work",
		value:   memValue(func(r *Run) int64 { return r.Memory.RSSFile })},
	{Name: UnitPSSAnon, Kind: KindBytes, Bench: true, Label: "PSS anon", Source: "Run.Memory.PSSAnon (smaps_rollup Pss_Anon)",
		Meaning: "the run's own anonymous PSS at the end of the measured work",
		value:   memValue(func(r *Run) int64 { return r.Memory.PSSAnon })},
	{Name: UnitPSSFile, Kind: KindBytes, Bench: true, Label: "PSS file", Source: "Run.Memory.PSSFile (smaps_rollup Pss_File)",
		Meaning: "the run's own file-backed PSS at the end of the measured work: shared page-cache pages divided among their sharers",
		value:   memValue(func(r *Run) int64 { return r.Memory.PSSFile })},
	{Name: UnitPSSSum, Kind: KindBytes, Bench: true, Label: "PSS sum", Source: "Run.Memory.PSS + Run.Workers[].PSS",
		Meaning: "process mode: the run's own end-of-run PSS plus each worker's PSS read at its own peak, how much RAM the tree's copies account for",
		value:   pssSum},
	{Name: UnitAllocB, Kind: KindBytes, Bench: true, Label: "alloc", Source: "Run.Runtime.AllocBytes (/gc/heap/allocs:bytes)",
		Meaning: "bytes allocated on the Go heap during the measured work (in process mode the parent's)",
		value:   runtimeValue(func(r *Run) float64 { return float64(r.Runtime.AllocBytes) })},
	{Name: UnitAllocs, Kind: KindCount, Bench: true, Label: "allocs", Source: "Run.Runtime.AllocObjects (/gc/heap/allocs:objects)",
		Meaning: "objects allocated on the Go heap during the measured work",
		value:   runtimeValue(func(r *Run) float64 { return float64(r.Runtime.AllocObjects) })},
	{Name: UnitGCCycles, Kind: KindCount, Bench: true, Label: "GC cycles", Source: "Run.Runtime.GCCycles (/gc/cycles/total:gc-cycles)",
		Meaning: "completed GC cycles during the measured work",
		value:   runtimeValue(func(r *Run) float64 { return float64(r.Runtime.GCCycles) })},
	{Name: UnitLockWait, Kind: KindTime, Speed: true, Bench: true, Label: "lock wait", Source: "Run.Runtime.MutexWaitSec (/sync/mutex/wait/total:seconds)",
		Meaning: "time goroutines of the run's own process spent blocked on locks (the collect knob's coordination cost)",
		value:   runtimeValue(func(r *Run) float64 { return r.Runtime.MutexWaitSec })},
	{Name: UnitMessages, Kind: KindCount, Bench: true, Label: "messages", Source: `Run.Extra["messages"]`,
		Meaning: "updates sent to a shared aggregate, collector or manager (the collect knob)",
		value:   extraValue(UnitMessages)},
	{Name: UnitIPCBytes, Kind: KindBytes, Bench: true, Label: "IPC bytes", Source: `Run.Extra["ipc-B"]`,
		Meaning: "bytes of those updates that crossed a process boundary",
		value:   extraValue(UnitIPCBytes)},
	{Name: UnitReads, Kind: KindCount, Bench: true, Label: "reads", Source: `Run.Extra["reads"]`,
		Meaning: "read calls a strategy made to deliver the bytes (ranges, pread)",
		value:   extraValue(UnitReads)},
	{Name: UnitCopyB, Kind: KindBytes, Bench: true, Label: "copied", Source: `Run.Extra["copy-B"]`,
		Meaning: "bytes copied out of the page cache or between buffers (readall, chan, shm)",
		value:   extraValue(UnitCopyB)},
	{Name: UnitMinFlt, Kind: KindCount, Bench: true, Label: "minor faults", Source: "Run.Usage.MinFlt (wait4)",
		Meaning: "minor page faults of the run's process",
		value:   usageValue(func(r *Run) float64 { return float64(r.Usage.MinFlt) })},
	{Name: UnitMajFlt, Kind: KindCount, Bench: true, Label: "major faults", Source: "Run.Usage.MajFlt (wait4)",
		Meaning: "major page faults of the run's process",
		value:   usageValue(func(r *Run) float64 { return float64(r.Usage.MajFlt) })},
	{Name: UnitWallSec, Kind: KindTime, Speed: true, Bench: true, Label: "wall time", Source: "Run.Usage.WallSec",
		Meaning: "the launcher's wall time, start to reap, including process start-up",
		value:   usageValue(func(r *Run) float64 { return r.Usage.WallSec })},
	treePeakMetric(UnitTreeCgroup, "whole-tree peak (cgroup)",
		"the peak memory charged to the run's own cgroup: every process of the run, anonymous memory and page cache it brought in, but not the page cache that was warm before the run"),
	treePeakMetric(UnitTreePSS, "sampled tree PSS", "the largest sampled whole-tree PSS: a lower bound on the tree's peak"),
	treePeakMetric(UnitTreeRSS, "sampled tree RSS", "the largest sampled whole-tree RSS: a lower bound on the tree's peak"),
	treePeakMetric(UnitTreeSumHWM, "tree's sum of VmHWM",
		"the sum of every process's own VmHWM: an upper bound on the tree's peak that counts shared pages once per process"),

	{Name: UnitPSS, Kind: KindBytes, Label: "PSS", Source: "Run.Memory.PSS (smaps_rollup Pss)",
		Meaning: "the run's own process's PSS at the end of the measured work (in process mode the parent's)",
		value:   pss},
	{Name: UnitTreePSSSum, Kind: KindBytes, Label: "whole-tree PSS", Source: UnitPSSSum + " in process mode, else " + UnitPSS,
		Meaning: "the whole tree's PSS: the one process's in goroutine mode, the parent's plus each worker's in process mode",
		value: func(r *Run) (float64, bool) {
			if r.Cell.Mode == "process" {
				return pssSum(r)
			}
			return pss(r)
		}},
	{Name: UnitTreePeak, Kind: KindBytes, Label: "tree peak", Source: "the first of " + treePeakNames() + " the run has",
		Meaning: "the most exact whole-tree peak the run recorded: the cgroup's, else the sum of VmHWM (an upper bound), else a sampled total (a lower bound)",
		value: func(r *Run) (float64, bool) {
			for _, tp := range treePeaks {
				if v, ok := treePeakValue(tp.sources...)(r); ok {
					return v, true
				}
			}
			return 0, false
		}},
	{Name: UnitSumHWM, Kind: KindBytes, Label: "sum of VmHWM", Source: UnitTreeSumHWM + " in process mode, else " + UnitPeakRSS,
		Meaning: "the sum of every process's own peak resident set (VmHWM), an upper bound on the tree's peak that counts shared pages once per process; in goroutine mode the one process's VmHWM",
		value: func(r *Run) (float64, bool) {
			if r.Cell.Mode == "process" {
				return treePeakValue(SourceSumHWM)(r)
			}
			return peakRSS(r)
		}},
}

// peakRSS and pss are the run's own VmHWM and end-of-run PSS, which two
// entries each read.
var (
	peakRSS = memValue(func(r *Run) int64 { return r.Memory.PeakRSS })
	pss     = memValue(func(r *Run) int64 { return r.Memory.PSS })
)

// treePeaks are the results.bench units of whole-tree peaks with the
// TreePeak sources written under each, from most to least exact: the
// cgroup's charge (both cgroup versions measure the same thing, so they
// share a unit), the sum of VmHWM (an upper bound), the sampled PSS and
// RSS totals (lower bounds). tree-peak-B takes the first a run has.
var treePeaks = []treePeakUnit{
	{UnitTreeCgroup, []string{SourceCgroupV2, SourceCgroupV1}},
	{UnitTreeSumHWM, []string{SourceSumHWM}},
	{UnitTreePSS, []string{SourceSampledPSS}},
	{UnitTreeRSS, []string{SourceSampledRSS}},
}

// treePeakUnit is a whole-tree peak unit and the sources written under it.
type treePeakUnit struct {
	unit    string
	sources []string
}

// treePeakMetric is the catalogue entry of a whole-tree peak unit of
// treePeaks.
func treePeakMetric(unit, label, meaning string) Metric {
	i := slices.IndexFunc(treePeaks, func(tp treePeakUnit) bool { return tp.unit == unit })
	sources := treePeaks[i].sources
	return Metric{Name: unit, Kind: KindBytes, Bench: true, Label: label, Sources: sources,
		Source: "Run.TreePeaks: " + strings.Join(sources, ", "), Meaning: meaning, value: treePeakValue(sources...)}
}

// treePeakNames lists treePeaks' units, most exact first.
func treePeakNames() string {
	var names []string
	for _, tp := range treePeaks {
		names = append(names, tp.unit)
	}
	return strings.Join(names, ", ")
}

// Lookup returns the catalogue entry named name.
func Lookup(name string) (Metric, bool) {
	i := slices.IndexFunc(Catalogue, func(m Metric) bool { return m.Name == name })
	if i < 0 {
		return Metric{}, false
	}
	return Catalogue[i], true
}

// MustLookup is Lookup for a name the program itself spells (a Unit
// constant): it panics on a name the catalogue lacks.
func MustLookup(name string) Metric {
	m, ok := Lookup(name)
	if !ok {
		panic(fmt.Sprintf("results: metric %q is not in the catalogue", name))
	}
	return m
}

// Metrics returns a successful run's measurements keyed by their
// results.bench unit (sec/op, B/s, peak-RSS-B, tree-peak-cgroup-B, ...):
// exactly the values WriteBench would write for it.
func Metrics(r Run) map[string]float64 {
	vals, _ := benchValues(&r)
	m := make(map[string]float64, len(vals))
	for _, v := range vals {
		m[v.Unit] = v.Value
	}
	return m
}

// Units returns every unit a run's results may carry in results.bench (and
// in Metrics), in catalogue order: what a claim or a gate can name.
func Units() []string {
	var out []string
	for _, m := range Catalogue {
		if m.Bench {
			out = append(out, m.Name)
		}
	}
	return out
}

// SpeedDependent reports whether unit's figures depend on the machine's
// speed and load (times and rates), as opposed to counts and sizes
// (allocations, faults, read calls, bytes copied, memory), which can be
// compared across machines and gated tightly. A unit outside the
// catalogue is not.
func SpeedDependent(unit string) bool {
	m, ok := Lookup(unit)
	return ok && m.Speed
}

// IsHigherBetter reports whether an increase of unit is an improvement:
// the catalogue's direction, and for a unit outside it (a benchmark file
// fanbench did not write) the benchmark format's convention that rates,
// units ending in "/s", are better higher.
func IsHigherBetter(unit string) bool {
	if m, ok := Lookup(unit); ok {
		return m.Better == HigherIsBetter
	}
	return strings.HasSuffix(unit, "/s")
}

// KindOf is the kind of unit's figures: the catalogue's, and for a unit
// outside it fanbench's naming conventions (a time in seconds ends in
// "sec", a byte size in "-B"); anything else is shown as a plain number.
func KindOf(unit string) Kind {
	if m, ok := Lookup(unit); ok {
		return m.Kind
	}
	switch {
	case strings.HasSuffix(unit, "sec"):
		return KindTime
	case strings.HasSuffix(unit, "-B"):
		return KindBytes
	}
	return KindCount
}

// TreePeakUnit returns the results.bench unit for a whole-tree peak obtained
// from source (a TreePeak.Source), and false for a source it does not know.
// Both cgroup versions measure the same thing (the cgroup's peak charge),
// so they share a unit; the sum of VmHWMs is an upper bound and the
// sampled totals are lower bounds, so each keeps its own unit.
func TreePeakUnit(source string) (unit string, ok bool) {
	for _, m := range Catalogue {
		if slices.Contains(m.Sources, source) {
			return m.Name, true
		}
	}
	return "", false
}

// MetricTable is docs/reference.md's table of the catalogue: name, unit, better
// direction, whether results.bench carries it, where it comes from, what
// it means.
func MetricTable() string {
	var b strings.Builder
	b.WriteString("| metric | unit | better | in results.bench | from | meaning |\n|---|---|---|---|---|---|\n")
	esc := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	for _, m := range Catalogue {
		unit, bench := m.Kind.Unit(), "yes"
		if unit == "" {
			unit = "count"
		}
		if !m.Bench {
			bench = "no (charts, report)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", m.Name, unit, m.Better, bench, esc(m.Source), esc(m.Meaning))
	}
	return b.String()
}
