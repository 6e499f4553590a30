package strategy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/fanbench/fanbench/fanout"
	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/workload"
)

// Process mode: every worker is a child process, a re-executed fanbench
// (`fanbench worker ARGS`, no shell) running WorkerMain. A child learns
// everything from its argv, its stdin pipe, the fds it inherits
// (exec.Cmd.ExtraFiles) and the file itself; there is no other shared
// state. Each child prints one JSON object on stdout (its encoded partial
// and its own memory figures, read after its work and before it releases
// its buffer or mapping); the parent decodes and merges the partials.
//
// Faults: the parent Waits every child it started, whatever happens. The
// first child to fail (non-zero exit, panic, signal) fails the run with the
// tail of that child's stderr, and the parent kills the others at once.
// Children get Pdeathsig SIGKILL so that they die with the parent (Linux
// sends it when the thread that started them exits; the Go runtime does not
// retire threads that run ordinary goroutines, so in practice this is the
// parent's death).

// Command returns the command that starts one process-mode worker with
// the given worker arguments (the flags Worker.Main parses). The caller
// sets Stdin, Stdout, Stderr, ExtraFiles and SysProcAttr on the returned
// command (Env and the rest are left as the Command made them). A Job's
// Command is SelfCommand unless it names another (the tests re-execute
// the test binary).
type Command func(args []string) (*exec.Cmd, error)

// SelfCommand re-executes this program as `os.Executable() worker ARGS`,
// with no shell.
func SelfCommand(args []string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("worker command: %w", err)
	}
	return exec.Command(exe, append([]string{"worker"}, args...)...), nil
}

// stderrTail is how much of a failed worker's stderr goes into the error.
const stderrTail = 2 << 10

// feedGrace is how long a failed write into a worker's stdin waits for a
// worker to report its own failure (the usual cause: it died) before the
// write error itself fails the run.
const feedGrace = time.Second

// errStopped is what feeds return when the run is being torn down.
var errStopped = errors.New("stopped: another worker failed")

// childSpec describes one worker child.
type childSpec struct {
	args  []string   // worker flags (WorkerMain's)
	files []*os.File // inherited as fd 3, 4, ... (exec.Cmd.ExtraFiles)
	// feed writes the child's stdin; the pipe is closed when it returns.
	// nil: the child's stdin is /dev/null. stop is closed when the run is
	// being torn down; a feed blocked elsewhere than on the pipe must watch it.
	feed func(w io.Writer, stop <-chan struct{}) error
	// closeAfterStart are the parent's copies of files passed to this
	// child: runWorkers closes them once every child has started, so that
	// a pipe or socket ends when the child holding it does.
	closeAfterStart []*os.File
}

