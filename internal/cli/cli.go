// Package cli holds the command-line conventions every fanbench subcommand
// follows: flags may come before, between or after the positional
// arguments, everything after "--" is positional, and -h/--help prints the
// usage and ends the command successfully.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// ErrHelp is returned by Parse when -h or --help was given: the usage has
// been printed and the command should exit with status 0.
var ErrHelp = flag.ErrHelp

// NewFlagSet is a subcommand's flag set: errors and the usage go to
// stderr, the usage being the text usage (a line or more) and then the
// flags' defaults.
func NewFlagSet(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses fs's flags from args wherever they stand and returns the
// positional arguments in order. A bad flag returns the flag package's
// one-line error; -h or --help calls fs.Usage and returns ErrHelp.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, ErrHelp
			}
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
