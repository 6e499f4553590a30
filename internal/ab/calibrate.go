package ab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fanbench/fanbench/internal/compare"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/runner"
	"github.com/fanbench/fanbench/internal/spec"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/workload"
)

// CalibrateOptions configure a sitting of `fanbench calibrate`: A/A
// comparisons (one binary in both arms) and A/A′ comparisons (the head arm
// with workload.ExtraWorkEnv injecting k% of real extra work into one
// strategy), appended to a calibration folder that may span sittings.
type CalibrateOptions struct {
	// AB is the template of every comparison: spec, gates, budget, pairs.
	AB Options
	// Binary is the fanbench binary of both arms.
	Binary string
	// Dir is the calibration folder; each comparison is a results folder
	// in it named CONDITION-NNN (aa-001, k10-003).
	Dir string
	// Comparisons is how many comparisons of each condition to add.
	Comparisons int
	// Slowdowns are the k of the A/A′ conditions (percent); 0 is A/A.
	Slowdowns []float64
	// Strategy is the strategy the slowdown is injected into.
	Strategy string
}

// CalibrationFile records, in a calibration folder, the spec whose cells
// its comparisons run: the spec's path and the SHA-256 of its text. A
// sitting with another spec is refused: its comparisons would be pooled
// with the folder's as if they measured the same cells.
const CalibrationFile = "calibration.json"

// calibrationRecord is CalibrationFile.
type calibrationRecord struct {
	Spec       string `json:"spec"`
	SpecSHA256 string `json:"spec_sha256"`
}

// Check refuses a sitting that would report what it never measured, each
// in one line: a slowdown injected into a strategy that no goroutine-mode
// cell of the spec uses (extra work is injected in goroutine mode only, so
// nothing would be; the error names the flag and the spec's strategies),
// and a calibration folder whose comparisons ran another spec (recorded in
// CalibrationFile, or, in a folder made before the record, in its
// comparisons' spec copies; the error names the folder).
func (o CalibrateOptions) Check() error {
	spec := o.AB.Spec
	if o.Comparisons > 0 && slices.ContainsFunc(o.Slowdowns, func(k float64) bool { return k > 0 }) {
		var strategies []string
		for _, c := range spec.Cells() {
			if c.Ref == nil && c.Mode == strategy.Goroutine && !slices.Contains(strategies, c.Strategy) {
				strategies = append(strategies, c.Strategy)
			}
		}
		if !slices.Contains(strategies, o.Strategy) {
			has := "none"
			if len(strategies) > 0 {
				has = strings.Join(strategies, ", ")
			}
			return fmt.Errorf("flag -strategy: %s: no goroutine-mode cell of %s uses it (its goroutine-mode strategies: %s)", o.Strategy, spec.Path, has)
		}
	}
	_, err := o.specRecord()
	return err
}

// specRecord is the record of the sitting's spec, checked against the
// folder's: its CalibrationFile, else the spec copy of each comparison.
func (o CalibrateOptions) specRecord() (calibrationRecord, error) {
	// The text as loaded, not the file read again: what runs is what was loaded.
	rec := calibrationRecord{Spec: o.AB.Spec.Path, SpecSHA256: o.AB.Spec.SHA256()}
	refuse := func(ran, hash string) error {
		return fmt.Errorf("calibration folder %s: its comparisons ran %s (sha256 %.12s), not %s (sha256 %.12s): use another --dir", o.Dir, ran, hash, rec.Spec, rec.SpecSHA256)
	}
	b, err := os.ReadFile(filepath.Join(o.Dir, CalibrationFile))
	switch {
	case err == nil:
		var had calibrationRecord
		if err := json.Unmarshal(b, &had); err != nil {
			return rec, fmt.Errorf("%s: %w", filepath.Join(o.Dir, CalibrationFile), err)
		}
		if had.SpecSHA256 != rec.SpecSHA256 {
			return rec, refuse(had.Spec, had.SpecSHA256)
		}
		return rec, nil
	case !errors.Is(err, fs.ErrNotExist):
		return rec, err
	}
	copies, err := filepath.Glob(filepath.Join(o.Dir, "*-[0-9][0-9][0-9]", runner.SpecCopyName))
	if err != nil {
		return rec, err
	}
	for _, c := range copies {
		b, err := os.ReadFile(c)
		if err != nil {
			return rec, err
		}
		if sum := spec.SourceSHA256(b); sum != rec.SpecSHA256 {
			return rec, refuse(c, sum)
		}
	}
	return rec, nil
}

