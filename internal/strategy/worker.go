package strategy

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fanbench/fanbench/internal/collect"
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

// workerFault, when set, makes WorkerMain misbehave on purpose: a comma
// separated list of "kind" or "kind:index" (only worker index misbehaves;
// the first entry that applies wins), kind one of panic, exit,
// kill (SIGKILL itself), hang (sleep for an hour), slow (sleep on every
// chunk) or truncate (truncate --path to 0 bytes: under a mapping, the
// reads that follow fault with SIGBUS). The fault fires at
// the worker's first chunk of work, or before it reports if it has none.
// Only this package's tests set it (from FANBENCH_WORKER_FAULT in the
// re-executed test binary); `fanbench worker` never does.
var workerFault string

// WorkerMain is a process-mode worker child: `fanbench worker ARGS`. It
// parses its flags (role, workload, index, the role's range and fd, and
// the run's knobs as one document, --knobs: Knobs.UnmarshalText), gets
// its bytes from stdin, the file or an inherited fd as its role says,
// runs the workload, reads its own memory figures (after the work, before
// it releases its buffer or mapping) and writes one JSON report with its
// encoded partial and the knobs it decoded on stdout. With the collect
// knob channel or manager its lines go, batch lines at a time, as
// messages down the pipe or socket --collect-fd instead, and its reported
// partial is empty; role manager is collect=manager's manager (see
// managerMain).
func WorkerMain(stdin io.Reader, stdout io.Writer, args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	role := fs.String("role", "", "stdin, stream, range, mmap or memfd")
	wname := fs.String("workload", "", "workload name")
	index := fs.Int("index", -1, "worker index")
	path := fs.String("path", "", "range, mmap: the file")
	off := fs.Int64("off", 0, "range, mmap, memfd: first byte")
	length := fs.Int64("len", 0, "stdin, range, mmap, memfd: byte count")
	size := fs.Int64("size", -1, "range, mmap: the file's size when the parent planned the run; memfd: bytes in the memfd")
	fd := fs.Int("fd", 3, "memfd: the inherited descriptor")
	k := DefaultKnobs()
	fs.TextVar(&k, "knobs", k, "the run's knobs, as Knobs.MarshalText encodes them")
	collectFD := fs.Int("collect-fd", -1, "collect channel, manager: the inherited pipe or socket")
	workers := fs.Int("workers", 0, "manager: the number of workers")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("worker flags: %w", err)
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("worker flags: unexpected arguments %q", fs.Args())
	}
	w, err := workload.Lookup(*wname)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	if *index < 0 {
		return errors.New("worker: --index missing")
	}
	if *off < 0 || *length < 0 {
		return fmt.Errorf("worker %d: bad range: off %d len %d", *index, *off, *length)
	}
	if *role == roleManager {
		p, err := managerMain(w, *index, *workers, k.Batch)
		if err != nil {
			return err
		}
		return writeReport(stdout, workerReport{Index: *index, Role: roleManager, Knobs: k.Map()}, p, func() error { return nil })
	}
	p := w.New()
	sink, err := workerSink(w, k, *index, *collectFD, p)
	if err != nil {
		return err
	}
	flt := newFault(workerFault, *index)
	flt.path = *path
	rep := workerReport{Index: *index, Knobs: k.Map()}
	add := func(b []byte) {
		flt.fire()
		sink.Add(b)
		rep.Bytes += int64(len(b))
	}
	// release frees the worker's buffer or mapping; it runs after the
	// memory figures are read.
	release := func() error { return nil }
	switch *role {
	case roleStdin:
		buf := make([]byte, *length)
		if _, err := io.ReadFull(stdin, buf); err != nil {
			return fmt.Errorf("worker %d: read %d bytes from stdin: %w", *index, *length, err)
		}
		if n, err := stdin.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
			return fmt.Errorf("worker %d: stdin holds more than the %d bytes announced (%v)", *index, *length, err)
		}
		add(buf)
		release = func() error { buf = nil; return nil }
	case roleStream:
		c := &Chunker{R: stdin, Size: k.BufSize, MaxLine: k.MaxLine}
		if k.Pool {
			c.Free = make(chan []byte, 1)
		}
		for {
			chunk, err := c.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("worker %d: stdin: %w", *index, err)
			}
			add(chunk)
			c.Release(chunk)
		}
		rep.Chunks = c.Chunks
	case roleRange:
		in, err := plannedInput(*path, *size)
		if err != nil {
			return fmt.Errorf("worker %d: %w", *index, err)
		}
		defer in.Close()
		rr := RangeReader{File: in.File, Buf: rangeBuf(k, *length), MaxLine: k.MaxLine}
		if err := rr.Read(split.Range{Off: *off, Len: *length}, add); err != nil {
			return fmt.Errorf("worker %d: %s: %w", *index, *path, err)
		}
		rep.Reads = rr.Reads
	case roleMmap:
		in, err := plannedInput(*path, *size)
		if err != nil {
			return fmt.Errorf("worker %d: %w", *index, err)
		}
		defer in.Close()
		data, unmap, err := mapInput(in, k)
		if err != nil {
			return fmt.Errorf("worker %d: %w", *index, err)
		}
		release = unmap
		if *off+*length > int64(len(data)) {
			unmap()
			return fmt.Errorf("worker %d: range %d+%d is past the end of %s (%d bytes)", *index, *off, *length, *path, len(data))
		}
		if err := onFault("the mapping of "+*path, data, func() { add(data[*off : *off+*length]) }); err != nil {
			unmap()
			return fmt.Errorf("worker %d: %w", *index, err)
		}
	case roleMemfd:
		if *size < 0 {
			return fmt.Errorf("worker %d: --size missing", *index)
		}
		data, unmap, err := mapMemfd(*fd, *size)
		if err != nil {
			return fmt.Errorf("worker %d: %w", *index, err)
		}
		release = unmap
		if *off+*length > int64(len(data)) {
			unmap()
			return fmt.Errorf("worker %d: range %d+%d is past the end of the memfd (%d bytes)", *index, *off, *length, len(data))
		}
		add(data[*off : *off+*length])
	default:
		return fmt.Errorf("worker %d: unknown role %q", *index, *role)
	}
	flt.fire()
	if err := sink.Close(); err != nil {
		release()
		return fmt.Errorf("worker %d: %w", *index, err)
	}
	if ws, ok := sink.(*collect.WireSink); ok {
		rep.Messages, rep.IPCBytes = ws.Stats().Messages, ws.Stats().IPCBytes
	}
	return writeReport(stdout, rep, p, release)
}

