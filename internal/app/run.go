package app

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/fanbench/fanbench/internal/ab"
	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/report"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/runner"
	"github.com/fanbench/fanbench/internal/spec"
)

func init() {
	register("run", "run a spec (NAME.toml), or measure your own files (FILE...)", cmdRun)
}

func cmdRun(stdout, stderr io.Writer, args []string) error {
	fs := cli.NewFlagSet("run", stdout, stderr, "usage: fanbench run [flags] experiments/NAME.toml\n"+
		"       fanbench run [flags] FILE...\n"+
		"       fanbench run --resume RESULTS_DIR\n"+
		"A .toml argument is a spec. Other files are data, measured without a spec\n"+
		"(quick mode) by --strategies, --workers, --modes and --workloads; the spec\n"+
		"made from them is saved in the results folder as spec.toml, to run again.")
	resultsRoot := fs.String("results", "results", "results root: the folder is ROOT/<experiment>/<UTC time>")
	fixtures := fs.String("fixtures", fixture.DefaultDir, "fixture folder (--resume uses the one the experiment recorded)")
	resume := fs.String("resume", "", "continue the interrupted experiment in this results folder")
	force := fs.Bool("force", false, "run cells the memory guard would skip")
	advisory := fs.Bool("advisory-claims", false, "report failed claims without failing the command")
	reps := fs.Int("reps", 0, fmt.Sprintf("override the spec's repetitions (data files: %d)", quickReps))
	dryRun := fs.Bool("dry-run", false, "print the plan (cells, runs, fixtures against free space, the memory guard's refusals, estimated duration) and write nothing")
	shardFlag := fs.String("shard", "", "run shard K of N (K from 1 to N) of the spec's runs, for fanbench merge: comparison groups whole, balanced by estimated duration")
	machine := fs.String("machine", "", "a shard's machine label for fanbench merge (default $"+MachineEnv+", else merge uses env.json's CPU model and cores)")
	yes := fs.Bool("yes", false, fmt.Sprintf("start a large plan (over %v or %d runs) without asking", runner.ConfirmDuration, runner.ConfirmRuns))
	quick := addQuickFlags(fs.FlagSet)
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return flagError(err)
	}
	if *reps < 0 {
		return usagef("flag -reps: %d, want at least 1", *reps)
	}
	var specs, data []string
	for _, p := range pos {
		if isSpecFile(p) {
			specs = append(specs, p)
		} else {
			data = append(data, p)
		}
	}
	var specPath string
	switch {
	case *resume != "" && len(pos) == 0:
		if err := notARunFolder(*resume); err != nil {
			return err
		}
		specPath = filepath.Join(*resume, runner.SpecCopyName)
	case *resume == "" && len(specs) == 1 && len(data) == 0:
		specPath = specs[0]
	case *resume == "" && len(specs) > 0 && len(data) > 0:
		return usagef("%s is a spec (.toml) and %s a data file: give one spec, or data files alone", specs[0], data[0])
	case *resume == "" && len(specs) == 0 && len(data) > 0:
	default:
		return usagef("want one spec file (.toml), data files, or --resume RESULTS_DIR alone")
	}
	var given []string
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(quickFlagNames, f.Name) {
			given = append(given, f.Name)
		}
	})
	if specPath != "" && len(given) > 0 {
		return usagef("flag -%s: for data files, not a spec (a spec's [[matrix]] lists them)", given[0])
	}
	var shard *runner.Shard
	if *shardFlag != "" {
		if *resume != "" {
			return usagef("flag --shard: --resume continues the shard its folder records: give --resume alone")
		}
		sh, err := runner.ParseShard(*shardFlag)
		if err != nil {
			return usagef("flag --shard: %v", err)
		}
		shard = &sh
	}
	label, err := machineLabel(*machine, shard != nil)
	if err != nil {
		return err
	}
	var sp *spec.Spec
	if specPath == "" {
		sp, err = quickSpec(data, quick, *reps)
	} else {
		sp, err = spec.Load(specPath)
	}
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return err
		}
		return usagef("%v", err)
	}
	if *reps > 0 {
		if sp, err = sp.WithRepetitions(*reps); err != nil {
			return usagef("flag -reps: %v", err)
		}
	}
	var plan *runner.RunPlan
	if *resume == "" {
		if plan, err = buildRunPlan(sp, *fixtures, *resultsRoot, *force, shard); err != nil {
			return err
		}
		if *dryRun {
			plan.Write(stdout)
			fmt.Fprintln(stdout, "dry run: nothing was run or written")
			return nil
		}
		if why, large := plan.NeedsConfirmation(); large && !*yes {
			if err := confirm(stdin, stderr, why); err != nil {
				return err
			}
		}
	} else if *dryRun {
		return usagef("--dry-run plans a new experiment: give a spec file, not --resume")
	}
	ctx, stop := signalContext()
	defer stop()
	isTerm := false
	if f, ok := stderr.(*os.File); ok {
		isTerm = term.IsTerminal(int(f.Fd()))
	}
	sum, err := runner.Run(ctx, runner.Options{Spec: sp, ResultsRoot: *resultsRoot, Dir: *resume, Resume: *resume != "",
		FixtureDir: *fixtures, Force: *force, RunPlan: plan, Progress: stderr, Terminal: isTerm, Log: stdout, Machine: label})
	if err != nil {
		if ctx.Err() != nil {
			return &exitError{code: 130, msg: err.Error()}
		}
		return err
	}
	return runOutcome(stdout, sum, *advisory, specPath == "")
}

