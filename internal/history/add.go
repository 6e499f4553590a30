package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/fanbench/fanbench/internal/compare"
	"github.com/fanbench/fanbench/internal/results"
)

// InputError is an Add or Plot failure caused by the caller's input rather
// than by the system: a results folder or history file that cannot be read
// or is malformed, a bad gate, a folder already recorded. Command-line
// callers exit with status 2 on it.
type InputError struct{ Err error }

// Error returns the underlying error's message.
func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// Errors wrapped in the InputErrors of the option they concern, for
// callers that report the option (errors.Is).
var (
	// ErrGate marks a bad gate specification, or a gate on a unit that
	// neither side measures.
	ErrGate = errors.New("bad gate")
	// ErrCells marks a cell selection that matches no benchmark.
	ErrCells = errors.New("no cell selected")
	// ErrMetric marks a requested metric that no entry has.
	ErrMetric = errors.New("unknown metric")
)

func inputErr(format string, args ...any) error {
	return &InputError{Err: fmt.Errorf(format, args...)}
}

// Summarize builds the entry of a results folder without recording it: the
// summaries come from the folder's results.bench (read with benchfmt) and
// the commit, time, machine and experiment from its env.json. An
// experiment missing from env.json is taken from the folder's parent
// folder name (results/EXPERIMENT/TIME). Errors are *InputError.
func Summarize(resultsDir string) (Entry, error) {
	e, _, err := summarize(resultsDir)
	return e, err
}

// summarize is Summarize that also returns the results.bench samples.
func summarize(resultsDir string) (Entry, *compare.Set, error) {
	dir, err := results.OpenDir(resultsDir)
	if err != nil {
		return Entry{}, nil, &InputError{Err: err}
	}
	set, err := compare.Load(dir.BenchPath())
	if err != nil {
		return Entry{}, nil, inputErr("results folder %s: %w", resultsDir, err)
	}
	env, err := results.ReadEnv(dir.EnvPath())
	if err != nil {
		return Entry{}, nil, inputErr("results folder %s: %w", resultsDir, err)
	}
	e := Entry{
		Commit:     env.Commit,
		Time:       env.Time,
		Machine:    results.MachineOf(env),
		Experiment: env.Experiment,
		Results:    filepath.Clean(resultsDir),
		Cells:      map[string]map[string]results.Summary{},
	}
	if e.Experiment == "" {
		abs, err := filepath.Abs(resultsDir)
		if err == nil {
			e.Experiment = filepath.Base(filepath.Dir(abs))
		}
	}
	for _, name := range set.Names() {
		for _, unit := range set.Units() {
			vals := set.Values(name, unit)
			if len(vals) == 0 {
				continue
			}
			s := results.Summarize(vals, results.Confidence)
			if math.IsNaN(s.Median) || math.IsInf(s.Median, 0) {
				continue
			}
			if e.Cells[name] == nil {
				e.Cells[name] = map[string]results.Summary{}
			}
			e.Cells[name][unit] = s
		}
	}
	return e, set, nil
}

// Add summarizes the results folder resultsDir (see Summarize) and appends
// the entry as one JSON line to the history file at historyPath, creating
// the file and its folder if needed; the line is synced to disk before Add
// returns. A torn last line left in the file by an earlier crash (a last
// line without its newline that is not an entry) is cut off first, so that
// the new line is not glued to it; a complete line that is not an entry is
// an error, and the file is left as it is (see Read). A history file that
// is a symbolic link is refused.
//
// gates, when not empty, is a gate specification as for fanbench compare
// ("sec/op:+10%,B/s:-10%"). The entry is then compared with the previous
// entry of the same experiment: when that entry's results folder still
// exists, with compare.Compare (Mann-Whitney U test, alpha 0.05) on both
// folders' results.bench; otherwise on the recorded medians alone, without
// a significance test. GateFired lists the regressions and GateNote says
// which way they were judged. A fired gate is recorded, not an error.
//
// Errors caused by the input (unreadable folder or history, bad gate, a
// folder whose env.json is already recorded) are *InputError.
func Add(historyPath, resultsDir string, gates string) (Entry, error) {
	return AddWith(historyPath, resultsDir, AddOptions{Gates: gates})
}

