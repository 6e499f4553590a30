package input

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/fanbench/fanbench/internal/split"
)

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// TestLineBuffersBounded: on 64 MiB without a newline, Chunker and
// RangeReader stop after reading at most maxline (+ one buffer) and no
// buffer they hand out or keep is larger than max(buf, maxline): memory
// stays a small multiple of the buffer whatever the input.
func TestLineBuffersBounded(t *testing.T) {
	const size, buf, maxLine = 64 << 20, 64 << 10, 1 << 20
	data := bytes.Repeat([]byte("x"), size)
	for _, pool := range []bool{false, true} {
		cr := &CountingReader{R: bytes.NewReader(data)}
		c := &Chunker{R: cr, Size: buf, MaxLine: maxLine}
		if pool {
			c.Free = make(chan []byte, 4)
		}
		_, err := c.Next()
		var ll LineTooLong
		if !errors.As(err, &ll) || ll.Off != 0 {
			t.Errorf("chunker (pool %v): error %v, want LineTooLong at 0", pool, err)
		}
		if cr.N > maxLine+buf || cap(c.carry) > maxLine {
			t.Errorf("chunker (pool %v): read %d bytes, carry %d; want at most %d and %d", pool, cr.N, cap(c.carry), maxLine+buf, maxLine)
		}
	}
	ra := &countingReaderAt{r: bytes.NewReader(data)}
	rr := RangeReader{File: ra, Buf: make([]byte, buf), MaxLine: maxLine}
	err := rr.Read(split.Range{Off: 0, Len: size}, func([]byte) { t.Error("a partial line was delivered") })
	var ll LineTooLong
	if !errors.As(err, &ll) || ll.Off != 0 {
		t.Errorf("range reader: error %v, want LineTooLong at 0", err)
	}
	if ra.n > maxLine || len(rr.Buf) > maxLine {
		t.Errorf("range reader: read %d bytes into a %d-byte buffer; want at most %d", ra.n, len(rr.Buf), maxLine)
	}
	// A line of exactly maxline bytes is taken, and the chunk holding it
	// is no larger than maxline.
	line := append(bytes.Repeat([]byte("y"), maxLine-1), '\n')
	c := &Chunker{R: bytes.NewReader(append(append([]byte{}, line...), "z\n"...)), Size: buf, MaxLine: maxLine}
	chunk, err := c.Next()
	if err != nil || !bytes.Equal(chunk, line) || cap(chunk) > maxLine {
		t.Errorf("chunker on a maxline line: %d bytes (cap %d), %v", len(chunk), cap(chunk), err)
	}
}
