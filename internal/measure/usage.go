package measure

import (
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/internal/results"
)

// UsageFrom converts the rusage that wait4 returned for a reaped child, plus
// the launcher-side wall time from start to reap, into results.Usage.
// ru_maxrss is in KiB on Linux and is converted to bytes; it is a cross-check
// only, since Linux carries the launcher's own peak into an exec'd child's
// ru_maxrss. A nil ru yields only the wall time.
func UsageFrom(ru *unix.Rusage, wall time.Duration) results.Usage {
	u := results.Usage{WallSec: wall.Seconds()}
	if ru == nil {
		return u
	}
	u.UserSec = time.Duration(ru.Utime.Nano()).Seconds()
	u.SysSec = time.Duration(ru.Stime.Nano()).Seconds()
	u.MinFlt = int64(ru.Minflt)
	u.MajFlt = int64(ru.Majflt)
	u.NVCSw = int64(ru.Nvcsw)
	u.NIvCSw = int64(ru.Nivcsw)
	u.MaxRSSRU = int64(ru.Maxrss) * 1024
	return u
}

// UsageFromState is UsageFrom for a child started with os/exec: it reads the
// rusage that os.Process.Wait got from wait4 out of ps. A nil ps, or one
// without rusage, yields only the wall time.
func UsageFromState(ps *os.ProcessState, wall time.Duration) results.Usage {
	if ps == nil {
		return UsageFrom(nil, wall)
	}
	sru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || sru == nil {
		return UsageFrom(nil, wall)
	}
	ru := unix.Rusage{
		Utime:  unix.Timeval{Sec: sru.Utime.Sec, Usec: sru.Utime.Usec},
		Stime:  unix.Timeval{Sec: sru.Stime.Sec, Usec: sru.Stime.Usec},
		Maxrss: sru.Maxrss,
		Minflt: sru.Minflt,
		Majflt: sru.Majflt,
		Nvcsw:  sru.Nvcsw,
		Nivcsw: sru.Nivcsw,
	}
	return UsageFrom(&ru, wall)
}
