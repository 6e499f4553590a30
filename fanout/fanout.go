// Package fanout delivers one file's bytes to many worker goroutines, in
// whole lines, by one of five strategies: the ones the fanbench harness
// measures, with the harness's exact semantics (the harness's goroutine
// mode is this package).
//
// Run calls the caller's function with newline-aligned chunks: each chunk
// starts at a line start and ends just after a '\n' or at the end of the
// file, every byte of the file is in exactly one chunk, and a last line
// without a final newline is included. Chunk.Worker says which worker
// (goroutine) the call is on: calls with the same Worker never overlap,
// so per-worker state indexed by it needs no lock. Chunk.Valid says how
// long Chunk.Data may be used: buffers are reused.
//
// An error returned by the function, a failed read, or the cancellation of
// the context stops every worker at its next chunk, and Run returns it,
// wrapped with the strategy and the file. (A Static split gives ReadAll,
// Mmap and Shm one chunk per worker, its whole part: a function that must
// stop sooner checks the context itself, or the run uses a Dynamic split of
// smaller segments.) A panic in the function is recovered on its worker,
// stops every worker as an error does, and once they have all stopped is
// raised again on the caller's goroutine as a PanicError holding the value
// and the stack of the panic, so a recover around Run sees it; a nil
// function is an error before any work. The input must be a regular file
// whose size is known when it is opened: named pipes, devices, sockets,
// directories and files on pseudo file systems (/proc, /sys) are refused
// with one line naming the file, and a file that changes during the run
// (its size, its modification time, a replacement) fails the run, as does a
// fault (SIGBUS) reading a mapping of a file that shrank under it, named
// as such instead of a crash.
package fanout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanbench/fanbench/internal/input"
	"github.com/fanbench/fanbench/internal/split"
	"github.com/fanbench/fanbench/internal/units"
)

// Chunk is one call's share of the input: whole lines.
type Chunk struct {
	// Worker is the index of the worker goroutine the call is on, from 0
	// to Options.Workers-1.
	Worker int
	// Offset is where Data starts in the file (in RunBytes' data).
	Offset int64
	// Data holds whole lines; it is never empty.
	Data []byte
	// Valid is how long Data may be used.
	Valid Validity
}

// Validity is how long a Chunk's Data stays valid.
type Validity int

// The validities.
const (
	// UntilReturn: Data is valid until the function returns; its buffer
	// is then reused (Ranges, Chan with its buffer pool). Copy what must
	// be kept.
	UntilReturn Validity = iota + 1
	// UntilRun: Data is valid until Run returns (Mmap: the file is
	// unmapped then).
	UntilRun
	// WhileReferenced: Data is ordinary Go memory that stays valid as long
	// as it is referenced (ReadAll and Shm: a slice of the file's buffer,
	// which it keeps alive; Chan with Options.NoPool; RunBytes: the
	// caller's data).
	WhileReferenced
)

// String names the validity.
func (v Validity) String() string {
	switch v {
	case UntilReturn:
		return "until the function returns"
	case UntilRun:
		return "until Run returns"
	case WhileReferenced:
		return "while referenced"
	}
	return fmt.Sprintf("Validity(%d)", int(v))
}

// LineTooLong is the error of a line longer than Options.MaxLine under
// Ranges or Chan, which refuse it rather than grow their buffers without
// bound. Run returns it as a *LineTooLong, wrapped with the strategy and
// the file; find it with a pointer target:
//
//	var ll *fanout.LineTooLong
//	if errors.As(err, &ll) {
//		// ll.Off, ll.MaxLine
//	}
//
// LineTooLong itself is not an error: a value target (var ll
// fanout.LineTooLong) is refused by go vet and makes errors.As panic,
// rather than silently never matching.
type LineTooLong struct {
	// Off is where the line starts: its first byte's offset in the file.
	Off int64
	// MaxLine is the bound the line broke: the run's Options.MaxLine
	// (DefaultMaxLine if that was 0), in bytes, '\n' included.
	MaxLine int
}

// Error says where the line starts and the bound it broke.
func (e *LineTooLong) Error() string {
	return fmt.Sprintf("the line at byte %d is longer than MaxLine %s (raise Options.MaxLine to read it)", e.Off, units.FormatSize(int64(e.MaxLine)))
}

