package spec

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

// Cell is one point of the matrix with everything needed to launch it.
type Cell struct {
	results.Cell
	Knobs strategy.Knobs // the strategy knobs in full (Cell.Knobs holds only those the spec varies)
	Env   []string       // GOGC=..., GOMEMLIMIT=..., GOMAXPROCS=... for the run's process
	Ref   *Reference     // set for a reference command
	// mode is Cell.Mode typed, both set from the spec's parsed modes ("" for
	// a reference command).
	mode strategy.Mode
	// workload is Cell.Workload looked up, both set from the spec's parsed
	// workloads (a reference command's too).
	workload workload.Workload
	// File is the user's input file the cell reads (Knobs["input"] names
	// it); "" for a generated fixture of the cell's size.
	File string
	// SampleEvery, if set, is the cell's sample_every knob: its RSS
	// sampling interval instead of the spec's.
	SampleEvery *time.Duration
	// Spike is the cell's spike knob: bytes exec allocates and touches
	// before the measured work (0: none).
	Spike int64
}

// InputKnob is the cell knob naming a user's input file.
const InputKnob = "input"

// CacheState is the page-cache state the cell runs in: its cache knob, or
// else the spec's.
func (c Cell) CacheState(spec *Spec) string {
	if v := c.Cell.Knobs["cache"]; v != "" {
		return v
	}
	return spec.Cache
}

// Name is the cell's benchmark name.
func (c Cell) Name() string { return results.BenchName(c.Cell) }

// Cells expands the spec's matrices and references into cells, in a stable
// order, without duplicates. The yardsticks (Strategy.Yardstick: ceiling,
// pread) are not expanded in process mode.
func (s *Spec) Cells() []Cell {
	cells, _ := s.cells() // Load refused a spec whose cells clash
	return cells
}

// cells is Cells, and the error of two different cells that would have one
// name (a name replaces some characters, see results.BenchName): located at
// the block the second comes from, naming both.
func (s *Spec) cells() ([]Cell, error) {
	var all []Cell
	var from []block // the block each of all comes from
	at := block{}
	add := func(c Cell) { all, from = append(all, c), append(from, at) }
	sizesSeen := map[int64]bool{}
	var allSizes []int64
	for i, m := range s.Matrix {
		at = block{"matrix", i}
		for _, combo := range knobCombos(m.knobs) {
			base := Cell{Knobs: strategy.DefaultKnobs()}
			for _, v := range combo {
				v.apply(&base) // parsed in Load
			}
			sort.Strings(base.Env)
			texts := combo.texts()
			for _, mode := range m.modes {
				cell := func(w workload.Workload, rc results.Cell, file string) Cell {
					c := base
					c.Cell, c.File, c.mode, c.workload = rc, file, mode, w
					c.Cell.Mode, c.Cell.Workload = mode.String(), w.Name
					return c
				}
				for _, st := range m.Strategies {
					if row, err := strategy.Lookup(st); err == nil && !expanded(row, mode) {
						continue // checked at load: every name is a row
					}
					for _, w := range m.workloads {
						for _, size := range m.sizes {
							if !sizesSeen[size] {
								sizesSeen[size] = true
								allSizes = append(allSizes, size)
							}
							for _, n := range m.Workers {
								add(cell(w, results.Cell{Strategy: st, Size: size,
									SizeName: units.FormatSize(size), Workers: n, Knobs: texts}, ""))
							}
						}
						for _, in := range m.inputs {
							withInput := maps.Clone(texts)
							if withInput == nil {
								withInput = map[string]string{}
							}
							withInput[InputKnob] = in.Name
							for _, n := range m.Workers {
								add(cell(w, results.Cell{Strategy: st, Size: in.Size,
									SizeName: units.FormatSize(in.Size), Workers: n, Knobs: withInput}, in.Path))
							}
						}
					}
				}
			}
		}
	}
	for i := range s.References {
		r := &s.References[i]
		at = block{"reference", i}
		sizes := allSizes
		if len(r.sizes) > 0 {
			sizes = r.sizes
		}
		for _, size := range sizes {
			for _, n := range r.Workers {
				add(Cell{Cell: results.Cell{Mode: "external", Strategy: "ref:" + r.Name, Workload: r.Workload,
					Size: size, SizeName: units.FormatSize(size), Workers: n}, Knobs: strategy.DefaultKnobs(), Ref: r, workload: r.workload})
			}
		}
	}
	// Where some cells vary the cache state, every cell names its own, so
	// that cold and warm cells are told apart alike in names and claims.
	named := slices.ContainsFunc(all, func(c Cell) bool { return c.Cell.Knobs["cache"] != "" })
	var cells []Cell
	seen := map[string]int{} // name → index in cells
	for i, c := range all {
		if named && c.Cell.Knobs["cache"] == "" {
			c.Cell.Knobs = maps.Clone(c.Cell.Knobs)
			if c.Cell.Knobs == nil {
				c.Cell.Knobs = map[string]string{}
			}
			c.Cell.Knobs["cache"] = s.Cache
		}
		n := c.Name()
		j, dup := seen[n]
		if !dup {
			seen[n] = len(cells)
			cells = append(cells, c)
			continue
		}
		if o := cells[j]; identity(o) != identity(c) {
			return cells, s.clash(o, c, from[i], n)
		}
	}
	return cells, nil
}

