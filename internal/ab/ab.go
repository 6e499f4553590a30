package ab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/compare"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/runner"
	"github.com/fanbench/fanbench/internal/spec"
)

// StateFile records, in an A/B results folder, everything --resume needs:
// the builds, the gates, the budget and the rounds of pairs planned so far.
const StateFile = "ab.json"

// Options configure one A/B comparison.
type Options struct {
	Spec       *spec.Spec
	Base, Head Build
	// Dir is the results folder; with Resume, the folder to continue.
	Dir        string
	Resume     bool
	FixtureDir string
	Gates      []compare.Gate
	// Report are metrics judged and shown but never failing (their own
	// Holm family): time on a machine too noisy to gate on.
	Report []compare.Gate
	Alpha  float64 // family false-alarm level (0.05)
	// Pairs is the first round's pairs per cell (default: the spec's
	// repetitions); Step the pairs added per round to cells still open
	// (default 4); MaxPairs the most any cell gets (default 30).
	Pairs, Step, MaxPairs int
	// Budget bounds the time spent running (0: no bound): no round is
	// started that would not fit, and the round under way stops at it.
	Budget time.Duration
	// ArmEnv adds environment to one arm's runs (calibration's injected
	// slowdown), by arm name.
	ArmEnv   map[string][]string
	Force    bool
	Progress io.Writer // run lines and fixture notes (stderr)
	Terminal bool
}

// round is one batch of pairs: every listed cell (all cells in the first)
// is brought up to Pairs pairs.
type round struct {
	Pairs int      `json:"pairs"`
	Cells []string `json:"cells,omitempty"`
}

// state is ab.json.
type state struct {
	Base     Build               `json:"base"`
	Head     Build               `json:"head"`
	Gates    string              `json:"gates"`
	Report   string              `json:"report,omitempty"`
	Alpha    float64             `json:"alpha"`
	Step     int                 `json:"step"`
	MaxPairs int                 `json:"max_pairs"`
	BudgetNs int64               `json:"budget_ns"`
	SpentNs  int64               `json:"spent_ns"`
	Seed     int64               `json:"seed"`
	Warmup   int                 `json:"warmup"`
	ArmEnv   map[string][]string `json:"arm_env,omitempty"`
	Rounds   []round             `json:"rounds"`
}

// Outcome is what a comparison found.
type Outcome struct {
	Dir        string
	Base, Head Build
	Analysis   *Analysis
	Rounds     int
	Spent      time.Duration
	Budget     time.Duration
	MaxPairs   int
	// Stopped says why no more pairs were added: "decided", "budget",
	// "max-pairs".
	Stopped string
}

