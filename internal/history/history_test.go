package history

import (
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/results"
)

// cellA and cellB are the cells of the synthetic results; cellSmall is at a
// smaller size and one worker, outside the default chart selection.
var (
	cellA     = results.Cell{Mode: "goroutine", Strategy: "ranges", Workload: "count", Size: 16 << 20, Workers: 2}
	cellB     = results.Cell{Mode: "goroutine", Strategy: "mmap", Workload: "count", Size: 16 << 20, Workers: 2}
	cellSmall = results.Cell{Mode: "goroutine", Strategy: "ranges", Workload: "count", Size: 4 << 20, Workers: 1}
)

// samples is the number of repetitions per cell.
const samples = 8

// runsFor makes samples successful runs of each cell; scale multiplies the
// elapsed time of the cells it names (1 for the others). The times spread
// by up to 3% so that the intervals are not empty.
func runsFor(scale map[string]float64) []results.Run {
	var runs []results.Run
	order := 0
	for _, c := range []results.Cell{cellA, cellB, cellSmall} {
		f := scale[results.BenchName(c)]
		if f == 0 {
			f = 1
		}
		for rep := 0; rep < samples; rep++ {
			sec := 0.010 * f * (1 + 0.01*float64(rep%4))
			runs = append(runs, results.Run{
				Experiment: "ci", Cell: c, Rep: rep, Order: order, Status: results.StatusOK,
				ElapsedSec: sec, Bytes: c.Size,
				Memory: results.Memory{PeakRSS: 20<<20 + int64(rep)<<10},
			})
			order++
		}
	}
	return runs
}