// lineTooLong is err, a line reader's (input.RangeReader's or
// input.Chunker's), as the public *LineTooLong if it is their line error.
func lineTooLong(err error) error {
	if ll, ok := err.(input.LineTooLong); ok {
		return &LineTooLong{Off: ll.Off, MaxLine: ll.MaxLine}
	}
	return err
}

// Stats are what a run did and what it took.
type Stats struct {
	Strategy Strategy // the strategy (empty for RunBytes)
	Workers  int      // the number of workers
	Bytes    int64    // bytes delivered: the file's size after a complete run
	Chunks   int64    // calls of the function
	// Reads are the pread calls Ranges made.
	Reads int64
	// CopiedBytes are the bytes copied from the file into Go memory:
	// ReadAll and Shm the file, Chan the file plus the line tails carried
	// from one chunk into the next; 0 for Ranges (which reads into its
	// buffers, counted by Reads), Mmap and RunBytes.
	CopiedBytes int64
	// Elapsed is the time from Run's start until the last chunk was
	// delivered (RunBytes: the scan only); the end-of-run check of the
	// file and Options.AtPeak are not in it.
	Elapsed time.Duration
}

// Run opens the regular file at path and delivers its bytes to fn in
// whole-line chunks on opt.Workers goroutines, as opt.Strategy does (see
// the package documentation for the guarantees). It returns once every
// worker has stopped, with the run's figures; the first error (fn's, a
// read's, the context's, a change of the file) wrapped with the strategy
// and the file, in one line. A panic in fn is raised again, as a
// PanicError, on the caller's goroutine once every worker has stopped.
func Run(ctx context.Context, path string, opt Options, fn func(Chunk) error) (Stats, error) {
	start := time.Now()
	if fn == nil {
		return Stats{}, errNilFunc
	}
	opt, err := opt.resolved()
	if err != nil {
		return Stats{}, err
	}
	name := opt.Strategy.String()
	if err := ctx.Err(); err != nil {
		return Stats{}, fmt.Errorf("%s %s: %w", name, path, err)
	}
	in, err := input.Open(path)
	if err != nil {
		return Stats{}, fmt.Errorf("%s: %w", name, err)
	}
	defer in.Close()
	r := newRun(ctx, opt, fn)
	st := Stats{Strategy: opt.Strategy, Workers: opt.Workers}
	var data []byte // the whole file, kept until after AtPeak (ReadAll, Shm)
	unmap := func() error { return nil }
	named := false // the error names the file already (the input's own errors do)
	switch opt.Strategy {
	case ReadAll, Shm:
		data, err = input.ReadAll(in)
		if err != nil {
			named = true
		} else {
			st.CopiedBytes = int64(len(data))
			err = r.scan("the buffer", data, WhileReferenced)
		}
	case Mmap:
		var mapped []byte
		advice, _ := opt.Advice.madvise() // checked by resolved
		mapped, unmap, err = input.Map(in, advice, opt.Populate)
		if err != nil {
			named, unmap = true, func() error { return nil }
		} else {
			err = r.scan("the mapping of "+path, mapped, UntilRun)
		}
	case Ranges:
		err = r.ranges(in)
	case Chan:
		err = r.chan_(in, &st)
	}
	r.total(&st)
	st.Elapsed = time.Since(start)
	if r.panic != nil { // every worker has stopped
		unmap()
		r.repanic()
	}
	if err == nil {
		err = r.err()
	}
	switch {
	case err != nil && named:
		err = fmt.Errorf("%s: %w", name, err)
	case err != nil:
		err = fmt.Errorf("%s %s: %w", name, path, err)
	}
	if err := in.End(name, err); err != nil {
		unmap()
		return st, err
	}
	if opt.AtPeak != nil {
		opt.AtPeak()
	}
	runtime.KeepAlive(data)
	if err := unmap(); err != nil {
		return st, fmt.Errorf("%s %s: munmap: %w", name, path, err)
	}
	return st, nil
}

