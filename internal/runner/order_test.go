package runner

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// mustSpec parses a test's spec text, failing the test on an error.
func mustSpec(t *testing.T, src string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse("cells.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlan(t *testing.T) {
	// Five cells in two pair groups: cells 0, 2, 3 pair, and 1, 4.
	group := []int{0, 1, 0, 0, 1}
	const ncells, reps, warmup = 5, 3, 2
	plan := Plan(group, reps, warmup, 42)
	if len(plan) != ncells*(reps+warmup) {
		t.Fatalf("%d planned runs, want %d", len(plan), ncells*(reps+warmup))
	}
	type key struct{ cell, rep int }
	seen := map[key]int{}
	for i, p := range plan {
		if p.Warmup != (i < ncells*warmup) {
			t.Errorf("run %d %+v: warm-ups must come first, all of them", i, p)
		}
		if p.Warmup != (p.Rep < 0) || p.Rep < -warmup || p.Rep >= reps || p.Cell < 0 || p.Cell >= ncells {
			t.Errorf("run %d %+v out of range", i, p)
		}
		if p.Warmup != (p.Block == 0) {
			t.Errorf("run %d %+v: a measured run has a block, a warm-up none", i, p)
		}
		seen[key{p.Cell, p.Rep}]++
	}
	for c := 0; c < ncells; c++ {
		for r := -warmup; r < reps; r++ {
			if n := seen[key{c, r}]; n != 1 {
				t.Errorf("cell %d rep %d planned %d times, want once", c, r, n)
			}
		}
	}
	// Blocks: 2 groups × 3 reps = 6, numbered 1 to 6 in plan order, each
	// contiguous, holding one repetition of every cell of one group.
	measured := plan[ncells*warmup:]
	var blocks [][]Planned
	for i, p := range measured {
		if i == 0 || p.Block != measured[i-1].Block {
			if p.Block != len(blocks)+1 {
				t.Fatalf("run %d %+v: block %d follows block %d (blocks must be contiguous, numbered in order)", i, p, p.Block, len(blocks))
			}
			blocks = append(blocks, nil)
		}
		blocks[len(blocks)-1] = append(blocks[len(blocks)-1], p)
	}
	if len(blocks) != 6 {
		t.Fatalf("%d blocks, want 6", len(blocks))
	}
	for _, b := range blocks {
		var cells []int
		for _, p := range b {
			if p.Rep != b[0].Rep {
				t.Errorf("block %d mixes repetitions: %+v", b[0].Block, b)
			}
			cells = append(cells, p.Cell)
		}
		slices.Sort(cells)
		if !slices.Equal(cells, []int{0, 2, 3}) && !slices.Equal(cells, []int{1, 4}) {
			t.Errorf("block %d holds cells %v, want one group's: [0 2 3] or [1 4]", b[0].Block, cells)
		}
	}
	if again := Plan(group, reps, warmup, 42); !reflect.DeepEqual(again, plan) {
		t.Error("Plan differs for the same seed")
	}
	other := Plan(group, reps, warmup, 43)
	if reflect.DeepEqual(other[ncells*warmup:], plan[ncells*warmup:]) {
		t.Error("Plan is the same for seeds 42 and 43")
	}
	// Blocks and the cells within them are shuffled: over 20 seeds, the
	// first block is not always group 0's first repetition, and within a
	// block of cells 0, 2, 3 they do not always run in cell order.
	firstMoved, withinMoved := false, false
	for seed := int64(1); seed <= 20; seed++ {
		p := Plan(group, reps, 0, seed)
		if p[0].Rep != 0 || (p[0].Cell != 0 && p[0].Cell != 2 && p[0].Cell != 3) {
			firstMoved = true
		}
		for i := 0; i+2 < len(p); i++ {
			if p[i].Block == p[i+2].Block && len(group) > 0 && group[p[i].Cell] == 0 && !(p[i].Cell < p[i+1].Cell && p[i+1].Cell < p[i+2].Cell) {
				withinMoved = true
			}
		}
	}
	if !firstMoved || !withinMoved {
		t.Errorf("not shuffled over 20 seeds: blocks moved %v, cells within a block moved %v", firstMoved, withinMoved)
	}
	if p := Plan(nil, 6, 1, 1); len(p) != 0 {
		t.Errorf("no cells: %d runs", len(p))
	}
}

// TestPairGroups: cells pair when they differ only in strategy and knobs.
func TestPairGroups(t *testing.T) {
	sp := mustSpec(t, `name = "t"
[[matrix]]
strategies = ["readall", "mmap"]
workloads = ["count", "parse"]
sizes = ["1MiB", "2MiB"]
workers = [1, 2]
knobs = { buf = ["64KiB", "1MiB"] }
[[matrix]]
modes = ["process"]
strategies = ["mmap"]
sizes = ["1MiB"]
workers = [1]
`)
	cells := sp.Cells()
	group := PairGroups(cells)
	type point struct {
		mode, workload string
		size           int64
		workers        int
	}
	want := map[point]int{} // each point's group, the first time it is seen
	members := map[int]int{}
	for i, c := range cells {
		r := c.Record()
		p := point{r.Mode, r.Workload, c.Size, c.Workers}
		g, ok := want[p]
		if !ok {
			want[p] = group[i]
			g = group[i]
		}
		if group[i] != g {
			t.Errorf("cell %s: group %d, want %d (the group of its point %+v)", c.Name(), group[i], g, p)
		}
		members[group[i]]++
	}
	// 2 workloads × 2 sizes × 2 worker counts goroutine points, 1 process point.
	if len(want) != 9 || len(members) != 9 {
		t.Fatalf("%d points, %d groups; want 9 of each", len(want), len(members))
	}
	for p, g := range want {
		n := 4 // 2 strategies × 2 buf values
		if p.mode == "process" {
			n = 1 // one strategy, the default buf
		}
		if members[g] != n {
			t.Errorf("point %+v: %d cells in its group, want %d", p, members[g], n)
		}
	}
}

// TestRunKeyCanonicalKnobs: a run recorded under a knob's spelling (by a
// fanbench that named cells so) is the same planned run on resume.
func TestRunKeyCanonicalKnobs(t *testing.T) {
	cell := func(knobs map[string]string) results.Cell {
		return results.Cell{Mode: "goroutine", Strategy: "ranges", Workload: "count", Size: 1 << 20, SizeName: "1MiB", Workers: 1, Knobs: knobs}
	}
	old := cell(map[string]string{"buf": "65536", "GOGC": "0100", "input": "a b.txt"})
	now := cell(map[string]string{"buf": "64KiB", "GOGC": "100", "input": "a b.txt"})
	if a, b := runKey(old, 0, false), runKey(now, 0, false); a != b {
		t.Errorf("run keys differ:\n%s\n%s", a, b)
	}
	if old.Knobs["buf"] != "65536" {
		t.Error("runKey changed the record's knobs")
	}
	if runKey(now, 0, false) == runKey(cell(map[string]string{"buf": "1MiB", "GOGC": "100", "input": "a b.txt"}), 0, false) {
		t.Error("different knob values give one key")
	}
}

// TestPlanSizeRefused: a repetition count past MaxRepetitions, or a plan
// past MaxRuns runs, is refused by --reps (WithRepetitions) and by
// BuildPlan before the plan is built: a plan of 10^12 runs would exhaust
// memory, so only the error can be asserted (#24 class 10).
func TestPlanSizeRefused(t *testing.T) {
	sp := func(t *testing.T) *spec.Spec { // 101 cells
		return mustSpec(t, "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1MiB\"]\nworkers = ["+seq(1, 101, "%d")+"]\n")
	}
	const overRuns = "101 cells × (10000 repetitions + 0 warm-ups) = 1010000 runs, over the maximum of 1000000"
	t.Run("moderate", func(t *testing.T) {
		s := sp(t)
		if _, err := s.WithRepetitions(10000); err == nil || err.Error() != overRuns {
			t.Errorf("WithRepetitions(10000): %v, want %s", err, overRuns)
		}
		if r, err := s.WithRepetitions(9900); err != nil {
			t.Errorf("WithRepetitions(9900) (999900 runs): %v", err)
		} else if r.Repetitions != 9900 || s.Repetitions != 6 {
			t.Errorf("WithRepetitions(9900): repetitions %d, the spec's %d, want 9900 and 6", r.Repetitions, s.Repetitions)
		}
		s.Repetitions = 10000 // by hand, past WithRepetitions
		if p, err := BuildPlan(s, t.TempDir(), "", false, func() int64 { return 1 << 40 }); err == nil || err.Error() != overRuns {
			t.Errorf("BuildPlan: %v, want %s", err, overRuns)
			if p != nil {
				t.Errorf("a plan of %d runs was built", len(p.Order))
			}
		}
	})
	t.Run("huge", func(t *testing.T) {
		s := sp(t)
		const want = "1000000000000, want at most 10000 per cell"
		if _, err := s.WithRepetitions(1e12); err == nil || err.Error() != want {
			t.Errorf("WithRepetitions(1e12): %v, want %s", err, want)
		}
		s.Repetitions = 1e12
		if _, err := BuildPlan(s, t.TempDir(), "", false, func() int64 { return 1 << 40 }); err == nil || err.Error() != "repetitions: "+want {
			t.Errorf("BuildPlan: %v, want repetitions: %s", err, want)
		}
		s.Repetitions, s.Warmup = 6, 1e12
		if _, err := BuildPlan(s, t.TempDir(), "", false, func() int64 { return 1 << 40 }); err == nil || !strings.HasPrefix(err.Error(), "warmup: ") {
			t.Errorf("BuildPlan with 10^12 warm-ups: %v", err)
		}
	})
}

// matrix is a valid [[matrix]] block (lines 2-6 when it follows a one-line
// name).
const matrix = `[[matrix]]
strategies = ["readall"]
sizes = ["1MiB"]
workers = [1]
`

// seq is the integers from lo to hi, each formatted by format, as a TOML
// list's items.
func seq(lo, hi int, format string) string {
	var items []string
	for i := lo; i <= hi; i++ {
		items = append(items, fmt.Sprintf(format, i))
	}
	return strings.Join(items, ", ")
}

// cellNames are the cells' benchmark names, in order.
func cellNames(cells []spec.Cell) []string {
	var names []string
	for _, c := range cells {
		names = append(names, c.Name())
	}
	return names
}
