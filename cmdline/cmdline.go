// Package cmdline is the fanbench command line for a program's own
// workloads: a main that calls Main with the program's fanbench.Workload
// values gets every fanbench command (gen, exec, run, plot, report,
// compare, history, ab, calibrate), the workloads selectable in specs and
// flags, in goroutine and process mode (process workers are the program
// itself: `PROGRAM worker ...` runs Main again).
//
//	func main() { cmdline.Main(wordfreq.Workload{}) }
//
// It is apart from package fanbench so that a program or test using only
// fanbench's types and fanbench.Benchmark does not link the command line,
// the report and its charts.
package cmdline

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fanbench/fanbench"
	"github.com/fanbench/fanbench/internal/app"
	"github.com/fanbench/fanbench/internal/cli"
)

// Main registers workloads beside fanbench's built-in ones
// (fanbench.Register) and runs the fanbench command line on os.Args, then
// exits with its status (0 success, 1 a failed run, claim or gate, 2 bad
// input). An invalid workload name, a built-in workload's name, or a name
// given twice is an error (exit 2). The program calls itself by the base
// name of os.Args[0] in its usage, messages and printed commands. Main
// never returns.
func Main(workloads ...fanbench.Workload) {
	os.Exit(run(os.Stdout, os.Stderr, os.Args, workloads))
}

// run is Main without the exit; args[0] is the program.
func run(stdout, stderr io.Writer, args []string, workloads []fanbench.Workload) int {
	if len(args) > 0 {
		cli.SetProgram(filepath.Base(args[0]))
	}
	if err := fanbench.Register(workloads...); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cli.Program(), err)
		return 2
	}
	return app.Run(stdout, stderr, args[min(1, len(args)):])
}
