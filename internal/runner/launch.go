package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/units"
)

// Launch describes one child process to start and measure from outside.
type Launch struct {
	Args        []string      // argv; Args[0] is looked up in PATH
	Env         []string      // extra environment (KEY=VALUE), on top of the launcher's
	Timeout     time.Duration // the whole process group is killed past it (0: none)
	SampleEvery time.Duration // RSS sampling interval (0: no sampler)
	PSSEvery    time.Duration // PSS sampling interval (0: no PSS sampling)
	Cgroup      bool          // run in a fresh cgroup and record its peak
	Name        string        // cgroup name hint
	// MemLimit caps the child's memory in bytes (0: none): the run cgroup's
	// limit, or RLIMIT_AS set on the started child when there is no cgroup.
	// RLIMIT_AS counts address space, not memory: a Go child reserves over
	// 1 GiB of it at start, so give such a child at least 2 GiB.
	MemLimit int64
	// ProcRoot is the proc filesystem the machine's load is read from
	// ("": /proc); tests point it at a fixture tree.
	ProcRoot string
	// newCgroup makes the run cgroup (nil: measure.NewRunCgroup); tests
	// set it (through Options) to play a machine where none can be made.
	newCgroup func(name string) (*measure.Cgroup, error)
}

// Exit is what the launcher learned about a finished child.
type Exit struct {
	Stdout     []byte
	StderrTail string
	Usage      results.Usage
	TreePeaks  []results.TreePeak
	Samples    []results.Sample
	Sampler    measure.SamplerResult
	CgroupNote string // why no cgroup figure exists, when it does not
	// Load is how busy the machine was from the child's start to its
	// reap (nil where /proc/stat or /proc/loadavg could not be read).
	Load      *results.Load
	OOMKilled bool  // the child was killed for reaching MemLimit
	Err       error // start failure, non-zero exit, signal, OOM kill or timeout
}

// stderrTailBytes is how much of a failed child's stderr is kept.
const stderrTailBytes = 2048

// tailBuffer keeps the last n bytes written to it.
type tailBuffer struct {
	n   int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.n {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.n:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	b := t.buf
	if len(b) > t.n {
		b = b[len(b)-t.n:]
	}
	return strings.TrimSpace(string(b))
}

// Run starts the child in its own process group (and cgroup), samples its
// tree, waits for it with a timeout, and collects wait4's figures. It never
// leaves the child's process group or cgroup behind.
func (l Launch) Run(ctx context.Context) Exit {
	var out Exit
	if l.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.Timeout)
		defer cancel()
	}
	cmd, stdout, stderr := l.command()
	var cg *measure.Cgroup
	if l.Cgroup {
		if cg, out.CgroupNote = l.runCgroup(); cg != nil {
			defer cg.Close()
		}
	}
	rlimitAS := l.MemLimit > 0 && cg == nil
	machine := l.proc()
	before := readMachine(machine)
	start := time.Now()
	if out.Err = l.start(cmd, cg, rlimitAS); out.Err != nil {
		return out
	}
	var sampler *measure.Sampler
	if l.SampleEvery > 0 {
		sampler = measure.StartSampler(measure.NewFS(""), cmd.Process.Pid, l.SampleEvery, l.PSSEvery)
	}
	timedOut, cancelled, err := wait(ctx, cmd, cg)
	wall := time.Since(start)
	if sampler != nil {
		out.Sampler = sampler.Stop()
		out.Samples = out.Sampler.Samples
		out.TreePeaks = append(out.TreePeaks, out.Sampler.TreePeaks()...)
	}
	// Anything the child left in its process group goes too.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if cg != nil {
		if peak, source, perr := cg.Peak(); perr == nil {
			out.TreePeaks = append([]results.TreePeak{{Bytes: peak, Source: source}}, out.TreePeaks...)
		} else {
			out.CgroupNote = perr.Error()
		}
	}
	if cmd.ProcessState != nil {
		out.Usage = measure.UsageFromState(cmd.ProcessState, wall)
		out.Load = before.since(readMachine(machine), out.Usage, out.Sampler.CPU.Seconds())
	}
	if l.MemLimit > 0 && !timedOut && !cancelled && err != nil {
		out.OOMKilled = oomKilled(cg, cmd.ProcessState, l.MemLimit, out.TreePeaks)
	}
	out.Stdout = stdout.Bytes()
	out.StderrTail = stderr.String()
	switch {
	case timedOut:
		out.Err = fmt.Errorf("timed out after %v: process group killed", l.Timeout)
	case cancelled:
		out.Err = fmt.Errorf("interrupted: process group killed")
	case out.OOMKilled:
		out.Err = fmt.Errorf("OOM-killed (memory limit %s)", units.FormatSize(l.MemLimit))
	case err != nil && rlimitAS:
		out.Err = fmt.Errorf("%v (under RLIMIT_AS %s)", describeExit(err), units.FormatSize(l.MemLimit))
	case err != nil:
		out.Err = describeExit(err)
	}
	return out
}

