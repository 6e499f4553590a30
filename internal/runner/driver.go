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
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/shirou/gopsutil/v4/mem"

	"github.com/fanbench/fanbench/internal/lockfile"
	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

// Options configure one experiment invocation.
type Options struct {
	Spec        *Spec
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

	// Arms, in an A/B comparison, are the builds that run the planned
	// runs naming them (Planned.Arm), by arm name; each record names its arm.
	Arms map[string]Arm
	// Plan, when set, replaces the spec's plan of runs over its cells (an
	// A/B comparison plans adjacent pairs, round by round).
	Plan func(cells []Cell) []Planned

	memAvailable func() int64    // MemAvailable for the memory guard (default: the machine's)
	beforeRun    func(order int) // test hook: called before each run is launched
}

// Arm is one build of an A/B comparison.
type Arm struct {
	Binary string   // the fanbench binary that runs `exec` for this arm
	Env    []string // extra environment of its runs (KEY=VALUE)
}

// Summary is what an experiment produced.
type Summary struct {
	Dir      string
	Runs     int
	Failed   int
	Skipped  int
	Verdicts []results.Verdict
	Elapsed  time.Duration
}

// SpecCopyName is the spec saved in each results folder, for resume and provenance.
const SpecCopyName = "spec.toml"

// Run executes an experiment: fixtures, references, the planned runs (each a
// fresh child process), results files and claims. Results are appended run by
// run, so an interruption loses at most the run under way.
func Run(ctx context.Context, o Options) (*Summary, error) {
	start := time.Now()
	spec := o.Spec
	if o.Self == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find the fanbench binary: %w", err)
		}
		o.Self = self
	}
	var plan *RunPlan
	if !o.Resume {
		// Decided before anything is written: what runs, what the memory
		// guard refuses, which fixtures are needed and whether they fit.
		if plan = o.RunPlan; plan == nil {
			var err error
			if plan, err = BuildPlan(spec, o.FixtureDir, o.ResultsRoot, o.Force, o.memAvailable); err != nil {
				return nil, err
			}
		}
		if err := plan.CheckSpace(); err != nil {
			return nil, err
		}
	}
	dirPath := o.Dir
	if dirPath == "" {
		var err error
		if dirPath, err = experimentDir(o.ResultsRoot, spec.Name, time.Now()); err != nil {
			return nil, err
		}
	}
	dir, err := results.CreateDir(dirPath)
	if err != nil {
		return nil, err
	}
	unlock, err := lockDir(dir.Path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	sum := &Summary{Dir: dir.Path}
	if *spec.Cgroup {
		// A driver killed by SIGKILL leaves its run's (empty) cgroup behind.
		removed, err := measure.RemoveStaleRunCgroups()
		if len(removed) > 0 {
			fmt.Fprintf(o.Progress, "removed %d stale run cgroups of fanbench processes that are gone: %s\n", len(removed), strings.Join(removed, ", "))
		}
		if err != nil {
			fmt.Fprintf(o.Progress, "# warning: %v\n", oneLine(err.Error()))
		}
	}

	var done map[string]bool
	var prior []results.Run
	if o.Resume {
		fixtureDir, changed, err := loadPlan(dir.Path, spec, o.FixtureDir)
		if err != nil {
			return nil, fmt.Errorf("resume %s: %w", dir.Path, err)
		}
		for _, c := range changed {
			fmt.Fprintln(o.Progress, c)
		}
		if cmds := commandLines(spec); len(cmds) > 0 {
			// A spec is code, like a Makefile: say what this one will run.
			fmt.Fprintf(o.Progress, "resume: %s runs these commands (a spec is code: resume only folders you trust):\n", spec.Path)
			for _, c := range cmds {
				fmt.Fprintf(o.Progress, "  %s\n", c)
			}
		}
		prior, _, err = dir.ReadRuns()
		if err != nil && !errors.Is(err, fs.ErrNotExist) { // none: interrupted before the first run
			return nil, fmt.Errorf("resume %s: %w", dir.Path, err)
		}
		done = map[string]bool{}
		for _, r := range prior {
			done[runKey(r.Cell, r.Rep, r.Warmup)] = true
		}
		if plan, err = BuildPlan(spec, fixtureDir, "", o.Force, o.memAvailable); err != nil {
			return nil, err
		}
		if err := plan.CheckSpace(); err != nil {
			return nil, err
		}
	} else if err := os.WriteFile(filepath.Join(dir.Path, SpecCopyName), spec.src, 0o644); err != nil {
		return nil, fmt.Errorf("save spec copy: %w", err)
	} else if err := savePlan(dir.Path, spec, plan.FixtureDir); err != nil {
		return nil, err
	}

	cells := plan.Cells
	in, err := prepareInputs(ctx, o, plan)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted before the first run; continue with --resume %s", dir.Path)
		}
		return nil, err
	}

	env := results.CollectEnvironment(in.paths...)
	env.Experiment = spec.Name
	seed := spec.Seed
	env.Seed = &seed
	for i := range env.Fixtures {
		env.Fixtures[i].Checksum = in.checksums[env.Fixtures[i].Path]
		env.Fixtures[i].Input = in.names[env.Fixtures[i].Path]
	}
	if !o.Resume {
		if err := dir.WriteEnv(env); err != nil {
			return nil, err
		}
	} else if old, err := dir.ReadEnv(); err == nil {
		env = old
	} else if err := dir.WriteEnv(env); err != nil { // none: interrupted before it was written
		return nil, err
	}

	log, err := dir.OpenRunLog()
	if err != nil {
		return nil, err
	}
	defer log.Close()

	if o.Plan != nil {
		plan.Order = o.Plan(cells)
	}
	todo := 0
	for _, p := range plan.Order {
		if _, ok := o.Arms[p.Arm]; p.Arm != "" && !ok {
			return nil, fmt.Errorf("planned run of %s names arm %q, which has no build", cells[p.Cell].Name(), p.Arm)
		}
		if !done[runKey(p.cellOf(cells).Cell, p.Rep, p.Warmup)] {
			todo++
		}
	}
	prog := newProgress(o, todo)
	all := append([]results.Run(nil), prior...)
	var interrupted error
	warnedCgroup := false
	for order, p := range plan.Order {
		c := p.cellOf(cells)
		if done[runKey(c.Cell, p.Rep, p.Warmup)] {
			continue
		}
		if err := ctx.Err(); err != nil {
			interrupted = err
			break
		}
		prog.describe(c, p)
		if o.beforeRun != nil {
			o.beforeRun(order)
		}
		ro := o
		if a, ok := o.Arms[p.Arm]; ok {
			ro.Self, c.Env = a.Binary, append(slices.Clip(c.Env), a.Env...)
		}
		var r results.Run
		if why := plan.Skips[p.Cell]; why != "" {
			r = newRun(spec, c, p)
			r.Status, r.Reason = results.StatusSkipped, why
		} else {
			answerFile := filepath.Join(dir.Path, fmt.Sprintf("answer-%d.txt", order))
			r = runOne(ctx, ro, spec, c, p, in.path(c), in.stamps[in.path(c)], in.refs[in.refKey(c)], answerFile)
		}
		r.Order = order
		if ctx.Err() != nil && r.Status != results.StatusOK {
			// Interrupted mid-run: not recorded, so --resume runs it again.
			interrupted = ctx.Err()
			break
		}
		if err := log.Append(r); err != nil {
			return sum, fmt.Errorf("record run: %w", err)
		}
		all = append(all, r)
		prog.done(c, p, r)
		if r.CgroupNote != "" && !warnedCgroup {
			// Once: the reason is the machine's, the same for every run.
			warnedCgroup = true
			unit, _ := results.TreePeakUnit(measure.SourceCgroupV2)
			fmt.Fprintf(o.Progress, "# warning: no cgroup tree peak (%s) for this experiment's runs: %s\n", unit, oneLine(r.CgroupNote))
		}
	}
	prog.finish()

	for _, r := range all {
		switch {
		case r.Warmup:
		case r.Status == results.StatusFailed:
			sum.Failed++
		case r.Status == results.StatusSkipped:
			sum.Skipped++
		default:
			sum.Runs++
		}
	}
	if err := dir.WriteBench(env, all); err != nil {
		return sum, err
	}
	if interrupted != nil {
		sum.Elapsed = time.Since(start)
		return sum, fmt.Errorf("interrupted: %d runs recorded in %s; continue with --resume %s", len(all), dir.Path, dir.Path)
	}
	sum.Verdicts = EvaluateClaims(spec.Claims, all)
	if err := dir.WriteClaims(sum.Verdicts); err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
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

