package workload

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// countPartial counts lines and bytes.
type countPartial struct {
	Lines int64
	Bytes int64
}

func (c *countPartial) Add(buf []byte) {
	c.Lines += int64(bytes.Count(buf, []byte{'\n'}))
	if n := len(buf); n > 0 && buf[n-1] != '\n' {
		c.Lines++ // the file's unterminated last line
	}
	c.Bytes += int64(len(buf))
}

func (c *countPartial) Merge(o Partial) {
	oc := o.(*countPartial)
	c.Lines += oc.Lines
	c.Bytes += oc.Bytes
}

func (c *countPartial) Answer() Answer {
	return Answer{Workload: "count", Lines: c.Lines, Bytes: c.Bytes}
}

// Reset zeroes the counts.
func (c *countPartial) Reset() { *c = countPartial{} }

// AppendBinary appends lines and bytes as uvarints.
func (c *countPartial) AppendBinary(b []byte) ([]byte, error) {
	return binary.AppendUvarint(binary.AppendUvarint(b, uint64(c.Lines)), uint64(c.Bytes)), nil
}

// MergeBinary adds the counts in AppendBinary's form.
func (c *countPartial) MergeBinary(data []byte) error {
	d := wireReader{b: data}
	lines, n := d.uvarint(), d.uvarint()
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("count partial: %w", d.err)
	}
	c.Lines += int64(lines)
	c.Bytes += int64(n)
	return nil
}

// referenceCount reads line by line with bufio.Reader: ReadSlice, which
// returns each line (or a buffer-full piece of a long one) inside the
// reader's buffer, so that the reference does not allocate per line and
// keeps up with fixtures of tens of GiB. A line is counted at its '\n', or
// at the end of the file when the last one has none.
func referenceCount(r io.Reader) (Answer, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	a := Answer{Workload: "count"}
	open := false // bytes of a line not yet ended have been read
	for {
		line, err := br.ReadSlice('\n')
		a.Bytes += int64(len(line))
		switch {
		case len(line) > 0 && line[len(line)-1] == '\n':
			a.Lines++
			open = false
		case len(line) > 0:
			open = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if open {
				a.Lines++
			}
			return a, nil
		}
		if err != nil {
			return a, fmt.Errorf("reference count: %w", err)
		}
	}
}