// proc is the proc filesystem the launcher reads the machine's load from.
func (l Launch) proc() measure.FS { return measure.NewFS(l.ProcRoot) }

// machineReading is the machine's load at one instant; ok is false when
// /proc could not be read.
type machineReading struct {
	cpu  measure.MachineCPU
	load float64
	ok   bool
}

func readMachine(fs measure.FS) machineReading {
	cpu, err := fs.MachineCPU()
	load, lerr := fs.LoadAvg()
	return machineReading{cpu: cpu, load: load, ok: err == nil && lerr == nil}
}

// since is the run's Load from the readings at its start (b) and end (a),
// its own CPU time (u) and the sampler's; nil when either reading failed.
func (b machineReading) since(a machineReading, u results.Usage, samplerSec float64) *results.Load {
	if !b.ok || !a.ok {
		return nil
	}
	l := &results.Load{LoadStart: b.load, LoadEnd: a.load, CPUs: a.cpu.CPUs,
		OtherCPUSec: max(0, a.cpu.Busy-b.cpu.Busy-u.UserSec-u.SysSec-samplerSec),
		StealSec:    max(0, a.cpu.Steal-b.cpu.Steal)}
	l.Disturbed = results.Disturbed(*l, u.WallSec)
	return l
}

// command is the child's command, in its own process group, killed with
// its parent, with its stdout kept and the tail of its stderr.
func (l Launch) command() (*exec.Cmd, *bytes.Buffer, *tailBuffer) {
	cmd := exec.Command(l.Args[0], l.Args[1:]...)
	cmd.Env = append(cmd.Environ(), l.Env...)
	stdout := &bytes.Buffer{}
	stderr := &tailBuffer{n: stderrTailBytes}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second // a leaked grandchild holding stdout cannot hang Wait
	return cmd, stdout, stderr
}

// runCgroup makes the run's fresh cgroup with MemLimit as its limit, or
// says why there is none.
func (l Launch) runCgroup() (*measure.Cgroup, string) {
	newCgroup := l.newCgroup
	if newCgroup == nil {
		newCgroup = measure.NewRunCgroup
	}
	cg, err := newCgroup(measure.RunCgroupName(l.Name))
	if err != nil {
		return nil, err.Error()
	}
	if l.MemLimit > 0 {
		if err := cg.SetLimit(l.MemLimit); err != nil {
			cg.Close()
			return nil, err.Error()
		}
	}
	return cg, ""
}

// start starts cmd, in cg if set, and with rlimitAS caps its address
// space at MemLimit; a child it cannot cap is killed and waited for.
func (l Launch) start(cmd *exec.Cmd, cg *measure.Cgroup, rlimitAS bool) error {
	var err error
	if cg != nil {
		err = cg.Start(cmd)
	} else {
		err = cmd.Start()
	}
	if err != nil {
		return fmt.Errorf("start %s: %w", l.Args[0], err)
	}
	if rlimitAS {
		// No cgroup: cap the child's address space right after it starts
		// (what it mapped before this is not counted against the limit).
		lim := unix.Rlimit{Cur: uint64(l.MemLimit), Max: uint64(l.MemLimit)}
		if err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_AS, &lim, nil); err != nil {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			cmd.Wait()
			return fmt.Errorf("set RLIMIT_AS %s on %s: %w", units.FormatSize(l.MemLimit), l.Args[0], err)
		}
	}
	return nil
}

// wait waits for the started cmd, or kills its process group (and empties
// cg) when ctx ends first: by its deadline (timedOut) or otherwise
// (cancelled). err is Wait's.
func wait(ctx context.Context, cmd *exec.Cmd, cg *measure.Cgroup) (timedOut, cancelled bool, err error) {
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err = <-waitErr:
	case <-ctx.Done():
		timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
		cancelled = !timedOut
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if cg != nil {
			cg.Close()
		}
		err = <-waitErr
	}
	return timedOut, cancelled, err
}

// oomKilled reports whether a child that failed under a memory limit was
// killed for reaching it: its cgroup counted an OOM kill, or it died of
// SIGKILL with the tree's peak at the limit.
func oomKilled(cg *measure.Cgroup, st *os.ProcessState, limit int64, peaks []results.TreePeak) bool {
	if cg != nil {
		if n, err := cg.OOMKills(); err == nil && n > 0 {
			return true
		}
	}
	if st == nil {
		return false
	}
	ws, ok := st.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		return false
	}
	for _, p := range peaks {
		if p.Bytes >= limit*9/10 {
			return true
		}
	}
	return false
}

// describeExit turns a Wait error into a short reason.
func describeExit(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Errorf("killed by signal %v", ws.Signal())
		}
		return fmt.Errorf("exit status %d", ee.ExitCode())
	}
	return err
}