// Run compares the two builds on the spec's cells (reference commands and
// claims are left out: they do not depend on the build). It returns the
// outcome with the judged analysis; an interruption returns an error that
// names the --resume command, with everything recorded kept.
func Run(ctx context.Context, o Options) (*Outcome, error) {
	st, err := o.initState()
	if err != nil {
		return nil, err
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	gates, err := compare.ParseGates(st.Gates)
	if err != nil {
		return nil, fmt.Errorf("%s: gates %q: %w", StateFile, st.Gates, err)
	}
	report, err := compare.ParseGates(st.Report)
	if err != nil {
		return nil, fmt.Errorf("%s: report %q: %w", StateFile, st.Report, err)
	}
	arms, err := st.arms()
	if err != nil {
		return nil, err
	}
	out := &Outcome{Dir: o.Dir, Base: st.Base, Head: st.Head, Budget: time.Duration(st.BudgetNs), MaxPairs: st.MaxPairs}
	resume := o.Resume
	before, err := readRuns(o.Dir) // the runs before each round
	if err != nil {
		return nil, err
	}
	for {
		spent, budgetHit, err := st.runRound(ctx, o, arms, resume)
		if err != nil {
			return nil, err
		}
		resume = true
		runs, err := readRuns(o.Dir)
		if err != nil {
			return nil, err
		}
		a, err := Analyze(runs, gates, report, st.Alpha)
		if err != nil {
			return nil, err
		}
		out.Analysis, out.Rounds, out.Spent = a, len(st.Rounds), time.Duration(st.SpentNs)
		next, stopped := st.nextRound(a, spent, (len(runs)-len(before))/2, budgetHit)
		before = runs
		if stopped != "" {
			out.Stopped = stopped
			return out, nil
		}
		st.Rounds = append(st.Rounds, next)
		if err := st.save(o.Dir); err != nil {
			return nil, err
		}
	}
}

// arms are the two arms' binaries, which must exist, and environments.
func (st *state) arms() (map[string]runner.Arm, error) {
	arms := map[string]runner.Arm{
		ArmBase: {Binary: st.Base.Binary, Env: st.ArmEnv[ArmBase]},
		ArmHead: {Binary: st.Head.Binary, Env: st.ArmEnv[ArmHead]},
	}
	for name, a := range arms {
		if _, err := os.Stat(a.Binary); err != nil {
			return nil, &BuildError{fmt.Sprintf("%s build: %v", name, err)}
		}
	}
	return arms, nil
}

// runRound runs the driver over the plan of the current round (resuming
// what the folder holds) within what is left of the budget, and saves
// the state with the time spent. A run stopped by the budget is no error
// (budgetHit); one stopped by ctx is, saying how to resume.
func (st *state) runRound(ctx context.Context, o Options, arms map[string]runner.Arm, resume bool) (spent time.Duration, budgetHit bool, err error) {
	budget := time.Duration(st.BudgetNs)
	rctx, cancel := ctx, context.CancelFunc(func() {})
	if budget > 0 {
		rctx, cancel = context.WithTimeout(ctx, budget-time.Duration(st.SpentNs))
	}
	sp := *o.Spec // a copy: the caller's spec keeps its claims
	sp.Claims = nil
	t0 := time.Now()
	_, err = runner.Run(rctx, runner.Options{Spec: &sp, Dir: o.Dir, Resume: resume, FixtureDir: o.FixtureDir,
		Self: st.Head.Binary, Force: o.Force, Progress: o.Progress, Terminal: o.Terminal, Log: o.Progress,
		Arms: arms, Plan: st.plan})
	cancel()
	spent = time.Since(t0)
	st.SpentNs += int64(spent)
	if serr := st.save(o.Dir); serr != nil && err == nil {
		err = serr
	}
	switch {
	case err == nil:
		return spent, false, nil
	case ctx.Err() != nil:
		return spent, false, fmt.Errorf("interrupted: runs so far kept in %s; continue with %s", o.Dir, cli.Command(cli.Program(), "ab", "--resume", o.Dir))
	case rctx.Err() != nil:
		return spent, true, nil
	default:
		return spent, false, err
	}
}

// nextRound decides, from the analysis after a round that took spent for
// newPairs pairs, whether to stop (why: budget, decided, max-pairs) or
// which round comes next: the undecided cells at Step more pairs.
func (st *state) nextRound(a *Analysis, spent time.Duration, newPairs int, budgetHit bool) (round, string) {
	budget := time.Duration(st.BudgetNs)
	open := a.Open()
	last := st.Rounds[len(st.Rounds)-1]
	next := min(last.Pairs+st.Step, st.MaxPairs)
	var cost time.Duration
	if newPairs > 0 {
		cost = spent / time.Duration(newPairs) * time.Duration(len(open)*(next-last.Pairs))
	}
	switch {
	case budgetHit:
		return round{}, "budget"
	case len(open) == 0:
		return round{}, "decided"
	case next <= last.Pairs:
		return round{}, "max-pairs"
	case budget > 0 && time.Duration(st.SpentNs)+cost > budget:
		return round{}, "budget"
	}
	cells := make([]string, 0, len(open))
	for c := range open {
		cells = append(cells, c)
	}
	sort.Strings(cells)
	return round{Pairs: next, Cells: cells}, ""
}

// initState makes a new comparison's state, or reads the one to resume.
func (o Options) initState() (*state, error) {
	if o.Resume {
		b, err := os.ReadFile(filepath.Join(o.Dir, StateFile))
		if err != nil {
			return nil, fmt.Errorf("resume %s: %w", o.Dir, err)
		}
		var st state
		if err := json.Unmarshal(b, &st); err != nil || len(st.Rounds) == 0 {
			return nil, fmt.Errorf("resume %s: %s is not an A/B state (%v)", o.Dir, StateFile, err)
		}
		return &st, nil
	}
	alpha, step, maxPairs, pairs := o.Alpha, o.Step, o.MaxPairs, o.Pairs
	if alpha == 0 {
		alpha = 0.05
	}
	if step == 0 {
		step = 4
	}
	if maxPairs == 0 {
		maxPairs = 30
	}
	if pairs == 0 {
		pairs = o.Spec.Repetitions
	}
	switch {
	case !(alpha > 0 && alpha < 1):
		return nil, fmt.Errorf("alpha %v: want a level between 0 and 1", alpha)
	case pairs < 1 || step < 1:
		return nil, fmt.Errorf("pairs %d, step %d: want at least 1", pairs, step)
	case maxPairs < pairs:
		return nil, fmt.Errorf("max-pairs %d is below the first round's %d pairs", maxPairs, pairs)
	case len(o.Gates) == 0:
		return nil, errors.New("no gates: nothing to judge")
	}
	gateText := func(gates []compare.Gate) string {
		var gs []string
		for _, g := range gates {
			gs = append(gs, g.String())
		}
		return strings.Join(gs, ",")
	}
	st := &state{Base: o.Base, Head: o.Head, Alpha: alpha, Step: step, MaxPairs: maxPairs, BudgetNs: int64(o.Budget),
		Seed: o.Spec.Seed, Warmup: o.Spec.Warmup, ArmEnv: o.ArmEnv, Rounds: []round{{Pairs: pairs}}}
	st.Gates, st.Report = gateText(o.Gates), gateText(o.Report)
	if _, err := results.CreateDir(o.Dir); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(o.Dir, results.RunsFile)); err == nil {
		return nil, fmt.Errorf("%s already holds runs: continue it with --resume, or choose another folder", o.Dir)
	}
	return st, st.save(o.Dir)
}

