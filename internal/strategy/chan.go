package strategy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

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

// chanCopies: one reader fills chunks and sends them over a bounded channel
// to W workers; each chunk is a copy owned by one worker at a time.
func chanCopies(j Job) (Result, error) {
	const name = "chan"
	start := time.Now()
	col, err := newCollector(name, j)
	if err != nil {
		return Result{}, err
	}
	in, err := OpenInput(j.Path)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	defer in.Close()
	ch := make(chan []byte, j.Knobs.ChanCap)
	c := &Chunker{R: in.Reader(), Size: j.Knobs.BufSize, MaxLine: j.Knobs.MaxLine}
	if j.Knobs.Pool {
		c.Free = make(chan []byte, j.Knobs.ChanCap+j.Workers+1)
	}
	var wg sync.WaitGroup
	for w := range j.Workers {
		sink := col.Sink(w)
		wg.Go(func() {
			defer sink.Close()
			for chunk := range ch {
				sink.Add(chunk)
				c.Release(chunk)
			}
		})
	}
	var readErr error
	for {
		chunk, err := c.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		ch <- chunk
	}
	close(ch)
	wg.Wait()
	a, extra, err := finish(name, col, map[string]float64{"chunks": float64(c.Chunks), "copy-B": float64(c.CopiedB)})
	if readErr != nil {
		err = fmt.Errorf("%s %s: %w", name, in.Path, readErr)
	}
	elapsed := time.Since(start)
	if err := in.End(name, err); err != nil {
		return Result{}, err
	}
	j.atPeak()
	return Result{Answer: a, Elapsed: elapsed, Extra: extra}, nil
}
