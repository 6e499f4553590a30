// Package app is fanbench's command line: the subcommands (gen, exec, run,
// plot, report, compare, history, ab, calibrate, merge, worker), one file each,
// behind Run. cmd/fanbench and cmdline.Main (a user's own binary) are thin
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
// gate, 2 bad input. It calls itself cli.Program() in its usage and
// messages.
func Run(stdout, stderr io.Writer, args []string) int {
	prog := cli.Program()
	if len(args) == 0 {
		usage(stderr) // a usage error: no command
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return 0
		}
		// "fanbench help CMD [SUB]" is "fanbench CMD [SUB] --help".
		args = append(args[1:], "--help")
	case "-version", "--version":
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "%s: unknown command %q (run '%s help')\n", prog, args[0], prog)
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
		fmt.Fprintf(stderr, "%s %s: %s\n", prog, cmd.name, msg)
		return 2
	case errors.As(err, &ee):
		if ee.msg != "" {
			fmt.Fprintf(stderr, "%s %s: %s\n", prog, cmd.name, msg)
		}
		return ee.code
	default:
		fmt.Fprintf(stderr, "%s %s: %s\n", prog, cmd.name, msg)
		return 1
	}
}

func usage(w io.Writer) {
	prog := cli.Program()
	fmt.Fprintf(w, "usage: %s COMMAND [flags] [args]\n", prog)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cli.Named(commands[n].summary))
	}
	fmt.Fprintf(w, "'%s help COMMAND' lists a command's flags.\n", prog)
}