// identity is what makes a cell itself, before its name replaces any
// character: two cells of one identity are one cell (a matrix may repeat
// another's), two of one name but not one identity clash.
func identity(c Cell) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%d\x00%d", c.Mode, c.Strategy, c.Workload, c.Size, c.Workers)
	for _, k := range slices.Sorted(maps.Keys(c.Cell.Knobs)) {
		fmt.Fprintf(&b, "\x00%s=%s", k, c.Cell.Knobs[k])
	}
	return b.String()
}

// clash is the error of cells a and b, different but both named name, b
// coming from block at: it names what differs in both (two references'
// names, two files, two values of a knob).
func (s *Spec) clash(a, b Cell, at block, name string) error {
	saved := s.block
	defer func() { s.block = saved }()
	s.block = at
	field, what := "", fmt.Sprintf("%q and %q", identity(a), identity(b))
	switch {
	case a.Strategy != b.Strategy && a.Ref != nil && b.Ref != nil:
		field, what = "name", fmt.Sprintf("references %q and %q", a.Ref.Name, b.Ref.Name)
	case a.File != b.File:
		field, what = "files", fmt.Sprintf("%q and %q", a.File, b.File)
	default:
		for _, k := range slices.Sorted(maps.Keys(b.Cell.Knobs)) {
			if va, vb := a.Cell.Knobs[k], b.Cell.Knobs[k]; va != vb {
				field, what = k, fmt.Sprintf("%s=%q and %s=%q", k, va, k, vb)
				break
			}
		}
	}
	return s.errAt(field, "%s would both be cell %s (a cell name replaces white space and '/' with '_'): rename one", what, name)
}

// expanded reports whether a matrix's strategy row makes cells in mode:
// the yardsticks (Strategy.Yardstick: ceiling, pread) are left out in
// process mode.
func expanded(row strategy.Strategy, mode strategy.Mode) bool {
	return !row.Yardstick || mode != strategy.Process
}

// combo is one choice of a value per knob, by name.
type combo map[string]knobValue

// texts are the combo's values' canonical texts (nil for no knobs).
func (c combo) texts() map[string]string {
	if len(c) == 0 {
		return nil
	}
	m := map[string]string{}
	for k, v := range c {
		m[k] = v.text
	}
	return m
}

// knobCombos is the cross product of the knob lists (one empty combo if none).
func knobCombos(knobs map[string][]knobValue) []combo {
	combos := []combo{nil}
	for _, k := range slices.Sorted(maps.Keys(knobs)) {
		var next []combo
		for _, c := range combos {
			for _, v := range knobs[k] {
				n := maps.Clone(c)
				if n == nil {
					n = combo{}
				}
				n[k] = v
				next = append(next, n)
			}
		}
		combos = next
	}
	return combos
}

func knobText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case bool:
		return strconv.FormatBool(t)
	default:
		return fmt.Sprint(v)
	}
}

// StrategyMode is the cell's mode, typed ("" for a reference command).
func (c Cell) StrategyMode() strategy.Mode { return c.mode }

// Workloader is the cell's workload, looked up when the spec was loaded.
func (c Cell) Workloader() workload.Workload { return c.workload }

// Command is a reference cell's command with {file} (file), {size} and
// {workers} (the cell's) replaced in every argument.
func (c Cell) Command(file string) []string {
	r := strings.NewReplacer("{file}", file, "{size}", strconv.FormatInt(c.Size, 10), "{workers}", strconv.Itoa(c.Workers))
	out := make([]string, len(c.Ref.Command))
	for i, a := range c.Ref.Command {
		out[i] = r.Replace(a)
	}
	return out
}
