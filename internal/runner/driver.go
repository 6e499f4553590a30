package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/shirou/gopsutil/v4/mem"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/lockfile"
	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

// Options configure one experiment invocation.
type Options struct {
	Spec        *spec.Spec
	ResultsRoot string    // results/ : the folder is ResultsRoot/<experiment>/<UTC time>
	Dir         string    // an explicit results folder (overrides ResultsRoot)
	Resume      bool      // continue the runs recorded in Dir
	FixtureDir  string    // fixtures/data
	Self        string    // the fanbench binary that runs `exec` (default os.Executable)
	Force       bool      // run cells the memory guard would skip
	RunPlan     *RunPlan  // the plan built by BuildPlan with the same options (nil: Run builds it)
	Progress    io.Writer // progress display (stderr)
	Terminal    bool      // Progress is a terminal: draw a bar
	Log         io.Writer // plain result lines (stdout)
	// Machine labels a shard's runs (RunPlan.Shard) in its shard.json,
	// for merge; "" leaves the label to merge (the hardware env.json
	// describes).
	Machine string

	// Arms, in an A/B comparison, are the builds that run the planned
	// runs naming them (Planned.Arm), by arm name; each record names its arm.
	Arms map[string]Arm
	// Plan, when set, replaces the spec's plan of runs over its cells (an
	// A/B comparison plans adjacent pairs, round by round).
	Plan func(cells []spec.Cell) []Planned

	memAvailable func() int64     // MemAvailable for the memory guard (default: the machine's)
	now          func() time.Time // the clock that names a new results folder (default time.Now)
	beforeRun    func(order int)  // test hook: called before each run is launched
	// newCgroup makes each run's cgroup (nil: measure.NewRunCgroup; a
	// test plays a machine where none can be made).
	newCgroup func(name string) (*measure.Cgroup, error)
}

// Arm is one build of an A/B comparison.
type Arm struct {
	Binary string   // the fanbench binary that runs `exec` for this arm
	Env    []string // extra environment of its runs (KEY=VALUE)
}

// Totals is what an experiment produced: its results folder, the counts of
// its runs, how busy the machine was, its claims' results and its duration.
type Totals struct {
	Dir     string
	Runs    int
	Failed  int
	Skipped int
	// Unverified counts the successful runs whose answers were not checked
	// (workloads without a reference), with the workloads' names.
	Unverified          int
	UnverifiedWorkloads []string
	// Load is how busy the machine was over the measured runs.
	Load     results.LoadSummary
	Verdicts []results.ClaimResult
	Elapsed  time.Duration
}

// SpecCopyName is the spec saved in each results folder, for resume and provenance.
const SpecCopyName = "spec.toml"

// Run executes an experiment: fixtures, references, the planned runs (each a
// fresh child process), results files and claims. Results are appended run by
// run, so an interruption loses at most the run under way.
func Run(ctx context.Context, o Options) (*Totals, error) {
	start := time.Now()
	if o.Self == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the fanbench binary: %w", err)
		}
		o.Self = self
	}
	x := &experiment{o: o, spec: o.Spec}
	if !o.Resume {
		// Decided before anything is written: what runs, what the memory
		// guard refuses, which fixtures are needed and whether they fit.
		if err := x.newPlan(); err != nil {
			return nil, err
		}
	}
	var err error
	if x.dir, err = o.resultsDir(); err != nil {
		return nil, err
	}
	unlock, err := lockDir(x.dir.Path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if *x.spec.Cgroup {
		o.removeStaleCgroups()
	}
	if o.Resume {
		err = x.resume()
	} else {
		err = x.saveProvenance()
	}
	if err != nil {
		return nil, err
	}
	if x.in, err = prepareInputs(ctx, o, x.plan); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted before the first run; continue with %s", resumeCommand(x.dir.Path))
		}
		return nil, err
	}
	env, err := x.environment()
	if err != nil {
		return nil, err
	}
	log, err := results.OpenRunLog(x.dir.RunsPath())
	if err != nil {
		return nil, err
	}
	defer log.Close()
	if o.Plan != nil {
		x.plan.Order = o.Plan(x.plan.Cells)
	}
	todo, err := x.pending()
	if err != nil {
		return nil, err
	}

	sum := &Totals{Dir: x.dir.Path}
	all, interrupted, err := x.runAll(ctx, log, todo)
	if err != nil {
		return sum, err
	}
	sum.count(all)
	if err := x.dir.WriteBench(env, all); err != nil {
		return sum, err
	}
	if interrupted != nil {
		sum.Elapsed = time.Since(start)
		return sum, fmt.Errorf("interrupted: %d runs recorded in %s; continue with %s", len(all), x.dir.Path, resumeCommand(x.dir.Path))
	}
	// A shard judges the claims on its own cells; merge judges them all.
	sum.Verdicts = spec.EvaluateClaims(x.plan.shardClaims(), all)
	if err := results.WriteClaims(x.dir.ClaimsPath(), sum.Verdicts); err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// experiment is the state of one Run once its results folder is chosen.
