package strategy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanbench/fanbench/internal/split"
	"github.com/fanbench/fanbench/internal/units"
)

// ranges gives each worker its own newline-aligned byte range, read with
// pread through one small reusable buffer.
func ranges(j Job) (Result, error) {
	const name = "ranges"
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
	rs, err := split.File(in.File, in.Size, j.parts(in.Size))
	if err != nil {
		return Result{}, in.End(name, fmt.Errorf("%s %s: %w", name, j.Path, err))
	}
	var next atomic.Int64
	errs := make([]error, j.Workers)
	var reads atomic.Int64
	var wg sync.WaitGroup
	for w := range j.Workers {
		sink := col.Sink(w)
		wg.Go(func() {
			defer sink.Close()
			first := int64(j.Knobs.Segment) // a dynamic worker reads segments
			if j.Knobs.Split != "dynamic" {
				first = rs[w].Len // a static one its part
			}
			rr := RangeReader{File: in.File, Buf: rangeBuf(j.Knobs, first), MaxLine: j.Knobs.MaxLine}
			if j.Knobs.Split != "dynamic" {
				errs[w] = rr.Read(rs[w], sink.Add)
			} else {
				for i := next.Add(1) - 1; i < int64(len(rs)) && errs[w] == nil; i = next.Add(1) - 1 {
					errs[w] = rr.Read(rs[i], sink.Add)
				}
			}
			reads.Add(rr.Reads)
		})
	}
	wg.Wait()
	a, extra, err := finish(name, col, map[string]float64{"reads": float64(reads.Load())})
	if rerr := firstError(errs); rerr != nil {
		err = fmt.Errorf("%s %s: %w", name, j.Path, rerr)
	}
	elapsed := time.Since(start)
	if err := in.End(name, err); err != nil {
		return Result{}, err
	}
	j.atPeak()
	return Result{Answer: a, Elapsed: elapsed, Extra: extra}, nil
}

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
		off += int64(n)
		filled := carry + n
		if off == end {
			add(rr.Buf[:filled])
			return nil
		}
		last := bytes.LastIndexByte(rr.Buf[:filled], '\n')
		if last < 0 {
			carry = filled
			continue
		}
		add(rr.Buf[:last+1])
		carry = copy(rr.Buf, rr.Buf[last+1:filled])
	}
	if carry > 0 {
		add(rr.Buf[:carry])
	}
	return nil
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

// rangeBuf is the first size of a worker's buffer for a range of n bytes:
// buf, or less for a short range (it grows for a long line, to maxline).
func rangeBuf(k Knobs, n int64) []byte {
	return make([]byte, max(64, min(int64(k.BufSize), n)))
}
