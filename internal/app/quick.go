package app

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/spec"
)

// Quick mode: `fanbench run FILE...` measures the user's own files with a
// spec made from flags, written into the results folder as spec.toml like
// any spec's copy, so that `fanbench run DIR/spec.toml` repeats the run and
// --resume continues it.

// The quick mode's defaults: the four ways of delivering a file, two
// goroutine workers, the count workload, six repetitions (the fewest that
// give a 95% interval).
const (
	quickStrategies = "readall,ranges,mmap,chan"
	quickWorkers    = "2"
	quickModes      = "goroutine"
	quickWorkloads  = "count"
	quickReps       = 6
	// QuickExperiment names quick mode's experiment: its folders are
	// RESULTS/quick/<UTC time>.
	quickExperiment = "quick"
	// quickSpecPath names the made spec in messages and the plan.
	quickSpecPath = "quick mode (run FILE...)"
)

// quickFlags are run's flags for data files; with a spec they are refused.
type quickFlags struct {
	strategies, workers, modes, workloads *string
}

// addQuickFlags defines quick mode's flags on fs.
func addQuickFlags(fs *flag.FlagSet) quickFlags {
	return quickFlags{
		strategies: fs.String("strategies", quickStrategies, "data files: comma-separated strategies to measure"),
		workers:    fs.String("workers", quickWorkers, "data files: comma-separated worker counts"),
		modes:      fs.String("modes", quickModes, "data files: comma-separated modes, goroutine and/or process"),
		workloads:  fs.String("workloads", quickWorkloads, "data files: comma-separated workloads"),
	}
}

// quickFlagNames are the flags that only data files take.
var quickFlagNames = []string{"strategies", "workers", "modes", "workloads"}

// isSpecFile tells a spec (a .toml file) from a data file by its name.
func isSpecFile(path string) bool { return strings.EqualFold(filepath.Ext(path), ".toml") }

// quickSpec makes and validates the spec that measures files with the
// flags' lists and reps repetitions (0: the default); its description is
// the command that makes it again. A bad list is a usage error naming its
// flag; a bad file one naming the file.
func quickSpec(files []string, q quickFlags, reps int) (*spec.Spec, error) {
	if reps == 0 {
		reps = quickReps
	}
	var abs []string
	for _, f := range files {
		st, err := os.Stat(f)
		switch {
		case err != nil:
			return nil, usagef("data file %s: %v", f, errors.Unwrap(err))
		case st.IsDir():
			return nil, usagef("data file %s: a directory (give files; a results folder is resumed with --resume)", f)
		case !st.Mode().IsRegular():
			return nil, usagef("data file %s: not a regular file (%s)", f, st.Mode().Type())
		case st.Size() == 0:
			return nil, usagef("data file %s: empty", f)
		}
		a, err := filepath.Abs(f)
		if err != nil {
			return nil, usagef("data file %s: %v", f, err)
		}
		if !utf8.ValidString(a) {
			return nil, usagef("data file %s: the path is not valid UTF-8 (a spec cannot name it)", f)
		}
		abs = append(abs, a)
	}
	workers, err := intList("workers", *q.workers)
	if err != nil {
		return nil, err
	}
	command := cli.Command(append([]string{cli.Program(), "run", "--strategies", *q.strategies, "--workers", *q.workers,
		"--modes", *q.modes, "--workloads", *q.workloads, "--reps", strconv.Itoa(reps)}, abs...)...)
	var b strings.Builder
	fmt.Fprintf(&b, "# Made by %s run from its flags (quick mode); run this file to repeat it.\n", cli.Program())
	fmt.Fprintf(&b, "name = %s\n", tomlString(quickExperiment))
	fmt.Fprintf(&b, "description = %s\n", tomlString(command))
	fmt.Fprintf(&b, "repetitions = %d\n\n[[matrix]]\n", reps)
	fmt.Fprintf(&b, "modes = %s\n", tomlList(list(*q.modes)))
	fmt.Fprintf(&b, "strategies = %s\n", tomlList(list(*q.strategies)))
	fmt.Fprintf(&b, "workloads = %s\n", tomlList(list(*q.workloads)))
	fmt.Fprintf(&b, "workers = [%s]\n", strings.Join(workers, ", "))
	fmt.Fprintf(&b, "files = %s\n", tomlList(abs))
	sp, err := spec.Parse(quickSpecPath, []byte(b.String()))
	if err != nil {
		return nil, quickError(err)
	}
	return sp, nil
}

// quickError names the flag behind an error of the made spec.
func quickError(err error) error {
	var se *spec.Error
	if !errors.As(err, &se) {
		return usagef("%v", err)
	}
	switch se.Field {
	case "strategies", "workers", "modes", "workloads":
		return usagef("flag -%s: %s", se.Field, se.Msg)
	case "repetitions":
		return usagef("flag -reps: %s", se.Msg)
	case "files":
		return usagef("data files: %s", se.Msg)
	}
	return usagef("%s: %s", se.Field, se.Msg)
}

// list splits a comma-separated flag value, dropping empty items.
func list(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// intList is a comma-separated list of whole numbers, as TOML integers.
func intList(flagName, s string) ([]string, error) {
	var out []string
	for _, x := range list(s) {
		n, err := strconv.Atoi(x)
		if err != nil {
			return nil, usagef("flag -%s: %q is not a whole number", flagName, x)
		}
		out = append(out, strconv.Itoa(n))
	}
	return out, nil
}

// tomlString is s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// tomlList is a TOML array of strings.
func tomlList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = tomlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