type experiment struct {
	o    Options
	spec *spec.Spec
	dir  results.Dir
	plan *RunPlan
	in   *inputs
	// prior are the runs a resumed folder already holds; done their keys.
	prior []results.Run
	done  map[string]bool
}

// newPlan takes the plan the caller built (Options.RunPlan) or builds it,
// and checks that its fixtures fit.
func (x *experiment) newPlan() error {
	o := x.o
	if x.plan = o.RunPlan; x.plan == nil {
		var err error
		if x.plan, err = BuildPlan(x.spec, o.FixtureDir, o.ResultsRoot, o.Force, o.memAvailable); err != nil {
			return err
		}
	}
	return x.plan.CheckSpace()
}

// resultsDir creates the results folder: Options.Dir, or a new
// ResultsRoot/<experiment>/<UTC time>, made exclusively (newDir).
func (o Options) resultsDir() (results.Dir, error) {
	if o.Dir != "" {
		return results.CreateDir(o.Dir)
	}
	now := time.Now
	if o.now != nil {
		now = o.now
	}
	base, err := experimentDir(o.ResultsRoot, o.Spec.Name, now())
	if err != nil {
		return results.Dir{}, err
	}
	return newDir(base)
}

// maxSameSecond is how many experiments of one name newDir gives folders
// within one second.
const maxSameSecond = 999

// newDir creates a fresh results folder named base, or, when a folder of
// that name exists (another experiment started in the same second),
// base-002, base-003, ...: three digits, so the names sort in the order
// the experiments started. A folder is never reused.
func newDir(base string) (results.Dir, error) {
	for n := 1; n <= maxSameSecond; n++ {
		path := base
		if n > 1 {
			path = fmt.Sprintf("%s-%03d", base, n)
		}
		d, err := results.CreateNewDir(path)
		if !errors.Is(err, fs.ErrExist) {
			return d, err
		}
	}
	return results.Dir{}, fmt.Errorf("create results folder: %s and %d more folders of the same second exist", base, maxSameSecond-1)
}

// removeStaleCgroups removes the (empty) run cgroups a driver killed by
// SIGKILL left behind, and says so.
func (o Options) removeStaleCgroups() {
	removed, err := measure.RemoveStaleRunCgroups()
	if len(removed) > 0 {
		fmt.Fprintf(o.Progress, "removed %d stale run cgroups of fanbench processes that are gone: %s\n", len(removed), strings.Join(removed, ", "))
	}
	if err != nil {
		fmt.Fprintf(o.Progress, "# warning: %v\n", oneLine(err.Error()))
	}
}

