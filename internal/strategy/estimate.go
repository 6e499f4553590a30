package strategy

import (
	"fmt"
	"math"

	"github.com/fanbench/fanbench/internal/units"
)

// Footprint is what a run's peak memory depends on: the one input of the
// memory estimate that `fanbench run` (per cell) and `fanbench exec` (per
// invocation) both guard with.
type Footprint struct {
	Mode    Mode
	Size    int64 // the input's bytes
	Workers int
	Knobs   Knobs
	GCOff   bool  // GOGC=off: the collector never runs, so garbage counts twice
	Spike   int64 // bytes a spike allocates before the work (exec --spike)
}

// Estimate is a deliberately generous guess of a run's whole-tree
// anonymous memory, and the formula it came from with the values of the
// flags and knobs in it (so a refusal names what to change).
type Estimate struct {
	Bytes   int64
	Formula string
}

// Memory estimate terms.
const (
	procBase  = 64 << 20  // a Go process: runtime, heap arenas in use, binary
	perWorker = 256 << 10 // a goroutine worker: its stack, sink and partial
)

// estimate is an Estimate of b bytes (computed in float64, so that no knob
// overflows; saturated) with its formula.
func estimate(b float64, format string, args ...any) Estimate {
	return Estimate{Bytes: int64(min(b, math.MaxInt64/2)), Formula: fmt.Sprintf(format, args...)}
}

// sz formats a byte count for a formula.
func sz(n int64) string { return units.FormatSize(n) }

// base is the processes' fixed cost: one process with W goroutine workers,
// or W worker processes and their parent.
func (f Footprint) base() (float64, string) {
	w := float64(f.Workers)
	if f.Mode == Process {
		return (w + 1) * procBase, fmt.Sprintf("(workers %d + 1) × %s", f.Workers, sz(procBase))
	}
	return procBase + w*perWorker, fmt.Sprintf("%s + workers %d × %s", sz(procBase), f.Workers, sz(perWorker))
}

// gc is 2 under GOGC=off (the garbage is never collected), else 1.
func (f Footprint) gc() (float64, string) {
	if f.GCOff {
		return 2, "2 (GOGC=off) × "
	}
	return 1, ""
}

// wholeFile: readall, ceiling, shm's goroutine form hold the file in one
// buffer; process readall's parent holds it and its children a copy
// each, in all twice.
func wholeFile(f Footprint) Estimate {
	b, bt := f.base()
	g, gt := f.gc()
	copies, ct := 1.0, ""
	if f.Mode == Process {
		copies, ct = 2, "2 × "
	}
	return estimate(b+g*copies*float64(f.Size), "%s + %s%sfile %s", bt, gt, ct, sz(f.Size))
}

// bufPerWorker: mmap, pread: each worker's buffers (mmap holds page cache
// only; the same generous bound); a child has two more for its pipe and
// report.
func bufPerWorker(f Footprint) Estimate {
	b, bt := f.base()
	k := 2.0
	if f.Mode == Process {
		k = 4
	}
	buf := int64(f.Knobs.BufSize)
	return estimate(b+k*float64(f.Workers)*float64(buf), "%s + %g × workers %d × buf %s", bt, k, f.Workers, sz(buf))
}

// lineBufs: a ranges worker's buffer grows for a long line to maxline at
// most (Knobs.MaxLine); a child has as much again for its pipe and report.
func lineBufs(f Footprint) Estimate {
	b, bt := f.base()
	k, kt := 1.0, ""
	if f.Mode == Process {
		k, kt = 2, "2 × "
	}
	buf, ml := int64(f.Knobs.BufSize), int64(f.Knobs.MaxLine)
	return estimate(b+k*float64(f.Workers)*float64(buf+ml), "%s + %sworkers %d × (buf %s + maxline %s)", bt, kt, f.Workers, sz(buf), sz(ml))
}

// chunks: chan holds chancap + workers + 1 chunks at most (the channel,
// one per worker, the reader's), each of buf bytes or, for a long line,
// up to maxline, and the carried line; in process mode the children hold
// their own chunk buffers too.
func chunks(f Footprint) Estimate {
	b, bt := f.base()
	g, gt := f.gc()
	buf, ml := int64(f.Knobs.BufSize), int64(f.Knobs.MaxLine)
	n := float64(f.Knobs.ChanCap) + float64(f.Workers) + 2
	e := estimate(b+g*n*float64(buf+ml), "%s + %s(chancap %d + workers %d + 2) × (buf %s + maxline %s)", bt, gt, f.Knobs.ChanCap, f.Workers, sz(buf), sz(ml))
	if f.Mode == Process {
		e = estimate(float64(e.Bytes)+2*float64(f.Workers)*float64(buf+ml), "%s + 2 × workers %d × (buf %s + maxline %s)", e.Formula, f.Workers, sz(buf), sz(ml))
	}
	return e
}

// shmPeak: the goroutine form is readall's; the process form makes one
// memfd copy of the file, shared by every child.
func shmPeak(f Footprint) Estimate {
	if f.Mode != Process {
		return wholeFile(f)
	}
	b, bt := f.base()
	return estimate(b+float64(f.Size), "%s + file %s", bt, sz(f.Size))
}

// ceilingPeak: the ceiling is a goroutine form in both modes, and holds the
// whole file resident (its populated mapping) as the whole-file forms do.
func ceilingPeak(f Footprint) Estimate {
	f.Mode = Goroutine
	return wholeFile(f)
}

// EstimatePeak is the strategy's estimate for f, and a spike's if that is
// larger (the spike is freed before the work starts).
func (s Strategy) EstimatePeak(f Footprint) Estimate {
	e := s.Peak(f)
	if sp := estimate(procBase+float64(f.Spike), "%s + spike %s", sz(procBase), sz(f.Spike)); f.Spike > 0 && sp.Bytes > e.Bytes {
		return sp
	}
	return e
}

// GuardFraction is the share of MemAvailable an estimated peak may take.
const GuardFraction = 0.8

// MemoryGuard returns why a run with estimate e must not start on a
// machine with avail bytes of MemAvailable (e over GuardFraction of it),
// or "" if it may (or force is set, or avail is unknown).
func MemoryGuard(e Estimate, avail int64, force bool) string {
	if force || avail <= 0 || float64(e.Bytes) <= GuardFraction*float64(avail) {
		return ""
	}
	return fmt.Sprintf("memory guard: estimated peak %s = %s exceeds %.0f%% of MemAvailable %s (use --force to run it)",
		units.HumanSize(float64(e.Bytes)), e.Formula, 100*GuardFraction, units.HumanSize(float64(avail)))
}
