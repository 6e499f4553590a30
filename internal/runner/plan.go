package runner

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

// RunPlan is what an experiment will do, decided before anything is
// written: its cells, the order of its runs, which cells the memory guard
// refuses (and why), the fixtures the remaining cells need, and an
// estimate of the time it takes. `fanbench run --dry-run` prints it;
// Run follows it, so only the fixtures of cells that run are made.
type RunPlan struct {
	Spec  *spec.Spec
	Cells []spec.Cell
	Order []Planned
	// Skips holds, per cell, the memory guard's reason for refusing it, or
	// "" when it runs.
	Skips []string
	// MemAvailable is the MemAvailable the guard judged against (0: unknown).
	MemAvailable int64
	// Fixtures are the generated fixtures the running cells read, by size.
	Fixtures []FixtureNeed
	// Inputs are the user's files the running cells read.
	Inputs []spec.UserFile
	// FixtureDir is where fixtures are looked for and generated.
	FixtureDir string
	// Free is the free space of FixtureDir's file system (-1: unknown).
	Free int64
	// Estimate is the expected duration, and how it was obtained.
	Estimate DurationEstimate
	// Shard, when set, is the part of the spec's runs the plan holds:
	// the runs of the cells ShardOf gives it.
	Shard *Shard
	// ShardOf is each cell's shard (1 to Shard.N); nil without Shard.
	ShardOf []int
}

// InShard reports whether cell i is in the plan's shard (every cell is
// when the plan is not a shard's).
func (p *RunPlan) InShard(i int) bool { return p.Shard == nil || p.ShardOf[i] == p.Shard.K }

// FixtureNeed is one generated fixture a plan needs.
type FixtureNeed struct {
	Generator fixture.Generator // the built-in one, or a user workload's own
	Size      int64
	Path      string
	Present   bool // recorded and of the right size: only its checksum is verified
}

// fixtureKey identifies a generated fixture within a plan: its generator
// (fixture.Generator.Name) and size (the seed is the spec's).
type fixtureKey struct {
	generator string
	size      int64
}

// generatorOf is the generator of the fixtures cell c reads: its
// workload's own, or the built-in one.
func generatorOf(c spec.Cell) fixture.Generator {
	return fixture.GeneratorOf(c.Workload)
}

// DurationEstimate is a plan's expected duration.
type DurationEstimate struct {
	Runs     time.Duration // the measured and warm-up runs that are not skipped
	Prepare  time.Duration // generating and verifying fixtures, reference answers
	FromPast int           // runs estimated from past results of the same cell
	Modelled int           // runs estimated by the rough model
}

// Total is the whole estimated duration.
func (e DurationEstimate) Total() time.Duration { return e.Runs + e.Prepare }

// Thresholds above which `fanbench run` asks before it starts.
const (
	ConfirmDuration = time.Hour
	ConfirmRuns     = 10000
)

// Rough model for runs with no past results, and for preparing fixtures
// (stated in the dry-run output). The rates are conservative figures of
// this project's machine: warm runs process ~1 GB/s, cold ones read at
// ~0.5 GB/s, parse scans ~0.5 GB/s per run; generation writes ~100 MB/s on
// a busy 2-core machine, verification and references read ~0.5 GB/s.
const (
	modelRunFixed  = 50 * time.Millisecond
	modelWarmRate  = 1e9
	modelColdRate  = 0.5e9
	modelParseRate = 0.5e9
	modelGenRate   = 100e6
	modelReadRate  = 0.5e9
)

// RoughModel describes the model in words, for the dry-run output.
const RoughModel = "50ms + size at 1 GB/s per warm run (0.5 GB/s cold or parse); generation 100 MB/s, verification and references 0.5 GB/s"

// NeedsConfirmation reports whether the plan is large enough that `run`
// should ask before starting it, and says why.
func (p *RunPlan) NeedsConfirmation() (string, bool) {
	n := p.RunCount()
	if n > ConfirmRuns || p.Estimate.Total() > ConfirmDuration {
		return fmt.Sprintf("%d runs, estimated %s", n, roundDuration(p.Estimate.Total())), true
	}
	return "", false
}

// RunCount is the number of runs that will be launched (skipped cells excluded).
func (p *RunPlan) RunCount() int {
	n := 0
	for _, o := range p.Order {
		if p.Skips[o.Cell] == "" {
			n++
		}
	}
	return n
}