// conditionName is aa for A/A and kN for an injected N% slowdown.
func conditionName(k float64) string {
	if k == 0 {
		return "aa"
	}
	return "k" + strconv.FormatFloat(k, 'f', -1, 64)
}

// Calibrate runs the sitting's comparisons, interleaving the conditions
// (one of each in turn) so that the machine's drift over the sitting
// reaches all of them alike. Each comparison is an ordinary A/B results
// folder: an interrupted one can be finished with `fanbench ab --resume`.
func Calibrate(ctx context.Context, o CalibrateOptions) error {
	if err := o.Check(); err != nil {
		return err
	}
	rec, err := o.specRecord()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return fmt.Errorf("calibration folder: %w", err)
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, CalibrationFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("calibration folder: %w", err)
	}
	bin := Build{Rev: o.Binary, Binary: o.Binary}
	for i := 0; i < o.Comparisons; i++ {
		for _, k := range o.Slowdowns {
			name := conditionName(k)
			n, err := nextIndex(o.Dir, name)
			if err != nil {
				return err
			}
			ab := o.AB
			spec := *o.AB.Spec
			ab.Spec, ab.Base, ab.Head = &spec, bin, bin
			ab.Dir = filepath.Join(o.Dir, fmt.Sprintf("%s-%03d", name, n))
			if k > 0 {
				ab.ArmEnv = map[string][]string{ArmHead: {workload.ExtraWorkEnv + "=" + workload.ExtraWork{Strategy: o.Strategy, Percent: k}.String()}}
			}
			fmt.Fprintf(o.AB.Progress, "calibrate: %s\n", ab.Dir)
			out, err := Run(ctx, ab)
			if err != nil {
				return err
			}
			if err := out.WriteFiles(""); err != nil {
				return err
			}
		}
	}
	return nil
}

// nextIndex is one more than the highest NNN of dir's NAME-NNN folders.
func nextIndex(dir, name string) (int, error) {
	ms, err := filepath.Glob(filepath.Join(dir, name+"-[0-9][0-9][0-9]"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range ms {
		v, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(m), name+"-"))
		n = max(n, v)
	}
	return n + 1, nil
}

// comparison is one finished comparison of a calibration folder.
type comparison struct {
	dir      string
	k        float64 // injected slowdown, 0 for A/A
	strategy string  // where it was injected
	spent    time.Duration
	analysis func(gates, report []compare.Gate) (*Analysis, error)
}

// loadComparisons reads every comparison of a calibration folder.
func loadComparisons(dir string, alpha float64) ([]comparison, error) {
	ms, err := filepath.Glob(filepath.Join(dir, "*-[0-9][0-9][0-9]", StateFile))
	if err != nil {
		return nil, err
	}
	sort.Strings(ms)
	var out []comparison
	for _, m := range ms {
		b, err := os.ReadFile(m)
		if err != nil {
			return nil, err
		}
		var st state
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("%s: %w", m, err)
		}
		c := comparison{dir: filepath.Dir(m), spent: time.Duration(st.SpentNs)}
		for _, e := range st.ArmEnv[ArmHead] {
			if v, ok := strings.CutPrefix(e, workload.ExtraWorkEnv+"="); ok {
				ew, err := workload.ParseExtraWork(v)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", m, err)
				}
				c.k, c.strategy = ew.Percent, ew.Strategy
			}
		}
		if st.SpentNs == 0 {
			continue // under way, or interrupted before its first round ended
		}
		runs, err := readRuns(c.dir)
		if err != nil {
			return nil, err
		}
		c.analysis = func(gates, report []compare.Gate) (*Analysis, error) { return Analyze(runs, gates, report, alpha) }
		out = append(out, c)
	}
	return out, nil
}