// resume reads a folder's plan settings and recorded runs, and plans
// again over the fixture folder it used.
func (x *experiment) resume() error {
	o, sp, dir := x.o, x.spec, x.dir
	fixtureDir, changed, err := loadPlan(dir.Path, sp, o.FixtureDir)
	if err != nil {
		return fmt.Errorf("resume %s: %w", dir.Path, err)
	}
	for _, c := range changed {
		fmt.Fprintln(o.Progress, c)
	}
	if cmds := commandLines(sp); len(cmds) > 0 {
		// A spec is code, like a Makefile: say what this one will run.
		fmt.Fprintf(o.Progress, "resume: %s runs these commands (a spec is code: resume only folders you trust):\n", sp.Path)
		for _, c := range cmds {
			fmt.Fprintf(o.Progress, "  %s\n", c)
		}
	}
	if err := results.RefuseLink(dir.RunsPath()); err != nil {
		return fmt.Errorf("resume %s: %w", dir.Path, err)
	}
	x.prior, _, err = results.ReadRuns(dir.RunsPath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // none: interrupted before the first run
		return fmt.Errorf("resume %s: %w", dir.Path, err)
	}
	x.done = map[string]bool{}
	for _, r := range x.prior {
		x.done[runKey(r.Cell, r.Rep, r.Warmup)] = true
	}
	sh, err := readShardIfAny(dir.Path)
	if err != nil {
		return fmt.Errorf("resume %s: %w", dir.Path, err)
	}
	if sh == nil {
		x.plan, err = BuildPlan(sp, fixtureDir, "", o.Force, o.memAvailable)
	} else {
		// A shard's folder resumes its own shard of the spec's runs.
		x.plan, err = BuildShardPlan(sp, fixtureDir, "", o.Force, o.memAvailable, sh.Shard)
	}
	if err != nil {
		return err
	}
	return x.plan.CheckSpace()
}

// saveProvenance writes a new folder's spec copy and plan settings, which
// resume reads.
func (x *experiment) saveProvenance() error {
	if err := os.WriteFile(filepath.Join(x.dir.Path, SpecCopyName), x.spec.Source(), 0o644); err != nil {
		return fmt.Errorf("save spec copy: %w", err)
	}
	if x.plan.Shard != nil {
		if err := WriteShardRecord(x.dir.Path, x.plan.ShardRecordOf(x.o.Machine)); err != nil {
			return err
		}
	}
	runs := len(x.plan.Order)
	if x.o.Plan != nil {
		runs = 0 // planned round by round (an A/B comparison): not fixed
	}
	return savePlan(x.dir.Path, x.spec, x.plan.FixtureDir, runs)
}

// environment is the folder's environment record: written for a new
// folder, the recorded one for a resumed folder (written now if it was
// interrupted before it was).
func (x *experiment) environment() (results.Environment, error) {
	in := x.in
	env := results.CollectEnvironment(in.paths...)
	env.Experiment = x.spec.Name
	seed := x.spec.Seed
	env.Seed = &seed
	for i := range env.Fixtures {
		env.Fixtures[i].Checksum = in.checksums[env.Fixtures[i].Path]
		env.Fixtures[i].Input = in.names[env.Fixtures[i].Path]
	}
	if x.o.Resume {
		if old, err := results.ReadEnv(x.dir.EnvPath()); err == nil {
			return old, nil
		}
	}
	return env, results.WriteEnv(x.dir.EnvPath(), env)
}

// pending counts the planned runs not yet recorded, and refuses a run
// naming an arm that has no build.
func (x *experiment) pending() (int, error) {
	cells := x.plan.Cells
	todo := 0
	for _, p := range x.plan.Order {
		if _, ok := x.o.Arms[p.Arm]; p.Arm != "" && !ok {
			return 0, fmt.Errorf("planned run of %s names arm %q, which has no build", cells[p.Cell].Name(), p.Arm)
		}
		if !x.done[runKey(p.record(cells[p.Cell]), p.Rep, p.Warmup)] {
			todo++
		}
	}
	return todo, nil
}