// AddOptions are the options of AddWith.
type AddOptions struct {
	// Gates is the gate specification, as for Add.
	Gates string
	// Incomplete, when the results folder's experiment has not finished,
	// says so ("incomplete: 34 of 60 runs"); the entry records it.
	// Callers decide whether such a folder may be added at all.
	Incomplete string
}

// AddWith is Add with options.
func AddWith(historyPath, resultsDir string, o AddOptions) (Entry, error) {
	gates := o.Gates
	gs, err := compare.ParseGates(gates)
	if err != nil {
		return Entry{}, inputErr("%w %q: %w", ErrGate, gates, err)
	}
	e, set, err := summarize(resultsDir)
	if err != nil {
		return Entry{}, err
	}
	if len(e.Cells) == 0 {
		return Entry{}, inputErr("results folder %s: no finite measurements in %s", resultsDir, results.BenchFile)
	}
	if len(gs) > 0 {
		e.Gate = gates
	}
	e.Incomplete = o.Incomplete

	if dir := filepath.Dir(historyPath); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return Entry{}, fmt.Errorf("history folder: %w", err)
		}
	}
	// history.jsonl is committed and shared: never written through a link.
	if err := results.RefuseLink(historyPath); err != nil {
		return Entry{}, inputErr("open history: %w", err)
	}
	f, err := os.OpenFile(historyPath, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if errors.Is(err, syscall.ELOOP) {
		return Entry{}, inputErr("open history: %w", results.RefuseLink(historyPath))
	}
	if err != nil {
		return Entry{}, fmt.Errorf("open history: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return Entry{}, fmt.Errorf("read history %s: %w", historyPath, err)
	}
	old, goodEnd, dropped, err := parse(data, historyPath)
	if err != nil {
		return Entry{}, inputErr("read history: %w", err)
	}
	for i, o := range old {
		// The same environment record means the same results, whatever
		// path they are reached by.
		if o.Experiment == e.Experiment && o.Time.Equal(e.Time) && o.Commit == e.Commit && o.Machine == e.Machine {
			return Entry{}, inputErr("results folder %s is already in %s (entry %d)", resultsDir, historyPath, i+1)
		}
	}
	if len(gs) > 0 {
		if err := judge(&e, set, previous(old, e.Experiment), gs); err != nil {
			return Entry{}, err
		}
	}

	line, err := json.Marshal(e)
	if err != nil {
		return Entry{}, fmt.Errorf("encode history entry: %w", err)
	}
	line = append(line, '\n')
	if goodEnd > 0 && data[goodEnd-1] != '\n' {
		// The last entry lacks its newline (an editor dropped it): keep it whole.
		line = append([]byte{'\n'}, line...)
	}
	if dropped > 0 || goodEnd < int64(len(data)) {
		if err := f.Truncate(goodEnd); err != nil {
			return Entry{}, fmt.Errorf("cut torn last line of %s: %w", historyPath, err)
		}
	}
	if _, err := f.WriteAt(line, goodEnd); err != nil {
		return Entry{}, fmt.Errorf("append to %s: %w", historyPath, err)
	}
	if err := f.Sync(); err != nil {
		return Entry{}, fmt.Errorf("sync %s: %w", historyPath, err)
	}
	if err := f.Close(); err != nil {
		return Entry{}, fmt.Errorf("close %s: %w", historyPath, err)
	}
	return e, nil
}

// previous returns the last entry of experiment in entries, or nil.
func previous(entries []Entry, experiment string) *Entry {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Experiment == experiment {
			return &entries[i]
		}
	}
	return nil
}