// BuildPlan decides an experiment's plan without writing anything: the
// memory guard judges every cell first (force runs them all), then the
// fixtures of the cells that run are looked up in fixtureDir, and the
// duration is estimated from past results under resultsRoot ("" for none).
// avail is MemAvailable (nil: the machine's).
func BuildPlan(sp *spec.Spec, fixtureDir, resultsRoot string, force bool, avail func() int64) (*RunPlan, error) {
	return buildPlan(sp, fixtureDir, resultsRoot, force, avail, nil)
}

// BuildShardPlan is BuildPlan for shard sh of the spec's runs: the planned
// runs of the cells ShardCells gives it, in the order the whole plan has
// them, with only those cells' fixtures and estimate.
func BuildShardPlan(sp *spec.Spec, fixtureDir, resultsRoot string, force bool, avail func() int64, sh Shard) (*RunPlan, error) {
	return buildPlan(sp, fixtureDir, resultsRoot, force, avail, &sh)
}

func buildPlan(sp *spec.Spec, fixtureDir, resultsRoot string, force bool, avail func() int64, sh *Shard) (*RunPlan, error) {
	if avail == nil {
		avail = memAvailable
	}
	p := &RunPlan{Spec: sp, Cells: sp.Cells(), FixtureDir: fixtureDir, MemAvailable: avail()}
	// spec.Load and WithRepetitions refuse such a plan; a Spec changed by
	// hand is counted here, before the plan holds every run.
	if err := sp.CheckPlanSize(len(p.Cells)); err != nil {
		return nil, err
	}
	p.Order = Plan(PairGroups(p.Cells), sp.Repetitions, sp.Warmup, sp.Seed)
	if sh != nil {
		shardOf, err := ShardCells(sp, p.Cells, sh.N)
		if err != nil {
			return nil, err
		}
		p.Shard, p.ShardOf = sh, shardOf
		p.Order = slices.DeleteFunc(p.Order, func(o Planned) bool { return !p.InShard(o.Cell) })
	}
	p.Skips = make([]string, len(p.Cells))
	gens := map[fixtureKey]fixture.Generator{}
	files := map[string]bool{}
	for i, c := range p.Cells {
		if !p.InShard(i) {
			continue
		}
		if why := memoryGuard(c, p.MemAvailable, force); why != "" {
			p.Skips[i] = why
			continue
		}
		if c.File() != "" {
			files[c.File()] = true
		} else {
			g := generatorOf(c)
			gens[fixtureKey{g.Name, c.Size}] = g
		}
	}
	for _, m := range sp.Matrix {
		for _, in := range m.Inputs() {
			if files[in.Path] && !slices.ContainsFunc(p.Inputs, func(o spec.UserFile) bool { return o.Path == in.Path }) {
				p.Inputs = append(p.Inputs, in)
			}
		}
	}
	for k, g := range gens {
		present, err := fixture.Present(fixtureDir, g, k.size, sp.FixtureSeed)
		if err != nil {
			return nil, err
		}
		p.Fixtures = append(p.Fixtures, FixtureNeed{Generator: g, Size: k.size, Present: present,
			Path: filepath.Join(fixtureDir, g.FileName(k.size, sp.FixtureSeed))})
	}
	sort.Slice(p.Fixtures, func(i, j int) bool {
		a, b := p.Fixtures[i], p.Fixtures[j]
		if a.Size != b.Size {
			return a.Size < b.Size
		}
		return a.Generator.Name < b.Generator.Name
	})
	p.Free = -1
	if free, err := fixture.FreeSpace(fixtureDir); err == nil {
		p.Free = free
	}
	p.Estimate = p.estimate(pastWallTimes(resultsRoot))
	return p, nil
}

// Generate is the number of bytes of fixtures the plan has to generate.
func (p *RunPlan) Generate() int64 {
	var n int64
	for _, f := range p.Fixtures {
		if !f.Present {
			n += f.Size
		}
	}
	return n
}

// CheckSpace fails, naming the folder and the figures, when the fixtures to
// generate do not fit in the free space with generation's reserve, and
// first when their folder cannot be written (CheckFixtureDir).
func (p *RunPlan) CheckSpace() error {
	if err := p.CheckFixtureDir(); err != nil {
		return err
	}
	need := p.Generate()
	if need == 0 || p.Free < 0 || need+fixture.DiskMargin <= p.Free {
		return nil
	}
	return fmt.Errorf("fixtures to generate need %s (+%s kept in reserve) but %s has only %s free",
		units.HumanSize(float64(need)), units.HumanSize(fixture.DiskMargin), p.FixtureDir, units.HumanSize(float64(p.Free)))
}