// runAll runs the planned runs not yet recorded, in order, appending each
// record to log as it finishes. It returns every record (the prior ones
// first) and, when ctx ended, why the runs stopped; err is a record that
// could not be written.
func (x *experiment) runAll(ctx context.Context, log *results.RunLog, todo int) (all []results.Run, interrupted, err error) {
	prog := newProgress(x.o, todo)
	defer prog.finish()
	all = append([]results.Run(nil), x.prior...)
	warnedCgroup := false
	for order, p := range x.plan.Order {
		c := x.plan.Cells[p.Cell]
		if x.done[runKey(p.record(c), p.Rep, p.Warmup)] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return all, err, nil
		}
		prog.describe(p.record(c), p)
		if x.o.beforeRun != nil {
			x.o.beforeRun(order)
		}
		r := x.runPlanned(ctx, order, c, p)
		// A disturbed run is run again, up to the spec's bound; the
		// record is the last attempt's, with the attempts counted.
		for a := 1; a <= x.spec.RerunDisturbed && r.Status == results.StatusOK && r.Load != nil && r.Load.Disturbed && ctx.Err() == nil; a++ {
			r = x.runPlanned(ctx, order, c, p)
			r.Attempts = a + 1
		}
		if ctx.Err() != nil && r.Status != results.StatusOK {
			// Interrupted mid-run: not recorded, so --resume runs it again.
			return all, ctx.Err(), nil
		}
		if err := log.Append(r); err != nil {
			return all, nil, fmt.Errorf("record run: %w", err)
		}
		all = append(all, r)
		prog.done(p.record(c), p, r)
		if r.CgroupNote != "" && !warnedCgroup {
			// Once: the reason is the machine's, the same for every run.
			warnedCgroup = true
			fmt.Fprintf(x.o.Progress, "# warning: no cgroup tree peak (%s) for this experiment's runs: %s\n", results.UnitTreeCgroup, oneLine(r.CgroupNote))
		}
	}
	return all, nil, nil
}

// runPlanned is the record of the planned run p of cell c, the order-th
// of the plan: skipped when the plan refused its cell, else launched with
// its arm's build.
func (x *experiment) runPlanned(ctx context.Context, order int, c spec.Cell, p Planned) results.Run {
	var r results.Run
	if why := x.plan.Skips[p.Cell]; why != "" {
		r = newRun(x.spec, c, p)
		r.Status, r.Reason = results.StatusSkipped, why
	} else {
		ro := x.o
		if a, ok := x.o.Arms[p.Arm]; ok {
			ro.Self, c.Env = a.Binary, append(slices.Clip(c.Env), a.Env...)
		}
		in := x.in
		answerFile := filepath.Join(x.dir.Path, fmt.Sprintf("answer-%d.txt", order))
		r = runOne(ctx, ro, x.spec, c, p, in.path(c), in.stamps[in.path(c)], in.refs[in.refKey(c)], answerFile)
	}
	r.Order = order
	return r
}

// count adds the measured runs of all (warm-ups aside) to s by status.
func (s *Totals) count(all []results.Run) {
	for _, r := range all {
		switch {
		case r.Warmup:
		case r.Status == results.StatusFailed:
			s.Failed++
		case r.Status == results.StatusSkipped:
			s.Skipped++
		default:
			s.Runs++
			s.Load.Add(r)
			if r.Unverified != "" {
				s.Unverified++
				if !slices.Contains(s.UnverifiedWorkloads, r.Cell.Workload) {
					s.UnverifiedWorkloads = append(s.UnverifiedWorkloads, r.Cell.Workload)
				}
			}
		}
	}
}

// experimentDir is the results folder ROOT/NAME/<UTC time> of an
// experiment started at t. It refuses a name that would put the folder
// anywhere but inside root (LoadSpec already refuses such names; this
// guards every other way a Spec is made).
func experimentDir(root, name string, t time.Time) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return "", fmt.Errorf("experiment name %q: want one folder name other than . and ..", name)
	}
	dir := filepath.Join(root, name, t.UTC().Format("20060102T150405Z"))
	if rel, err := filepath.Rel(root, dir); err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("experiment name %q: results folder %s is not inside the results root %s", name, dir, root)
	}
	return dir, nil
}

// runKey identifies a planned run among recorded ones, its knob values
// in canonical text: runs recorded by a fanbench that named cells by the
// spec's spelling (buf=65536, not buf=64KiB) are still found on resume.
func runKey(c results.Cell, rep int, warmup bool) string {
	if len(c.Knobs) > 0 {
		knobs := make(map[string]string, len(c.Knobs))
		for k, v := range c.Knobs {
			knobs[k] = spec.CanonKnob(k, v)
		}
		c.Knobs = knobs
	}
	return results.BenchName(c) + "#" + strconv.Itoa(rep) + "#" + strconv.FormatBool(warmup)
}

