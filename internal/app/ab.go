package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/fanbench/fanbench/internal/ab"
	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/compare"
	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/runner"
	"github.com/fanbench/fanbench/internal/spec"
)

func init() {
	register("ab", "compare two builds (revisions or binaries) in paired runs: a gate", cmdAB)
}

// abFlags are the flags ab and calibrate share.
type abFlags struct {
	gate, report          *string
	budget                *time.Duration
	pairs, step, maxPairs *int
	alpha                 *float64
	results, fixtures     *string
	force                 *bool
}

func addABFlags(fs *flag.FlagSet, budget time.Duration) abFlags {
	return abFlags{
		gate:     fs.String("gate", ab.DefaultGates, "comma-separated `UNIT:±N%` tolerances; each gated metric of each cell is judged"),
		report:   fs.String("report", ab.DefaultReport, "comma-separated `UNIT:±N%` judged and shown but never failing (their own Holm family)"),
		budget:   fs.Duration("budget", budget, "time the runs may take (0: no bound); undecided cells get more pairs while it lasts"),
		pairs:    fs.Int("pairs", 0, "pairs per cell in the first round (0: the spec's repetitions)"),
		step:     fs.Int("step", 4, "pairs added per round to the cells still undecided"),
		maxPairs: fs.Int("max-pairs", 30, "the most pairs any cell gets"),
		alpha:    fs.Float64("alpha", 0.05, "family false-alarm level over all cells and metrics (Holm)"),
		results:  fs.String("results", "results", "results root"),
		fixtures: fs.String("fixtures", fixture.DefaultDir, "fixture folder"),
		force:    fs.Bool("force", false, "run cells the memory guard would skip"),
	}
}

// options turns the shared flags into ab.Options (without builds or folder).
func (f abFlags) options(sp *spec.Spec) (ab.Options, error) {
	gates, err := compare.ParseGates(*f.gate)
	if err != nil {
		return ab.Options{}, usagef("--gate: %v", err)
	}
	reported, err := compare.ParseGates(*f.report)
	if err != nil {
		return ab.Options{}, usagef("--report: %v", err)
	}
	// A unit given to --gate is gated, whatever --report (or its default) says.
	var report []compare.Gate
	for _, r := range reported {
		if !slices.ContainsFunc(gates, func(g compare.Gate) bool { return g.Unit == r.Unit }) {
			report = append(report, r)
		}
	}
	switch {
	case len(gates) == 0:
		return ab.Options{}, usagef("--gate: no gates: nothing to judge")
	case *f.budget < 0:
		return ab.Options{}, usagef("--budget %v: want 0 or more", *f.budget)
	case *f.pairs < 0 || *f.step < 1 || *f.maxPairs < 1:
		return ab.Options{}, usagef("--pairs %d, --step %d, --max-pairs %d: want pairs ≥ 0, step and max-pairs ≥ 1", *f.pairs, *f.step, *f.maxPairs)
	case !(*f.alpha > 0 && *f.alpha < 1):
		return ab.Options{}, usagef("--alpha %v: want a level between 0 and 1", *f.alpha)
	}
	pairs := *f.pairs
	if pairs == 0 {
		pairs = sp.Repetitions
	}
	if *f.maxPairs < pairs {
		return ab.Options{}, usagef("--max-pairs %d is below the first round's %d pairs", *f.maxPairs, pairs)
	}
	return ab.Options{Spec: sp, FixtureDir: *f.fixtures, Gates: gates, Report: report, Alpha: *f.alpha, Pairs: pairs, Step: *f.step,
		MaxPairs: *f.maxPairs, Budget: *f.budget, Force: *f.force}, nil
}

