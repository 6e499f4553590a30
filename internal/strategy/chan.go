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
// memory stays bounded by the pool's size.
type Chunker struct {
	R       io.Reader
	Size    int         // chunk buffer size
	Free    chan []byte // recycled buffers (nil: allocate a fresh buffer per chunk)
	carry   []byte      // the partial line left over from the last read
	eof     bool
	Chunks  int64 // chunks produced
	CopiedB int64 // bytes copied into chunks (the file plus the carried tails)
}

func (c *Chunker) buffer(need int) []byte {
	size := max(c.Size, need)
	if c.Free != nil {
		select {
		case b := <-c.Free:
			if cap(b) >= size {
				return b[:size]
			}
		default:
		}
	}
	return make([]byte, size)
}

// Next returns the next chunk, or io.EOF after the last one.
func (c *Chunker) Next() ([]byte, error) {
	for !c.eof {
		buf := c.buffer(len(c.carry) + 1)
		n := copy(buf, c.carry)
		m, err := io.ReadFull(c.R, buf[n:])
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
			// One line longer than the buffer: carry it all, read more.
			c.carry = append(c.carry[:0:0], buf[:filled]...)
			c.Size = 2 * max(c.Size, filled)
			c.release(buf)
			continue
		}
		c.carry = append(c.carry[:0], buf[last+1:filled]...)
		c.Chunks++
		return buf[:last+1], nil
	}
	return nil, io.EOF
}

// release returns a buffer to the pool, if there is one with room.
func (c *Chunker) release(b []byte) {
	if c.Free == nil {
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
	c := &Chunker{R: in.Reader(), Size: j.Knobs.BufSize}
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
		err = fmt.Errorf("%s: %w", name, readErr)
	}
	elapsed := time.Since(start)
	if err := in.End(name, err); err != nil {
		return Result{}, err
	}
	j.atPeak()
	return Result{Answer: a, Elapsed: elapsed, Extra: extra}, nil
}