func (st *state) save(dir string) error {
	b, _ := json.MarshalIndent(st, "", "  ")
	tmp := filepath.Join(dir, StateFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save A/B state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, StateFile)); err != nil {
		return fmt.Errorf("save A/B state: %w", err)
	}
	return nil
}

// plan lays out every round's pairs over the spec's cells (reference
// commands left out): warm-up pairs first, then each round's new pairs in
// an order shuffled by the seed, each pair's two runs adjacent in an order
// drawn from the seed. The same state always gives the same plan, so the
// runner's resume skips exactly the runs already recorded.
func (st *state) plan(cells []spec.Cell) []runner.Planned {
	rng := rand.New(rand.NewPCG(uint64(st.Seed), 0x61622d70))
	idx := map[string]int{}
	var all []string
	for i, c := range cells {
		if c.Ref == nil {
			idx[c.Name()] = i
			all = append(all, c.Name())
		}
	}
	var out []runner.Planned
	pair := func(cell, rep int, warmup bool) {
		first, second := ArmBase, ArmHead
		if rng.IntN(2) == 1 {
			first, second = second, first
		}
		out = append(out, runner.Planned{Cell: cell, Rep: rep, Warmup: warmup, Arm: first},
			runner.Planned{Cell: cell, Rep: rep, Warmup: warmup, Arm: second})
	}
	for w := 0; w < st.Warmup; w++ {
		for _, name := range all {
			pair(idx[name], w-st.Warmup, true)
		}
	}
	done := map[string]int{}
	for _, r := range st.Rounds {
		names := r.Cells
		if names == nil {
			names = all
		}
		type p struct{ cell, rep int }
		var batch []p
		for _, name := range names {
			i, ok := idx[name]
			if !ok {
				continue
			}
			for rep := done[name]; rep < r.Pairs; rep++ {
				batch = append(batch, p{i, rep})
			}
			done[name] = max(done[name], r.Pairs)
		}
		rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		for _, b := range batch {
			pair(b.cell, b.rep, false)
		}
	}
	return out
}

func readRuns(dir string) ([]results.Run, error) {
	runs, _, err := results.ReadRuns(filepath.Join(dir, results.RunsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return runs, err
}