// runOne prepares the cache, launches one run and turns what it learned
// into a record. The run writes its answer's text to answerFile, which the
// driver checks against ref (verifyAnswer) and removes, or keeps when the
// answer is wrong.
func runOne(ctx context.Context, o Options, sp *spec.Spec, c spec.Cell, p Planned, path string, stamp fixtureStamp, ref inputRef, answerFile string) results.Run {
	r := newRun(sp, c, p)
	fail := func(format string, args ...any) results.Run {
		r.Status, r.Reason = results.StatusFailed, fmt.Sprintf(format, args...)
		return r
	}
	if why := memoryGuard(c, o.available(), o.Force); why != "" {
		r.Status, r.Reason = results.StatusSkipped, why
		return r
	}
	if why := inputChanged(c, path, stamp); why != "" {
		return fail("%s", why)
	}
	if ref.err != "" {
		return fail("%s", ref.err)
	}
	res, ok, err := prepareCache(path, r.CacheState)
	if err != nil {
		return fail("cache %s: %v", r.CacheState, err)
	}
	r.Residency, r.ResidencyOK = res, ok

	l := newLaunch(o, sp, c, path, ref, answerFile)
	if c.SampleEvery != nil {
		r.SampleEveryMs = float64(l.SampleEvery) / float64(time.Millisecond)
	}
	out := l.Run(ctx)
	r.Usage, r.TreePeaks, r.Samples, r.StderrTail, r.Load = out.Usage, out.TreePeaks, out.Samples, out.StderrTail, out.Load
	if out.Sampler.Count > 0 {
		r.Extra = map[string]float64{"sampler-cpu-sec": out.Sampler.CPU.Seconds(), "samples": float64(out.Sampler.Count)}
	} else if l.SampleEvery > 0 {
		r.SamplerNote = out.Sampler.Note()
	}
	if l.Cgroup {
		r.CgroupNote = out.CgroupNote
	}
	if out.Err != nil {
		return fail("%v%s", out.Err, lastLine(out.StderrTail))
	}
	r.StderrTail = ""
	if c.Ref != nil {
		err = referenceResult(&r, c.Ref, ref, out)
	} else {
		err = execResult(&r, ref, out, answerFile)
	}
	if err != nil {
		return fail("%v", err)
	}
	r.Status = results.StatusOK
	return r
}

// inputChanged says why the fixture or input at path may not be measured:
// a damaged one never is. Its size and mtime, recorded when its checksum
// was taken, are checked before every run.
func inputChanged(c spec.Cell, path string, stamp fixtureStamp) string {
	what := "fixture"
	if c.File() != "" {
		what = "input"
	}
	if now, err := stampOf(path); err != nil {
		return fmt.Sprintf("%s %s: %v", what, path, err)
	} else if now.Size != stamp.Size || !now.MTime.Equal(stamp.MTime) {
		return fmt.Sprintf("%s %s changed since it was verified: %s, was %s", what, path, now, stamp)
	}
	return ""
}

// newLaunch is the child of one run of c over path: a reference command,
// or `fanbench exec` told the reference answer and where to write its own.
func newLaunch(o Options, sp *spec.Spec, c spec.Cell, path string, ref inputRef, answerFile string) Launch {
	var l Launch
	if c.Ref != nil {
		l.Args = c.Command(path)
	} else {
		refJSON, _ := json.Marshal(ref.answer)
		l.Args = []string{o.Self, "exec", "--mode", c.Mode.String(), "--strategy", c.Strategy, "--workload", c.Workload.Name,
			"--workers", strconv.Itoa(c.Workers), "--answer-out", answerFile}
		if childNeedsForce(c, o) {
			l.Args = append(l.Args, "--force")
		}
		if ref.unverified == "" { // without a reference there is nothing for the run to check itself against
			l.Args = append(l.Args, "--expect", string(refJSON))
		}
		l.Args = append(l.Args, c.Knobs.Args()...)
		if c.Spike > 0 {
			l.Args = append(l.Args, "--spike", strconv.FormatInt(c.Spike, 10))
		}
		l.Args = append(l.Args, path)
	}
	l.Env, l.Timeout, l.Cgroup, l.Name = c.Env, sp.Timeout.Duration, *sp.Cgroup, c.Strategy
	l.SampleEvery, l.PSSEvery = sp.SampleEvery.Duration, sp.PSSEvery.Duration
	if c.SampleEvery != nil {
		l.SampleEvery = *c.SampleEvery
	}
	l.MemLimit, l.newCgroup = int64(sp.MemoryLimit), o.newCgroup
	return l
}

