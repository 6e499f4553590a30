package results

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/fanbench/fanbench/internal/units"
)

// Units written to results.bench. Byte units end in "-B" so that benchstat
// scales them with binary prefixes.
const (
	UnitSecPerOp  = "sec/op"     // the measured phase's elapsed time (Run.ElapsedSec)
	UnitBytesPerS = "B/s"        // fixture bytes processed per second of the measured phase
	UnitPeakRSS   = "peak-RSS-B" // the run's own VmHWM
	UnitPeakPSS   = "peak-PSS-B" // the larger of the end-of-run PSS and the largest sampled PSS
	UnitRSSAnon   = "rss-anon-B"
	UnitRSSFile   = "rss-file-B"
	UnitPSSAnon   = "pss-anon-B"
	UnitPSSFile   = "pss-file-B"
	UnitAllocB    = "alloc-B"   // bytes allocated on the Go heap during the measured work
	UnitAllocs    = "allocs"    // objects allocated on the Go heap during the measured work
	UnitGCCycles  = "gc-cycles" // completed GC cycles during the measured work
	UnitMinFlt    = "minflt"    // minor page faults (wait4)
	UnitMajFlt    = "majflt"    // major page faults (wait4)
	UnitWallSec   = "wall-sec"  // launcher-side wall time, start to reap
	UnitCPUSec    = "cpu-sec"   // CPU time of the run's own process during the measured work (Runtime.CPUSec)
	// UnitPSSSum is the run's own end-of-run PSS plus each process-mode
	// worker's PSS read at its own peak: how much RAM the tree's copies
	// account for, with shared pages divided among their sharers.
	UnitPSSSum = "pss-sum-B"
	// Coordination costs of collecting the workers' results (the collect
	// knob): time goroutines spent blocked on locks in the run's own
	// process (runtime/metrics /sync/mutex/wait/total:seconds), updates
	// sent to a shared aggregate, collector or manager, and the bytes of
	// those updates that crossed a process boundary (Run.Extra's
	// "messages" and "ipc-B").
	UnitLockWait = "lock-wait-sec"
	UnitMessages = "messages"
	UnitIPCBytes = "ipc-B"
	// What a strategy did to deliver the bytes (Run.Extra's "reads" and
	// "copy-B"): read calls (ranges, pread) and bytes copied out of the
	// page cache or between buffers (readall, chan, shm). They do not
	// depend on the machine's speed, so an A/B comparison gates them tightly.
	UnitReads = "reads"
	UnitCopyB = "copy-B"
)

// runUnits are the units benchValues may write for a run, other than the
// tree-peak units of treePeakUnits.
var runUnits = []string{UnitSecPerOp, UnitBytesPerS, UnitCPUSec, UnitPeakRSS, UnitPeakPSS, UnitRSSAnon, UnitRSSFile,
	UnitPSSAnon, UnitPSSFile, UnitPSSSum, UnitAllocB, UnitAllocs, UnitGCCycles, UnitLockWait, UnitMessages,
	UnitIPCBytes, UnitReads, UnitCopyB, UnitMinFlt, UnitMajFlt, UnitWallSec}

