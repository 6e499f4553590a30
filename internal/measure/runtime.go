package measure

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/internal/results"
)

// Names of the runtime/metrics read by ReadRuntime.
const (
	metricAllocBytes   = "/gc/heap/allocs:bytes"
	metricAllocObjects = "/gc/heap/allocs:objects"
	metricGCCycles     = "/gc/cycles/total:gc-cycles"
	metricGCCPU        = "/cpu/classes/gc/total:cpu-seconds"
	metricMutexWait    = "/sync/mutex/wait/total:seconds"
)

// RuntimeSnapshot is a point-in-time reading of the Go runtime's cumulative
// counters, taken with runtime/metrics (which, unlike runtime.ReadMemStats,
// does not stop the world). Subtract two snapshots with Since to get the
// figures for the work between them. A metric the running Go version does not
// support reads as 0.
type RuntimeSnapshot struct {
	AllocBytes   uint64  // /gc/heap/allocs:bytes: cumulative bytes allocated on the heap
	AllocObjects uint64  // /gc/heap/allocs:objects: cumulative heap objects allocated
	GCCycles     uint64  // /gc/cycles/total:gc-cycles: completed GC cycles
	GCCPUSec     float64 // /cpu/classes/gc/total:cpu-seconds: estimated CPU time spent in GC
	MutexWaitSec float64 // /sync/mutex/wait/total:seconds: time goroutines spent blocked on sync.Mutex/RWMutex and runtime locks
	// CPUSec is the process's CPU time, all threads, user and system
	// (CLOCK_PROCESS_CPUTIME_ID: exact scheduler accounting, not ticks).
	CPUSec float64
	// ChildrenCPUSec is the CPU time, user and system, of the process's
	// children that have been waited for (getrusage RUSAGE_CHILDREN):
	// process-mode workers once they are reaped.
	ChildrenCPUSec float64
}

// samples is ReadRuntime's metrics.Sample slice, kept between calls (under
// samplesMu) so that reading a snapshot allocates nothing on the heap the
// snapshot counts.
var (
	samplesMu sync.Mutex
	samples   = []metrics.Sample{
		{Name: metricAllocBytes},
		{Name: metricAllocObjects},
		{Name: metricGCCycles},
		{Name: metricGCCPU},
		{Name: metricMutexWait},
	}
)

// ReadRuntime takes a RuntimeSnapshot of the calling process. It
// allocates nothing.
func ReadRuntime() RuntimeSnapshot {
	samplesMu.Lock()
	defer samplesMu.Unlock()
	s := samples
	metrics.Read(s)
	cpu := ProcessCPU().Seconds()
	return RuntimeSnapshot{
		CPUSec:         cpu,
		ChildrenCPUSec: ChildrenCPU().Seconds(),
		AllocBytes:     sampleUint(s[0].Value),
		AllocObjects:   sampleUint(s[1].Value),
		GCCycles:       sampleUint(s[2].Value),
		GCCPUSec:       sampleFloat(s[3].Value),
		MutexWaitSec:   sampleFloat(s[4].Value),
	}
}

// ProcessCPU is the calling process's CPU time so far, every thread, user
// and system (CLOCK_PROCESS_CPUTIME_ID); 0 where the clock cannot be read.
func ProcessCPU() time.Duration {
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts) != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// ChildrenCPU is the CPU time, user and system, of the calling process's
// children that it has waited for (getrusage RUSAGE_CHILDREN); 0 where it
// cannot be read.
func ChildrenCPU() time.Duration {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_CHILDREN, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ExactRuntime is ReadRuntime after a garbage collection: the snapshot to
// start a measured phase from when its allocation counts must be exact.
//
// runtime/metrics counts a small object when the span it came from leaves
// its P's cache (a refill, or the flush at a collection's start), not when
// it is allocated, so between two plain snapshots the counts move in lumps
// of a span's objects (16, 504, ~1000, as the runs of one code showed)
// that depend on what the spans held before. A collection flushes every
// P's cache: taken after one, at both ends (Exact), the counts are the
// phase's allocations, object for object.
func ExactRuntime() RuntimeSnapshot {
	// Twice: the first collection of a process starts the GC's worker
	// goroutines, whose own allocations only a second flush counts.
	runtime.GC()
	runtime.GC()
	return ReadRuntime()
}

// Exact is s with its allocation counts made exact: a collection (which
// flushes every P's span cache) and the allocation counters read again.
// The other figures stay s's, read before the collection, so the phase's
// GC cycles and CPU times do not include it.
func (s RuntimeSnapshot) Exact() RuntimeSnapshot {
	runtime.GC()
	r := ReadRuntime()
	s.AllocBytes, s.AllocObjects = r.AllocBytes, r.AllocObjects
	return s
}

func sampleUint(v metrics.Value) uint64 {
	switch v.Kind() {
	case metrics.KindUint64:
		return v.Uint64()
	case metrics.KindFloat64:
		return uint64(v.Float64())
	}
	return 0 // KindBad: unsupported by this Go version
}

func sampleFloat(v metrics.Value) float64 {
	switch v.Kind() {
	case metrics.KindFloat64:
		return v.Float64()
	case metrics.KindUint64:
		return float64(v.Uint64())
	}
	return 0
}

// Since returns the runtime figures accumulated from the earlier snapshot b
// to a: a minus b, field by field, marked as measured (a run that
// allocated nothing has figures of 0, not none).
func (a RuntimeSnapshot) Since(b RuntimeSnapshot) results.Runtime {
	return results.Runtime{
		AllocBytes:   int64(a.AllocBytes - b.AllocBytes),
		AllocObjects: int64(a.AllocObjects - b.AllocObjects),
		GCCycles:     int64(a.GCCycles - b.GCCycles),
		GCCPUSec:     a.GCCPUSec - b.GCCPUSec,
		MutexWaitSec: a.MutexWaitSec - b.MutexWaitSec,
		CPUSec:       a.CPUSec - b.CPUSec,
		PhaseCPUSec:  a.CPUSec - b.CPUSec + a.ChildrenCPUSec - b.ChildrenCPUSec,
		Measured:     true,
	}
}
