// Package history keeps the performance history of fanbench results across
// commits, for continuous integration: one line of results/history.jsonl
// per results folder, holding each benchmark's median and 95% confidence
// interval per metric, and charts of those medians over the entries.
//
// Unlike a history of single numbers, every point carries fanbench's
// statistics (benchmath's distribution-free summary), and an entry added
// with a gate records which cells regressed against the previous entry of
// the same experiment (internal/compare's Mann-Whitney test when the
// previous results folder still exists).
package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/fanbench/fanbench/internal/results"
)

// DefaultPath is the conventional history file of a repository's results.
const DefaultPath = "results/history.jsonl"

// Entry is the summary of one results folder: one line of history.jsonl.
type Entry struct {
	// Commit is the source revision the results were measured at, as
	// env.json records it ("-dirty" appended for a modified work tree).
	Commit string `json:"commit"`
	// Time is when the results' environment was recorded.
	Time time.Time `json:"time"`
	// Machine is the machine the results were measured on.
	Machine results.Machine `json:"machine"`
	// Experiment is the experiment the results belong to.
	Experiment string `json:"experiment"`
	// Results is the results folder's path as it was given to Add. A
	// relative path is relative to Add's working directory, so add entries
	// from one directory (the repository root): a later gated Add looks
	// for the previous entry's folder there.
	Results string `json:"results"`
	// Cells holds the summaries (median and 95% confidence interval) by
	// benchmark name (without the "Benchmark" prefix) and then by unit
	// (sec/op, B/s, peak-RSS-B, ...).
	Cells map[string]map[string]results.Summary `json:"cells"`
	// Gate is the gate specification the entry was added with, if any
	// (e.g. "sec/op:+10%").
	Gate string `json:"gate,omitempty"`
	// GateNote says how the gate was judged: against which results, with
	// a significance test or on medians only, or why nothing was compared.
	GateNote string `json:"gate_note,omitempty"`
	// GateFired lists the gated metrics that regressed against the
	// previous entry, one "UNIT CELL CHANGE [DETAIL]" line each (e.g.
	// "sec/op Fanout/mode=goroutine/... +30.0% p=0.000"); see Entry.Fired.
	GateFired []string `json:"gate_fired,omitempty"`
	// Incomplete, for an entry of an experiment that had not finished
	// (added with AddOptions.Incomplete), says so: "incomplete: 34 of 60
	// runs". Its medians are of the runs recorded by then.
	Incomplete string `json:"incomplete,omitempty"`
}

// Fired reports whether the gate fired for unit in the named cell when
// the entry was added.
func (e Entry) Fired(unit, cell string) bool {
	for _, f := range e.GateFired {
		if u, c, ok := parseFired(f); ok && u == unit && c == cell {
			return true
		}
	}
	return false
}

// firedLine formats one GateFired line. Units and benchmark names carry no
// white space (results.BenchName and compare.ParseGates make sure of it),
// so the line splits back on blanks.
func firedLine(unit, cell, change, detail string) string {
	s := unit + " " + cell + " " + change
	if detail != "" {
		s += " " + detail
	}
	return s
}

// parseFired splits a GateFired line into its unit and cell.
func parseFired(s string) (unit, cell string, ok bool) {
	f := strings.Fields(s)
	if len(f) < 2 {
		return "", "", false
	}
	return f[0], f[1], true
}

// Short is the entry's commit abbreviated for tick labels: seven hex
// digits, with "*" for a dirty work tree, or "?" when unknown.
func (e Entry) Short() string {
	c, dirty := strings.CutSuffix(e.Commit, "-dirty")
	if c == "" {
		return "?"
	}
	if len(c) > 7 {
		c = c[:7]
	}
	if dirty {
		c += "*"
	}
	return c
}

// Read reads every entry of the history file at path, in file order. A torn
// last line (one without its final newline that is not an entry, as a
// crash mid-append leaves it) is dropped; a complete entry whose final
// newline is missing (an editor may drop it) is kept. Any line that is not
// an entry and ends in a newline, the last one included, is damage and
// makes Read fail with an error naming path:line.
func Read(path string) ([]Entry, error) {
	entries, _, err := ReadTorn(path)
	return entries, err
}

// ReadTorn is Read that also reports how many torn lines (0 or 1) it
// dropped from the end of the file.
func ReadTorn(path string) (entries []Entry, dropped int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read history: %w", err)
	}
	entries, _, dropped, err = parse(data, path)
	if err != nil {
		return nil, 0, fmt.Errorf("read history: %w", err)
	}
	return entries, dropped, nil
}

// parse decodes history lines. goodEnd is the offset just after the last
// line that is kept (where an append may safely start, after a newline if
// the kept last line lacks one); blank lines are skipped. Only a last line
// without its newline may be torn, and is dropped when it is not an entry;
// any other bad line is an error naming name:line.
func parse(data []byte, name string) (entries []Entry, goodEnd int64, dropped int, err error) {
	lineNo := 0
	for off := 0; off < len(data); {
		lineNo++
		next, hasNL := len(data), false
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			next, hasNL = off+i+1, true
		}
		line := data[off:next]
		if len(bytes.TrimSpace(line)) == 0 {
			if !hasNL {
				// A final fragment of blanks is the remains of a torn
				// append: the writer never emits blank lines.
				return entries, goodEnd, 1, nil
			}
			goodEnd = int64(next)
			off = next
			continue
		}
		e, derr := decodeLine(line)
		switch {
		case derr == nil:
		case !hasNL:
			return entries, goodEnd, 1, nil // the torn remains of an append
		default:
			return nil, 0, 0, fmt.Errorf("%s:%d: %w", name, lineNo, derr)
		}
		entries = append(entries, e)
		goodEnd = int64(next)
		off = next
	}
	return entries, goodEnd, 0, nil
}

func decodeLine(line []byte) (Entry, error) {
	var e Entry
	trimmed := bytes.TrimSpace(line)
	if trimmed[0] != '{' {
		return Entry{}, errors.New("not a JSON object")
	}
	if err := json.Unmarshal(trimmed, &e); err != nil {
		return Entry{}, err
	}
	return e, nil
}
