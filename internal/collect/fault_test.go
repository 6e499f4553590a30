package collect_test

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fanbench/fanbench/internal/collect"
)

// specFaults are the collector faults of the fault tests (collect.Faults):
// a comma separated list of "kind" or "kind:worker". Kinds: stall
// (channel's collector goroutine, or the manager, stops consuming after
// its first message), panic-locked (a worker panics while holding a
// shared lock), kill-mid-message (a worker process writes half a message,
// then SIGKILLs itself). TestMain reads them from FANBENCH_COLLECT_FAULT
// in the re-executed test binary.
type specFaults string

// faults returns the faults of spec, or nil for none.
func faults(spec string) collect.Faults {
	if spec == "" {
		return nil
	}
	return specFaults(spec)
}

// is reports whether the fault kind applies to worker w (-1: a site that
// belongs to no worker, which only an index-less entry matches).
func (f specFaults) is(kind string, w int) bool {
	for _, one := range strings.Split(string(f), ",") {
		k, at, found := strings.Cut(one, ":")
		if k != kind {
			continue
		}
		if !found {
			return true
		}
		if n, err := strconv.Atoi(at); err == nil && n == w {
			return true
		}
	}
	return false
}

// Consume stalls a consumer after its first message (stall).
func (f specFaults) Consume(n int) {
	if n > 0 && f.is("stall", -1) {
		select {} // injected: the consumer stops; the queue, pipes or acknowledgements fill
	}
}

// Locked panics holding the lock (panic-locked).
func (f specFaults) Locked(w int) {
	if f.is("panic-locked", w) {
		panic(fmt.Sprintf("worker %d: injected panic holding the lock", w))
	}
}

// Send writes half the message, then SIGKILLs this process
// (kill-mid-message).
func (f specFaults) Send(w int, conn io.Writer, msg []byte) (int, error) {
	if f.is("kill-mid-message", w) {
		conn.Write(msg[:len(msg)/2])
		fmt.Fprintf(os.Stderr, "worker %d: injected SIGKILL mid-message\n", w)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Hour) // the signal is on its way
	}
	return conn.Write(msg)
}
