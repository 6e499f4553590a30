package measure

import (
	"runtime"
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
	// A 30 ms busy loop on one thread adds CPU time, at most its wall time
	// (less when a loaded machine preempts it); 30 ms asleep adds next to none.
	before := ReadRuntime()
	x := 0
	start := time.Now()
	for time.Since(start) < 30*time.Millisecond {
		x++
	}
	wall := time.Since(start).Seconds()
	mid := ReadRuntime()
	time.Sleep(30 * time.Millisecond)
	after := ReadRuntime()
	if busy := mid.Since(before).CPUSec; busy < 0.005 || busy > wall+0.005 {
		t.Errorf("busy loop of %.4f s: CPUSec %.4f s, want between 0.005 and the wall time (x=%d)", wall, busy, x)
	}
	if idle := after.Since(mid).CPUSec; idle > 0.005 {
		t.Errorf("sleep: CPUSec %.4f s, want near 0", idle)
	}
}
