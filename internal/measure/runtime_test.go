package measure

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var sink []byte

func TestReadRuntime(t *testing.T) {
	before := ReadRuntime()
	sink = make([]byte, 10<<20)
	for i := range sink {
		sink[i] = byte(i)
	}
	runtime.GC()
	after := ReadRuntime()
	sink = nil
	d := after.Since(before)
	if d.AllocBytes < 10<<20 {
		t.Errorf("AllocBytes = %d after allocating 10 MiB", d.AllocBytes)
	}
	if d.AllocObjects < 1 {
		t.Errorf("AllocObjects = %d", d.AllocObjects)
	}
	if d.GCCycles < 1 {
		t.Errorf("GCCycles = %d after runtime.GC", d.GCCycles)
	}
	if d.GCCPUSec < 0 || d.MutexWaitSec < 0 {
		t.Errorf("negative CPU/wait: %+v", d)
	}
	// Measured even when nothing was allocated between the snapshots: a
	// run that allocates nothing has figures of 0, not none.
	if !d.Measured || !after.Since(after).Measured {
		t.Errorf("Since does not mark its figures measured: %+v", d)
	}
	if after.AllocBytes == 0 || after.GCCPUSec <= 0 {
		t.Errorf("metric not read: %+v", after)
	}
	t.Logf("10 MiB allocation: %+v", d)
}

func TestUsageFrom(t *testing.T) {
	ru := &unix.Rusage{
		Utime:  unix.Timeval{Sec: 1, Usec: 500000},
		Stime:  unix.Timeval{Sec: 0, Usec: 250000},
		Maxrss: 2048, // KiB
		Minflt: 10, Majflt: 2, Nvcsw: 3, Nivcsw: 4,
	}
	u := UsageFrom(ru, 2*time.Second)
	if u.WallSec != 2 || u.UserSec != 1.5 || u.SysSec != 0.25 || u.MaxRSSRU != 2<<20 ||
		u.MinFlt != 10 || u.MajFlt != 2 || u.NVCSw != 3 || u.NIvCSw != 4 {
		t.Errorf("UsageFrom = %+v", u)
	}
	if u := UsageFrom(nil, time.Second); u.WallSec != 1 || u.UserSec != 0 {
		t.Errorf("UsageFrom(nil) = %+v", u)
	}
}

func TestUsageFromStateLive(t *testing.T) {
	h := newHelper(t, "exit")
	start := time.Now()
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.cleanup(t)
	if err := h.finish(t); err != nil {
		t.Fatal(err)
	}
	u := UsageFromState(h.cmd.ProcessState, time.Since(start))
	if u.WallSec <= 0 || u.MaxRSSRU <= 0 || u.MinFlt <= 0 || u.UserSec+u.SysSec <= 0 {
		t.Errorf("implausible usage of a child: %+v", u)
	}
	if u := UsageFromState(nil, time.Second); u.WallSec != 1 {
		t.Errorf("UsageFromState(nil) = %+v", u)
	}
}

func TestRuntimeCPUSec(t *testing.T) {
	// Spin until getrusage (an independent clock of the same process) has
	// seen 30 ms more CPU time: CPUSec must have grown by about as much,
	// however long a loaded machine took to grant it. 30 ms asleep adds
	// next to none.
	usage := func() float64 {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	before, ru0 := ReadRuntime(), usage()
	x := 0
	for usage()-ru0 < 0.030 {
		x++
	}
	mid, ru1 := ReadRuntime(), usage()
	time.Sleep(30 * time.Millisecond)
	after := ReadRuntime()
	// getrusage ticks are coarser than the CPU-time clock: allow 5 ms.
	if busy, want := mid.Since(before).CPUSec, ru1-ru0; busy < want-0.005 || busy > want+0.005 {
		t.Errorf("busy loop of %.4f s CPU by getrusage: CPUSec %.4f s (x=%d)", want, busy, x)
	}
	if idle := after.Since(mid).CPUSec; idle > 0.005 {
		t.Errorf("sleep: CPUSec %.4f s, want near 0", idle)
	}
}

// exactSink keeps TestExactAllocs' objects reachable; its slots exist
// before the measured allocations, so filling them allocates nothing else.
var exactSink [10000]*[64]byte

// TestExactAllocs: between ExactRuntime and Exact, the allocation counts
// include every allocation made: 10,000 objects of 64 bytes are all
// counted, plus at most a few of the runtime's own (a background
// goroutine's), where plain snapshots count a small object only when its
// span leaves the P's cache and so may count none of a phase's
// allocations yet. Exact's own collection is no GC cycle of the phase.
func TestExactAllocs(t *testing.T) {
	ExactRuntime().Exact() // the process's first collections start the GC's workers
	for trial := range 3 {
		before := ExactRuntime()
		for i := range exactSink {
			exactSink[i] = new([64]byte)
		}
		got := ReadRuntime().Exact().Since(before)
		t.Logf("trial %d: %d objects, %d bytes", trial, got.AllocObjects, got.AllocBytes)
		if got.AllocObjects < 10000 || got.AllocObjects > 10000+64 || got.AllocBytes < 640000 {
			t.Errorf("trial %d: %d objects, %d bytes; want 10000 objects (at most 64 more) and at least 640000 bytes", trial, got.AllocObjects, got.AllocBytes)
		}
		if got.GCCycles != 0 {
			t.Errorf("trial %d: %d GC cycles: Exact's own collection counted", trial, got.GCCycles)
		}
	}
}