// plannedInput opens a worker's file under the input policy and checks
// that it still has the size the parent planned with.
func plannedInput(path string, planned int64) (*Input, error) {
	in, err := OpenInput(path)
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
func workerSink(w workload.Workload, k Knobs, index, fd int, p workload.Partial) (collect.Sink, error) {
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
	s, err := collect.NewWireSink(collect.Config{How: k.Collect, Workload: w, Workers: 1, Batch: k.Batch}, index, f)
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

// fault is an injected misbehaviour (see workerFault).
type fault struct {
	kind  string
	index int
	path  string // the worker's file, for truncate
	fired bool
}

// newFault parses a workerFault spec for worker index; the zero fault does
// nothing.
func newFault(spec string, index int) *fault {
	for _, one := range strings.Split(spec, ",") {
		kind, at, found := strings.Cut(one, ":")
		if kind == "" {
			continue
		}
		if found {
			if n, err := strconv.Atoi(at); err != nil || n != index {
				continue
			}
		}
		return &fault{kind: kind, index: index}
	}
	return &fault{}
}

// fire misbehaves as told: panic, exit, kill and hang at the first call,
// slow at every call.
func (f *fault) fire() {
	if f.kind == "slow" {
		time.Sleep(2 * time.Millisecond)
		return
	}
	if f.kind == "" || f.fired {
		return
	}
	f.fired = true
	switch f.kind {
	case "panic":
		panic(fmt.Sprintf("worker %d: injected fault", f.index))
	case "exit":
		fmt.Fprintf(os.Stderr, "worker %d: injected exit\n", f.index)
		os.Exit(3)
	case "hang":
		fmt.Fprintf(os.Stderr, "worker %d: injected hang\n", f.index)
		time.Sleep(time.Hour)
	case "truncate":
		if err := os.Truncate(f.path, 0); err != nil {
			fmt.Fprintf(os.Stderr, "worker %d: injected truncate: %v\n", f.index, err)
		}
	case "kill":
		fmt.Fprintf(os.Stderr, "worker %d: injected SIGKILL\n", f.index)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Hour) // the signal is on its way
	default:
		fmt.Fprintf(os.Stderr, "worker %d: unknown fault %q ignored\n", f.index, f.kind)
	}
}