// ToleranceSteps are the time tolerances a calibration report tries.
var ToleranceSteps = []float64{0.01, 0.02, 0.03, 0.05, 0.075, 0.10, 0.15, 0.20, 0.30}

// withTolerance returns gates with unit gated at tol (moved out of report).
func withTolerance(gates, report []compare.Gate, unit string, tol float64) []compare.Gate {
	var out []compare.Gate
	for _, g := range gates {
		if g.Unit != unit {
			out = append(out, g)
		}
	}
	return append(out, compare.Gate{Unit: unit, Tolerance: tol})
}

// tally counts, for one condition and gate set, the comparisons that
// raised a false alarm, that raised one in counts or memory, that flagged
// the injected strategy's cells in time, and that flagged them and raised
// no false alarm.
type tally struct {
	n, alarm, countAlarm, detected, only int
	units                                map[string]bool // the time metrics flagged in the injected cells
}

// judge judges one comparison. In an A/A comparison every flagged row (and
// a failed head run) is a false alarm. In an A/A′ one the injected strategy's cells flagged in a
// time metric (unit, or any with unit "") are the detection; any other
// flag is a false alarm: a cell of another strategy, or a count or memory
// figure anywhere (the injected work costs time only).
func judge(c comparison, gates, report []compare.Gate, unit string) (tally, error) {
	a, err := c.analysis(gates, report)
	if err != nil {
		return tally{}, err
	}
	t := tally{n: 1, units: map[string]bool{}}
	// A head run that failed, or a gated figure it no longer reports,
	// fails the gate as surely as a worse row: in calibration, where both
	// arms run the same code, a false alarm.
	alarm := a.HeadFailed > 0 || len(a.HeadMissing) > 0
	for _, r := range a.Worse() {
		if !r.Speed {
			t.countAlarm = 1
		}
		switch {
		case c.k == 0 || r.Strategy != c.strategy || !r.Speed:
			alarm = true
		case unit == "" || r.Unit == unit:
			t.detected = 1
			t.units[r.Unit] = true
		}
	}
	if alarm {
		t.alarm = 1
	}
	if t.detected == 1 && !alarm {
		t.only = 1
	}
	return t, nil
}

func (t *tally) add(u tally) {
	t.n += u.n
	t.alarm += u.alarm
	t.countAlarm += u.countAlarm
	t.detected += u.detected
	t.only += u.only
	if t.units == nil {
		t.units = map[string]bool{}
	}
	for k := range u.units {
		t.units[k] = true
	}
}

func (t tally) unitList() string {
	var us []string
	for u := range t.units {
		us = append(us, u)
	}
	sort.Strings(us)
	if len(us) == 0 {
		return "none"
	}
	return strings.Join(us, ", ")
}

