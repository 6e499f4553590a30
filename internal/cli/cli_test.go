package cli

import (
	"bytes"
	"errors"
	"os/exec"
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
			var stdout, stderr bytes.Buffer
			fs := NewFlagSet("x", &stdout, &stderr, "usage: fanbench x [flags] FILE")
			workers := fs.Int("workers", 1, "")
			verbose := fs.Bool("v", false, "")
			pos, err := Parse(fs, tt.args)
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				// The usage and flags, not the flag package's own error line.
				if !strings.HasPrefix(stderr.String(), "usage: fanbench x [flags] FILE\nflags:\n  -v") || strings.Contains(stderr.String(), tt.err) {
					t.Errorf("stderr after a bad flag: %q, want the usage alone", stderr.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr %q, want nothing", stderr.String())
			}
			if !slices.Equal(pos, tt.pos) || *workers != tt.workers || *verbose != tt.verbose {
				t.Errorf("pos %q workers %d v %v, want %q %d %v", pos, *workers, *verbose, tt.pos, tt.workers, tt.verbose)
			}
		})
	}
}

// TestParseHelp: asked for, the usage and the flags go to stdout, nothing
// to stderr.
func TestParseHelp(t *testing.T) {
	want := "usage: fanbench x FILE\nflags:\n  -n int\n    \tthe count (default 1)\n"
	for _, arg := range []string{"-h", "--help", "-help"} {
		var stdout, stderr bytes.Buffer
		fs := NewFlagSet("x", &stdout, &stderr, "usage: fanbench x FILE")
		fs.Int("n", 1, "the count")
		_, err := Parse(fs, []string{"FILE", arg})
		if !errors.Is(err, ErrHelp) || stdout.String() != want || stderr.Len() != 0 {
			t.Errorf("%s: err %v, stdout %q, stderr %q; want ErrHelp, %q on stdout", arg, err, stdout.String(), stderr.String(), want)
		}
	}
}

// TestProgramName: a program built with cmdline.Main names itself in
// usage texts.
func TestProgramName(t *testing.T) {
	defer SetProgram(DefaultProgram)
	SetProgram("wordfreq")
	var stdout bytes.Buffer
	fs := NewFlagSet("run", &stdout, &stdout, "usage: fanbench run SPEC\n       fanbench run --resume DIR")
	if _, err := Parse(fs, []string{"-h"}); !errors.Is(err, ErrHelp) {
		t.Fatal(err)
	}
	if want := "usage: wordfreq run SPEC\n       wordfreq run --resume DIR\n"; stdout.String() != want {
		t.Errorf("usage %q, want %q", stdout.String(), want)
	}
	for _, name := range []string{"", "."} {
		SetProgram(name)
		if Program() != "fanbench" {
			t.Errorf("SetProgram(%q): Program() = %q, want fanbench", name, Program())
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"results/default/2026-12-06T21:00:00Z", "results/default/2026-12-06T21:00:00Z"},
		{"", "''"},
		{"my results/x", "'my results/x'"},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
		{"a*b", "'a*b'"},
		{"-col", "-col"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got, want := Command("fanbench", "run", "--resume", "my results/x"), "fanbench run --resume 'my results/x'"; got != want {
		t.Errorf("Command = %s, want %s", got, want)
	}
}

// TestQuoteInShell: what Quote makes, a shell reads back as the one word.
func TestQuoteInShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	words := []string{"plain", "with space", "it's", `back\slash`, "$HOME `x` \"q\"", "tab\there", "*", "new\nline", ""}
	script := "printf '%s\\0' " + Command(words...)
	out, err := exec.Command(sh, "-c", script).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !slices.Equal(got, words) {
		t.Errorf("the shell read %q, want %q", got, words)
	}
}