// MachineEnv names the environment variable that labels a shard's
// machine when --machine is not given.
const MachineEnv = "FANBENCH_MACHINE"

// machineLabel is a shard's machine label: flag, else $FANBENCH_MACHINE.
// A label given with --machine needs --shard (only a shard's folder is
// merged); one with a control character is refused.
func machineLabel(flag string, sharded bool) (string, error) {
	if flag != "" && !sharded {
		return "", usagef("flag --machine: labels a shard's runs for fanbench merge: give --shard K/N too")
	}
	label, from := flag, "flag --machine"
	if label == "" && sharded {
		label, from = os.Getenv(MachineEnv), MachineEnv
	}
	if strings.ContainsFunc(label, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", usagef("%s: %q has a control character", from, label)
	}
	return strings.TrimSpace(label), nil
}

// buildRunPlan is the whole spec's plan, or shard's when it is set (a
// spec with fewer comparison groups than shards is a usage error).
func buildRunPlan(sp *spec.Spec, fixtures, resultsRoot string, force bool, shard *runner.Shard) (*runner.RunPlan, error) {
	if shard == nil {
		return runner.BuildPlan(sp, fixtures, resultsRoot, force, nil)
	}
	if _, err := runner.ShardCells(sp, sp.Cells(), shard.N); err != nil {
		return nil, usagef("flag --shard: %v", err)
	}
	return runner.BuildShardPlan(sp, fixtures, resultsRoot, force, nil, *shard)
}

// notARunFolder refuses to resume a folder another command made: an A/B
// comparison's (ab.json), which run --resume would add runs without an
// arm to, or a calibration's (its comparisons NAME-NNN/ab.json).
func notARunFolder(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, runner.MergeFileName)); err == nil {
		return usagef("resume %s: a fanbench merge folder, not a run's (resume the shard's own folder, then merge again)", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, ab.StateFile)); err == nil {
		return usagef("resume %s: a %s ab folder, not a run's (use %s)", dir, cli.Program(), cli.Command(cli.Program(), "ab", "--resume", dir))
	}
	if ms, _ := filepath.Glob(filepath.Join(dir, "*-[0-9][0-9][0-9]", ab.StateFile)); len(ms) > 0 {
		return usagef("resume %s: a %s calibrate folder, not a run's (finish a comparison in it with %s)",
			dir, cli.Program(), cli.Command(cli.Program(), "ab", "--resume", filepath.Dir(ms[0])))
	}
	return nil
}