// CalibrationReport writes what the comparisons in dir show: the A/A
// false-alarm rate with the gates as given, then for each time metric and
// tolerance the A/A false alarms and the detection rate of each injected
// slowdown (re-judged from the recorded runs), the smallest slowdown
// flagged (there only) in 9 of 10 comparisons at a tolerance with at most
// 5% A/A false alarms, and the recommended tolerance: the widest such
// tolerance that still flags it.
func CalibrationReport(w io.Writer, dir string, gates, report []compare.Gate, alpha float64) error {
	cs, err := loadComparisons(dir, alpha)
	if err != nil {
		return err
	}
	if len(cs) == 0 {
		return fmt.Errorf("calibration folder %s holds no comparisons", dir)
	}
	cal := newCalibration(cs, gates, report)
	var b strings.Builder
	cal.header(&b, dir)
	if err := cal.asGiven(&b); err != nil {
		return err
	}
	// The time metrics gated or reported: each is re-judged on its own.
	var timeUnits []string
	for _, g := range append(append([]compare.Gate(nil), gates...), report...) {
		if results.SpeedDependent(g.Unit) {
			timeUnits = append(timeUnits, g.Unit)
		}
	}
	if err := cal.injected(&b, timeUnits); err != nil {
		return err
	}
	for _, u := range timeUnits {
		if err := cal.tolerances(&b, u); err != nil {
			return err
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// calibration is a calibration folder's comparisons grouped by injected
// slowdown, with the gates they are judged by.
type calibration struct {
	ks            []float64 // the slowdowns, ascending; 0 is A/A
	byK           map[float64][]comparison
	spent         []time.Duration // each comparison's time, ascending
	strategy      string          // the strategy the slowdowns were injected into
	gates, report []compare.Gate
}

func newCalibration(cs []comparison, gates, report []compare.Gate) *calibration {
	cal := &calibration{byK: map[float64][]comparison{}, gates: gates, report: report}
	for _, c := range cs {
		if cal.byK[c.k] == nil {
			cal.ks = append(cal.ks, c.k)
		}
		cal.byK[c.k] = append(cal.byK[c.k], c)
		cal.spent = append(cal.spent, c.spent)
		if c.strategy != "" {
			cal.strategy = c.strategy
		}
	}
	sort.Float64s(cal.ks)
	sort.Slice(cal.spent, func(i, j int) bool { return cal.spent[i] < cal.spent[j] })
	return cal
}

// header writes the line saying what the folder holds.
func (cal *calibration) header(b *strings.Builder, dir string) {
	fmt.Fprintf(b, "calibration %s: %d comparisons (", dir, len(cal.spent))
	for i, k := range cal.ks {
		if i > 0 {
			b.WriteString(", ")
		}
		if k == 0 {
			fmt.Fprintf(b, "%d A/A", len(cal.byK[k]))
		} else {
			fmt.Fprintf(b, "%d A/A′ +%g%% in %s", len(cal.byK[k]), k, cal.strategy)
		}
	}
	spent := cal.spent
	fmt.Fprintf(b, "), median %s each (%s–%s)\n", spent[len(spent)/2].Round(time.Second), spent[0].Round(time.Second), spent[len(spent)-1].Round(time.Second))
}

// sum judges every comparison of slowdown k by gs and rep (detection in
// unit; "": any time metric) and adds up the tallies.
func (cal *calibration) sum(k float64, gs, rep []compare.Gate, unit string) (tally, error) {
	var t tally
	for _, c := range cal.byK[k] {
		u, err := judge(c, gs, rep, unit)
		if err != nil {
			return t, err
		}
		t.add(u)
	}
	return t, nil
}

// asGiven writes the false alarms and detections with the gates as given.
func (cal *calibration) asGiven(b *strings.Builder) error {
	aa, err := cal.sum(0, cal.gates, cal.report, "")
	if err != nil {
		return err
	}
	if aa.n > 0 {
		fmt.Fprintf(b, "A/A with the gates as given: %d of %d comparisons raised a false alarm (%d in counts or memory)\n", aa.alarm, aa.n, aa.countAlarm)
	}
	for _, k := range cal.ks {
		if k == 0 {
			continue
		}
		t, err := cal.sum(k, cal.gates, cal.report, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "A/A′ +%g%% with the gates as given: %s's cells flagged in time in %d of %d, with no false alarm elsewhere in %d (by %s); false alarms in %d (%d in counts or memory)\n",
			k, cal.strategy, t.detected, t.n, t.only, t.unitList(), t.alarm, t.countAlarm)
	}
	return nil
}

// injected writes the injected slowdown as measured: the median estimated
// ratio over the injected strategy's cells, per time metric.
func (cal *calibration) injected(b *strings.Builder, timeUnits []string) error {
	for _, k := range cal.ks {
		if k == 0 {
			continue
		}
		for _, u := range timeUnits {
			var est []float64
			for _, c := range cal.byK[k] {
				a, err := c.analysis(cal.gates, cal.report)
				if err != nil {
					return err
				}
				for _, r := range a.Rows {
					if r.Unit == u && r.Strategy == cal.strategy && !math.IsNaN(r.Ratio) {
						est = append(est, r.Ratio)
					}
				}
			}
			if len(est) > 0 {
				sort.Float64s(est)
				fmt.Fprintf(b, "injected +%g%%: %s of %s's cells measured %s (median over %d cell estimates)\n", k, u, cal.strategy, pct(est[len(est)/2]), len(est))
			}
		}
	}
	return nil
}

// tolerances writes unit u re-judged at each of ToleranceSteps, then the
// smallest slowdown flagged and the recommended tolerance.
func (cal *calibration) tolerances(b *strings.Builder, u string) error {
	fmt.Fprintf(b, "\n%s re-judged at each tolerance (other gates as given; judged as ab judges, its own Holm family at α/2):\n", u)
	fmt.Fprintf(b, "%-9s %-18s", "tolerance", "A/A false alarms")
	for _, k := range cal.ks {
		if k > 0 {
			fmt.Fprintf(b, " %-22s", fmt.Sprintf("+%g%% flagged (only there)", k))
		}
	}
	b.WriteString("\n")
	lowAlarm, kmin := math.NaN(), math.NaN()
	smallest := map[float64]float64{} // tolerance → the smallest slowdown it flags
	var rep []compare.Gate            // the report-only metrics but u, which is gated
	for _, g := range cal.report {
		if g.Unit != u {
			rep = append(rep, g)
		}
	}
	for _, tol := range ToleranceSteps {
		gs := withTolerance(cal.gates, cal.report, u, tol)
		aa, err := cal.sum(0, gs, rep, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "+%-8s %-18s", strconv.FormatFloat(tol*100, 'f', -1, 64)+"%", fmt.Sprintf("%d/%d", aa.alarm, aa.n))
		for _, k := range cal.ks {
			if k == 0 {
				continue
			}
			t, err := cal.sum(k, gs, rep, u)
			if err != nil {
				return err
			}
			fmt.Fprintf(b, " %-22s", fmt.Sprintf("%d/%d (%d)", t.detected, t.n, t.only))
			if t.n > 0 && float64(t.only) >= 0.9*float64(t.n) {
				if _, ok := smallest[tol]; !ok {
					smallest[tol] = k
				}
			}
		}
		b.WriteString("\n")
		if ok := aa.n > 0 && float64(aa.alarm) <= 0.05*float64(aa.n); ok {
			if math.IsNaN(lowAlarm) {
				lowAlarm = tol
			}
			if k, detects := smallest[tol]; detects && (math.IsNaN(kmin) || k < kmin) {
				kmin = k
			}
		} else {
			delete(smallest, tol)
		}
	}
	recommend(b, u, smallest, lowAlarm, kmin, len(cal.byK[0]))
	return nil
}

// recommend writes the recommendation for unit u: the widest step that
// still flags the smallest slowdown any step flags (kmin), a gate that
// catches what this machine can catch, and no more real but smaller
// changes than it must; none when no step keeps A/A false alarms at 5%
// (lowAlarm NaN) or none flags a slowdown. n is the A/A comparisons.
func recommend(b *strings.Builder, u string, smallest map[float64]float64, lowAlarm, kmin float64, n int) {
	recommended := math.NaN()
	for tol, k := range smallest {
		if k == kmin && (math.IsNaN(recommended) || tol > recommended) {
			recommended = tol
		}
	}
	switch {
	case math.IsNaN(lowAlarm):
		fmt.Fprintf(b, "recommended %s tolerance: none: no step keeps A/A false alarms at 5%% or less: report %s only\n", u, u)
		return
	case math.IsNaN(recommended):
		fmt.Fprintf(b, "recommended %s tolerance: none: at no step with at most 5%% A/A false alarms is any injected slowdown flagged (there only) in 9 of 10 comparisons: report %s only, do not gate on it\n", u, u)
		return
	}
	note := ""
	if n < 20 {
		note = fmt.Sprintf(" (from %d A/A comparisons: fewer than 20, so a rate of 5%% is not yet resolved)", n)
	}
	fmt.Fprintf(b, "smallest injected slowdown flagged (there only) in at least 9 of 10 comparisons at a step with at most 5%% A/A false alarms: +%g%%\n", kmin)
	fmt.Fprintf(b, "recommended %s tolerance: +%g%%, the widest such step that still flags it%s\n", u, recommended*100, note)
}