// signalContext is cancelled by SIGINT, SIGTERM or SIGHUP (a closed
// terminal or ssh session): each stops a run or comparison the same way,
// with what it recorded kept and the --resume command. A closed pipe on
// stdout (e.g. `| tee` killed by Ctrl-C) must not kill a run or comparison
// before it records what it has: writes then fail instead.
func signalContext() (context.Context, context.CancelFunc) {
	signal.Ignore(syscall.SIGPIPE)
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func cmdAB(stdout, stderr io.Writer, args []string) error {
	fs := cli.NewFlagSet("ab", stdout, stderr, "usage: fanbench ab [flags] BASE HEAD experiments/NAME.toml\n       fanbench ab --resume RESULTS_DIR\n"+
		"BASE and HEAD are git revisions of the repository (--repo), built from --pkg, or fanbench binaries.\n"+
		"Exit status: 0 nothing worse, 1 a gated metric worse beyond its tolerance or a run failed, 2 bad input or a build failed.")
	f := addABFlags(fs.FlagSet, 10*time.Minute)
	repo := fs.String("repo", ".", "the git repository BASE and HEAD are revisions of")
	cache := fs.String("cache", filepath.Join("results", "ab-builds"), "build cache: one folder per commit and package, reused")
	pkg := fs.String("pkg", ab.DefaultPackage, "the main `package` built at each revision: ./cmd/fanbench, or a program of your own that calls cmdline.Main")
	resume := fs.String("resume", "", "continue the interrupted comparison in this results folder")
	markdown := fs.String("markdown", "", "also write the Markdown report (for a pull request) to this file")
	requireBase := fs.Bool("require-base", false, "fail (exit 1) if a base run failed: for a pinned base that must run every cell, as .ci/run's drift gate")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return flagError(err)
	}
	// Signals stop a build under way too: it then leaves nothing behind.
	ctx, stop := signalContext()
	defer stop()
	var o ab.Options
	switch {
	case *resume != "" && len(pos) == 0:
		sp, err := spec.Load(filepath.Join(*resume, runner.SpecCopyName))
		if err != nil {
			return usagef("%v", err)
		}
		o = ab.Options{Spec: sp, FixtureDir: *f.fixtures, Force: *f.force, Dir: *resume, Resume: true}
	case *resume == "" && len(pos) == 3:
		sp, err := spec.Load(pos[2])
		if err != nil {
			return usagef("%v", err)
		}
		if o, err = f.options(sp); err != nil {
			return err
		}
		if _, err := ab.CleanPackage(*pkg); err != nil {
			return usagef("%v", err)
		}
		for i, b := range []*ab.Build{&o.Base, &o.Head} {
			if *b, err = ab.Resolve(ctx, *repo, *cache, pos[i], *pkg); err != nil {
				var be *ab.BuildError
				switch {
				case ctx.Err() != nil:
					return &exitError{code: 130, msg: err.Error()}
				case errors.As(err, &be):
					return usagef("%v", err)
				}
				return err
			}
			word := "cached"
			if b.Built {
				word = "built"
			}
			fmt.Fprintf(stderr, "%s: %s %s\n", []string{"base", "head"}[i], word, b.Binary)
		}
		warnUncommitted(stderr, *repo, []string{*cache, *f.results}, o.Base, o.Head)
		o.Dir = filepath.Join(*f.results, "ab-"+sp.Name, time.Now().UTC().Format("20060102T150405Z"))
	default:
		return usagef("want BASE HEAD SPEC, or --resume RESULTS_DIR alone")
	}
	o.Progress, o.Terminal = stderr, isTerminal(stderr)
	out, err := ab.Run(ctx, o)
	if err != nil {
		var be *ab.BuildError
		switch {
		case ctx.Err() != nil:
			return &exitError{code: 130, msg: err.Error()}
		case errors.As(err, &be):
			return usagef("%v", err)
		}
		return err
	}
	if err := out.WriteFiles(*markdown); err != nil {
		return err
	}
	if err := out.WriteText(stdout); err != nil {
		return err
	}
	if out.Analysis.Regressed() {
		return &exitError{code: 1}
	}
	if *requireBase {
		return baseRanAll(out.Analysis)
	}
	return nil
}

// baseRanAll is ab --require-base's check: an error (exit 1) naming the
// first failed base run if any base run failed. Without it a base that
// cannot run the spec (a knob or flag it does not know) leaves nothing
// compared, which is not the head's fault and exits 0; a pinned reference
// must run every cell, or its gate would pass having compared nothing.
func baseRanAll(a *ab.Analysis) error {
	n := len(a.Failed) - a.HeadFailed
	if n == 0 {
		return nil
	}
	return &exitError{code: 1, msg: fmt.Sprintf("--require-base: %d base runs failed, first %s", n, a.FirstBaseFailure)}
}

// warnUncommitted says in one line on stderr when repo's work tree has
// changes no commit holds and a build was made from a revision: those
// changes are in neither build.
// Untracked entries of skip (ab's own folders) do not count.
func warnUncommitted(stderr io.Writer, repo string, skip []string, builds ...ab.Build) {
	if !slices.ContainsFunc(builds, func(b ab.Build) bool { return b.Commit != "" }) {
		return // two binaries: the work tree is not what is compared
	}
	changes, err := ab.Uncommitted(repo, skip...)
	if err != nil || len(changes) == 0 {
		return
	}
	more := ""
	if len(changes) > 1 {
		more = fmt.Sprintf(" and %d more", len(changes)-1)
	}
	fmt.Fprintf(stderr, "ab: warning: the work tree of %s has uncommitted changes (%s%s): they are in neither build, which are made from the revisions' commits\n",
		repo, strings.TrimSpace(changes[0]), more)
}