// RunBytes delivers data, already in memory, to fn as Run delivers a file
// read by ReadAll (Chunk.Offset is the offset in data), with opt's
// Workers, Split, Segment and AtPeak; the other options are ignored.
// Stats.Elapsed is the scan alone: what the work costs when delivery is
// free. A memory fault reading data (a mapping whose file shrank) is an
// error.
func RunBytes(ctx context.Context, data []byte, opt Options, fn func(Chunk) error) (Stats, error) {
	if fn == nil {
		return Stats{}, errNilFunc
	}
	opt.Strategy = ReadAll // the options' check needs one; only the split is used
	opt, err := opt.resolved()
	if err != nil {
		return Stats{}, err
	}
	start := time.Now()
	r := newRun(ctx, opt, fn)
	err = r.scan("the data", data, WhileReferenced)
	r.repanic()
	st := Stats{Workers: opt.Workers}
	r.total(&st)
	st.Elapsed = time.Since(start)
	if err == nil {
		err = r.err()
	}
	if err != nil {
		return st, fmt.Errorf("fanout: %w", err)
	}
	if opt.AtPeak != nil {
		opt.AtPeak()
	}
	return st, nil
}

// errStopped ends a worker's read once the run has failed, and is a call's
// error when fn panicked; it is never returned by Run.
var errStopped = errors.New("fanout: stopped")

// run is one Run's shared state: the options, fn, the first failure and
// the stop flag every worker checks before each chunk.
type run struct {
	ctx     context.Context
	done    <-chan struct{} // ctx.Done()
	opt     Options
	fn      func(Chunk) error
	stopped atomic.Bool
	mu      sync.Mutex
	first   error
	panic   *PanicError // the first call of fn that panicked
	chunks  atomic.Int64
	bytes   atomic.Int64
	reads   atomic.Int64
	workers []worker
	next    atomic.Int64 // a dynamic split's next part
	wg      sync.WaitGroup
}

func newRun(ctx context.Context, opt Options, fn func(Chunk) error) *run {
	r := &run{ctx: ctx, done: ctx.Done(), opt: opt, fn: fn, workers: make([]worker, opt.Workers)}
	for w := range r.workers {
		r.workers[w] = worker{r: r, w: w}
	}
	return r
}

// stop reports whether the run is to stop: it failed, or its context is
// done (then the context's error is the run's). It costs an atomic load
// and a non-blocking receive, once per chunk.
func (r *run) stop() bool {
	if r.stopped.Load() {
		return true
	}
	select {
	case <-r.done:
		r.fail(r.ctx.Err())
		return true
	default:
		return false
	}
}

// fail records err if it is the first failure and stops every worker.
func (r *run) fail(err error) {
	r.mu.Lock()
	if r.first == nil {
		r.first = err
	}
	r.mu.Unlock()
	r.stopped.Store(true)
}

// err is the first failure, or nil.
func (r *run) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first
}

// total adds the run's counts to st.
func (r *run) total(st *Stats) {
	st.Chunks, st.Bytes, st.Reads = r.chunks.Load(), r.bytes.Load(), r.reads.Load()
}

// worker is one worker goroutine's delivery: fn's calls and their counts,
// padded to a cache line of its own (each worker writes its counts at
// every chunk).
type worker struct {
	r             *run
	w             int
	chunks, bytes int64
	_             [32]byte
}

// deliver calls fn with one non-empty chunk; false once the run stops
// (fn's error stops it).
func (k *worker) deliver(off int64, data []byte, v Validity) bool {
	if k.r.stop() {
		return false
	}
	if len(data) == 0 {
		return true
	}
	k.chunks++
	k.bytes += int64(len(data))
	if err := k.call(Chunk{Worker: k.w, Offset: off, Data: data, Valid: v}); err != nil {
		if err == errStopped { // fn panicked: call recorded it
			return false
		}
		k.r.fail(fmt.Errorf("worker %d, chunk at byte %d: %w", k.w, off, err))
		return false
	}
	return true
}

// done adds the worker's counts to the run's.
func (k *worker) done() {
	k.r.chunks.Add(k.chunks)
	k.r.bytes.Add(k.bytes)
}

// parts is how many newline-aligned parts a size-byte input is cut into:
// one per worker for a static split, one per segment for a dynamic one.
func (r *run) parts(size int64) int {
	if r.opt.Split != Dynamic {
		return r.opt.Workers
	}
	seg := int64(r.opt.Segment)
	return int(max(1, (size+seg-1)/seg))
}