// runKey identifies a planned run among recorded ones.
func runKey(c results.Cell, rep int, warmup bool) string {
	return results.BenchName(c) + "#" + strconv.Itoa(rep) + "#" + strconv.FormatBool(warmup)
}

// runOne prepares the cache, launches one run and turns what it learned
// into a record. The run writes its answer's text to answerFile, which the
// driver checks against ref (verifyAnswer) and removes, or keeps when the
// answer is wrong.
func runOne(ctx context.Context, o Options, spec *Spec, c Cell, p Planned, path string, stamp fixtureStamp, ref inputRef, answerFile string) results.Run {
	r := newRun(spec, c, p)
	fail := func(format string, args ...any) results.Run {
		r.Status, r.Reason = results.StatusFailed, fmt.Sprintf(format, args...)
		return r
	}
	avail := o.memAvailable
	if avail == nil {
		avail = memAvailable
	}
	if why := memoryGuard(c, avail(), o.Force); why != "" {
		r.Status, r.Reason = results.StatusSkipped, why
		return r
	}
	// A damaged fixture or input is never measured: its size and mtime,
	// recorded when its checksum was taken, are checked before every run.
	what := "fixture"
	if c.File != "" {
		what = "input"
	}
	if now, err := stampOf(path); err != nil {
		return fail("%s %s: %v", what, path, err)
	} else if now.Size != stamp.Size || !now.MTime.Equal(stamp.MTime) {
		return fail("%s %s changed since it was verified: %s, was %s", what, path, now, stamp)
	}
	if ref.err != "" {
		return fail("%s", ref.err)
	}
	res, ok, err := prepareCache(path, r.CacheState)
	if err != nil {
		return fail("cache %s: %v", r.CacheState, err)
	}
	r.Residency, r.ResidencyOK = res, ok

	var l Launch
	if c.Ref != nil {
		l.Args = expand(c.Ref.Command, path, c)
	} else {
		refJSON, _ := json.Marshal(ref.answer)
		// --force: the driver's memory guard has judged the cell already
		// (the child's own would judge it again against less memory).
		l.Args = append([]string{o.Self, "exec", "--force", "--mode", c.Mode, "--strategy", c.Strategy, "--workload", c.Workload,
			"--workers", strconv.Itoa(c.Workers), "--expect", string(refJSON), "--answer-out", answerFile}, c.Knobs.Args()...)
		if c.Spike > 0 {
			l.Args = append(l.Args, "--spike", strconv.FormatInt(c.Spike, 10))
		}
		l.Args = append(l.Args, path)
	}
	l.Env, l.Timeout, l.Cgroup, l.Name = c.Env, spec.Timeout.Duration, *spec.Cgroup, c.Strategy
	l.SampleEvery, l.PSSEvery = spec.SampleEvery.Duration, spec.PSSEvery.Duration
	if c.SampleEvery != nil {
		l.SampleEvery = *c.SampleEvery
		r.SampleEveryMs = float64(l.SampleEvery) / float64(time.Millisecond)
	}
	l.MemLimit = spec.MemLimit
	out := l.Run(ctx)
	r.Usage, r.TreePeaks, r.Samples, r.StderrTail = out.Usage, out.TreePeaks, out.Samples, out.StderrTail
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
		r.ElapsedSec = out.Usage.WallSec
		r.Status = results.StatusOK
		if c.Ref.Verify == "lines" {
			n, err := firstNumber(out.Stdout)
			if err != nil || n != ref.answer.Lines {
				return fail("reference %s printed %q, want %d lines", c.Ref.Name, strings.TrimSpace(string(out.Stdout)), ref.answer.Lines)
			}
			r.Verified = true
		}
		return r
	}
	var rep ExecReport
	if err := json.Unmarshal(lastJSONLine(out.Stdout), &rep); err != nil {
		return fail("exec printed no report: %v", err)
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
		r.TreePeaks = append(r.TreePeaks, results.TreePeak{Bytes: rep.TreeSumHWM, Source: "sum-vmhwm"})
	}
	if err := verifyAnswer(ref.answer, rep.Answer, answerFile); err != nil {
		return fail("%v", err)
	}
	if !rep.Verified {
		return fail("the run's own check did not pass, although its answer %v is the reference's", rep.Answer)
	}
	r.Verified = true
	r.Status = results.StatusOK
	return r
}

