package fanbench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

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

// TestRegisterRejectsBadWorkloads: a bad name, a built-in's name, a name
// given twice and a nil workload are refused with an error naming the
// problem (cmdline.Main prints it as one line and exits 2).
func TestRegisterRejectsBadWorkloads(t *testing.T) {
	for _, tt := range []struct {
		name string
		ws   []Workload
		want string
	}{
		{"built-in", []Workload{lineLengths{"count"}}, `workload "count": the name of a built-in workload (built in: count, none, parse); choose another`},
		{"twice", []Workload{lineLengths{"lens"}, lineLengths{"lens"}}, `workload "lens": registered twice`},
		{"invalid", []Workload{lineLengths{"Line Lengths"}}, `workload name "Line Lengths": want lower-case letters, digits, '-' or '_', starting with a letter, at most 40`},
		{"nil", []Workload{nil}, "a nil Workload"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			saveWorkloads(t)
			if err := Register(tt.ws...); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Register: %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRegister: a registered workload is one the internal table knows.
func TestRegister(t *testing.T) {
	saveWorkloads(t)
	if err := Register(lineLengths{"lens"}); err != nil {
		t.Fatal(err)
	}
	if _, err := workload.Lookup("lens"); err != nil {
		t.Errorf("lens not registered: %v", err)
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
