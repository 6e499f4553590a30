package strategy

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/input"
	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/split"
	"github.com/fanbench/fanbench/internal/workload"
)

// Worker roles: how a process-mode child gets its bytes.
const (
	roleStdin  = "stdin"  // readall: exactly --len bytes on stdin, read fully into memory
	roleStream = "stream" // chan: newline-aligned chunks on stdin until EOF
	roleRange  = "range"  // ranges: pread --off/--len of --path through a --buf buffer
	roleMmap   = "mmap"   // mmap: map --path, scan --off/--len
	roleMemfd  = "memfd"  // shm: map inherited --fd (--size bytes), scan --off/--len
	// roleManager is collect=manager's manager: it serves --workers
	// sockets inherited as fds 3, 4, ... and reports the aggregate.
	roleManager = "manager"
)

// Worker is how a process-mode worker child runs: the zero Worker, which
// `fanbench worker` runs (WorkerMain), injects no faults. The fault tests
// set them in the test binary they re-execute as a worker.
type Worker struct {
	// Faults, if set, misbehaves at the worker's chunks of work.
	Faults WorkerFaults
	// Collect, if set, injects faults into the worker's collect sink
	// (collect.Config.Faults) and into collect=manager's manager.
	Collect collect.Faults
}

// WorkerFaults injects misbehaviour into a worker process, for the fault
// tests (which implement it; fanbench never does).
type WorkerFaults interface {
	// Chunk is called before worker index hands each chunk of work to its
	// workload, and once more before it reports; path is its --path (the
	// file of roles range and mmap; else empty).
	Chunk(index int, path string)
}

// WorkerMain is a process-mode worker child: `fanbench worker ARGS`, run
// by the zero Worker (Worker.Main).
func WorkerMain(stdin io.Reader, stdout io.Writer, args []string) error {
	return Worker{}.Main(stdin, stdout, args)
}

// Main is a process-mode worker child. It parses its flags (role,
// workload, index, the role's range and fd, and the run's knobs as one
// document, --knobs: Knobs.UnmarshalText), gets its bytes from stdin, the
// file or an inherited fd as its role says, runs the workload, reads its
// own memory figures (after the work, before it releases its buffer or
// mapping) and writes one JSON report with its encoded partial and the
// knobs it decoded on stdout. With the collect knob channel or manager its
// lines go, batch lines at a time, as messages down the pipe or socket
// --collect-fd instead, and its reported partial is empty; role manager is
// collect=manager's manager (see managerMain).
func (wk Worker) Main(stdin io.Reader, stdout io.Writer, args []string) error {
	f, w, err := parseWorkerFlags(args)
	if err != nil {
		return err
	}
	if f.role == roleManager {
		p, err := managerMain(w, f.index, f.workers, f.knobs.Batch, wk.Collect)
		if err != nil {
			return err
		}
		return writeReport(stdout, workerReport{Index: f.index, Role: roleManager, Knobs: f.knobs.Map()}, p, noRelease)
	}
	p := w.New()
	sink, err := workerSink(w, f.knobs, f.index, f.collectFD, p, wk.Collect)
	if err != nil {
		return err
	}
	r := workerRun{workerFlags: f, stdin: stdin, rep: workerReport{Index: f.index, Knobs: f.knobs.Map()}}
	defer r.closeInput()
	r.add = func(b []byte) {
		sink.Add(b)
		r.rep.Bytes += int64(len(b))
	}
	if wk.Faults != nil {
		add := r.add
		r.add = func(b []byte) { wk.Faults.Chunk(f.index, f.path); add(b) }
	}
	release, err := r.work()
	if err != nil {
		return err
	}
	if wk.Faults != nil {
		wk.Faults.Chunk(f.index, f.path)
	}
	if err := sink.Close(); err != nil {
		release()
		return fmt.Errorf("worker %d: %w", f.index, err)
	}
	if ws, ok := sink.(*collect.WireSink); ok {
		r.rep.Messages, r.rep.IPCBytes = ws.Stats().Messages, ws.Stats().IPCBytes
	}
	return writeReport(stdout, r.rep, p, release)
}

// workerFlags are a worker's flags, parsed.
type workerFlags struct {
	role, path             string
	index                  int
	off, length, size      int64
	fd, collectFD, workers int
	knobs                  Knobs
}

