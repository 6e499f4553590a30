package fanbench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/workload"
)

// lineLengths is a test workload: how many lines of each length (without
// the newline), answered as "LENGTH COUNT" lines in increasing length.
type lineLengths struct{ name string }

func (l lineLengths) Name() string        { return l.name }
func (l lineLengths) NewPartial() Partial { return &lengthsPartial{} }

type lengthsPartial struct{ n map[int]int }

func (p *lengthsPartial) Add(chunk []byte) {
	if p.n == nil {
		p.n = map[int]int{}
	}
	for len(chunk) > 0 {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			i = len(chunk)
			p.n[i]++
			return
		}
		p.n[i]++
		chunk = chunk[i+1:]
	}
}

func (p *lengthsPartial) Merge(o Partial) {
	for k, v := range o.(*lengthsPartial).n {
		if p.n == nil {
			p.n = map[int]int{}
		}
		p.n[k] += v
	}
}

func (p *lengthsPartial) Answer() []byte {
	var b bytes.Buffer
	for k := 0; k <= 100; k++ {
		if p.n[k] > 0 {
			fmt.Fprintf(&b, "%d %d\n", k, p.n[k])
		}
	}
	return b.Bytes()
}

func (p *lengthsPartial) MarshalBinary() ([]byte, error) {
	var b []byte
	for k := 0; k <= 100; k++ {
		if p.n[k] > 0 {
			b = binary.AppendUvarint(binary.AppendUvarint(b, uint64(k)), uint64(p.n[k]))
		}
	}
	return b, nil
}

func (p *lengthsPartial) UnmarshalBinary(b []byte) error {
	p.n = map[int]int{}
	for len(b) > 0 {
		k, i := binary.Uvarint(b)
		if i <= 0 {
			return errors.New("bad key")
		}
		v, j := binary.Uvarint(b[i:])
		if j <= 0 {
			return errors.New("bad count")
		}
		p.n[int(k)] += int(v)
		b = b[i+j:]
	}
	return nil
}

// withReference is lineLengths with a reference that reads only the first
// byte: the adapter still counts the whole file's bytes.
type withReference struct{ lineLengths }

func (withReference) Reference(r io.Reader) ([]byte, error) {
	b := make([]byte, 1)
	_, err := r.Read(b)
	return []byte("ref\n"), err
}

// checkedLengths is lineLengths with a plain reference: the file split on
// newlines with strings.Split (a final empty piece is no line).
type checkedLengths struct{ lineLengths }

func (checkedLengths) Reference(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	n := map[int]int{}
	for _, l := range lines {
		n[len(l)]++
	}
	var out strings.Builder
	for k := 0; k <= 100; k++ {
		if n[k] > 0 {
			fmt.Fprintf(&out, "%d %d\n", k, n[k])
		}
	}
	return []byte(out.String()), nil
}

// saveWorkloads restores the internal workload table after the test.
func saveWorkloads(t *testing.T) {
	saved := workload.All
	t.Cleanup(func() { workload.All = saved })
}

// TestMainRejectsBadWorkloads: a bad name, a built-in's name, a name given
// twice and a nil workload exit 2 with one line naming the problem, before
// any command runs.
func TestMainRejectsBadWorkloads(t *testing.T) {
	for _, tt := range []struct {
		name string
		ws   []Workload
		want string
	}{
		{"built-in", []Workload{lineLengths{"count"}}, `fanbench: workload "count": the name of a built-in workload (built in: count, none, parse); choose another` + "\n"},
		{"twice", []Workload{lineLengths{"lens"}, lineLengths{"lens"}}, `fanbench: workload "lens": registered twice` + "\n"},
		{"invalid", []Workload{lineLengths{"Line Lengths"}}, `fanbench: workload name "Line Lengths": want lower-case letters, digits, '-' or '_', starting with a letter, at most 40` + "\n"},
		{"nil", []Workload{nil}, "fanbench: a nil Workload\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			saveWorkloads(t)
			var stdout, stderr bytes.Buffer
			if code := run(&stdout, &stderr, []string{"fanbench", "gen", "--help"}, tt.ws); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stderr.String() != tt.want || stdout.Len() != 0 {
				t.Errorf("stderr %q stdout %q, want stderr %q", stderr.String(), stdout.String(), tt.want)
			}
		})
	}
}