// eachPart runs one goroutine per worker, each calling part with the
// indexes of the parts it takes: its own (static) or those it claims from
// a shared counter (dynamic) until part returns false or none is left.
func (r *run) eachPart(parts int, part func(k *worker, i int) bool) {
	for w := range r.workers {
		r.wg.Go(func() {
			k := &r.workers[w]
			defer k.done()
			if r.opt.Split != Dynamic {
				part(k, w)
				return
			}
			for i := r.next.Add(1) - 1; i < int64(parts) && part(k, int(i)); i = r.next.Add(1) - 1 {
			}
		})
	}
	r.wg.Wait()
}

// scan delivers data, which is in memory, in whole-line parts. A fault
// reading data (SIGBUS: a mapped file shrank under the mapping) fails the
// run with an error naming what (the mapping of a file, the buffer) was
// read, instead of a crash.
func (r *run) scan(what string, data []byte, v Validity) error {
	var rs []split.Range
	if err := input.OnFault(what, data, func() { rs = split.Bytes(data, r.parts(int64(len(data)))) }); err != nil {
		return err
	}
	r.eachPart(len(rs), func(k *worker, i int) bool {
		ok := true
		if err := input.OnFault(what, data, func() { ok = k.deliver(rs[i].Off, data[rs[i].Off:rs[i].End()], v) }); err != nil {
			r.fail(err)
			return false
		}
		return ok
	})
	return nil
}

// ranges has every worker pread its newline-aligned ranges through its
// own reusable buffer.
func (r *run) ranges(in *input.Input) error {
	rs, err := split.File(in.File, in.Size, r.parts(in.Size))
	if err != nil {
		return err
	}
	bufs := make([]*input.RangeReader, r.opt.Workers)
	r.eachPart(len(rs), func(k *worker, i int) bool {
		rr := bufs[k.w]
		if rr == nil {
			first := int64(r.opt.Segment) // a dynamic worker reads segments
			if r.opt.Split != Dynamic {
				first = rs[i].Len // a static one its part
			}
			rr = &input.RangeReader{File: in.File, Buf: input.RangeBuf(r.opt.BufSize, first), MaxLine: r.opt.MaxLine}
			bufs[k.w] = rr
		}
		before := rr.Reads
		err := rr.ReadFunc(rs[i], func(off int64, b []byte) error {
			if !k.deliver(off, b, UntilReturn) {
				return errStopped
			}
			return nil
		})
		r.reads.Add(rr.Reads - before)
		if err != nil && !errors.Is(err, errStopped) {
			r.fail(lineTooLong(err))
		}
		return err == nil
	})
	return nil
}

// chunk is one of Chan's chunks and where it starts.
type chunk struct {
	off  int64
	data []byte
}

// chan_ has one reader (this goroutine) cut the file into chunks and send
// them over a bounded channel to the workers.
func (r *run) chan_(in *input.Input, st *Stats) error {
	ch := make(chan chunk, r.opt.ChanCap)
	c := &input.Chunker{R: in.Reader(), Size: r.opt.BufSize, MaxLine: r.opt.MaxLine}
	if !r.opt.NoPool {
		c.Free = make(chan []byte, r.opt.ChanCap+r.opt.Workers+1)
	}
	v := chanValidity(r.opt.NoPool)
	for w := range r.workers {
		r.wg.Go(func() {
			k := &r.workers[w]
			defer k.done()
			for ck := range ch { // after a failure, drain: the reader never blocks
				k.deliver(ck.off, ck.data, v)
				c.Release(ck.data)
			}
		})
	}
	var readErr error
	for !r.stop() {
		b, err := c.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = lineTooLong(err)
			}
			break
		}
		ch <- chunk{off: c.Off, data: b}
	}
	close(ch)
	r.wg.Wait()
	st.CopiedBytes = c.CopiedB
	return readErr
}

// chanValidity is how long Chan's chunks stay valid: until fn returns with
// the pool (the buffer is reused), while referenced without it.
func chanValidity(noPool bool) Validity {
	if noPool {
		return WhileReferenced
	}
	return UntilReturn
}
