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

// Cell is one point of the matrix with everything needed to launch it,
// each dimension typed; its record in results (Record) and its name are
// derived from these fields.
type Cell struct {
	// Mode is the mode it runs in ("" for a reference command, which
	// its record names mode=external).
	Mode     strategy.Mode
	Strategy string // a strategy's name, or ref:NAME for a reference command
	Workload workload.Workload
	Size     int64 // bytes of its input
	Workers  int
	// Input is the user's file the cell reads; nil for a generated
	// fixture of Size bytes.
	Input *UserFile
	Ref   *Reference     // set for a reference command
	Knobs strategy.Knobs // the strategy knobs in full
	Env   []string       // GOGC=..., GOMEMLIMIT=..., GOMAXPROCS=... for the run's process, sorted
	// SampleEvery, if set, is the cell's sample_every knob: its RSS
	// sampling interval instead of the spec's.
	SampleEvery *time.Duration
	// Spike is the cell's spike knob: bytes exec allocates and touches
	// before the measured work (0: none).
	Spike int64
	// Cache is the page-cache state the cell runs in: its cache knob's,
	// or else the spec's.
	Cache Cache
	// varied are the knobs the cell's matrix varies, sorted: its record
	// names each by its canonical text.
	varied []string
	// nameCache: some cell of the spec varies the cache state, so every
	// cell's record names its own, and cold and warm cells are told apart
	// alike in names and claims.
	nameCache bool
}

// InputKnob is the cell knob naming a user's input file.
const InputKnob = "input"

// External is the mode a reference command's record names.
const External = "external"

// File is the path of the user's file the cell reads ("" for a generated
// fixture).
func (c Cell) File() string {
	if c.Input == nil {
		return ""
	}
	return c.Input.Path
}

// Record is the cell as results record it: the knobs its matrix varies in
// their canonical text (the registry's Knob.Format of the typed value, so
// that spellings of one value are one cell), its input's name and, where
// some cell of the spec varies it, its cache state.
func (c Cell) Record() results.Cell {
	r := results.Cell{Mode: c.Mode.String(), Strategy: c.Strategy, Workload: c.Workload.Name,
		Size: c.Size, SizeName: units.FormatSize(c.Size), Workers: c.Workers}
	if c.Ref != nil {
		r.Mode = External
	}
	if len(c.varied) == 0 && c.Input == nil && !c.nameCache {
		return r
	}
	r.Knobs = map[string]string{}
	for _, k := range c.varied {
		r.Knobs[k] = formatKnob(k, c)
	}
	if c.Input != nil {
		r.Knobs[InputKnob] = c.Input.Name
	}
	if c.nameCache {
		r.Knobs["cache"] = c.Cache.String()
	}
	return r
}

// Name is the cell's benchmark name.
func (c Cell) Name() string { return results.BenchName(c.Record()) }

// Cells expands the spec's matrices and references into cells, in a stable
// order, without duplicates. The yardsticks (Strategy.Yardstick: ceiling,
// pread) are not expanded in process mode.
func (s *Spec) Cells() []Cell {
	cells, _ := (&loader{Spec: s}).cells() // Load refused a spec whose cells clash
	return cells
}

// cells is Cells, and the error of two different cells that would have one
// name (a name replaces some characters, see results.BenchName): located at
// the block the second comes from, naming both.
func (s *loader) cells() ([]Cell, error) {
	var all []Cell
	var from []block // the block each of all comes from
	at := block{}
	add := func(c Cell) { all, from = append(all, c), append(from, at) }
	sizesSeen := map[int64]bool{}
	var allSizes []int64
	inputsSeen := map[string]bool{}
	var allInputs []*UserFile
	for i, m := range s.Matrix {
		at = block{"matrix", i}
		varied := slices.Sorted(maps.Keys(m.knobs))
		for _, combo := range knobCombos(m.knobs) {
			base := Cell{Knobs: strategy.DefaultKnobs(), Cache: s.Cache, varied: varied}
			for _, v := range combo {
				v.apply(&base) // parsed in Load
			}
			sort.Strings(base.Env)
			for _, mode := range m.Modes {
				for _, st := range m.Strategies {
					if row, err := strategy.Lookup(st); err == nil && !expanded(row, mode) {
						continue // checked at load: every name is a row
					}
					for _, w := range m.workloads {
						c := base
						c.Mode, c.Strategy, c.Workload = mode, st, w
						for _, z := range m.Sizes {
							size := int64(z)
							if !sizesSeen[size] {
								sizesSeen[size] = true
								allSizes = append(allSizes, size)
							}
							for _, n := range m.Workers {
								c.Size, c.Workers = size, n
								add(c)
							}
						}
						for k := range m.inputs {
							c.Input, c.Size = &m.inputs[k], m.inputs[k].Size
							if !inputsSeen[c.Input.Name] {
								inputsSeen[c.Input.Name] = true
								allInputs = append(allInputs, c.Input)
							}
							for _, n := range m.Workers {
								c.Workers = n
								add(c)
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
		// A reference runs on every size and every user file of the
		// matrices, or on its own sizes alone.
		sizes, inputs := allSizes, allInputs
		if len(r.Sizes) > 0 {
			sizes, inputs = nil, nil
			for _, z := range r.Sizes {
				sizes = append(sizes, int64(z))
			}
		}
		for _, size := range sizes {
			for _, n := range r.Workers {
				add(Cell{Strategy: "ref:" + r.Name, Workload: r.workload, Size: size, Workers: n,
					Knobs: strategy.DefaultKnobs(), Cache: s.Cache, Ref: r})
			}
		}
		for _, in := range inputs {
			for _, n := range r.Workers {
				add(Cell{Strategy: "ref:" + r.Name, Workload: r.workload, Size: in.Size, Input: in, Workers: n,
					Knobs: strategy.DefaultKnobs(), Cache: s.Cache, Ref: r})
			}
		}
	}
	// Where some cells vary the cache state, every cell names its own, so
	// that cold and warm cells are told apart alike in names and claims.
	named := slices.ContainsFunc(all, func(c Cell) bool { return slices.Contains(c.varied, "cache") })
	var cells []Cell
	seen := map[string]int{} // name → index in cells
	for i, c := range all {
		c.nameCache = named && !slices.Contains(c.varied, "cache")
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
	r := c.Record()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s\x00%d\x00%d", r.Mode, r.Strategy, r.Workload, r.Size, r.Workers)
	for _, k := range slices.Sorted(maps.Keys(r.Knobs)) {
		fmt.Fprintf(&b, "\x00%s=%s", k, r.Knobs[k])
	}
	return b.String()
}

// clash is the error of cells a and b, different but both named name, b
// coming from block at: it names what differs in both (two references'
// names, two files, two values of a knob).
func (s *loader) clash(a, b Cell, at block, name string) error {
	saved := s.block
	defer func() { s.block = saved }()
	s.block = at
	field, what := "", fmt.Sprintf("%q and %q", identity(a), identity(b))
	switch {
	case a.Strategy != b.Strategy && a.Ref != nil && b.Ref != nil:
		field, what = "name", fmt.Sprintf("references %q and %q", a.Ref.Name, b.Ref.Name)
	case a.File() != b.File():
		field, what = "files", fmt.Sprintf("%q and %q", a.File(), b.File())
	default:
		ka, kb := a.Record().Knobs, b.Record().Knobs
		for _, k := range slices.Sorted(maps.Keys(kb)) {
			if va, vb := ka[k], kb[k]; va != vb {
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