// CheckFixtureDir checks, writing nothing, that the plan's fixture folder
// can be written (or made), when the plan needs a fixture (verifying one
// takes the folder's lock too): checked with the space, before Run makes
// its results folder, so that an unwritable folder leaves none half made.
func (p *RunPlan) CheckFixtureDir() error {
	if len(p.Fixtures) == 0 {
		return nil
	}
	return fixture.CheckWritable(p.FixtureDir)
}

// pastKey identifies a cell's runs across results folders: its benchmark
// name and its page-cache state.
func pastKey(c results.Cell, cache string) string { return results.BenchName(c) + "#" + cache }

// pastWallTimes reads every runs.jsonl under root/<experiment>/<time>/ and
// returns, per cell and cache state, the launcher wall times of its
// successful runs. Unreadable folders are ignored: this is an estimate.
func pastWallTimes(root string) map[string][]float64 {
	out := map[string][]float64{}
	if root == "" {
		return out
	}
	paths, _ := filepath.Glob(filepath.Join(root, "*", "*", results.RunsFile))
	for _, path := range paths {
		runs, _, err := results.ReadRuns(path)
		if err != nil {
			continue
		}
		for _, r := range runs {
			if r.Status == results.StatusOK && r.Usage.WallSec > 0 {
				k := pastKey(r.Cell, r.CacheState)
				out[k] = append(out[k], r.Usage.WallSec)
			}
		}
	}
	return out
}

func (p *RunPlan) estimate(past map[string][]float64) DurationEstimate {
	var e DurationEstimate
	perCell := make([]time.Duration, len(p.Cells))
	fromPast := make([]bool, len(p.Cells))
	for i, c := range p.Cells {
		cache := c.Cache.String()
		if v := past[pastKey(c.Record(), cache)]; len(v) > 0 {
			perCell[i] = time.Duration(results.Median(v) * float64(time.Second))
			fromPast[i] = true
			continue
		}
		perCell[i] = modelRun(p.Spec, c)
	}
	for _, o := range p.Order {
		if p.Skips[o.Cell] != "" {
			continue
		}
		e.Runs += perCell[o.Cell]
		if fromPast[o.Cell] {
			e.FromPast++
		} else {
			e.Modelled++
		}
	}
	for _, f := range p.Fixtures {
		if !f.Present {
			e.Prepare += time.Duration(float64(f.Size) / modelGenRate * float64(time.Second))
		}
		e.Prepare += time.Duration(float64(f.Size) / modelReadRate * float64(time.Second)) // checksum or first reference
	}
	for _, in := range p.Inputs {
		e.Prepare += time.Duration(float64(in.Size) / modelReadRate * float64(time.Second))
	}
	return e
}

// roundDuration rounds d for people: to seconds under an hour, else to minutes.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Hour {
		return d.Round(time.Second)
	}
	return d.Round(time.Minute)
}

