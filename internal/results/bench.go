package results

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/fanbench/fanbench/internal/units"
)

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
	return noProcsSuffix(b.String())
}

// noProcsSuffix writes the '-' of a name that would end in "-DIGITS" as
// U+2212 (−), so that it is not read back as a GOMAXPROCS suffix.
func noProcsSuffix(name string) string {
	if i := strings.LastIndexByte(name, '-'); i >= 0 && i < len(name)-1 && allDigits(name[i+1:]) {
		name = name[:i] + "−" + name[i+1:]
	}
	return name
}

// MachineName is a benchmark name with the name key /machine=LABEL
// appended: the name of a cell's runs on one machine in a folder that
// holds several (see Machines).
func MachineName(name, label string) string {
	return noProcsSuffix(name + "/machine=" + namePart(label, false))
}

// Machines are the distinct machine labels of runs (Run.Machine), in the
// order they first appear; a folder that is not a merge of shards has
// none.
func Machines(runs []Run) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range runs {
		if r.Machine != "" && !seen[r.Machine] {
			seen[r.Machine] = true
			out = append(out, r.Machine)
		}
	}
	return out
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
// When the runs hold more than one machine label (a merge of shards run
// on different machines), each name ends in /machine=LABEL
// (MachineName), so `benchstat -col /machine` compares the machines.
func WriteBench(w io.Writer, env Environment, runs []Run) error {
	cfg := env.benchConfig()
	bw := benchfmt.NewWriter(w)
	var warnings []string
	wrote, noCgroup, firstNote := 0, 0, ""
	byMachine := len(Machines(runs)) > 1
	for i := range runs {
		r := &runs[i]
		name := BenchName(r.Cell)
		if byMachine {
			name = MachineName(name, r.Machine)
		}
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
		warnings = append(warnings, fmt.Sprintf("%d of the runs have no %s: %s", noCgroup, UnitTreeCgroup, oneLine(firstNote)))
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

// benchValues returns the measurements of one successful run: the
// catalogue's results.bench metrics in catalogue order (sec/op first), then
// the whole-tree peaks in the run's order of TreePeaks. Figures a run did
// not measure are left out rather than written as 0, and a figure measured
// as 0 is written as 0 (each entry's value says when it is measured: memory
// figures that are 0, since no process has zero RSS; runtime figures when
// the run measured its Go runtime, Runtime.HasFigures; wait4 figures when
// the launcher recorded no wall time). skipped explains values left
// out for another reason.
func benchValues(r *Run) (vals []benchfmt.Value, skipped []string) {
	add := func(unit string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			skipped = append(skipped, fmt.Sprintf("%s is %v: left out", unit, v))
			return
		}
		vals = append(vals, benchfmt.Value{Value: v, Unit: unit})
	}
	for _, m := range Catalogue {
		if !m.Bench || len(m.Sources) > 0 {
			continue
		}
		if v, ok := m.value(r); ok {
			add(m.Name, v)
		}
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
