package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fanbench/fanbench/internal/ab"
	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/spec"
	"github.com/fanbench/fanbench/internal/strategy"
)

func init() {
	register("calibrate", "what this machine can detect: A/A and injected-slowdown runs", cmdCalibrate)
}

func cmdCalibrate(stdout, stderr io.Writer, args []string) error {
	fs := cli.NewFlagSet("calibrate", stdout, stderr, "usage: fanbench calibrate [flags] experiments/NAME.toml\n"+
		"Adds --comparisons comparisons of each condition (A/A, and A/A′ with each --slowdowns k% injected into\n"+
		"--strategy) to --dir, then reports over every comparison the folder holds (--comparisons 0: report only).")
	f := addABFlags(fs.FlagSet, 3*time.Minute)
	dir := fs.String("dir", "", "calibration folder, kept across sittings (default RESULTS/calibrate-NAME)")
	n := fs.Int("comparisons", 1, "comparisons of each condition to add in this sitting")
	slow := fs.String("slowdowns", "0,2,5,10", "conditions: 0 is A/A, k > 0 injects k% extra work into --strategy's head arm")
	strat := fs.String("strategy", "mmap", "the strategy the slowdown is injected into (goroutine-mode cells)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 {
		return usagef("want one spec file")
	}
	sp, err := spec.Load(pos[0])
	if err != nil {
		return usagef("%v", err)
	}
	o, err := f.options(sp)
	if err != nil {
		return err
	}
	if _, err := strategy.Lookup(*strat); err != nil {
		return usagef("--strategy: %v", err)
	}
	var ks []float64
	for _, tok := range strings.Split(*slow, ",") {
		k, err := strconv.ParseFloat(strings.TrimSpace(tok), 64)
		if err != nil || k < 0 || k > 100 {
			return usagef("--slowdowns: %q is not a percentage from 0 to 100", tok)
		}
		ks = append(ks, k)
	}
	if *n < 0 {
		return usagef("--comparisons %d: want 0 or more", *n)
	}
	if *dir == "" {
		*dir = filepath.Join(*f.results, "calibrate-"+sp.Name)
	}
	self, err := selfBinary()
	if err != nil {
		return err
	}
	co := ab.CalibrateOptions{AB: o, Binary: self, Dir: *dir, Comparisons: *n, Slowdowns: ks, Strategy: *strat}
	if err := co.Check(); err != nil {
		return usagef("%v", err)
	}
	ctx, stop := signalContext()
	defer stop()
	co.AB.Progress, co.AB.Terminal = stderr, isTerminal(stderr)
	err = ab.Calibrate(ctx, co)
	if err != nil {
		if ctx.Err() != nil {
			return &exitError{code: 130, msg: err.Error()}
		}
		return err
	}
	return ab.CalibrationReport(stdout, *dir, o.Gates, o.Report, o.Alpha)
}

// selfBinary is this fanbench's own binary: both arms of a calibration.
func selfBinary() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the fanbench binary: %w", err)
	}
	return self, nil
}