// Write prints the plan for people: what would run, what would be
// generated against the free space, what the memory guard refuses and why,
// and how long it is expected to take.
func (p *RunPlan) Write(w io.Writer) {
	sp := p.Spec
	skipped := 0
	for _, s := range p.Skips {
		if s != "" {
			skipped++
		}
	}
	fmt.Fprintf(w, "plan: %s (experiment %q)\n", sp.Path, sp.Name)
	ncells := len(p.Cells)
	if p.Shard != nil {
		ncells = p.writeShard(w)
	}
	fmt.Fprintf(w, "cells: %d (%d to run, %d refused by the memory guard)\n", ncells, ncells-skipped, skipped)
	fmt.Fprintf(w, "runs: %d to launch (%d repetitions + %d warm-ups per cell, seed %d)\n",
		p.RunCount(), sp.Repetitions, sp.Warmup, sp.Seed)
	free := "free space unknown"
	if p.Free >= 0 {
		free = units.HumanSize(float64(p.Free)) + " free"
	}
	fmt.Fprintf(w, "fixtures in %s (%s):\n", p.FixtureDir, free)
	if len(p.Fixtures) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, f := range p.Fixtures {
		what := "present (checksum verified before the runs)"
		if !f.Present {
			what = "to generate, " + units.HumanSize(float64(f.Size))
		}
		fmt.Fprintf(w, "  %-8s %s: %s\n", units.FormatSize(f.Size), f.Path, what)
	}
	space := "fits"
	if err := p.CheckFixtureDir(); err != nil {
		space = "CANNOT BE WRITTEN: " + err.Error()
	} else if err := p.CheckSpace(); err != nil {
		space = "DOES NOT FIT: " + err.Error()
	}
	fmt.Fprintf(w, "  to generate: %s; %s\n", units.HumanSize(float64(p.Generate())), space)
	if len(p.Inputs) > 0 {
		fmt.Fprintln(w, "inputs (your files):")
		for _, in := range p.Inputs {
			fmt.Fprintf(w, "  input=%s %s: %s\n", in.Name, in.Path, units.HumanSize(float64(in.Size)))
		}
	}
	if skipped > 0 {
		avail := "unknown"
		if p.MemAvailable > 0 {
			avail = units.HumanSize(float64(p.MemAvailable))
		}
		fmt.Fprintf(w, "refused by the memory guard (MemAvailable %s; --force runs them):\n", avail)
		for i, s := range p.Skips {
			if s != "" {
				fmt.Fprintf(w, "  %s: %s\n", p.Cells[i].Name(), s)
			}
		}
	}
	e := p.Estimate
	var how []string
	if e.FromPast > 0 {
		how = append(how, fmt.Sprintf("%d runs from past results of the same cells", e.FromPast))
	}
	if e.Modelled > 0 {
		how = append(how, fmt.Sprintf("%d runs by a rough model", e.Modelled))
	}
	fmt.Fprintf(w, "estimated duration: %s (runs %s: %s; fixtures and references %s)\n",
		roundDuration(e.Total()), roundDuration(e.Runs), strings.Join(how, ", "), roundDuration(e.Prepare))
	if e.Modelled > 0 || len(p.Fixtures) > 0 {
		fmt.Fprintf(w, "rough model: %s\n", RoughModel)
	}
	if why, ok := p.NeedsConfirmation(); ok {
		fmt.Fprintf(w, "large: %s; `fanbench run` asks before starting it, or takes --yes\n", why)
	}
}

// inputs are the files a plan's running cells read, made ready: fixtures
// generated or verified, user files checksummed, reference answers
// computed, and each file's stamp for the check before every run.
type inputs struct {
	fixtures  map[fixtureKey]string   // generator and size → generated fixture path
	paths     []string                // every file, for the environment record
	checksums map[string]string       // path → "sha256:…"
	names     map[string]string       // user file path → input name
	stamps    map[string]fixtureStamp // path → as verified
	refs      map[string]inputRef     // refKey → reference answer or why there is none
}

// inputRef is a workload's reference answer over one file, or the reason
// its runs fail without being launched (a user file not in the workload's
// format). A workload without a reference (a user's) has only the file's
// size as its answer, and unverified says why its runs are not checked
// further.
type inputRef struct {
	answer     workload.Answer
	err        string
	unverified string
}

// path is the file cell c reads.
func (in *inputs) path(c spec.Cell) string {
	if c.File() != "" {
		return c.File()
	}
	return in.fixtures[fixtureKey{generatorOf(c).Name, c.Size}]
}

func (in *inputs) refKey(c spec.Cell) string { return in.path(c) + "\x00" + c.Workload.Name }

// prepareInputs makes ready the plan's fixtures (only those of cells that
// run) and user files, with the reference answers the running cells need.
func prepareInputs(ctx context.Context, o Options, p *RunPlan) (*inputs, error) {
	in := &inputs{fixtures: map[fixtureKey]string{}, checksums: map[string]string{}, names: map[string]string{},
		stamps: map[string]fixtureStamp{}, refs: map[string]inputRef{}}
	store, fixtures, err := in.ensureFixtures(ctx, o, p)
	if err != nil {
		return nil, err
	}
	if err := in.checkUserFiles(ctx, o, p); err != nil {
		return nil, err
	}
	if err := in.references(ctx, p, store, fixtures); err != nil {
		return nil, err
	}
	return in, nil
}