// TestMainRegisters: a registered workload is one the commands know (exec's
// --help lists it).
func TestMainRegisters(t *testing.T) {
	saveWorkloads(t)
	var stdout, stderr bytes.Buffer
	if code := run(&stdout, &stderr, []string{"fanbench", "exec", "--help"}, []Workload{lineLengths{"lens"}}); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "workload: count, lens, none, parse") {
		t.Errorf("exec --help does not list the workload:\n%s", stdout.String())
	}
}

// TestMainNamesItself: a program built with Main calls itself by the base
// name of os.Args[0] in its usage and its messages, not "fanbench".
func TestMainNamesItself(t *testing.T) {
	saveWorkloads(t)
	t.Cleanup(func() { cli.SetProgram(cli.DefaultProgram) })
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
		var stdout, stderr bytes.Buffer
		saved := workload.All
		code := run(&stdout, &stderr, tt.args, []Workload{lineLengths{"lens"}})
		workload.All = saved // register again next time
		if code != tt.code || !strings.HasPrefix(stdout.String(), tt.stdout) || !strings.HasPrefix(stderr.String(), tt.stderr) ||
			(tt.stdout == "") != (stdout.Len() == 0) || (tt.stderr == "") != (stderr.Len() == 0) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q…, %q…", tt.args, code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderr)
		}
		if strings.Contains(stdout.String()+stderr.String(), "fanbench ") {
			t.Errorf("%q: the output names fanbench:\n%s%s", tt.args, stdout.String(), stderr.String())
		}
	}
}

// TestAdapter: the internal partial of a user workload counts its bytes,
// merges in memory and through AppendBinary/MergeBinary (the process-mode
// path) to the same answer, resets to empty, and its digest is the
// SHA-256 of the user's text. Expected texts are worked out by hand.
func TestAdapter(t *testing.T) {
	w := internalWorkload(lineLengths{"lens"})
	if w.Verifiable() || w.Generate != nil {
		t.Errorf("a workload without Reference or Generate got one: %+v", w)
	}
	a, b := w.New(), w.New()
	a.Add([]byte("ab\ncd\n"))  // two lines of 2
	b.Add([]byte("xyz\nlast")) // one of 3, one of 4 without its newline
	wire, err := b.AppendBinary([]byte("prefix"))
	if err != nil || !bytes.HasPrefix(wire, []byte("prefix")) {
		t.Fatalf("AppendBinary = %q, %v", wire, err)
	}
	viaWire := w.New()
	viaWire.Add([]byte("ab\ncd\n"))
	if err := viaWire.MergeBinary(wire[len("prefix"):]); err != nil {
		t.Fatal(err)
	}
	a.Merge(b)
	want := workload.UserAnswer("lens", 14, []byte("2 2\n3 1\n4 1\n"))
	for name, p := range map[string]workload.Partial{"merge": a, "wire": viaWire} {
		if got := p.Answer(); got != want {
			t.Errorf("%s: answer %+v, want %+v", name, got, want)
		}
	}
	a.Reset()
	if got := a.Answer(); got.Bytes != 0 || got.Text != "" {
		t.Errorf("after Reset: %+v, want empty", got)
	}
	if err := w.New().MergeBinary(nil); err == nil {
		t.Error("MergeBinary of nothing: no error")
	}
}

// TestAdapterReference: the reference's answer counts every byte of the
// input even when the user's reference reads less of it.
func TestAdapterReference(t *testing.T) {
	w := internalWorkload(withReference{lineLengths{"lens"}})
	if !w.Verifiable() || w.RefVersion == nil {
		t.Fatal("a Referencer workload has no reference or version")
	}
	got, err := w.Reference(strings.NewReader("0123456789"))
	if want := workload.UserAnswer("lens", 10, []byte("ref\n")); err != nil || got != want {
		t.Errorf("Reference = %+v, %v; want %+v", got, err, want)
	}
	if v := w.RefVersion(); !strings.HasPrefix(v, "build-") || len(v) != len("build-")+16 {
		t.Errorf("RefVersion = %q, want build- and 16 hex digits", v)
	}
}
