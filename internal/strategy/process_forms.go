package strategy

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/fanbench/fanbench/internal/input"
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
	in, start, err := openProcessInput(name, j)
	if err != nil {
		return Result{}, err
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
	res, err := pr.result(name, j, in, time.Since(start), err)
	runtime.KeepAlive(data) // held until after AtPeak
	return res, err
}

// openProcessInput refuses what process mode cannot do, then starts the
// run's clock and opens the input; the caller closes it.
func openProcessInput(name string, j Job) (*input.Input, time.Time, error) {
	if err := processKnobs(name, j); err != nil {
		return nil, time.Time{}, err
	}
	start := time.Now()
	in, err := j.open()
	if err != nil {
		return nil, start, fmt.Errorf("%s: %w", name, err)
	}
	return in, start, nil
}

// rangesProcess: each child gets path, offset and length in argv and reads
// its own range with pread through a small buffer (RangeReader).
func rangesProcess(j Job) (Result, error) {
	return ownRanges("ranges", roleRange, j, map[string]float64{}, func(pr processRun) {
		var reads int64
		for _, r := range pr.reps {
			reads += r.Reads
		}
		pr.extra[results.UnitReads] = float64(reads)
	})
}

// mmapProcess: each child maps the same file (PROT_READ, MAP_SHARED, with
// the advice and populate knobs) and scans its range; the page-cache pages
// are shared by all of them, which PSS shows and RSS hides.
func mmapProcess(j Job) (Result, error) { return ownRanges("mmap", roleMmap, j, nil, nil) }

// ownRanges is a process form whose children get their bytes from the
// file themselves, as role says: each child is given path, size, offset
// and length of its newline-aligned range in argv. extra starts the
// result's counts; counted, if set, adds to them from the children's
// reports.
func ownRanges(name, role string, j Job, extra map[string]float64, counted func(processRun)) (Result, error) {
	in, start, err := openProcessInput(name, j)
	if err != nil {
		return Result{}, err
	}
	defer in.Close()
	// W newline-aligned ranges, read only around the cut points.
	rs, err := split.File(in.File, in.Size, j.Workers)
	if err != nil {
		return Result{}, in.End(name, fmt.Errorf("%s %s: %w", name, j.Path, err))
	}
	specs := make([]childSpec, j.Workers)
	for i, r := range rs {
		specs[i] = childSpec{args: workerArgs(role, j, i, "--path", j.Path, "--size", itoa64(in.Size),
			"--off", itoa64(r.Off), "--len", itoa64(r.Len))}
	}
	pr, err := runCollected(name, j, specs, nil, in.Size, extra)
	if err == nil && counted != nil {
		counted(pr)
	}
	return pr.result(name, j, in, time.Since(start), err)
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
	in, start, err := openProcessInput(name, j)
	if err != nil {
		return Result{}, err
	}
	defer in.Close()
	ch := make(chan []byte, j.Knobs.ChanCap)
	c := &input.Chunker{R: in.Reader(), Size: j.Knobs.BufSize, MaxLine: j.Knobs.MaxLine}
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
	if err == nil {
		pr.extra["chunks"], pr.extra[results.UnitCopyB], pr.extra["pipe-B"] = float64(c.Chunks), float64(c.CopiedB), float64(in.Size)
	}
	return pr.result(name, j, in, time.Since(start), err)
}

// result ends a process form run over in: the input's end-of-run check
// (Input.End, with the run's err), then AtPeak, then the result.
func (pr processRun) result(name string, j Job, in *input.Input, elapsed time.Duration, err error) (Result, error) {
	if err := in.End(name, err); err != nil {
		return Result{}, err
	}
	j.atPeak()
	return Result{Answer: pr.answer, Elapsed: elapsed, Workers: pr.workers, MemoryErr: pr.memErr, Extra: pr.extra}, nil
}
