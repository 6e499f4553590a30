// Package app is fanbench's command line: the subcommands (gen, exec, run,
// plot, report, compare, history, ab, calibrate, merge, worker), one file each,
// behind Run. cmd/fanbench and fanbench.Main (a user's own binary) are thin
// wrappers over Run, so the golden tests here drive the whole CLI.
package app

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fanbench/fanbench/internal/cli"
)

// command is one fanbench subcommand.
type command struct {
	name    string
	summary string
	run     func(stdout, stderr io.Writer, args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; each subcommand's file calls it from init.
func register(name, summary string, run func(stdout, stderr io.Writer, args []string) error) {
	commands[name] = command{name: name, summary: summary, run: run}
}

// usageError marks errors caused by bad input: they exit with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// flagError turns an error of cli.Parse into the command's result: help
// (usage already printed) passes through to exit 0, anything else is a
// usage error.
func flagError(err error) error {
	if errors.Is(err, cli.ErrHelp) {
		return err
	}
	return usagef("%v", err)
}

// exitError carries a chosen exit status (e.g. 1 for a failed claim or gate).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// Run executes one fanbench invocation (args without the program name) and
// returns its exit status: 0 success or help, 1 a failed run, claim or
// gate, 2 bad input.
func Run(stdout, stderr io.Writer, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || (args[0] == "help" && len(args) == 1) {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "help" {
		// "fanbench help CMD [SUB]" is "fanbench CMD [SUB] --help".
		args = append(args[1:], "--help")
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "fanbench: unknown command %q (run 'fanbench help')\n", args[0])
		return 2
	}
	err := cmd.run(stdout, stderr, args[1:])
	if err == nil || errors.Is(err, cli.ErrHelp) {
		return 0
	}
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	var ue *usageError
	var ee *exitError
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "fanbench %s: %s\n", cmd.name, msg)
		return 2
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintf(stderr, "fanbench %s: %s\n", cmd.name, msg)
		}
		return ee.code
	default:
		fmt.Fprintf(stderr, "fanbench %s: %s\n", cmd.name, msg)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: fanbench COMMAND [flags] [args]")
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