// referenceResult records in r what the run of the reference command cr
// learned: its wall time and, when it is verified by lines, the line count
// it printed, which must be the reference's.
func referenceResult(r *results.Run, cr *spec.Reference, ref inputRef, out Exit) error {
	r.ElapsedSec = out.Usage.WallSec
	if cr.Verify == "lines" {
		n, err := firstNumber(out.Stdout)
		if err != nil || n != ref.answer.Lines {
			return fmt.Errorf("reference %s printed %q, want %d lines", cr.Name, strings.TrimSpace(string(out.Stdout)), ref.answer.Lines)
		}
		r.Verified = true
	}
	return nil
}

// execResult records in r the report an exec child printed, and checks its
// answer (and the text it wrote to answerFile) against the reference.
func execResult(r *results.Run, ref inputRef, out Exit, answerFile string) error {
	var rep ExecReport
	if err := json.Unmarshal(lastJSONLine(out.Stdout), &rep); err != nil {
		return fmt.Errorf("exec printed no report: %w", err)
	}
	r.ElapsedSec, r.Memory, r.Runtime, r.Workers = rep.ElapsedSec, rep.Memory, rep.Runtime, rep.WorkerMemory
	r.Answer, _ = json.Marshal(rep.Answer)
	for k, v := range rep.Extra {
		if r.Extra == nil {
			r.Extra = map[string]float64{}
		}
		r.Extra[k] = v
	}
	if rep.TreeSumHWM > 0 {
		r.TreePeaks = append(r.TreePeaks, results.TreePeak{Bytes: rep.TreeSumHWM, Source: results.SourceSumHWM})
	}
	if ref.unverified != "" {
		if err := checkUnverified(ref.answer, rep.Answer, answerFile); err != nil {
			return err
		}
		r.Unverified = ref.unverified
		return nil
	}
	if err := verifyAnswer(ref.answer, rep.Answer, answerFile); err != nil {
		return err
	}
	if !rep.Verified {
		return fmt.Errorf("the run's own check did not pass, although its answer %v is the reference's", rep.Answer)
	}
	r.Verified = true
	return nil
}

// verifyAnswer is the driver's own check of a run, which does not take the
// run's word for it: the answer the run reported (counts and digest) must
// be the reference's, and the text it wrote to textFile must hash to the
// reference's digest. The file is removed when both hold and kept for
// inspection when not; the error names both answers.
func verifyAnswer(ref, reported workload.Answer, textFile string) error {
	ref, reported = ref.WithoutText(), reported.WithoutText()
	if reported != ref {
		return fmt.Errorf("wrong answer: the run reported %v, the reference is %v (its text: %s)", reported, ref, textFile)
	}
	text, err := os.ReadFile(textFile)
	if err != nil {
		return fmt.Errorf("answer text: %w", err)
	}
	sum := sha256.Sum256(text)
	got := hex.EncodeToString(sum[:])
	if ref.Digest == "" && len(text) == 0 { // a workload without an answer (none)
		got = ""
	}
	if got != ref.Digest {
		return fmt.Errorf("wrong answer text: %s (%d bytes) hashes to %s, the reference's digest is %s; the run reported %v",
			textFile, len(text), got, ref.Digest, reported)
	}
	if err := os.Remove(textFile); err != nil {
		return fmt.Errorf("answer text: %w", err)
	}
	return nil
}

// checkUnverified is the driver's check of a run of a workload without a
// reference: all it can check is that the run's workload saw every byte of
// the file once (want.Bytes) and wrote its answer's text, which it removes.
func checkUnverified(want, reported workload.Answer, textFile string) error {
	if reported.Workload != want.Workload || reported.Bytes != want.Bytes {
		return fmt.Errorf("wrong answer: the run's workload %s saw %d bytes, the file has %d (workload %s)",
			reported.Workload, reported.Bytes, want.Bytes, want.Workload)
	}
	if err := os.Remove(textFile); err != nil {
		return fmt.Errorf("answer text: %w", err)
	}
	return nil
}

