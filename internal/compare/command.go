package compare

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fanbench/fanbench/internal/cli"
)

// UsageError is a Command failure caused by bad input: a bad flag or
// argument, or a results file that cannot be read. Callers exit with
// status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ErrRegression is returned by Command when a gated metric regressed (and
// --report-only was not given). Callers exit with status 1; the report,
// verdict included, is already written.
var ErrRegression = errors.New("regression beyond tolerance")

// CommandUsage is the synopsis of Command's arguments.
const CommandUsage = "compare OLD NEW [--gate 'sec/op:+10%,peak-RSS-B:+5%'] [--format text|markdown|json] [--alpha 0.05] [--report-only] [--allow-missing] [--same-machine]"

// Command runs "fanbench compare": args are OLD and NEW (results folders or
// .bench files) and flags, in any order. It writes the report to stdout and
// returns nil, ErrRegression, or a *UsageError; help asked for goes to
// stdout, the usage after a bad flag to stderr.
func Command(stdout, stderr io.Writer, args []string) error {
	fs := cli.NewFlagSet("compare", stdout, stderr, "usage: fanbench "+CommandUsage+
		"\nExit status: 0 pass, 1 a gated metric regressed or is missing on one side, 2 bad input.")
	gateFlag := fs.String("gate", "", "comma-separated `UNIT:±N%` limits; a gated metric that gets significantly worse by more than N% fails (e.g. 'sec/op:+10%,B/s:-10%')")
	formatFlag := fs.String("format", "text", "output `format`: text, markdown or json")
	alpha := fs.Float64("alpha", 0.05, "significance level: a change counts only when p < `alpha`")
	reportOnly := fs.Bool("report-only", false, "print the report and verdict but exit 0 even on regressions")
	sameMachine := fs.Bool("same-machine", false, "gate times, rates and memory even when OLD and NEW were measured on different machines (else only counts gate)")
	allowMissing := fs.Bool("allow-missing", false, "do not fail when a gated metric is missing on one side for some cells (they are still listed)")
	pos, err := cli.Parse(fs, args)
	if err != nil {
		if errors.Is(err, cli.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if len(pos) != 2 {
		return usagef("want two arguments, OLD and NEW, got %d (usage: %s %s)", len(pos), cli.Program(), CommandUsage)
	}
	gates, err := ParseGates(*gateFlag)
	if err != nil {
		return usagef("--gate: %v", err)
	}
	format, err := ParseFormat(*formatFlag)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if !(*alpha > 0 && *alpha < 1) {
		return usagef("--alpha: %v is not between 0 and 1", *alpha)
	}
	old, err := Load(pos[0])
	if err != nil {
		return usagef("OLD: %v", err)
	}
	new, err := Load(pos[1])
	if err != nil {
		return usagef("NEW: %v", err)
	}
	if diff := MachineDiff(old, new); len(diff) > 0 && !*sameMachine {
		var kept, dropped []string
		var counts []Gate
		for _, g := range gates {
			if slices.Contains(MachineIndependent, g.Unit) {
				counts = append(counts, g)
				kept = append(kept, g.String())
			} else {
				dropped = append(dropped, g.String())
			}
		}
		gates = counts
		fmt.Fprintf(stdout, "# warning: OLD and NEW come from different machines (%s): only counts gate, times, rates and memory are reported (not gated: %s; gated: %s); --same-machine gates them too\n",
			strings.Join(diff, "; "), orNone(dropped), orNone(kept))
	}
	rep, err := Compare(old, new, Options{Gates: gates, Alpha: *alpha, ReportOnly: *reportOnly, AllowMissing: *allowMissing})
	if err != nil {
		return usagef("--gate: %v", err)
	}
	if err := rep.Write(stdout, format); err != nil {
		return err
	}
	if rep.Failed() && !*reportOnly {
		return ErrRegression
	}
	return nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}
