package cmdline

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/fanbench/fanbench"
	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/workload"
)

// lines is a test workload: the number of newlines.
type lines struct{ name string }

func (l lines) Name() string                 { return l.name }
func (l lines) NewPartial() fanbench.Partial { return new(linesPartial) }

type linesPartial struct{ n int }

func (p *linesPartial) Add(c []byte)                   { p.n += bytes.Count(c, []byte{'\n'}) }
func (p *linesPartial) Merge(o fanbench.Partial)       { p.n += o.(*linesPartial).n }
func (p *linesPartial) Answer() []byte                 { return []byte(strconv.Itoa(p.n)) }
func (p *linesPartial) MarshalBinary() ([]byte, error) { return p.Answer(), nil }
func (p *linesPartial) UnmarshalBinary(b []byte) (err error) {
	p.n, err = strconv.Atoi(string(b))
	return err
}

// runWith is run with the internal workload table and the program's name
// restored afterwards, so that a workload registers again next time.
func runWith(args []string, ws ...fanbench.Workload) (code int, stdout, stderr string) {
	saved := workload.All
	defer func() { workload.All = saved; cli.SetProgram(cli.DefaultProgram) }()
	var out, errb bytes.Buffer
	code = run(&out, &errb, args, ws)
	return code, out.String(), errb.String()
}

// TestMainRejectsBadWorkloads: a workload Register refuses (here a
// built-in's name) exits 2 with one line, before any command runs.
func TestMainRejectsBadWorkloads(t *testing.T) {
	code, stdout, stderr := runWith([]string{"fanbench", "gen", "--help"}, lines{"count"})
	want := `fanbench: workload "count": the name of a built-in workload (built in: count, none, parse); choose another` + "\n"
	if code != 2 || stderr != want || stdout != "" {
		t.Errorf("exit %d, stderr %q, stdout %q; want 2, %q", code, stderr, stdout, want)
	}
}

// TestMainRegisters: a registered workload is one the commands know (exec's
// --help lists it).
func TestMainRegisters(t *testing.T) {
	code, stdout, stderr := runWith([]string{"fanbench", "exec", "--help"}, lines{"lens"})
	if code != 0 || !strings.Contains(stdout, "workload: count, lens, none, parse") {
		t.Errorf("exit %d; exec --help does not list the workload:\n%s%s", code, stdout, stderr)
	}
}

// TestMainNamesItself: a program built with Main calls itself by the base
// name of os.Args[0] in its usage and its messages, not "fanbench".
func TestMainNamesItself(t *testing.T) {
	tests := []struct {
		args           []string
		code           int
		stdout, stderr string // prefixes
	}{
		{[]string{"/home/me/bin/wordfreq", "help"}, 0, "usage: wordfreq COMMAND [flags] [args]\n", ""},
		{[]string{"./wordfreq", "exec", "--help"}, 0, "usage: wordfreq exec --strategy S", ""},
		{[]string{"wordfreq", "nope"}, 2, "", `wordfreq: unknown command "nope" (run 'wordfreq help')` + "\n"},
		{[]string{"wordfreq", "exec"}, 2, "", "wordfreq exec: want exactly one FILE argument, got 0\n"},
		{[]string{"bin/wordfreq"}, 2, "", "usage: wordfreq COMMAND"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runWith(tt.args, lines{"lens"})
		if code != tt.code || !strings.HasPrefix(stdout, tt.stdout) || !strings.HasPrefix(stderr, tt.stderr) ||
			(tt.stdout == "") != (stdout == "") || (tt.stderr == "") != (stderr == "") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q…, %q…", tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
		if strings.Contains(stdout+stderr, "fanbench ") {
			t.Errorf("%q: the output names fanbench:\n%s%s", tt.args, stdout, stderr)
		}
	}
}
