package strategy

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/workload"
)

// Process-mode collection. partials: each worker reports its own partial
// (no messages). channel: each worker gets the write end of a pipe (an
// extra fd named by --collect-fd) and writes its batches into it; the
// parent reads every pipe and merges (collect.Receive). manager: one more
// child, the manager (role manager, the last child), holds one end of a
// Unix socket pair per worker; each worker sends its batches down its end
// and waits for the manager's acknowledgement of each; the manager reports
// the aggregate as its partial. The children's messages and bytes are in
// their reports.

// collected is a process-mode run's collection set up by startCollect.
type collected struct {
	recv *collect.Receiver
	// The parent's copies of the pipes' and sockets' ends: mine are read
	// by the parent (channel) or passed to the manager; theirs are passed
	// to the workers.
	mine, theirs []*os.File
}

// startCollect adds to the workers' specs what collect=channel or manager
// needs (and for manager, the manager's spec), and starts the parent's
// receiver for channel. close must be called once runWorkers has returned.
func startCollect(name string, j Job, specs []childSpec) ([]childSpec, *collected, error) {
	how := j.Knobs.Collect
	if err := collect.Check(how, "process"); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &collected{}
	if how == collect.Partials {
		return specs, c, nil
	}
	fail := func(err error) ([]childSpec, *collected, error) {
		c.close()
		return nil, nil, fmt.Errorf("%s: collect %s: %w", name, how, err)
	}
	var readers []io.Reader
	var managerEnds []*os.File
	for i := range specs {
		var mine, theirs *os.File
		if how == collect.Channel {
			r, w, err := os.Pipe()
			if err != nil {
				return fail(err)
			}
			mine, theirs = r, w
			readers = append(readers, r)
		} else {
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return fail(fmt.Errorf("socketpair: %w", err))
			}
			mine, theirs = os.NewFile(uintptr(fds[0]), "manager-end"), os.NewFile(uintptr(fds[1]), "worker-end")
			managerEnds = append(managerEnds, mine)
		}
		c.mine, c.theirs = append(c.mine, mine), append(c.theirs, theirs)
		sp := &specs[i]
		sp.args = append(sp.args, "--collect-fd", strconv.Itoa(3+len(sp.files)))
		sp.files = append(sp.files, theirs)
		sp.closeAfterStart = append(sp.closeAfterStart, theirs)
	}
	if how == collect.Manager {
		specs = append(specs, childSpec{files: managerEnds, closeAfterStart: managerEnds,
			args: workerArgs(roleManager, j, len(specs), "--workers", strconv.Itoa(len(specs)))})
		return specs, c, nil
	}
	recv, err := collect.Receive(collectConfig(j), readers)
	if err != nil {
		return fail(err)
	}
	c.recv = recv
	return specs, c, nil
}

// finish closes the parent's ends and returns what the parent collected
// itself (channel: the receiver's aggregate; otherwise nil), with the
// children's messages and bytes added to extra.
func (c *collected) finish(name string, reps []workerReport, extra map[string]float64) (workload.Partial, map[string]float64, error) {
	defer c.close()
	closeAll(c.theirs) // runWorkers closed them, unless a child failed to start
	var st collect.Stats
	for _, r := range reps {
		if r.Role != roleManager {
			st = st.Add(collect.Stats{Messages: r.Messages, IPCBytes: r.IPCBytes})
		}
	}
	extra = collectExtra(st, extra)
	if c.recv == nil {
		return nil, extra, nil
	}
	p, err := c.recv.Wait()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, extra, nil
}

// close closes the parent's copies of every pipe and socket end.
func (c *collected) close() {
	closeAll(c.theirs)
	closeAll(c.mine)
}

func closeAll(fs []*os.File) {
	for _, f := range fs {
		f.Close() // a second Close only returns os.ErrClosed
	}
}

// managerMain is the manager child: it serves the workers' sockets
// (inherited as fds 3 to 3+workers-1), with faults injected if set, and
// returns the aggregate.
func managerMain(w workload.Workload, index, workers, batch int, faults collect.Faults) (workload.Partial, error) {
	if workers < 1 {
		return nil, fmt.Errorf("manager: --workers %d, want at least 1", workers)
	}
	conns := make([]io.ReadWriter, workers)
	for i := range conns {
		f := os.NewFile(uintptr(3+i), "worker-"+strconv.Itoa(i))
		if f == nil {
			return nil, fmt.Errorf("manager: fd %d for worker %d is not open", 3+i, i)
		}
		defer f.Close()
		conns[i] = f
	}
	p, _, err := collect.Serve(collect.Config{How: collect.Manager, Workload: w, Workers: workers, Batch: batch, Faults: faults}, conns)
	if err != nil {
		return nil, fmt.Errorf("manager %d: %w", index, err)
	}
	return p, nil
}

// collectExtra records what collecting cost in a result's extra figures
// (results.UnitMessages, results.UnitIPCBytes), creating the map if
// needed. Partials (no messages) records nothing.
func collectExtra(s collect.Stats, m map[string]float64) map[string]float64 {
	if s.Messages == 0 && s.IPCBytes == 0 {
		return m
	}
	if m == nil {
		m = map[string]float64{}
	}
	m[results.UnitMessages] = float64(s.Messages)
	if s.IPCBytes > 0 {
		m[results.UnitIPCBytes] = float64(s.IPCBytes)
	}
	return m
}
