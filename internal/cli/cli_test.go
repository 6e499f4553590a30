package cli

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		args    []string
		pos     []string
		workers int
		verbose bool
		err     string
	}{
		{args: nil, pos: nil, workers: 1},
		{args: []string{"FILE"}, pos: []string{"FILE"}, workers: 1},
		{args: []string{"--workers", "2", "FILE"}, pos: []string{"FILE"}, workers: 2},
		{args: []string{"FILE", "--workers", "2"}, pos: []string{"FILE"}, workers: 2},
		{args: []string{"A", "-v", "B", "--workers=3"}, pos: []string{"A", "B"}, workers: 3, verbose: true},
		{args: []string{"A", "--", "--workers", "B"}, pos: []string{"A", "--workers", "B"}, workers: 1},
		{args: []string{"--", "-v"}, pos: []string{"-v"}, workers: 1},
		{args: []string{"FILE", "--workers"}, err: "flag needs an argument: -workers"},
		{args: []string{"FILE", "--nope"}, err: "flag provided but not defined: -nope"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			workers := fs.Int("workers", 1, "")
			verbose := fs.Bool("v", false, "")
			pos, err := Parse(fs, tt.args)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pos, tt.pos) || *workers != tt.workers || *verbose != tt.verbose {
				t.Errorf("pos %q workers %d v %v, want %q %d %v", pos, *workers, *verbose, tt.pos, tt.workers, tt.verbose)
			}
		})
	}
}

func TestParseHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		called := false
		fs.Usage = func() { called = true }
		_, err := Parse(fs, []string{"FILE", arg})
		if !errors.Is(err, ErrHelp) || !called {
			t.Errorf("%s: err %v, usage called %v; want ErrHelp and usage", arg, err, called)
		}
	}
}