// writeResults writes a results folder root/name with env.json and a
// results.bench made from runs by results.WriteBench.
func writeResults(t *testing.T, root, name, commit string, at time.Time, runs []results.Run) string {
	t.Helper()
	d, err := results.CreateDir(filepath.Join(root, "ci", name))
	if err != nil {
		t.Fatal(err)
	}
	env := results.Environment{Time: at, Hostname: "ci-host", Experiment: "ci", CPUModel: "Test CPU 9000", CPUCores: 4, Commit: commit}
	if err := results.WriteEnv(d.EnvPath(), env); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteBench(env, runs); err != nil {
		t.Fatal(err)
	}
	return d.Path
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// three writes the three results folders of the history tests: a base,
// one with cell A 30% slower, and one back at the base.
func three(t *testing.T) (root string, dirs []string) {
	t.Helper()
	root = t.TempDir()
	a := results.BenchName(cellA)
	for i, scale := range []map[string]float64{nil, {a: 1.3}, nil} {
		commit := []string{"1111111aaaa", "2222222bbbb", "3333333cccc-dirty"}[i]
		dirs = append(dirs, writeResults(t, root, commit[:7], commit, t0.Add(time.Duration(i)*time.Hour), runsFor(scale)))
	}
	return root, dirs
}

// addAll adds each results folder of dirs to the history at path with
// gates, failing the test on an error.
func addAll(t *testing.T, path string, dirs []string, gates string) {
	t.Helper()
	for _, d := range dirs {
		if _, err := Add(path, d, gates); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAddReadGate(t *testing.T) {
	root, dirs := three(t)
	hist := filepath.Join(root, "results", "history.jsonl") // the folder does not exist yet
	a := results.BenchName(cellA)
	tests := []struct {
		dir       string
		gate      string
		wantFired []string // cells whose sec/op gate fires
		wantNote  string
	}{
		{dirs[0], "sec/op:+10%", nil, "no earlier entry"},
		{dirs[1], "sec/op:+10%", []string{a}, "Mann-Whitney"},
		{dirs[2], "sec/op:+10%,B/s:-10%", nil, "Mann-Whitney"}, // faster again: not a regression
	}
	for i, tt := range tests {
		e, err := Add(hist, tt.dir, tt.gate)
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		var fired []string
		for _, f := range e.GateFired {
			u, c, ok := parseFired(f)
			if !ok || u != "sec/op" {
				t.Errorf("entry %d: fired line %q", i, f)
			}
			fired = append(fired, c)
		}
		if !slices.Equal(fired, tt.wantFired) {
			t.Errorf("entry %d: fired %q, want %q", i, e.GateFired, tt.wantFired)
		}
		if !strings.Contains(e.GateNote, tt.wantNote) {
			t.Errorf("entry %d: note %q lacks %q", i, e.GateNote, tt.wantNote)
		}
	}

	got, err := Read(hist)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("read %d entries, want 3", len(got))
	}
	for i, e := range got {
		if e.Experiment != "ci" || e.Results != dirs[i] || !e.Time.Equal(t0.Add(time.Duration(i)*time.Hour)) {
			t.Errorf("entry %d: experiment %q results %q time %v", i, e.Experiment, e.Results, e.Time)
		}
		if want := (results.Machine{Hostname: "ci-host", CPUModel: "Test CPU 9000", Cores: 4}); e.Machine != want {
			t.Errorf("entry %d: machine %+v", i, e.Machine)
		}
		if len(e.Cells) != 3 {
			t.Errorf("entry %d: %d cells, want 3", i, len(e.Cells))
		}
		for _, unit := range []string{results.UnitSecPerOp, results.UnitBytesPerS, results.UnitPeakRSS} {
			s, ok := e.Cells[a][unit]
			if !ok {
				t.Errorf("entry %d: no %s", i, unit)
				continue
			}
			if s.N != samples || !s.HasCI() || !(s.Lo <= s.Median && s.Median <= s.Hi) {
				t.Errorf("entry %d %s: %+v", i, unit, s)
			}
		}
	}
	// The medians are those of the synthetic samples: 10ms·(1, 1.01, 1.02,
	// 1.03) twice, median 10.15ms; 30% more in the second entry.
	for i, want := range []float64{0.01015, 0.01015 * 1.3, 0.01015} {
		if m := got[i].Cells[a]["sec/op"].Median; math.Abs(m-want) > 1e-9 {
			t.Errorf("entry %d: median sec/op %v, want %v", i, m, want)
		}
	}
	if !got[1].Fired("sec/op", a) || got[1].Fired("sec/op", results.BenchName(cellB)) || got[0].Fired("sec/op", a) {
		t.Errorf("Fired disagrees with GateFired %q", got[1].GateFired)
	}
	if got[2].Short() != "3333333*" || got[0].Short() != "1111111" {
		t.Errorf("short commits %q %q", got[0].Short(), got[2].Short())
	}
}

// TestAddTwiceRefused: adding the same results twice is refused, also by
// another path to them.
func TestAddTwiceRefused(t *testing.T) {
	root, dirs := three(t)
	hist := filepath.Join(root, "history.jsonl")
	addAll(t, hist, dirs, "")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, dirs[2])
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dirs[2], dirs[2] + "/", rel} {
		_, err = Add(hist, d, "")
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "already in") {
			t.Errorf("second add of %s: %v", d, err)
		}
	}
}

func TestGateMediansOnly(t *testing.T) {
	root, dirs := three(t)
	hist := filepath.Join(root, "history.jsonl")
	addAll(t, hist, dirs[:2], "")
	// The previous entry's folder is gone: the gate falls back to medians.
	if err := os.RemoveAll(dirs[1]); err != nil {
		t.Fatal(err)
	}
	_, err := Add(hist, dirs[2], "sec/op:-20%,B/s:-20%") // a wrong sign is a bad gate
	if !errors.Is(err, ErrGate) {
		t.Fatalf("gate with the wrong sign: err %v", err)
	}
	e, err := Add(hist, dirs[2], "B/s:-20%")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.GateNote, "medians only") || !strings.Contains(e.GateNote, "is gone") {
		t.Errorf("note %q", e.GateNote)
	}
	// Cell A went from 1.3× back to 1×: B/s rose 30%, an improvement.
	if len(e.GateFired) != 0 {
		t.Errorf("fired %q", e.GateFired)
	}
	// Going the other way does fire: re-add the slow folder after the fast one.
	slow := writeResults(t, root, "slow", "4444444dddd", t0.Add(5*time.Hour), runsFor(map[string]float64{results.BenchName(cellA): 1.3}))
	if err := os.RemoveAll(dirs[2]); err != nil {
		t.Fatal(err)
	}
	e, err = Add(hist, slow, "sec/op:+20%,B/s:-20%")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"sec/op " + results.BenchName(cellA) + " +30.0% medians-only",
		"B/s " + results.BenchName(cellA) + " -23.1% medians-only",
	}
	if !slices.Equal(e.GateFired, want) {
		t.Errorf("fired %q, want %q", e.GateFired, want)
	}
	// A gate on a unit neither side has cannot fire: bad input.
	other := writeResults(t, root, "other", "5555555eeee", t0.Add(6*time.Hour), runsFor(nil))
	if err := os.RemoveAll(slow); err != nil {
		t.Fatal(err)
	}
	if _, err := Add(hist, other, "frobs:+5%"); !errors.Is(err, ErrGate) {
		t.Errorf("gate on an unknown unit: %v", err)
	}
}