// runOutcome prints what an experiment's run came to (its folder and
// counts, for quick mode how to repeat it, unverified runs, the claims,
// the verdict, how to compare) and is its exit: 1 when runs failed, when
// nothing was measured, or when claims failed (unless advisory).
func runOutcome(stdout io.Writer, sum *runner.Totals, advisory, quick bool) error {
	fmt.Fprintf(stdout, "results: %s (%d runs, %d failed, %d skipped, %.1fs)\n", sum.Dir, sum.Runs, sum.Failed, sum.Skipped, sum.Elapsed.Seconds())
	if quick {
		fmt.Fprintf(stdout, "repeat: %s\n", cli.Command(cli.Program(), "run", filepath.Join(sum.Dir, runner.SpecCopyName)))
	}
	if sum.Unverified > 0 {
		fmt.Fprintf(stdout, "UNVERIFIED: %d of %d runs (workload %s: no reference implementation, so their answers were not checked; only that every byte reached the workload once)\n",
			sum.Unverified, sum.Runs, strings.Join(sum.UnverifiedWorkloads, ", "))
	}
	if line := sum.Load.Line(); line != "" {
		fmt.Fprintln(stdout, line)
	}
	groups := results.GroupVerdicts(sum.Verdicts)
	failedClaims := writeClaimSummary(stdout, groups)
	if sum.Runs > 0 {
		if res, err := chart.Load(sum.Dir); err == nil {
			if err := report.WriteSummary(stdout, res, useColor(stdout)); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(stdout, "compare strategies: %s\n", cli.Command("go", "run", "golang.org/x/perf/cmd/benchstat", "-col", "/strategy", filepath.Join(sum.Dir, "results.bench")))
	var errs []error
	if sum.Failed > 0 {
		errs = append(errs, fmt.Errorf("%d runs failed (reasons in %s)", sum.Failed, filepath.Join(sum.Dir, "runs.jsonl")))
	}
	if sum.Runs == 0 && sum.Skipped > 0 {
		// Nothing was measured: not a success, whatever the claims say.
		errs = append(errs, fmt.Errorf("every run was skipped (%d): nothing was measured (reasons in %s; --force runs what the memory guard refuses)",
			sum.Skipped, filepath.Join(sum.Dir, "runs.jsonl")))
	}
	if failedClaims > 0 && !advisory {
		errs = append(errs, fmt.Errorf("%d of %d claims failed", failedClaims, len(groups)))
	}
	if len(errs) > 0 {
		return &exitError{code: 1, msg: errors.Join(errs...).Error()}
	}
	return nil
}

// useColor reports whether output to w may be coloured: w is a terminal
// and NO_COLOR (https://no-color.org) is unset or empty.
func useColor(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == ""
}

// stdin is where `run` reads its confirmation (a variable for tests).
var stdin io.Reader = os.Stdin

// confirm asks on a terminal whether to start a large plan; elsewhere it
// refuses in one line, pointing at --yes.
func confirm(in io.Reader, stderr io.Writer, why string) error {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &exitError{code: 1, msg: fmt.Sprintf("this plan is large (%s): give --yes to start it (--dry-run shows it)", why)}
	}
	fmt.Fprintf(stderr, "This plan is large (%s); --dry-run shows it. Start it? [y/N] ", why)
	line, _ := bufio.NewReader(in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return &exitError{code: 1, msg: "not started"}
	}
	return nil
}

// writeClaimSummary prints one line per claim (its verdict, how many of its
// cells passed, its worst margin and its text) and, under a claim that
// failed, one line per failed cell. It returns the number of failed claims.
func writeClaimSummary(w io.Writer, groups []results.ClaimGroup) int {
	if len(groups) == 0 {
		return 0
	}
	failed := 0
	for _, g := range groups {
		if !g.Pass() {
			failed++
		}
	}
	fmt.Fprintf(w, "claims: %d of %d hold\n", len(groups)-failed, len(groups))
	for _, g := range groups {
		word := "PASS"
		if !g.Pass() {
			word = "FAIL"
		}
		margin := "n/a"
		if v, ok := g.Worst(); ok {
			margin = results.FormatMargin(v.Margin())
		}
		fmt.Fprintf(w, "  %s  %d/%d cells  worst margin %-6s  %s\n", word, g.Passed(), len(g.Verdicts), margin, g.Text)
		for _, v := range g.Failures() {
			cell := v.Cell
			if cell == "" {
				cell = "no cell"
			}
			fmt.Fprintf(w, "        FAIL %s: %s\n", cell, v.Measured)
		}
	}
	return failed
}