// ensureFixtures generates or verifies each fixture the plan needs, in
// the plan's fixture folder, and records its path, checksum and stamp. It
// returns the store (nil if no fixture is needed) and the fixtures by path.
func (in *inputs) ensureFixtures(ctx context.Context, o Options, p *RunPlan) (*fixture.Store, map[string]*fixture.Fixture, error) {
	fixtures := map[string]*fixture.Fixture{}
	if len(p.Fixtures) == 0 {
		return nil, fixtures, nil
	}
	store, err := fixture.Open(p.FixtureDir)
	if err != nil {
		return nil, nil, err
	}
	store.OnWait = func(pid string) {
		fmt.Fprintf(o.Progress, "(waiting for fanbench pid %s, which holds the fixture folder %s) ", pid, store.Dir)
	}
	for _, need := range p.Fixtures {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		fmt.Fprintf(o.Progress, "fixture %s: ", units.FormatSize(need.Size))
		start := time.Now()
		f, status, err := store.EnsureFrom(need.Generator, need.Size, p.Spec.FixtureSeed)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(o.Progress, "%s %s (%.1fs)\n", status, f.Path, time.Since(start).Seconds())
		in.fixtures[fixtureKey{need.Generator.Name, need.Size}] = f.Path
		in.paths = append(in.paths, f.Path)
		in.checksums[f.Path] = "sha256:" + f.SHA256
		fixtures[f.Path] = f
		if in.stamps[f.Path], err = stampOf(f.Path); err != nil {
			return nil, nil, err
		}
	}
	return store, fixtures, nil
}

// checkUserFiles checksums each user file of the plan, refusing one that
// changed since the spec was loaded or while its checksum was taken.
func (in *inputs) checkUserFiles(ctx context.Context, o Options, p *RunPlan) error {
	for _, u := range p.Inputs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		before, err := stampOf(u.Path)
		if err != nil {
			return fmt.Errorf("input %s: %w", u.Path, err)
		}
		if before.Size != u.Size {
			return fmt.Errorf("input %s changed since the spec was loaded: %d bytes, was %d", u.Path, before.Size, u.Size)
		}
		sum, err := fixture.FileSHA256(u.Path)
		if err != nil {
			return err
		}
		if after, err := stampOf(u.Path); err != nil || after != before {
			return fmt.Errorf("input %s changed while its checksum was taken", u.Path)
		}
		fmt.Fprintf(o.Progress, "input %s: %s sha256:%s\n", u.Name, u.Path, sum[:16])
		in.paths = append(in.paths, u.Path)
		in.checksums[u.Path] = "sha256:" + sum
		in.names[u.Path] = u.Name
		in.stamps[u.Path] = before
	}
	return nil
}

// references works out the reference answer of each input and workload
// a running cell uses: from the fixture store's cache, computed from a
// user's file (with why the file is not in the workload's format, if it
// is not), or, for a workload without a reference, only the bytes to see.
func (in *inputs) references(ctx context.Context, p *RunPlan, store *fixture.Store, fixtures map[string]*fixture.Fixture) error {
	for i, c := range p.Cells {
		if p.Skips[i] != "" || !p.InShard(i) {
			continue // a cell that does not run here needs no reference (its fixture is not made)
		}
		key := in.refKey(c)
		if _, ok := in.refs[key]; ok {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		w := c.Workload
		var ref inputRef
		var err error
		if !w.Verifiable() {
			ref.answer = workload.Answer{Workload: w.Name, Bytes: in.stamps[in.path(c)].Size}
			ref.unverified = fmt.Sprintf("workload %s has no reference implementation: only the bytes it was given were checked (%d)", w.Name, ref.answer.Bytes)
		} else if f := fixtures[in.path(c)]; f != nil {
			ref.answer, err = store.Reference(f, w)
		} else {
			ref.answer, err = fixture.ReferenceOf(c.File(), w)
			if err == nil {
				ref.err = notInFormat(c, ref.answer)
			}
		}
		if err != nil {
			return err
		}
		in.refs[key] = ref
	}
	return nil
}

// notInFormat says why a user's file cannot be measured by the cell's
// workload, or "" if it can. count takes any file; parse wants name;-12.3
// records: a file in which its reference finds no record, or more bad
// lines than records, is not in its format.
func notInFormat(c spec.Cell, a workload.Answer) string {
	if c.Workload.Name != "parse" || (a.Records > 0 && a.Bad <= a.Records) {
		return ""
	}
	return fmt.Sprintf("input %s is not in parse's format (name;-12.3 per line): %d records and %d bad lines among %d lines",
		c.Input.Name, a.Records, a.Bad, a.Lines)
}

// newRun is the record of run p of cell c before it starts.
func newRun(sp *spec.Spec, c spec.Cell, p Planned) results.Run {
	return results.Run{Experiment: sp.Name, Cell: p.record(c), Rep: p.Rep, Block: p.Block, Warmup: p.Warmup, Start: time.Now().UTC(),
		Bytes: c.Size, CacheState: c.Cache.String(), Residency: -1, SampleEveryMs: float64(sp.SampleEvery.Milliseconds())}
}
