package strategy

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/split"
)

// The process forms of the strategies. Each one's Elapsed runs from before
// the parent touches the file to the merged answer, so it includes starting
// the W children (a real cost of the multiprocessing world). The parent's
// AtPeak is called after the merge, once every child has reported, while
// the parent still holds its own buffer, mapping or memfd; the children's
// figures (read by each child after its own work) are in Result.Workers.

// readAllProcess: the parent reads the whole file, then writes each child's
// newline-aligned part down that child's stdin pipe, a copy per child (like
// pickling to a Pool). Each child reads its part fully into memory, then
// runs the workload on it.
func readAllProcess(j Job) (Result, error) {
	const name = "readall"
	if err := processKnobs(name, j); err != nil {
		return Result{}, err
	}
	start := time.Now()
	in, err := OpenInput(j.Path)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	defer in.Close()
	data, err := readInput(name, in)
	if err != nil {
		return Result{}, in.End(name, err)
	}
	rs := split.Bytes(data, j.Workers)
	specs := make([]childSpec, j.Workers)
	for i, r := range rs {
		part := data[r.Off:r.End()]
		specs[i] = childSpec{
			args: workerArgs(roleStdin, j, i, "--len", itoa64(r.Len)),
			feed: func(w io.Writer, _ <-chan struct{}) error { _, err := w.Write(part); return err },
		}
	}
	pr, err := runCollected(name, j, specs, nil, int64(len(data)),
		map[string]float64{results.UnitCopyB: float64(len(data)), "pipe-B": float64(len(data))})
	elapsed := time.Since(start)
	if err := in.End(name, err); err != nil {
		return Result{}, err
	}
	j.atPeak()
	runtime.KeepAlive(data)
	return Result{Answer: pr.answer, Elapsed: elapsed, Workers: pr.workers, MemoryErr: pr.memErr, Extra: pr.extra}, nil
}

// fileRanges opens the input and splits it into W newline-aligned ranges,
// reading only around the cut points. The caller closes the input.
func fileRanges(name, path string, workers int) (*Input, []split.Range, error) {
	in, err := OpenInput(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	rs, err := split.File(in.File, in.Size, workers)
	if err != nil {
		err = in.End(name, fmt.Errorf("%s %s: %w", name, path, err))
		in.Close()
		return nil, nil, err
	}
	return in, rs, nil
}

// rangesProcess: each child gets path, offset and length in argv and reads
// its own range with pread through a small buffer (RangeReader).
func rangesProcess(j Job) (Result, error) {
	const name = "ranges"
	if err := processKnobs(name, j); err != nil {
		return Result{}, err
	}
	start := time.Now()
	in, rs, err := fileRanges(name, j.Path, j.Workers)
	if err != nil {
		return Result{}, err
	}
	defer in.Close()
	specs := make([]childSpec, j.Workers)
	for i, r := range rs {
		specs[i] = childSpec{args: workerArgs(roleRange, j, i, "--path", j.Path, "--size", itoa64(in.Size),
			"--off", itoa64(r.Off), "--len", itoa64(r.Len))}
	}
	pr, err := runCollected(name, j, specs, nil, in.Size, map[string]float64{})
	elapsed := time.Since(start)
	if err := in.End(name, err); err != nil {
		return Result{}, err
	}
	j.atPeak()
	var reads int64
	for _, r := range pr.reps {
		reads += r.Reads
	}
	pr.extra[results.UnitReads] = float64(reads)
	return Result{Answer: pr.answer, Elapsed: elapsed, Workers: pr.workers, MemoryErr: pr.memErr, Extra: pr.extra}, nil
}

// mmapProcess: each child maps the same file (PROT_READ, MAP_SHARED, with
// the advice and populate knobs) and scans its range; the page-cache pages
// are shared by all of them, which PSS shows and RSS hides.
func mmapProcess(j Job) (Result, error) {
	const name = "mmap"
	if err := processKnobs(name, j); err != nil {
		return Result{}, err
	}
	start := time.Now()
	in, rs, err := fileRanges(name, j.Path, j.Workers)
	if err != nil {
		return Result{}, err
	}
	defer in.Close()
	specs := make([]childSpec, j.Workers)
	for i, r := range rs {
		specs[i] = childSpec{args: workerArgs(roleMmap, j, i, "--path", j.Path, "--size", itoa64(in.Size),
			"--off", itoa64(r.Off), "--len", itoa64(r.Len))}
	}
	pr, err := runCollected(name, j, specs, nil, in.Size, nil)
	elapsed := time.Since(start)
	if err := in.End(name, err); err != nil {
		return Result{}, err
	}
	j.atPeak()
	return Result{Answer: pr.answer, Elapsed: elapsed, Workers: pr.workers, MemoryErr: pr.memErr, Extra: pr.extra}, nil
}

// chanProcess: one reader in the parent (Chunker) cuts newline-aligned
// chunks and puts them on a bounded channel (chancap); one writer goroutine
// per child takes the next chunk whenever its child's pipe has taken the
// previous one, so a chunk goes to whichever child is ready. Memory is
// bounded by chancap+W+1 chunks plus the pipes' buffers; a slow child
// blocks only its own writer (backpressure through its pipe). Each child
// cuts its stdin into lines with its own Chunker (buf) and scans them.
func chanProcess(j Job) (Result, error) {
	const name = "chan"
	if err := processKnobs(name, j); err != nil {
		return Result{}, err
	}
	start := time.Now()
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
	produce := func(stop <-chan struct{}) error {
		defer close(ch)
		for {
			chunk, err := c.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", in.Path, err)
			}
			select {
			case ch <- chunk:
			case <-stop:
				return errStopped
			}
		}
	}
	feed := func(w io.Writer, stop <-chan struct{}) error {
		for {
			select {
			case chunk, ok := <-ch:
				if !ok {
					return nil
				}
				_, err := w.Write(chunk)
				c.Release(chunk)
				if err != nil {
					return err
				}
			case <-stop:
				return errStopped
			}
		}
	}
	specs := make([]childSpec, j.Workers)
	for i := range specs {
		specs[i] = childSpec{feed: feed, args: workerArgs(roleStream, j, i)}
	}
	pr, err := runCollected(name, j, specs, produce, in.Size, map[string]float64{})
	elapsed := time.Since(start)
	if err := in.End(name, err); err != nil {
		return Result{}, err
	}
	j.atPeak()
	pr.extra["chunks"], pr.extra[results.UnitCopyB], pr.extra["pipe-B"] = float64(c.Chunks), float64(c.CopiedB), float64(in.Size)
	return Result{Answer: pr.answer, Elapsed: elapsed, Workers: pr.workers, MemoryErr: pr.memErr, Extra: pr.extra}, nil
}
