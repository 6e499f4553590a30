package runner

import (
	"math/rand/v2"
	"strconv"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// Planned is one run in the experiment's order.
type Planned struct {
	Cell   int // index into the cells
	Rep    int // repetition, from 0; warm-ups count from -Warmup
	Warmup bool
	Arm    string // in an A/B comparison, the arm (Options.Arms) that runs it
	// Block numbers, from 1, the block of adjacent runs this measured run
	// belongs to: repetition Rep of every cell of its pair group, run one
	// after another (Plan). 0 for a warm-up and in an A/B comparison's
	// plan, whose pairs are its own.
	Block int
}

// record is the record of cell c, the cell p runs, named by p's arm.
func (p Planned) record(c spec.Cell) results.Cell {
	r := c.Record()
	r.Arm = p.Arm
	return r
}

// Plan orders the runs of cells whose pair groups (PairGroups) are group:
// every cell's warm-up runs first (in cell order), then the measured
// repetitions in blocks. A block is one repetition of every cell of one
// pair group, in an order shuffled by seed; the blocks themselves are
// shuffled by seed too. So the cells a verdict or a claim compares run
// moments apart in every repetition, and their runs pair by block (the
// machine's load at that moment is common to the pair, as in fanbench
// ab), while drift in the machine still spreads over all cells instead of
// biasing one.
func Plan(group []int, reps, warmup int, seed int64) []Planned {
	ncells := len(group)
	var plan []Planned
	for w := 0; w < warmup; w++ {
		for c := 0; c < ncells; c++ {
			plan = append(plan, Planned{Cell: c, Rep: w - warmup, Warmup: true})
		}
	}
	var members [][]int // each group's cells, in cell order
	index := map[int]int{}
	for c, g := range group {
		i, ok := index[g]
		if !ok {
			i = len(members)
			index[g] = i
			members = append(members, nil)
		}
		members[i] = append(members[i], c)
	}
	var blocks [][]Planned
	for r := 0; r < reps; r++ {
		for _, cells := range members {
			b := make([]Planned, len(cells))
			for i, c := range cells {
				b[i] = Planned{Cell: c, Rep: r}
			}
			blocks = append(blocks, b)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x66616e62))
	rng.Shuffle(len(blocks), func(i, j int) { blocks[i], blocks[j] = blocks[j], blocks[i] })
	for n, b := range blocks {
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		for _, p := range b {
			p.Block = n + 1
			plan = append(plan, p)
		}
	}
	return plan
}

// PairGroups numbers the cells that pair with each other, from 0 in order
// of their first cell: cells that differ only in strategy and knobs (the
// series a verdict compares at one point; the page-cache state is a knob
// here, so that a claim comparing a cold cell with its warm twin pairs
// too), that is of one workload, mode, input, size and worker count.
func PairGroups(cells []spec.Cell) []int {
	group := make([]int, len(cells))
	first := map[string]int{}
	for i, c := range cells {
		r := c.Record()
		k := r.Workload + "\x00" + r.Mode + "\x00" + c.File() + "\x00" +
			strconv.FormatInt(c.Size, 10) + "\x00" + strconv.Itoa(c.Workers)
		g, ok := first[k]
		if !ok {
			g = len(first)
			first[k] = g
		}
		group[i] = g
	}
	return group
}
