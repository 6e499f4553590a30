package strategy

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// specFaults are the worker faults FANBENCH_WORKER_FAULT injects into the
// re-executed test binary (TestMain): a comma separated list of "kind" or
// "kind:index" (only worker index misbehaves; the first entry that applies
// wins), kind one of panic, exit, kill (SIGKILL itself), hang (sleep for
// an hour), slow (sleep on every chunk) or truncate (truncate --path to 0
// bytes: under a mapping, the reads that follow fault with SIGBUS). The
// fault fires at the worker's first chunk of work, or before it reports if
// it has none.
type specFaults struct {
	spec   string
	kind   string // the entry for this worker, once known
	parsed bool
	fired  bool
}

// workerFaults returns the faults of spec, or nil for none.
func workerFaults(spec string) WorkerFaults {
	if spec == "" {
		return nil
	}
	return &specFaults{spec: spec}
}

// faultKind is the kind of the first entry of spec that applies to worker
// index, or "".
func faultKind(spec string, index int) string {
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
		return kind
	}
	return ""
}

// Chunk misbehaves as told: panic, exit, kill and hang at the first call,
// slow at every call.
func (f *specFaults) Chunk(index int, path string) {
	if !f.parsed {
		f.kind, f.parsed = faultKind(f.spec, index), true
	}
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
		panic(fmt.Sprintf("worker %d: injected fault", index))
	case "exit":
		fmt.Fprintf(os.Stderr, "worker %d: injected exit\n", index)
		os.Exit(3)
	case "hang":
		fmt.Fprintf(os.Stderr, "worker %d: injected hang\n", index)
		time.Sleep(time.Hour)
	case "truncate":
		if err := os.Truncate(path, 0); err != nil {
			fmt.Fprintf(os.Stderr, "worker %d: injected truncate: %v\n", index, err)
		}
	case "kill":
		fmt.Fprintf(os.Stderr, "worker %d: injected SIGKILL\n", index)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Hour) // the signal is on its way
	default:
		fmt.Fprintf(os.Stderr, "worker %d: unknown fault %q ignored\n", index, f.kind)
	}
}