// verifyAnswer is the driver's own check of a run, which does not take the
// run's word for it: the answer the run reported (counts and digest) must
// be the reference's, and the text it wrote to textFile must hash to the
// reference's digest. The file is removed when both hold and kept for
// inspection when not; the error names both answers.
func verifyAnswer(ref, reported workload.Answer, textFile string) error {
	ref, reported = ref.Summary(), reported.Summary()
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

// memoryGuard returns why a cell must not run on a machine with avail bytes
// of MemAvailable (strategy.MemoryGuard: its estimated peak exceeds 80% of
// it), or "" if it may (or force is set, or avail is unknown).
func memoryGuard(c Cell, avail int64, force bool) string {
	return strategy.MemoryGuard(estimatePeak(c), avail, force)
}

// estimatePeak is the cell's memory estimate: its strategy's (the one
// estimator, strategy.Strategy.EstimatePeak, which exec uses too), or for a
// reference command a process holding the file.
func estimatePeak(c Cell) strategy.Estimate {
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

func newProgress(o Options, total int) *progress {
	p := &progress{o: o, total: total}
	if o.Terminal && o.Progress != nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(o.Progress), progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true), progressbar.OptionSetElapsedTime(true), progressbar.OptionFullWidth(),
			progressbar.OptionShowDescriptionAtLineEnd(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	return p
}

func (p *progress) describe(c Cell, pl Planned) {
	if p.bar != nil {
		p.bar.Describe(fmt.Sprintf("%s rep %d", c.Name(), pl.Rep))
	}
}

func (p *progress) done(c Cell, pl Planned, r results.Run) {
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
		fmt.Fprintf(p.o.Log, "[%d/%d] %s %s %s\n", p.n, p.total, c.Name(), kind, what)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.o.Progress)
	}
}
