package runner

import (
	"math/rand/v2"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// Planned is one run in the experiment's order.
type Planned struct {
	Cell   int // index into the cells
	Rep    int // repetition, from 0; warm-ups count from -Warmup
	Warmup bool
	Arm    string // in an A/B comparison, the arm (Options.Arms) that runs it
}

// record is the record of cell c, the cell p runs, named by p's arm.
func (p Planned) record(c spec.Cell) results.Cell {
	r := c.Record()
	r.Arm = p.Arm
	return r
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