// workerFlagSet defines a worker's flags on a new flag set, storing into
// f, and returns it with the workload name's flag.
func workerFlagSet(f *workerFlags) (fs *flag.FlagSet, wname *string) {
	fs = flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.role, "role", "", "stdin, stream, range, mmap or memfd")
	wname = fs.String("workload", "", "workload name")
	fs.IntVar(&f.index, "index", -1, "worker index")
	fs.StringVar(&f.path, "path", "", "range, mmap: the file")
	fs.Int64Var(&f.off, "off", 0, "range, mmap, memfd: first byte")
	fs.Int64Var(&f.length, "len", 0, "stdin, range, mmap, memfd: byte count")
	fs.Int64Var(&f.size, "size", -1, "range, mmap: the file's size when the parent planned the run; memfd: bytes in the memfd")
	fs.IntVar(&f.fd, "fd", 3, "memfd: the inherited descriptor")
	f.knobs = DefaultKnobs()
	fs.TextVar(&f.knobs, "knobs", f.knobs, "the run's knobs, as Knobs.MarshalText encodes them")
	fs.IntVar(&f.collectFD, "collect-fd", -1, "collect channel, manager: the inherited pipe or socket")
	fs.IntVar(&f.workers, "workers", 0, "manager: the number of workers")
	return fs, wname
}

// PrintWorkerFlags writes the flags of a process-mode worker (Worker.Main)
// with their defaults to w.
func PrintWorkerFlags(w io.Writer) {
	var f workerFlags
	fs, _ := workerFlagSet(&f)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// parseWorkerFlags parses and checks a worker's flags, and looks up its
// workload.
func parseWorkerFlags(args []string) (workerFlags, workload.Workload, error) {
	var f workerFlags
	fs, wname := workerFlagSet(&f)
	if err := fs.Parse(args); err != nil {
		return f, workload.Workload{}, fmt.Errorf("worker flags: %w", err)
	}
	if fs.NArg() != 0 {
		return f, workload.Workload{}, fmt.Errorf("worker flags: unexpected arguments %q", fs.Args())
	}
	w, err := workload.Lookup(*wname)
	if err != nil {
		return f, w, fmt.Errorf("worker: %w", err)
	}
	if f.index < 0 {
		return f, w, errors.New("worker: --index missing")
	}
	if f.off < 0 || f.length < 0 {
		return f, w, fmt.Errorf("worker %d: bad range: off %d len %d", f.index, f.off, f.length)
	}
	return f, w, nil
}

// workerRun is one worker's work under way.
type workerRun struct {
	workerFlags
	stdin io.Reader
	add   func([]byte) // hands a chunk to the workload's sink
	rep   workerReport
	in    *input.Input // range, mmap: the file, closed after the report
}

// closeInput closes the worker's file, if it opened one.
func (r *workerRun) closeInput() {
	if r.in != nil {
		r.in.Close()
	}
}

// work hands the worker's bytes to add as its role says. release frees
// the worker's buffer or mapping; it runs after the memory figures are
// read.
func (r *workerRun) work() (release func() error, err error) {
	switch r.role {
	case roleStdin:
		return r.readStdin()
	case roleStream:
		return r.readStream()
	case roleRange:
		return r.readRange()
	case roleMmap:
		return r.scanMmap()
	case roleMemfd:
		return r.scanMemfd()
	}
	return nil, fmt.Errorf("worker %d: unknown role %q", r.index, r.role)
}

func noRelease() error { return nil }

// readStdin reads exactly --len bytes from stdin, all at once.
func (r *workerRun) readStdin() (func() error, error) {
	buf := make([]byte, r.length)
	if _, err := io.ReadFull(r.stdin, buf); err != nil {
		return nil, fmt.Errorf("worker %d: read %d bytes from stdin: %w", r.index, r.length, err)
	}
	if n, err := r.stdin.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("worker %d: stdin holds more than the %d bytes announced (%v)", r.index, r.length, err)
	}
	r.add(buf)
	return func() error { buf = nil; return nil }, nil
}

// readStream cuts newline-aligned chunks from stdin until it ends.
func (r *workerRun) readStream() (func() error, error) {
	c := &input.Chunker{R: r.stdin, Size: r.knobs.BufSize, MaxLine: r.knobs.MaxLine}
	if r.knobs.Pool {
		c.Free = make(chan []byte, 1)
	}
	for {
		chunk, err := c.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("worker %d: stdin: %w", r.index, err)
		}
		r.add(chunk)
		c.Release(chunk)
	}
	r.rep.Chunks = c.Chunks
	return noRelease, nil
}

// readRange preads its range of the file through a --buf buffer.
func (r *workerRun) readRange() (func() error, error) {
	in, err := r.open()
	if err != nil {
		return nil, err
	}
	rr := input.RangeReader{File: in.File, Buf: input.RangeBuf(r.knobs.BufSize, r.length), MaxLine: r.knobs.MaxLine}
	if err := rr.Read(split.Range{Off: r.off, Len: r.length}, r.add); err != nil {
		return nil, fmt.Errorf("worker %d: %s: %w", r.index, r.path, err)
	}
	r.rep.Reads = rr.Reads
	return noRelease, nil
}