// workerReport is the one JSON object a worker prints on stdout.
type workerReport struct {
	Index int    `json:"index"`
	Role  string `json:"role,omitempty"` // manager for collect=manager's manager; else empty
	// Partial is the worker's partial in workload.Partial's AppendBinary
	// form (base64 in the JSON): names travel as bytes, whatever they hold.
	Partial  []byte         `json:"partial"`
	Bytes    int64          `json:"bytes"`               // bytes handed to the workload
	Reads    int64          `json:"reads,omitempty"`     // range: pread calls
	Chunks   int64          `json:"chunks,omitempty"`    // stream: chunks cut from stdin
	Messages int64          `json:"messages,omitempty"`  // collect channel, manager: updates sent
	IPCBytes int64          `json:"ipc_bytes,omitempty"` // collect channel, manager: bytes sent and acknowledgements read
	Memory   results.Memory `json:"memory"`
	// Knobs are the knobs as the worker decoded them (Knobs.Map): the
	// parent checks they are the ones it sent.
	Knobs     map[string]string `json:"knobs"`
	MemoryErr string            `json:"memory_error,omitempty"`
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// Write keeps the tail of p appended to what was kept before.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

// String returns the kept tail.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// child is one started worker process.
type child struct {
	idx    int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout bytes.Buffer
	stderr tailBuffer
}

// failure wraps a child's error with its pid and the tail of its stderr.
func (c *child) failure(name string, err error) error {
	tail := bytes.TrimSpace([]byte(c.stderr.String()))
	if len(tail) == 0 {
		return fmt.Errorf("%s: worker %d (pid %d): %w (stderr empty)", name, c.idx, c.cmd.Process.Pid, err)
	}
	return fmt.Errorf("%s: worker %d (pid %d): %w; stderr tail:\n%s", name, c.idx, c.cmd.Process.Pid, err, tail)
}

type childExit struct {
	idx int
	err error
}

type feedResult struct {
	idx int // -1: the producer
	err error
}

// runWorkers starts one child per spec with command, runs their feeds (and produce, if
// set) and waits for all of them. It returns the children's reports in
// spec order, or the first failure. Every started child is waited for
// before it returns; on a failure the remaining children are killed.
func runWorkers(name string, command Command, specs []childSpec, produce func(stop <-chan struct{}) error) ([]workerReport, error) {
	f := &fleet{name: name, stop: make(chan struct{}), exits: make(chan childExit, len(specs))}
	defer f.stopOnce.Do(func() { close(f.stop) })
	if err := f.start(command, specs); err != nil {
		return nil, err
	}
	if err := f.wait(f.feed(specs, produce)); err != nil {
		return nil, err
	}
	return f.reports()
}

// fleet is runWorkers' children and what they signal: their exits, their
// feeds' ends, and stop, closed to tell feeds and the producer to give up.
type fleet struct {
	name     string
	stop     chan struct{}
	stopOnce sync.Once
	children []*child
	exits    chan childExit
	feeds    chan feedResult
}

// killAll closes stop and kills every child started.
func (f *fleet) killAll() {
	f.stopOnce.Do(func() { close(f.stop) })
	for _, c := range f.children {
		c.cmd.Process.Kill() // ErrProcessDone for the ones already reaped: nothing to do
	}
}

// start starts a child per spec, each waited for by a goroutine sending
// its exit. If one fails to start, those started are killed and waited
// for.
func (f *fleet) start(command Command, specs []childSpec) error {
	for i, sp := range specs {
		c, err := startChild(i, command, sp)
		if err != nil {
			f.killAll()
			for range f.children {
				<-f.exits
			}
			return fmt.Errorf("%s: start worker %d: %w", f.name, i, err)
		}
		f.children = append(f.children, c)
		go func() { f.exits <- childExit{c.idx, c.cmd.Wait()} }()
	}
	for _, sp := range specs {
		for _, file := range sp.closeAfterStart {
			file.Close()
		}
	}
	return nil
}

// feed runs each spec's feed into its child's stdin, and produce, each in
// a goroutine reporting on f.feeds; it returns how many there are.
func (f *fleet) feed(specs []childSpec, produce func(stop <-chan struct{}) error) int {
	f.feeds = make(chan feedResult, len(specs)+1)
	pending := 0
	for i, sp := range specs {
		if sp.feed == nil {
			continue
		}
		pending++
		c := f.children[i]
		go func() {
			err := sp.feed(c.stdin, f.stop)
			if cerr := c.stdin.Close(); err == nil && cerr != nil && !errors.Is(cerr, os.ErrClosed) {
				err = cerr
			}
			f.feeds <- feedResult{c.idx, err}
		}()
	}
	if produce != nil {
		pending++
		go func() { f.feeds <- feedResult{-1, produce(f.stop)} }()
	}
	return pending
}

// wait waits for every child's exit and every feed's end, and returns the
// first failure: a child's exit kills the others at once; a feed's error
// does after feedGrace, unless a child's failure (the likelier cause)
// comes first.
func (f *fleet) wait(pendingFeeds int) error {
	var cause, feedErr error
	var grace <-chan time.Time
	for pendingExits := len(f.children); pendingExits > 0 || pendingFeeds > 0; {
		select {
		case e := <-f.exits:
			pendingExits--
			if e.err != nil && cause == nil {
				cause = f.children[e.idx].failure(f.name, e.err)
				f.killAll()
			}
		case r := <-f.feeds:
			pendingFeeds--
			if r.err == nil || feedErr != nil {
				continue
			}
			if r.idx < 0 {
				feedErr = fmt.Errorf("%s: reader: %w", f.name, r.err)
			} else {
				feedErr = fmt.Errorf("%s: write to worker %d's stdin: %w", f.name, r.idx, r.err)
			}
			if cause == nil {
				grace = time.After(feedGrace)
			}
		case <-grace:
			grace = nil
			if cause == nil {
				cause = feedErr
				f.killAll()
			}
		}
	}
	if cause == nil {
		cause = feedErr
	}
	return cause
}

// reports decodes each child's report from its stdout, in spec order.
func (f *fleet) reports() ([]workerReport, error) {
	reps := make([]workerReport, len(f.children))
	for i, c := range f.children {
		if err := json.Unmarshal(c.stdout.Bytes(), &reps[i]); err != nil {
			return nil, c.failure(f.name, fmt.Errorf("bad report on stdout (%d bytes): %w", c.stdout.Len(), err))
		}
		if reps[i].Index != i {
			return nil, c.failure(f.name, fmt.Errorf("report is for worker %d", reps[i].Index))
		}
	}
	return reps, nil
}

// startChild starts one worker with its stdout captured, the tail of its
// stderr kept, and Pdeathsig set.
func startChild(i int, command Command, sp childSpec) (*child, error) {
	cmd, err := command(sp.args)
	if err != nil {
		return nil, err
	}
	c := &child{idx: i, cmd: cmd, stderr: tailBuffer{max: stderrTail}}
	cmd.Stdout = &c.stdout
	cmd.Stderr = &c.stderr
	cmd.ExtraFiles = sp.files
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if sp.feed != nil {
		if c.stdin, err = cmd.StdinPipe(); err != nil {
			return nil, fmt.Errorf("stdin pipe: %w", err)
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return c, nil
}

// merge merges the partials into the first and returns its answer.
func merge(ps []workload.Partial) workload.Answer {
	for _, p := range ps[1:] {
		ps[0].Merge(p)
	}
	return ps[0].Answer()
}

// processRun is what runCollected returns.
type processRun struct {
	answer  workload.Answer
	workers []results.Memory // the children's figures, in child order (the manager last)
	memErr  string
	extra   map[string]float64
	reps    []workerReport
}

// runCollected runs the workers (specs, and produce if set) with the job's
// collect knob (startCollect), then merges the children's partials and
// what the parent collected, checking that the workers saw size bytes in
// all; extra gains the coordination counts.
func runCollected(name string, j Job, specs []childSpec, produce func(stop <-chan struct{}) error, size int64, extra map[string]float64) (processRun, error) {
	specs, col, err := startCollect(name, j, specs)
	if err != nil {
		return processRun{}, err
	}
	command := j.Command
	if command == nil {
		command = SelfCommand
	}
	reps, err := runWorkers(name, command, specs, produce)
	if err != nil {
		col.finish(name, nil, nil) // ends the receiver's goroutines; the run's error is err
		return processRun{}, err
	}
	sent := j.Knobs.Map()
	for i, r := range reps {
		if !maps.Equal(r.Knobs, sent) {
			col.finish(name, nil, nil)
			return processRun{}, fmt.Errorf("%s: worker %d decoded the knobs as %v, sent %v", name, i, r.Knobs, sent)
		}
	}
	own, extra, err := col.finish(name, reps, extra)
	if err != nil {
		return processRun{}, err
	}
	a, mems, memErr, err := mergeReports(name, j.Workload, reps, size, own)
	if err != nil {
		return processRun{}, err
	}
	return processRun{answer: a, workers: mems, memErr: memErr, extra: extra, reps: reps}, nil
}

// mergeReports decodes the children's partials and merges them, and own
// (what the parent collected itself, if not nil), into the answer,
// checking that the workers saw size bytes in all. It also returns the
// children's memory figures and the first memory error.
func mergeReports(name string, w workload.Workload, reps []workerReport, size int64, own workload.Partial) (workload.Answer, []results.Memory, string, error) {
	partials := make([]workload.Partial, len(reps))
	mems := make([]results.Memory, len(reps))
	var memErr string
	var seen int64
	for i, r := range reps {
		p := w.New()
		if err := p.MergeBinary(r.Partial); err != nil {
			return workload.Answer{}, nil, "", fmt.Errorf("%s: worker %d: decode partial: %w", name, i, err)
		}
		partials[i] = p
		mems[i] = r.Memory
		if r.MemoryErr != "" && memErr == "" {
			memErr = fmt.Sprintf("worker %d: %s", i, r.MemoryErr)
		}
		seen += r.Bytes
	}
	if seen != size {
		return workload.Answer{}, nil, "", fmt.Errorf("%s: workers saw %d bytes in all, the file has %d", name, seen, size)
	}
	if own != nil {
		partials = append(partials, own)
	}
	return merge(partials), mems, memErr, nil
}

// processKnobs rejects what process mode cannot do.
func processKnobs(name string, j Job) error {
	if j.Workers < 1 {
		return fmt.Errorf("%s: workers: %d, want at least 1", name, j.Workers)
	}
	if j.Knobs.Split == fanout.Dynamic {
		return fmt.Errorf("%s: mode=process supports split=static only (worker processes share no counter to claim segments from)", name)
	}
	if err := collect.Check(j.Knobs.Collect, "process"); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// workerArgs are the flags every worker gets: its role, workload and
// index, and the job's knobs as one document (Knobs.MarshalText).
func workerArgs(role string, j Job, idx int, extra ...string) []string {
	doc, _ := j.Knobs.MarshalText() // a JSON object of strings: cannot fail
	return append([]string{"--role", role, "--workload", j.Workload.Name, "--index", strconv.Itoa(idx), "--knobs", string(doc)}, extra...)
}

// itoa64 formats an int64 for argv.
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