// prepareCache brings the fixture into the spec's cache state and reports
// its residency and whether the state was reached (warm ≥ 95%, cold ≤ 5%).
func prepareCache(path, state string) (float64, bool, error) {
	if state == "cold" {
		if err := measure.Evict(path); err != nil {
			return -1, false, err
		}
		res, err := measure.Residency(path)
		return res, err == nil && res <= 0.05, err
	}
	res, err := measure.Residency(path)
	if err == nil && res >= 0.999 {
		return res, true, nil
	}
	if err := measure.Warm(path); err != nil {
		return -1, false, err
	}
	res, err = measure.Residency(path)
	return res, err == nil && res >= 0.95, err
}

// fixtureStamp is what is checked of a fixture before each run: cheap
// enough to do every time, and changed by any write or truncation.
type fixtureStamp struct {
	Size  int64
	MTime time.Time
}

func (s fixtureStamp) String() string {
	return fmt.Sprintf("size %d, mtime %s", s.Size, s.MTime.UTC().Format(time.RFC3339Nano))
}

func stampOf(path string) (fixtureStamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fixtureStamp{}, err
	}
	return fixtureStamp{Size: st.Size(), MTime: st.ModTime()}, nil
}

// available is MemAvailable for the memory guard: o's own source if it has
// one (tests), else the machine's.
func (o Options) available() int64 {
	if o.memAvailable != nil {
		return o.memAvailable()
	}
	return memAvailable()
}

// childNeedsForce reports whether the exec child of c is handed --force.
// The driver's memory guard has judged the cell already; the child's own
// judges it again against what is left when it starts, so it is told to
// skip that only where it could refuse: when the user forced the run, or
// the estimate is above half of the guard's share of MemAvailable now.
// Every other cell's child gets no --force, so an older binary that has no
// such flag (fanbench ab against a revision before it) runs it.
func childNeedsForce(c spec.Cell, o Options) bool {
	return o.Force || memoryGuard(c, o.available()/2, false) != ""
}

// memoryGuard returns why a cell must not run on a machine with avail bytes
// of MemAvailable (strategy.MemoryGuard: its estimated peak exceeds 80% of
// it), or "" if it may (or force is set, or avail is unknown).
func memoryGuard(c spec.Cell, avail int64, force bool) string {
	return strategy.MemoryGuard(estimatePeak(c), avail, force)
}

// estimatePeak is the cell's memory estimate: its strategy's (the one
// estimator, strategy.Strategy.EstimatePeak, which exec uses too), or for a
// reference command a process holding the file.
func estimatePeak(c spec.Cell) strategy.Estimate {
	const base = 64 << 20
	if c.Ref != nil {
		return strategy.Estimate{Bytes: base + c.Size, Formula: "64MiB + file " + units.FormatSize(c.Size)}
	}
	s, err := strategy.Lookup(c.Strategy)
	if err != nil {
		return strategy.Estimate{} // validated in LoadSpec
	}
	return s.EstimatePeak(strategy.Footprint{Mode: c.Mode, Size: c.Size, Workers: c.Workers, Knobs: c.Knobs,
		GCOff: slices.Contains(c.Env, "GOGC=off"), Spike: c.Spike})
}

func memAvailable() int64 {
	vm, err := mem.VirtualMemory()
	if err != nil {
		return 0
	}
	return int64(vm.Available)
}

// lastLine is the line of a failed child's stderr that best says why, as
// ": line": a Go panic or fatal error message (not the stack under it),
// with the signal line the runtime prints after it, if any ("[signal
// SIGBUS: bus error ...]"), or else the last line; "" for no stderr.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			why := strings.TrimSpace(l)
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "[signal ") {
				why += " " + strings.TrimSpace(lines[i+1])
			}
			return ": " + why
		}
	}
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return ": " + s
}

func lastJSONLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte{'\n'})
	for i := len(lines) - 1; i >= 0; i-- {
		if bytes.HasPrefix(lines[i], []byte{'{'}) {
			return lines[i]
		}
	}
	return nil
}

var numberRE = regexp.MustCompile(`[0-9]+`)

func firstNumber(b []byte) (int64, error) {
	m := numberRE.Find(b)
	if m == nil {
		return 0, errors.New("no number")
	}
	return strconv.ParseInt(string(m), 10, 64)
}

