package workload

import (
	"bytes"
	"encoding/binary"
	"fmt"
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

func (c *countPartial) Answer() Answer { return CountAnswer(c.Lines, c.Bytes) }

// CountAnswer is the count workload's answer for that many lines and
// bytes, with its text and digest.
func CountAnswer(lines, bytes int64) Answer {
	return Answer{Workload: "count", Lines: lines, Bytes: bytes}.withText(countText(lines, bytes))
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
