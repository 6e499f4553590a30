package strategy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/workload"
)

// preadScan is a yardstick, not a delivery strategy: W goroutines each
// pread one contiguous byte range of the file (cut at byte offsets, not at
// newlines) through a buffer of Knobs.BufSize bytes and count its '\n'
// with bytes.Count. It is the plain pread-and-scan loop that ranges (which
// must also align ranges and buffers on lines) is judged against, at the
// same buffer size. A line cut between two ranges changes no newline
// count, so only the count workload can run this way; the answer is the
// newlines plus one if the file's last byte is not a newline, and bytes
// is the file's size. It ignores the collect knob (but refuses a value
// other than partials rather than record one it did not use).
func preadScan(j Job) (Result, error) {
	if j.Workload.Name != "count" {
		return Result{}, fmt.Errorf("pread: workload %s: pread is a yardstick for the count workload only (it cuts the file at byte offsets, not at lines)", j.Workload.Name)
	}
	if j.Knobs.Collect != collect.Partials {
		return Result{}, fmt.Errorf("pread: collect %s: pread counts into per-worker totals only (collect=%s)", j.Knobs.Collect, collect.Partials)
	}
	start := time.Now()
	in, err := j.open()
	if err != nil {
		return Result{}, fmt.Errorf("pread: %w", err)
	}
	defer in.Close()
	f, size := in.File, in.Size
	per := (size + int64(j.Workers) - 1) / int64(j.Workers)
	lines := make([]int64, j.Workers)
	reads := make([]int64, j.Workers)
	errs := make([]error, j.Workers)
	var lastByte byte
	var wg sync.WaitGroup
	for w := range j.Workers {
		lo, hi := min(size, int64(w)*per), min(size, int64(w+1)*per)
		if lo == hi {
			continue
		}
		wg.Go(func() {
			buf := make([]byte, min(int64(j.Knobs.BufSize), hi-lo))
			n := 0
			for off := lo; off < hi; off += int64(n) {
				want := int(min(int64(len(buf)), hi-off))
				var rerr error
				n, rerr = f.ReadAt(buf[:want], off)
				reads[w]++
				if n < want {
					if rerr == nil || errors.Is(rerr, io.EOF) {
						rerr = io.ErrUnexpectedEOF
					}
					errs[w] = fmt.Errorf("pread %d bytes at %d: %w", want, off, rerr)
					return
				}
				lines[w] += int64(bytes.Count(buf[:n], []byte{'\n'}))
			}
			if hi == size {
				lastByte = buf[n-1]
			}
		})
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return Result{}, in.End("pread", fmt.Errorf("pread %s: %w", j.Path, err))
	}
	a := workload.Answer{Workload: "count", Bytes: size}
	var nreads int64
	for w := range j.Workers {
		a.Lines += lines[w]
		nreads += reads[w]
	}
	if size > 0 && lastByte != '\n' {
		a.Lines++ // the unterminated last line
	}
	a = workload.CountAnswer(a.Lines, a.Bytes)
	elapsed := time.Since(start)
	if err := in.End("pread", nil); err != nil {
		return Result{}, err
	}
	j.atPeak()
	return Result{Answer: a, Elapsed: elapsed, Extra: map[string]float64{results.UnitReads: float64(nreads)}}, nil
}