// lockDir takes an exclusive lock on a results folder for this process.
func lockDir(dir string) (func(), error) {
	l, err := lockfile.TryLock(filepath.Join(dir, ".lock"))
	var be *lockfile.BusyError
	if errors.As(err, &be) {
		return nil, fmt.Errorf("results folder %s is in use by another fanbench run (pid %s)", dir, be.PID)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	return l.Unlock, nil
}

// progress shows the run under way: a bar with ETA on a terminal, plain
// lines elsewhere.
type progress struct {
	o     Options
	bar   *progressbar.ProgressBar
	total int
	n     int
}

// progressWidth is the widest the progress line may be: it fits an
// 80-column terminal, so that it redraws in place instead of wrapping.
const progressWidth = 80

// progressBarWidth is the bar's own width in the progress line.
const progressBarWidth = 12

func newProgress(o Options, total int) *progress {
	p := &progress{o: o, total: total}
	if o.Terminal && o.Progress != nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(o.Progress), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetElapsedTime(true), progressbar.OptionSetWidth(progressBarWidth),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	return p
}

// progressRoom is how many columns the progress line leaves for the
// description of a run among total: the line is "100% |BAR| (N/TOTAL)
// [ELAPSED:LEFT] DESCRIPTION", the times at most "59m59s" each (longer
// runs take a column or two from the description: the description keeps
// a few more columns back than the worst case needs).
func progressRoom(total int) int {
	digits := len(strconv.Itoa(total))
	fixed := len("100% |") + progressBarWidth + len("| (/) ") + 2*digits + len("[59m59s:59m59s] ") + 4
	return max(progressWidth-fixed, 8)
}

// shortCellName is the cell in few columns for the progress line:
// "readall proc 1GiB ×4 #3" (strategy, mode, size, workers, repetition),
// the workload, arm and knobs that the spec varies after it; cut to room
// columns.
func shortCellName(c results.Cell, rep int, room int) string {
	parts := []string{c.Strategy}
	if c.Mode != "" {
		parts = append(parts, c.Mode[:min(4, len(c.Mode))])
	}
	if c.SizeName != "" {
		parts = append(parts, c.SizeName)
	}
	if c.Workers > 0 {
		parts = append(parts, "×"+strconv.Itoa(c.Workers))
	}
	parts = append(parts, "#"+strconv.Itoa(rep))
	if c.Workload != "" && c.Workload != "count" {
		parts = append(parts, c.Workload)
	}
	if c.Arm != "" {
		parts = append(parts, c.Arm)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Knobs)) {
		parts = append(parts, k+"="+c.Knobs[k])
	}
	r := []rune(strings.Join(parts, " "))
	if len(r) > room {
		r = append(r[:room-1], '…')
	}
	return string(r)
}

// describe shows the run pl of the cell recorded as c as the one under way.
func (p *progress) describe(c results.Cell, pl Planned) {
	if p.bar != nil {
		p.bar.Describe(shortCellName(c, pl.Rep, progressRoom(p.total)))
	}
}

// done counts the run pl of the cell recorded as c, its record r, and
// logs it.
func (p *progress) done(c results.Cell, pl Planned, r results.Run) {
	p.n++
	if p.bar != nil {
		p.bar.Add(1)
	}
	if p.o.Log == nil || (p.bar != nil && p.o.Log == p.o.Progress) {
		return
	}
	what := fmt.Sprintf("%.3fs", r.ElapsedSec)
	if r.Status != results.StatusOK {
		what = r.Status + ": " + r.Reason
	}
	kind := "rep " + strconv.Itoa(pl.Rep)
	if pl.Warmup {
		kind = "warm-up"
	}
	if p.bar == nil {
		fmt.Fprintf(p.o.Log, "[%d/%d] %s %s %s\n", p.n, p.total, results.BenchName(c), kind, what)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.o.Progress)
	}
}

// resumeCommand is the shell command that continues the experiment in
// dir, quoted for pasting.
func resumeCommand(dir string) string {
	return cli.Command(cli.Program(), "run", "--resume", dir)
}

// oneLine is s with its white space runs, line breaks included, one space.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
