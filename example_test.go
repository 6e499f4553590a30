package fanbench_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/fanbench/fanbench"
)

// lines counts lines: the smallest useful Workload.
type lines struct{}

func (lines) Name() string                 { return "lines" }
func (lines) NewPartial() fanbench.Partial { return new(lineCount) }

// Reference counts the newlines of the whole file the plain way, plus a
// last line without one.
func (lines) Reference(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	n := bytes.Count(b, []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return []byte(strconv.Itoa(n) + "\n"), err
}

type lineCount int64

func (c *lineCount) Add(chunk []byte) {
	*c += lineCount(bytes.Count(chunk, []byte("\n")))
	if len(chunk) > 0 && chunk[len(chunk)-1] != '\n' { // the file's last line, without its newline
		*c++
	}
}
func (c *lineCount) Merge(o fanbench.Partial) { *c += *o.(*lineCount) }
func (c *lineCount) Answer() []byte           { return []byte(strconv.FormatInt(int64(*c), 10) + "\n") }
func (c *lineCount) MarshalBinary() ([]byte, error) {
	return binary.AppendVarint(nil, int64(*c)), nil
}
func (c *lineCount) UnmarshalBinary(b []byte) error {
	v, n := binary.Varint(b)
	if n <= 0 || n != len(b) {
		return errors.New("lines: bad encoding")
	}
	*c = lineCount(v)
	return nil
}

// Example shows what the harness does with a Workload: each worker's
// partial takes chunks of whole lines, partials merge (in process mode
// through MarshalBinary), and the answer text must equal the reference's.
// A program hands the workload to package cmdline's Main:
//
//	func main() { cmdline.Main(lines{}) }
func Example() {
	w := lines{}
	a, b := w.NewPartial(), w.NewPartial()
	a.Add([]byte("one\ntwo\n")) // worker 1's chunk
	b.Add([]byte("three"))      // worker 2's: the last line, without a newline
	wire, _ := b.MarshalBinary()
	c := w.NewPartial()
	_ = c.UnmarshalBinary(wire) // b, as it crosses a process boundary
	a.Merge(c)
	ref, _ := w.Reference(bytes.NewReader([]byte("one\ntwo\nthree")))
	fmt.Printf("answer %q, reference %q\n", a.Answer(), ref)
	// Output: answer "3\n", reference "3\n"
}
