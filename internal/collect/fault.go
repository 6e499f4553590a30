package collect

import (
	"strconv"
	"strings"
)

// faultSpec is an injected misbehaviour for the fault tests: a comma
// separated list of "kind" or "kind:worker". Kinds: stall (channel's
// collector goroutine, or the manager, stops consuming after its first
// message), panic-locked (a worker panics while holding a shared lock),
// kill-mid-message (a worker process writes half a message, then SIGKILLs
// itself). Only this package's tests set it (export_test.go, from
// FANBENCH_COLLECT_FAULT in the re-executed test binary); fanbench never
// does.
type faultSpec string

var fault faultSpec

// is reports whether the fault kind applies to worker w (-1: a site that
// belongs to no worker, which only an index-less entry matches).
func (f faultSpec) is(kind string, w int) bool {
	if f == "" {
		return false
	}
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
