package runner

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/units"
)

// Cell is one point of the matrix with everything needed to launch it.
type Cell struct {
	results.Cell
	Knobs strategy.Knobs // the strategy knobs in full (Cell.Knobs holds only those the spec varies)
	Env   []string       // GOGC=..., GOMEMLIMIT=..., GOMAXPROCS=... for the run's process
	Ref   *Reference     // set for a reference command
	// File is the user's input file the cell reads (Knobs["input"] names
	// it); "" for a generated fixture of the cell's size.
	File string
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
// order, without duplicates. Ceiling and pread are goroutine-mode
// yardsticks and are not expanded in process mode.
func (s *Spec) Cells() []Cell {
	var all []Cell
	add := func(c Cell) { all = append(all, c) }
	sizesSeen := map[int64]bool{}
	var allSizes []int64
	for _, m := range s.Matrix {
		for _, combo := range knobCombos(m.Knobs) {
			knobs := strategy.DefaultKnobs()
			var env []string
			for k, v := range combo {
				if slices.Contains(envKnobs, k) {
					env = append(env, k+"="+v)
					continue
				}
				knobs, _ = applyKnob(knobs, k, v) // validated in LoadSpec
			}
			sort.Strings(env)
			for _, mode := range m.Modes {
				for _, st := range m.Strategies {
					if mode == "process" && (st == "ceiling" || st == "pread") {
						continue
					}
					for _, w := range m.Workloads {
						for _, sz := range m.Sizes {
							size, _ := units.ParseSize(sz)
							if !sizesSeen[size] {
								sizesSeen[size] = true
								allSizes = append(allSizes, size)
							}
							for _, n := range m.Workers {
								add(Cell{Cell: results.Cell{Mode: mode, Strategy: st, Workload: w, Size: size,
									SizeName: units.FormatSize(size), Workers: n, Knobs: combo}, Knobs: knobs, Env: env})
							}
						}
						for _, in := range m.inputs {
							withInput := maps.Clone(combo)
							if withInput == nil {
								withInput = map[string]string{}
							}
							withInput[InputKnob] = in.Name
							for _, n := range m.Workers {
								add(Cell{Cell: results.Cell{Mode: mode, Strategy: st, Workload: w, Size: in.Size,
									SizeName: units.FormatSize(in.Size), Workers: n, Knobs: withInput}, Knobs: knobs, Env: env, File: in.Path})
							}
						}
					}
				}
			}
		}
	}
	for i := range s.References {
		r := &s.References[i]
		sizes := allSizes
		if len(r.Sizes) > 0 {
			sizes = nil
			for _, sz := range r.Sizes {
				n, _ := units.ParseSize(sz)
				sizes = append(sizes, n)
			}
		}
		for _, size := range sizes {
			for _, n := range r.Workers {
				add(Cell{Cell: results.Cell{Mode: "external", Strategy: "ref:" + r.Name, Workload: r.Workload,
					Size: size, SizeName: units.FormatSize(size), Workers: n}, Knobs: strategy.DefaultKnobs(), Ref: r})
			}
		}
	}
	// Where some cells vary the cache state, every cell names its own, so
	// that cold and warm cells are told apart alike in names and claims.
	named := slices.ContainsFunc(all, func(c Cell) bool { return c.Cell.Knobs["cache"] != "" })
	var cells []Cell
	seen := map[string]bool{}
	for _, c := range all {
		if named && c.Cell.Knobs["cache"] == "" {
			c.Cell.Knobs = maps.Clone(c.Cell.Knobs)
			if c.Cell.Knobs == nil {
				c.Cell.Knobs = map[string]string{}
			}
			c.Cell.Knobs["cache"] = s.Cache
		}
		if n := c.Name(); !seen[n] {
			seen[n] = true
			cells = append(cells, c)
		}
	}
	return cells
}

// knobCombos is the cross product of the knob lists (one empty combo if none).
func knobCombos(knobs map[string][]any) []map[string]string {
	combos := []map[string]string{nil}
	keys := make([]string, 0, len(knobs))
	for k := range knobs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		var next []map[string]string
		for _, c := range combos {
			for _, v := range knobs[k] {
				n := map[string]string{}
				for ck, cv := range c {
					n[ck] = cv
				}
				n[k] = knobText(v)
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

// Planned is one run in the experiment's order.
type Planned struct {
	Cell   int // index into the cells
	Rep    int // repetition, from 0; warm-ups count from -Warmup
	Warmup bool
	Arm    string // in an A/B comparison, the arm (Options.Arms) that runs it
}

// cellOf is the cell p runs, named by its arm.
func (p Planned) cellOf(cells []Cell) Cell {
	c := cells[p.Cell]
	c.Cell.Arm = p.Arm
	return c
}

// Plan orders the runs: every cell's warm-up runs first (in cell order),
// then all measured repetitions interleaved in an order shuffled by seed,
// so that drift in the machine spreads over all cells instead of biasing one.
func Plan(ncells, reps, warmup int, seed int64) []Planned {
	var plan []Planned
	for w := 0; w < warmup; w++ {
		for c := 0; c < ncells; c++ {
			plan = append(plan, Planned{Cell: c, Rep: w - warmup, Warmup: true})
		}
	}
	var measured []Planned
	for r := 0; r < reps; r++ {
		for c := 0; c < ncells; c++ {
			measured = append(measured, Planned{Cell: c, Rep: r})
		}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x66616e62))
	rng.Shuffle(len(measured), func(i, j int) { measured[i], measured[j] = measured[j], measured[i] })
	return append(plan, measured...)
}

// expand replaces {file}, {size} and {workers} in a reference command.
func expand(args []string, file string, c Cell) []string {
	r := strings.NewReplacer("{file}", file, "{size}", strconv.FormatInt(c.Size, 10), "{workers}", strconv.Itoa(c.Workers))
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = r.Replace(a)
	}
	return out
}
