package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/fanbench/fanbench/internal/split"
	"github.com/fanbench/fanbench/internal/units"
)

// RangeReader reads a newline-aligned range with pread through Buf and hands
// whole lines to a consumer; the partial line at a buffer's end is carried
// to the front. A line longer than Buf grows Buf (the only allocation), to
// MaxLine at most: Buf never holds more than max(its first size, MaxLine)
// bytes, and a longer line is an error (LineTooLong).
type RangeReader struct {
	File    io.ReaderAt
	Buf     []byte
	MaxLine int   // the longest line taken, '\n' included (the maxline knob)
	Reads   int64 // pread calls made
}

// Read delivers r's bytes to add in whole lines.
func (rr *RangeReader) Read(r split.Range, add func([]byte)) error {
	return rr.ReadFunc(r, func(_ int64, b []byte) error { add(b); return nil })
}

// ReadFunc delivers r's bytes to add in whole lines, each call with the
// offset of its first byte; b is valid until add returns (Buf is reused).
// An error from add stops the read and is returned as it is.
func (rr *RangeReader) ReadFunc(r split.Range, add func(off int64, b []byte) error) error {
	off, end := r.Off, r.End()
	carry := 0
	for off < end {
		if carry == len(rr.Buf) {
			if len(rr.Buf) >= rr.MaxLine {
				return LineTooLong{Off: off - int64(carry), MaxLine: rr.MaxLine}
			}
			nb := make([]byte, min(2*len(rr.Buf), rr.MaxLine))
			copy(nb, rr.Buf)
			rr.Buf = nb
		}
		want := min(int64(len(rr.Buf)-carry), end-off)
		n, err := rr.File.ReadAt(rr.Buf[carry:carry+int(want)], off)
		rr.Reads++
		if n < int(want) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("pread %d bytes at %d: %w", want, off, err)
		}
		start := off - int64(carry) // the file offset of Buf[0]
		off += int64(n)
		filled := carry + n
		if off == end {
			return add(start, rr.Buf[:filled])
		}
		last := bytes.LastIndexByte(rr.Buf[:filled], '\n')
		if last < 0 {
			carry = filled
			continue
		}
		if err := add(start, rr.Buf[:last+1]); err != nil {
			return err
		}
		carry = copy(rr.Buf, rr.Buf[last+1:filled])
	}
	if carry > 0 {
		return add(off-int64(carry), rr.Buf[:carry])
	}
	return nil
}

// RangeBuf is the first buffer of a RangeReader for a range of n bytes:
// bufSize bytes, or less for a short range, at least 64 (it grows for a
// long line, to MaxLine).
func RangeBuf(bufSize int, n int64) []byte {
	return make([]byte, max(64, min(int64(bufSize), n)))
}

// LineTooLong is the error of a line longer than the maxline knob: the
// buffered strategies (ranges, chan) refuse it rather than grow without
// bound.
type LineTooLong struct {
	Off     int64 // where the line starts (in the file, or in a worker's stream)
	MaxLine int
}

func (e LineTooLong) Error() string {
	return fmt.Sprintf("the line at byte %d is longer than maxline %s (raise the maxline knob to read it)", e.Off, units.FormatSize(int64(e.MaxLine)))
}

// Chunker reads a stream sequentially into newline-aligned chunks: each
// chunk holds whole lines, and the partial line at a read's end is carried
// into the next chunk. With a pool, buffers come back through Release and
// memory stays bounded by the pool's size. A line longer than a chunk is
// read into a larger buffer, of MaxLine bytes at most: no buffer is ever
// larger than max(Size, MaxLine), only Size buffers are pooled, and a
// line longer than MaxLine is an error (LineTooLong).
type Chunker struct {
	R       io.Reader
	Size    int         // chunk buffer size
	MaxLine int         // the longest line taken, '\n' included (the maxline knob)
	Free    chan []byte // recycled buffers (nil: allocate a fresh buffer per chunk)
	carry   []byte      // the partial line left over from the last read
	read    int64       // bytes read from R
	eof     bool
	Off     int64 // the stream offset of the chunk Next returned last
	Chunks  int64 // chunks produced
	CopiedB int64 // bytes copied into chunks (the file plus the carried tails)
}

func (c *Chunker) buffer(size int) []byte {
	if c.Free != nil && size <= c.Size {
		select {
		case b := <-c.Free:
			return b[:c.Size]
		default:
		}
	}
	return make([]byte, max(c.Size, size))
}

// Next returns the next chunk, or io.EOF after the last one.
func (c *Chunker) Next() ([]byte, error) {
	need := len(c.carry) + 1 // the carried line and at least one byte more
	for !c.eof {
		buf := c.buffer(need)
		n := copy(buf, c.carry)
		m, err := io.ReadFull(c.R, buf[n:])
		c.read += int64(m)
		filled := n + m
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			c.eof, err = true, nil
		}
		if err != nil {
			return nil, fmt.Errorf("chunk read: %w", err)
		}
		c.CopiedB += int64(filled)
		if c.eof {
			c.carry = nil
			if filled == 0 {
				c.release(buf)
				return nil, io.EOF
			}
			c.Chunks++
			c.Off = c.read - int64(filled)
			return buf[:filled], nil
		}
		last := bytes.LastIndexByte(buf[:filled], '\n')
		if last < 0 {
			// One line longer than the buffer: carry it all, read more
			// into a buffer twice as large, up to MaxLine.
			if filled >= c.MaxLine {
				c.release(buf)
				return nil, LineTooLong{Off: c.read - int64(filled), MaxLine: c.MaxLine}
			}
			c.carry = append(c.carry[:0], buf[:filled]...)
			need = min(2*filled, c.MaxLine)
			c.release(buf)
			continue
		}
		c.carry = append(c.carry[:0], buf[last+1:filled]...)
		c.Chunks++
		c.Off = c.read - int64(filled)
		return buf[:last+1], nil
	}
	return nil, io.EOF
}

// release returns a buffer to the pool, if it is a chunk-sized one and
// the pool has room; a larger one (a long line's) is left to the collector.
func (c *Chunker) release(b []byte) {
	if c.Free == nil || cap(b) != c.Size {
		return
	}
	select {
	case c.Free <- b[:cap(b)]:
	default:
	}
}

// Release hands a consumed chunk back for reuse.
func (c *Chunker) Release(b []byte) { c.release(b) }