// Units returns every unit a run's results may carry in results.bench (and
// in Metrics), in a fixed order: what a claim or a gate can name.
func Units() []string {
	out := slices.Clone(runUnits)
	for _, u := range treePeakUnits {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	slices.Sort(out[len(runUnits):])
	return out
}

// speedUnits are the units whose figures depend on how fast (and how
// busy) the machine is; every other unit counts or sizes something.
var speedUnits = []string{UnitSecPerOp, UnitBytesPerS, UnitCPUSec, UnitWallSec, UnitLockWait}

// SpeedDependent reports whether unit's figures depend on the machine's
// speed and load (times and rates), as opposed to counts and sizes
// (allocations, faults, read calls, bytes copied, memory), which can be
// compared across machines and gated tightly.
func SpeedDependent(unit string) bool { return slices.Contains(speedUnits, unit) }

// treePeakUnits maps each TreePeak.Source to the unit its figure is written
// under. Both cgroup versions measure the same thing (the cgroup's peak
// charge), so they share a unit; the sum of VmHWMs is an upper bound and the
// sampled totals are lower bounds, so each keeps its own unit.
var treePeakUnits = map[string]string{
	"cgroup-v2-memory.peak": "tree-peak-cgroup-B",
	"cgroup-v1-max_usage":   "tree-peak-cgroup-B",
	"sum-vmhwm":             "tree-peak-sumhwm-B",
	"sampled-rss":           "tree-peak-sampled-rss-B",
	"sampled-pss":           "tree-peak-sampled-pss-B",
}

// TreePeakUnit returns the results.bench unit for a whole-tree peak obtained
// from source (a TreePeak.Source), and false for a source it does not know.
func TreePeakUnit(source string) (unit string, ok bool) {
	unit, ok = treePeakUnits[source]
	return unit, ok
}

// BenchName is the benchmark name of a cell in results.bench, without the
// "Benchmark" prefix the format adds:
// Fanout/mode=process/strategy=mmap/workload=count/size=1GiB/workers=4 then
// /key=value for each knob in key order, then /arm=NAME in an A/B
// comparison (so `benchstat -col /arm` compares the arms). Characters the format cannot carry
// in a name part (white space, '/', and '=' in keys) become '_'. A name that
// would end in "-DIGITS" would be read back as a GOMAXPROCS suffix, so that
// '-' is written as U+2212 (−).
func BenchName(c Cell) string {
	var b strings.Builder
	b.WriteString("Fanout")
	part := func(k, v string) {
		b.WriteByte('/')
		b.WriteString(namePart(k, true))
		b.WriteByte('=')
		b.WriteString(namePart(v, false))
	}
	size := c.SizeName
	if c.Size > 0 || size == "" {
		size = units.FormatSize(c.Size)
	}
	part("mode", c.Mode)
	part("strategy", c.Strategy)
	part("workload", c.Workload)
	part("size", size)
	part("workers", strconv.Itoa(c.Workers))
	keys := make([]string, 0, len(c.Knobs))
	for k := range c.Knobs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		part(k, c.Knobs[k])
	}
	if c.Arm != "" {
		part("arm", c.Arm)
	}
	name := b.String()
	if i := strings.LastIndexByte(name, '-'); i >= 0 && i < len(name)-1 && allDigits(name[i+1:]) {
		name = name[:i] + "−" + name[i+1:]
	}
	return name
}

func namePart(s string, key bool) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '/', r == ' ', r == '\t', r == '\n', r == '\r', r == '\v', r == '\f', r == 0x85, r == 0xA0:
			return '_'
		case key && r == '=':
			return '_'
		}
		return r
	}, s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// WriteBench writes runs to w in the Go benchmark format, readable by