// scanMmap maps the file and scans its range of the mapping.
func (r *workerRun) scanMmap() (func() error, error) {
	in, err := r.open()
	if err != nil {
		return nil, err
	}
	advice, ok := input.Madvise(r.knobs.Advice.String())
	if !ok { // the knobs were checked when decoded: not reached
		return nil, fmt.Errorf("worker %d: advice %q: not a madvise advice", r.index, r.knobs.Advice)
	}
	data, unmap, err := input.Map(in, advice, r.knobs.Populate)
	if err != nil {
		return nil, fmt.Errorf("worker %d: %w", r.index, err)
	}
	if r.off+r.length > int64(len(data)) {
		unmap()
		return nil, fmt.Errorf("worker %d: range %d+%d is past the end of %s (%d bytes)", r.index, r.off, r.length, r.path, len(data))
	}
	if err := input.OnFault("the mapping of "+r.path, data, func() { r.add(data[r.off : r.off+r.length]) }); err != nil {
		unmap()
		return nil, fmt.Errorf("worker %d: %w", r.index, err)
	}
	return unmap, nil
}

// scanMemfd maps the inherited memfd and scans its range.
func (r *workerRun) scanMemfd() (func() error, error) {
	if r.size < 0 {
		return nil, fmt.Errorf("worker %d: --size missing", r.index)
	}
	data, unmap, err := mapMemfd(r.fd, r.size)
	if err != nil {
		return nil, fmt.Errorf("worker %d: %w", r.index, err)
	}
	if r.off+r.length > int64(len(data)) {
		unmap()
		return nil, fmt.Errorf("worker %d: range %d+%d is past the end of the memfd (%d bytes)", r.index, r.off, r.length, len(data))
	}
	r.add(data[r.off : r.off+r.length])
	return unmap, nil
}

// open opens the worker's file (plannedInput), kept until the report is
// written.
func (r *workerRun) open() (*input.Input, error) {
	in, err := plannedInput(r.path, r.size)
	if err != nil {
		return nil, fmt.Errorf("worker %d: %w", r.index, err)
	}
	r.in = in
	return in, nil
}

// plannedInput opens a worker's file under the input policy and checks
// that it still has the size the parent planned with.
func plannedInput(path string, planned int64) (*input.Input, error) {
	in, err := input.Open(path)
	if err != nil {
		return nil, err
	}
	if in.Size != planned {
		in.Close()
		return nil, fmt.Errorf("file %s changed during the run: size %d → %d bytes", path, planned, in.Size)
	}
	return in, nil
}

// workerSink is where a worker's lines go: its own partial p (partials),
// or messages down the inherited pipe or socket fd (channel, manager).
func workerSink(w workload.Workload, k Knobs, index, fd int, p workload.Partial, faults collect.Faults) (collect.Sink, error) {
	if err := collect.Check(k.Collect, "process"); err != nil {
		return nil, fmt.Errorf("worker %d: %w", index, err)
	}
	if k.Collect == collect.Partials {
		return ownSink{p}, nil
	}
	if fd < 3 {
		return nil, fmt.Errorf("worker %d: collect %s: --collect-fd missing", index, k.Collect)
	}
	f := os.NewFile(uintptr(fd), "collect")
	if f == nil {
		return nil, fmt.Errorf("worker %d: collect %s: fd %d is not open", index, k.Collect, fd)
	}
	s, err := collect.NewWireSink(collect.Config{How: k.Collect, Workload: w, Workers: 1, Batch: k.Batch, Faults: faults}, index, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("worker %d: %w", index, err)
	}
	return s, nil
}

// ownSink is collect=partials in a worker: its own partial, reported at
// the end.
type ownSink struct{ workload.Partial }

// Close does nothing: the partial goes into the report.
func (ownSink) Close() error { return nil }

// writeReport reads the child's memory figures, then writes rep with p
// encoded as one JSON line on stdout, then calls release.
func writeReport(stdout io.Writer, rep workerReport, p workload.Partial, release func() error) error {
	mem, merr := measure.NewFS("").SelfMemory()
	if merr != nil {
		rep.MemoryErr = merr.Error()
	}
	rep.Memory = mem
	pb, err := p.AppendBinary(nil)
	if err != nil {
		release()
		return fmt.Errorf("worker %d: encode partial: %w", rep.Index, err)
	}
	rep.Partial = pb
	out, err := json.Marshal(rep)
	if err != nil {
		release()
		return fmt.Errorf("worker %d: report: %w", rep.Index, err)
	}
	if _, err := stdout.Write(append(out, '\n')); err != nil {
		release()
		return fmt.Errorf("worker %d: write report: %w", rep.Index, err)
	}
	if err := release(); err != nil {
		return fmt.Errorf("worker %d: release: %w", rep.Index, err)
	}
	return nil
}
