// Package cli holds the command-line conventions every fanbench subcommand
// follows: flags may come before, between or after the positional
// arguments, everything after "--" is positional, -h/--help prints the
// usage and the flags on stdout and ends the command successfully, and a
// bad flag prints them on stderr before the command's one-line error. It
// also knows the program's name (fanbench, or a user's program built with
// cmdline.Main) and quotes the commands that fanbench prints for a person
// to paste into a shell.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// ErrHelp is returned by Parse when -h or --help was given: the usage has
// been printed and the command should exit with status 0.
var ErrHelp = flag.ErrHelp

// DefaultProgram is the program's name until SetProgram changes it.
const DefaultProgram = "fanbench"

var program = DefaultProgram

// SetProgram sets the name the command line calls itself in usage texts,
// messages and printed commands: a user's program built with cmdline.Main
// is not "fanbench". An empty name or "." (no name) keeps the default.
func SetProgram(name string) {
	if name == "" || name == "." || name == "/" {
		name = DefaultProgram
	}
	program = name
}

// Program is the program's name (see SetProgram).
func Program() string { return program }

// Named replaces the default program name at the start of each "fanbench "
// in text (a usage text or a message written for fanbench) with Program().
func Named(text string) string {
	if program == DefaultProgram {
		return text
	}
	return strings.ReplaceAll(text, DefaultProgram+" ", program+" ")
}

// FlagSet is a subcommand's flags: a flag.FlagSet whose help goes to
// stdout when asked for and to stderr after a bad flag.
type FlagSet struct {
	*flag.FlagSet
	stdout, stderr io.Writer
	usage          string
}

// NewFlagSet is a subcommand's flag set: its usage is the text usage (a
// line or more, "fanbench " standing for the program's name) and then the
// flags' defaults.
func NewFlagSet(name string, stdout, stderr io.Writer, usage string) *FlagSet {
	fs := &FlagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), stdout: stdout, stderr: stderr, usage: usage}
	fs.SetOutput(io.Discard) // Parse prints the usage itself
	fs.Usage = func() {}
	return fs
}

// PrintUsage writes the usage text and the flags' defaults to w.
func (fs *FlagSet) PrintUsage(w io.Writer) {
	fmt.Fprintln(w, Named(fs.usage))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "flags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// Parse parses fs's flags from args wherever they stand and returns the
// positional arguments in order. A bad flag prints the usage on stderr and
// returns the flag package's one-line error; -h or --help prints the usage
// on stdout and returns ErrHelp.
func Parse(fs *FlagSet, args []string) ([]string, error) {
	pos, err := parse(fs.FlagSet, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.PrintUsage(fs.stdout)
		return nil, ErrHelp
	case err != nil:
		fs.PrintUsage(fs.stderr)
		return nil, err
	}
	return pos, nil
}

func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// Quote returns s as one word of a POSIX shell: unchanged when it holds
// only characters no shell treats specially, else in single quotes (a
// single quote inside as the four bytes ' \ ' '). A path with a space
// pastes correctly.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_@%+=:,./-", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Command is the shell command line of words, each quoted by Quote.
func Command(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}