// judge applies gates to e (whose samples are newSet) against prev,
// filling GateNote and GateFired.
func judge(e *Entry, newSet *compare.Set, prev *Entry, gates []compare.Gate) error {
	if prev == nil {
		e.GateNote = fmt.Sprintf("no earlier entry of experiment %s: nothing to compare with", e.Experiment)
		return nil
	}
	var note string
	prevSet, perr := compare.Load(prev.Results)
	if perr == nil {
		rep, err := compare.Compare(prevSet, newSet, compare.Options{Gates: gates})
		if err != nil {
			return inputErr("%w %q: %w", ErrGate, e.Gate, err)
		}
		for _, r := range rep.Regressions {
			e.GateFired = append(e.GateFired, firedLine(r.Unit, r.Name, pct(r.Delta), fmt.Sprintf("p=%.3f", r.P)))
		}
		for _, m := range rep.GatedMissing {
			e.GateFired = append(e.GateFired, missingLine(m.Unit, m.Name, m.In == "NEW"))
		}
		note = fmt.Sprintf("Mann-Whitney U test (alpha %.2g) against %s (commit %s)", rep.Alpha, prev.Results, prev.Short())
	} else {
		why := "cannot be read"
		if errors.Is(perr, fs.ErrNotExist) {
			why = "is gone"
		}
		if err := mediansOnly(e, prev, gates); err != nil {
			return err
		}
		note = fmt.Sprintf("medians only, no significance test: the previous results folder %s (commit %s) %s", prev.Results, prev.Short(), why)
	}
	if prev.Machine != e.Machine {
		note += fmt.Sprintf("; the previous entry was measured on another machine (%s)", prev.Machine)
	}
	e.GateNote = note
	return nil
}

// mediansOnly fires a gate for every cell whose median worsened beyond the
// gate's tolerance since prev.
func mediansOnly(e *Entry, prev *Entry, gates []compare.Gate) error {
	names := make([]string, 0, len(e.Cells))
	for n := range e.Cells {
		names = append(names, n)
	}
	for n := range prev.Cells {
		if _, ok := e.Cells[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, g := range gates {
		if !hasUnit(e, g.Unit) && !hasUnit(prev, g.Unit) {
			return inputErr("%w %q: gated unit %q is in neither %s nor the previous entry (%s)", ErrGate, e.Gate, g.Unit, e.Results, prev.Results)
		}
		for _, n := range names {
			cur, ok1 := e.Cells[n][g.Unit]
			before, ok2 := prev.Cells[n][g.Unit]
			if !ok1 && !ok2 {
				continue
			}
			if !ok1 || !ok2 {
				// A gate cannot judge a figure one side lacks: it fires.
				e.GateFired = append(e.GateFired, missingLine(g.Unit, n, !ok1))
				continue
			}
			d := compare.RelChange(before.Median, cur.Median)
			worse := d > g.Tolerance
			if results.IsHigherBetter(g.Unit) {
				worse = d < -g.Tolerance
			}
			if worse {
				e.GateFired = append(e.GateFired, firedLine(g.Unit, n, pct(d), "medians-only"))
			}
		}
	}
	return nil
}

// missingLine is the GateFired line of a gated figure that one side lacks:
// the new entry (inNew) or the previous one.
func missingLine(unit, cell string, inNew bool) string {
	if inNew {
		return firedLine(unit, cell, "missing", "(not in this entry)")
	}
	return firedLine(unit, cell, "missing", "(not in the previous entry)")
}

func hasUnit(e *Entry, unit string) bool {
	for _, m := range e.Cells {
		if _, ok := m[unit]; ok {
			return true
		}
	}
	return false
}

// pct writes a relative change as a signed percentage: "+30.0%".
func pct(d float64) string {
	switch {
	case math.IsInf(d, 1):
		return "+∞%"
	case math.IsInf(d, -1):
		return "-∞%"
	case math.IsNaN(d):
		return "?"
	}
	return strings.Replace(fmt.Sprintf("%+.1f%%", d*100), "+-", "-", 1)
}