// benchstat: the environment as file-level configuration lines, then one
// result line per successful, non-warm-up run (a cell's repetitions are
// lines with the same name). Runs that failed or were skipped, warm-ups
// included, and successful runs whose page-cache state missed its target,
// are reported as "# warning:" lines, which benchmark readers ignore.
func WriteBench(w io.Writer, env Environment, runs []Run) error {
	cfg := env.benchConfig()
	bw := benchfmt.NewWriter(w)
	var warnings []string
	wrote, noCgroup, firstNote := 0, 0, ""
	for i := range runs {
		r := &runs[i]
		name := BenchName(r.Cell)
		if r.CgroupNote != "" && !r.Warmup && r.Status == StatusOK {
			if noCgroup++; firstNote == "" {
				firstNote = r.CgroupNote
			}
		}
		if r.Status != StatusOK {
			warnings = append(warnings, fmt.Sprintf("%s run order=%d rep=%d%s %s: %s",
				name, r.Order, r.Rep, warmupTag(r.Warmup), statusWord(r.Status), oneLine(r.Reason)))
			continue
		}
		if r.Warmup {
			continue
		}
		vals, skipped := benchValues(r)
		for _, s := range skipped {
			warnings = append(warnings, fmt.Sprintf("%s run order=%d rep=%d: %s", name, r.Order, r.Rep, s))
		}
		if len(vals) == 0 || vals[0].Unit != UnitSecPerOp {
			warnings = append(warnings, fmt.Sprintf("%s run order=%d rep=%d: status ok but no elapsed time: left out", name, r.Order, r.Rep))
			continue
		}
		if r.CacheState != "" && !r.ResidencyOK {
			warnings = append(warnings, fmt.Sprintf("%s run order=%d rep=%d: cache state %s not reached (residency %.3f)",
				name, r.Order, r.Rep, r.CacheState, r.Residency))
		}
		res := &benchfmt.Result{Config: cfg, Name: benchfmt.Name(name), Iters: 1, Values: vals}
		if err := bw.Write(res); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
		wrote++
	}
	if wrote == 0 {
		// benchfmt writes configuration only ahead of a result; keep the
		// environment in the file anyway.
		var b strings.Builder
		for _, c := range cfg {
			fmt.Fprintf(&b, "%s: %s\n", c.Key, c.Value)
		}
		b.WriteString("\n# warning: no successful runs\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	}
	if noCgroup > 0 {
		// One line for all: the reason is the machine's, not the run's.
		warnings = append(warnings, fmt.Sprintf("%d of the runs have no %s: %s", noCgroup, treePeakUnits["cgroup-v1-max_usage"], oneLine(firstNote)))
	}
	if len(warnings) > 0 {
		var b strings.Builder
		if wrote > 0 {
			b.WriteByte('\n')
		}
		for _, s := range warnings {
			b.WriteString("# warning: ")
			b.WriteString(s)
			b.WriteByte('\n')
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("write results warnings: %w", err)
		}
	}
	return nil
}

func warmupTag(w bool) string {
	if w {
		return " (warm-up)"
	}
	return ""
}

func statusWord(s string) string {
	if s == "" {
		return "has no status"
	}
	return s
}

// oneLine folds a multi-line text onto one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "; ")
}

// benchValues returns the measurements of one successful run, sec/op first.
// Figures a run did not measure are left out rather than written as 0: memory
// figures that are 0 (no process has zero RSS), runtime figures when no
// allocation was recorded, wait4 figures when the launcher recorded no wall
// time. skipped explains values left out for another reason.
func benchValues(r *Run) (vals []benchfmt.Value, skipped []string) {
	add := func(unit string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			skipped = append(skipped, fmt.Sprintf("%s is %v: left out", unit, v))
			return
		}
		vals = append(vals, benchfmt.Value{Value: v, Unit: unit})
	}
	addMem := func(unit string, v int64) {
		if v > 0 {
			add(unit, float64(v))
		}
	}
	if r.ElapsedSec > 0 {
		add(UnitSecPerOp, r.ElapsedSec)
		if r.Bytes > 0 {
			add(UnitBytesPerS, float64(r.Bytes)/r.ElapsedSec)
		}
	}
	if r.Runtime.CPUSec > 0 {
		add(UnitCPUSec, r.Runtime.CPUSec)
	}
	addMem(UnitPeakRSS, r.Memory.PeakRSS)
	addMem(UnitPeakPSS, PeakPSS(*r))
	addMem(UnitRSSAnon, r.Memory.RSSAnon)
	addMem(UnitRSSFile, r.Memory.RSSFile)
	addMem(UnitPSSAnon, r.Memory.PSSAnon)
	addMem(UnitPSSFile, r.Memory.PSSFile)
	if len(r.Workers) > 0 {
		sum := r.Memory.PSS
		for _, w := range r.Workers {
			sum += w.PSS
		}
		addMem(UnitPSSSum, sum)
	}
	if r.Runtime.AllocBytes > 0 || r.Runtime.AllocObjects > 0 {
		add(UnitAllocB, float64(r.Runtime.AllocBytes))
		add(UnitAllocs, float64(r.Runtime.AllocObjects))
		add(UnitGCCycles, float64(r.Runtime.GCCycles))
		add(UnitLockWait, r.Runtime.MutexWaitSec)
	}
	for _, unit := range []string{UnitMessages, UnitIPCBytes, UnitReads, UnitCopyB} {
		if v, ok := r.Extra[unit]; ok {
			add(unit, v)
		}
	}
	if r.Usage.WallSec > 0 {
		add(UnitMinFlt, float64(r.Usage.MinFlt))
		add(UnitMajFlt, float64(r.Usage.MajFlt))
		add(UnitWallSec, r.Usage.WallSec)
	}
	seen := map[string]bool{}
	for _, tp := range r.TreePeaks {
		unit, ok := TreePeakUnit(tp.Source)
		switch {
		case !ok:
			skipped = append(skipped, fmt.Sprintf("tree peak from unknown source %q: left out", tp.Source))
		case seen[unit]:
			skipped = append(skipped, fmt.Sprintf("second %s figure (source %q): left out", unit, tp.Source))
		case tp.Bytes > 0:
			seen[unit] = true
			add(unit, float64(tp.Bytes))
		}
	}
	return vals, skipped
}

// PeakPSS is the largest PSS known for a run: the end-of-run PSS or the
// largest sampled PSS, whichever is greater (0 if neither was measured).
func PeakPSS(r Run) int64 {
	peak := r.Memory.PSS
	for _, s := range r.Samples {
		peak = max(peak, s.PSS)
	}
	return peak
}