func TestTornAndCorrupt(t *testing.T) {
	root, dirs := three(t)
	clean := filepath.Join(root, "clean.jsonl")
	addAll(t, clean, dirs[:2], "")
	good, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	tests := []struct {
		name        string
		content     string
		wantEntries int
		wantDropped int
		wantErr     string // substring; "" for success
	}{
		{"clean", string(good), 2, 0, ""},
		{"torn half line", string(good) + lines[0][:len(lines[0])/2], 2, 1, ""},
		{"torn tail longer than a new line", string(good) + "{\"commit\": \"" + strings.Repeat("x", 50000), 2, 1, ""},
		// A whole entry whose newline an editor dropped is kept.
		{"valid line without newline", lines[0] + strings.TrimSuffix(lines[1], "\n"), 2, 0, ""},
		// Only a last line without its newline may be torn: a complete
		// one that is not an entry (a typo in a committed file) is an
		// error, and Add neither cuts it nor appends after it.
		{"invalid last line", string(good) + "{\"commit\": \n", 0, 0, ":3: unexpected end of JSON input"},
		{"one-character typo in the last line", lines[0] + strings.Replace(lines[1], `"commit":`, `"commit";`, 1), 0, 0,
			":2: invalid character ';' after object key"},
		{"torn line then a newline", string(good) + lines[0][:20] + "\n", 0, 0, ":3: "},
		{"blank tail", string(good) + "   ", 2, 1, ""},
		{"blank lines", "\n" + lines[0] + "\n\n" + lines[1] + "\n", 2, 0, ""},
		{"corrupt middle line", lines[0] + "garbage\n" + lines[1], 0, 0, ":2: not a JSON object"},
		{"empty", "", 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.jsonl")
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			got, dropped, err := ReadTorn(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), path+tt.wantErr) {
					t.Fatalf("err %v, want %q", err, path+tt.wantErr)
				}
				// Add refuses to append to a corrupt file, and changes nothing.
				if _, err := Add(path, dirs[2], ""); err == nil {
					t.Error("Add appended to a corrupt history")
				}
				if b, _ := os.ReadFile(path); string(b) != tt.content {
					t.Errorf("Add changed the corrupt history to %q", b)
				}
				return
			}
			if err != nil || len(got) != tt.wantEntries || dropped != tt.wantDropped {
				t.Fatalf("got %d entries, dropped %d, err %v; want %d, %d", len(got), dropped, err, tt.wantEntries, tt.wantDropped)
			}
			// An append cuts a torn tail off first.
			if _, err := Add(path, dirs[2], ""); err != nil {
				t.Fatal(err)
			}
			after, dropped, err := ReadTorn(path)
			if err != nil || dropped != 0 || len(after) != tt.wantEntries+1 || after[len(after)-1].Results != dirs[2] {
				t.Errorf("after append: %d entries, dropped %d, err %v", len(after), dropped, err)
			}
		})
	}
	if _, err := Read(filepath.Join(root, "missing.jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing history: %v", err)
	}
}

// TestAddRefusesLink: a history file that is a symbolic link may lead
// anywhere: Add refuses it (an *InputError naming it) and its target is
// not changed, not even a torn tail cut.
func TestAddRefusesLink(t *testing.T) {
	root, dirs := three(t)
	target := filepath.Join(root, "elsewhere.jsonl")
	addAll(t, target, dirs[:1], "")
	good, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	content := string(good) + string(good[:20]) // a torn tail Add would cut
	if err := os.WriteFile(target, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "history.jsonl")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	_, err = Add(link, dirs[1], "")
	var ie *InputError
	want := "open history: " + link + " is a symbolic link (to " + target + ")"
	if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Add through a link: %v, want an InputError %q...", err, want)
	}
	if b, _ := os.ReadFile(target); string(b) != content {
		t.Errorf("the link's target changed: %d bytes, was %d", len(b), len(content))
	}
}

func TestAddBadInput(t *testing.T) {
	root := t.TempDir()
	noBench := filepath.Join(root, "ci", "nobench")
	if err := os.MkdirAll(noBench, 0o755); err != nil {
		t.Fatal(err)
	}
	noEnv := writeResults(t, root, "noenv", "1", t0, runsFor(nil))
	if err := os.Remove(filepath.Join(noEnv, results.EnvFile)); err != nil {
		t.Fatal(err)
	}
	ok := writeResults(t, root, "ok", "1", t0, runsFor(nil))
	tests := []struct {
		name, dir, gate, want string
	}{
		{"missing folder", filepath.Join(root, "nope"), "", "nope"},
		{"no results.bench", noBench, "", "results.bench"},
		{"no env.json", noEnv, "", "env.json"},
		{"bad gate", ok, "sec/op:ten", "bad gate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hist := filepath.Join(t.TempDir(), "h.jsonl")
			_, err := Add(hist, tt.dir, tt.gate)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want an InputError naming %q", err, tt.want)
			}
			if _, err := os.Stat(hist); err == nil {
				if data, _ := os.ReadFile(hist); len(data) > 0 {
					t.Errorf("history written on error: %s", data)
				}
			}
		})
	}
}

func TestSelectCells(t *testing.T) {
	name := func(s string, size int64, w int) string {
		return results.BenchName(results.Cell{Mode: "goroutine", Strategy: s, Workload: "count", Size: size, Workers: w})
	}
	mk := func(names ...string) Entry {
		e := Entry{Cells: map[string]map[string]results.Summary{}}
		for _, n := range names {
			e.Cells[n] = map[string]results.Summary{"sec/op": {Median: 1, N: 1}}
		}
		return e
	}
	all := []string{name("ranges", 4<<20, 1), name("ranges", 16<<20, 2), name("mmap", 16<<20, 2), name("mmap", 4<<20, 2),
		name("ceiling", 16<<20, 2), name("ref:wc", 16<<20, 2), name("ranges", 16<<20, 4)}
	fired := mk(all...)
	fired.GateFired = []string{firedLine("sec/op", name("ranges", 4<<20, 1), "+30.0%", "p=0.001")}
	tests := []struct {
		name        string
		ents        []Entry
		opt         PlotOptions
		want        []string
		wantMatched int
	}{
		{"default: workers=2, largest size", []Entry{mk(all...)}, PlotOptions{MaxCells: 10},
			[]string{name("mmap", 16<<20, 2), name("ranges", 16<<20, 2), name("ceiling", 16<<20, 2), name("ref:wc", 16<<20, 2)}, 4},
		{"default plus fired", []Entry{mk(all...), fired}, PlotOptions{MaxCells: 10},
			[]string{name("mmap", 16<<20, 2), name("ranges", 16<<20, 2), name("ranges", 4<<20, 1), name("ceiling", 16<<20, 2), name("ref:wc", 16<<20, 2)}, 5},
		{"capped: fired first, ceiling and references last", []Entry{mk(all...), fired}, PlotOptions{MaxCells: 2},
			[]string{name("mmap", 16<<20, 2), name("ranges", 4<<20, 1)}, 5},
		{"no workers=2: all sizes' largest", []Entry{mk(name("ranges", 4<<20, 1), name("ranges", 8<<20, 1))}, PlotOptions{MaxCells: 10},
			[]string{name("ranges", 8<<20, 1)}, 1},
		{"regexp", []Entry{mk(all...)}, PlotOptions{MaxCells: 10, Cells: regexp.MustCompile(`strategy=ranges/`)},
			[]string{name("ranges", 16<<20, 2), name("ranges", 16<<20, 4), name("ranges", 4<<20, 1)}, 3},
		{"foreign names", []Entry{mk("BenchmarkFoo", "Bar/x")}, PlotOptions{MaxCells: 10}, []string{"Bar/x", "BenchmarkFoo"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, matched := selectCells(tt.ents, "sec/op", tt.opt)
			if !slices.Equal(got, tt.want) || matched != tt.wantMatched {
				t.Errorf("got %q (%d matched)\nwant %q (%d)", got, matched, tt.want, tt.wantMatched)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	a := "Fanout/mode=goroutine/strategy=ranges/workload=count/size=16MiB/workers=2"
	b := "Fanout/mode=goroutine/strategy=mmap/workload=parse/size=16MiB/workers=2"
	c := "Fanout/mode=goroutine/strategy=mmap/workload=count/size=16MiB/workers=2/GOGC=50"
	label, variant, shared := labels([]string{a, b, c})
	if label[a] != "ranges count" || label[b] != "mmap parse" || label[c] != "mmap count GOGC=50" {
		t.Errorf("labels %q", label)
	}
	if variant[a] != "count" || variant[c] != "count GOGC=50" {
		t.Errorf("variants %q", variant)
	}
	if shared != "mode=goroutine size=16MiB workers=2" {
		t.Errorf("shared %q", shared)
	}
}

func TestPlotWritesCharts(t *testing.T) {
	root, dirs := three(t)
	hist := filepath.Join(root, "history.jsonl")
	addAll(t, hist, dirs, "sec/op:+10%")
	entries, err := Read(hist)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "plots", "history")
	paths, err := Plot(entries, out, PlotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range []string{"sec_per_op", "B_per_s", "peak-RSS-B"} {
		for _, ext := range []string{"png", "svg"} {
			want = append(want, filepath.Join(out, "ci_"+m+"."+ext))
		}
	}
	if !slices.Equal(paths, want) {
		t.Fatalf("paths %q\nwant %q", paths, want)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".png") {
			img, err := png.Decode(f)
			if err != nil {
				t.Errorf("%s: %v", p, err)
			} else if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 500 {
				t.Errorf("%s: %v pixels", p, b)
			}
		} else {
			data, _ := os.ReadFile(p)
			// The legend names both cells shown and the fired gate.
			for _, s := range []string{"mmap", "ranges", "gate fired", "2222222"} {
				if strings.Contains(p, "sec_per_op") && !strings.Contains(string(data), s) {
					t.Errorf("%s lacks %q", p, s)
				}
			}
		}
		f.Close()
	}

	for _, tt := range []struct {
		name string
		opt  PlotOptions
		err  error
	}{
		{"no cell matches", PlotOptions{Cells: regexp.MustCompile("nothing")}, ErrCells},
		{"unknown metric", PlotOptions{Metrics: []string{"frobs"}}, ErrMetric},
	} {
		if _, err := Plot(entries, t.TempDir(), tt.opt); !errors.Is(err, tt.err) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.err)
		}
	}
	if _, err := Plot(nil, t.TempDir(), PlotOptions{}); err == nil {
		t.Error("Plot of no entries succeeded")
	}
}

// TestGateFiresOnMissing: a gated figure that the new entry lacks (every
// run of cell B failed, so B is gone) fires the gate, whether it is judged
// with a significance test or on medians only (the previous folder gone).
func TestGateFiresOnMissing(t *testing.T) {
	b := results.BenchName(cellB)
	var withoutB []results.Run
	for _, r := range runsFor(nil) {
		if results.BenchName(r.Cell) != b {
			withoutB = append(withoutB, r)
		}
	}
	for _, mediansOnly := range []bool{false, true} {
		root := t.TempDir()
		hist := filepath.Join(root, "history.jsonl")
		full := writeResults(t, root, "full", "1111111aaaa", t0, runsFor(nil))
		if _, err := Add(hist, full, ""); err != nil {
			t.Fatal(err)
		}
		if mediansOnly {
			if err := os.RemoveAll(full); err != nil {
				t.Fatal(err)
			}
		}
		gone := writeResults(t, root, "gone", "2222222bbbb", t0.Add(time.Hour), withoutB)
		e, err := Add(hist, gone, "sec/op:+10%")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"sec/op " + b + " missing (not in this entry)"}
		if !slices.Equal(e.GateFired, want) || !e.Fired("sec/op", b) {
			t.Errorf("medians only %v: fired %q, want %q (note %s)", mediansOnly, e.GateFired, want, e.GateNote)
		}
	}
}
