package strategy

import (
	"math"
	"strings"
	"testing"
)

// TestEstimatePeak: the estimates of the strategy table, worked out by
// hand from the formulas in estimate.go (MiB: 64 per process, 1/4 per
// goroutine worker).
func TestEstimatePeak(t *testing.T) {
	const mib, gib = 1 << 20, 1 << 30
	k := DefaultKnobs() // buf 1MiB, chancap 4
	big := DefaultKnobs()
	big.BufSize, big.ChanCap = MaxBuf, MaxChanCap
	cases := []struct {
		strategy string
		f        Footprint
		want     int64
		formula  string
	}{
		{"ranges", Footprint{Mode: "goroutine", Size: gib, Workers: 4, Knobs: k}, 64*mib + mib + 4*(mib+mib), "workers 4 × (buf 1MiB + maxline 1MiB)"},
		{"ranges", Footprint{Mode: "process", Size: gib, Workers: 4, Knobs: k}, 5*64*mib + 16*mib, "(workers 4 + 1) × 64MiB"},
		{"mmap", Footprint{Mode: "goroutine", Size: 16 * gib, Workers: 2, Knobs: k}, 64*mib + mib/2 + 4*mib, "buf 1MiB"},
		{"readall", Footprint{Mode: "goroutine", Size: gib, Workers: 2, Knobs: k}, 64*mib + mib/2 + gib, "file 1GiB"},
		{"readall", Footprint{Mode: "goroutine", Size: gib, Workers: 2, Knobs: k, GCOff: true}, 64*mib + mib/2 + 2*gib, "2 (GOGC=off) × file 1GiB"},
		{"readall", Footprint{Mode: "process", Size: 16 * gib, Workers: 4, Knobs: k}, 5*64*mib + 32*gib, "2 × file 16GiB"},
		{"ceiling", Footprint{Mode: "process", Size: gib, Workers: 4, Knobs: k}, 64*mib + mib + gib, "file 1GiB"},
		{"shm", Footprint{Mode: "process", Size: gib, Workers: 4, Knobs: k}, 5*64*mib + gib, "file 1GiB"},
		{"chan", Footprint{Mode: "goroutine", Size: gib, Workers: 2, Knobs: k}, 64*mib + mib/2 + 8*2*mib, "(chancap 4 + workers 2 + 2) × (buf 1MiB + maxline 1MiB)"},
		{"chan", Footprint{Mode: "process", Size: gib, Workers: 2, Knobs: k}, 3*64*mib + 8*2*mib + 2*2*2*mib, "2 × workers 2 × (buf 1MiB + maxline 1MiB)"},
		{"mmap", Footprint{Mode: "goroutine", Size: mib, Workers: 1, Knobs: k, Spike: 100 * gib}, 64*mib + 100*gib, "64MiB + spike 100GiB"},
		{"mmap", Footprint{Mode: "goroutine", Size: mib, Workers: 1, Knobs: k, Spike: mib}, 64*mib + mib/4 + 2*mib, "buf 1MiB"},
		// The largest knobs allowed: about (2^20 + 3 × 4096) × 2^30 ≈ 2^50 bytes, no overflow.
		{"chan", Footprint{Mode: "process", Size: gib, Workers: MaxWorkers, Knobs: big}, 4097*64*mib + (MaxChanCap+MaxWorkers+2)*(gib+mib) + 2*MaxWorkers*(gib+mib), "chancap 1048576"},
	}
	for _, c := range cases {
		s, err := Lookup(c.strategy)
		if err != nil {
			t.Fatal(err)
		}
		e := s.EstimatePeak(c.f)
		if e.Bytes != c.want || !strings.Contains(e.Formula, c.formula) {
			t.Errorf("%s %+v: %d bytes = %s; want %d bytes, formula with %q", c.strategy, c.f, e.Bytes, e.Formula, c.want, c.formula)
		}
	}
	for _, s := range All {
		if s.Peak == nil {
			t.Errorf("%s: no memory estimate", s.Name)
		}
	}
}

// TestMemoryGuard: over 80% of MemAvailable is refused in one line with
// the estimate's formula, unless forced or MemAvailable is unknown.
func TestMemoryGuardLine(t *testing.T) {
	e := Estimate{Bytes: 81, Formula: "workers 81 × buf 1B"}
	if why := MemoryGuard(e, 100, false); !strings.HasPrefix(why, "memory guard: estimated peak 81 B = workers 81 × buf 1B exceeds 80% of MemAvailable 100 B (use --force") {
		t.Errorf("refusal %q", why)
	}
	for _, c := range []struct {
		e     Estimate
		avail int64
		force bool
	}{{Estimate{Bytes: 80}, 100, false}, {e, 100, true}, {e, 0, false}, {Estimate{Bytes: math.MaxInt64 / 2}, 0, false}} {
		if why := MemoryGuard(c.e, c.avail, c.force); why != "" {
			t.Errorf("%+v: refused %q", c, why)
		}
	}
}

// TestBounds: knob values and worker counts past their sane bounds are
// refused, naming the knob.
func TestBounds(t *testing.T) {
	for _, c := range []struct {
		mutate func(*Knobs)
		want   string
	}{
		{func(k *Knobs) { k.BufSize = MaxBuf + 1 }, "knob buf: 1073741825 bytes is over the maximum of 1GiB"},
		{func(k *Knobs) { k.ChanCap = 100000000000 }, "knob chancap: 100000000000 is over the maximum of 1048576"},
		{func(k *Knobs) { k.Segment = MaxSegment + 1 }, "knob segment:"},
		{func(k *Knobs) { k.Batch = MaxBatch + 1 }, "knob batch:"},
	} {
		k := DefaultKnobs()
		c.mutate(&k)
		if err := k.Validate(); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	if err := CheckWorkers(MaxWorkers + 1); err == nil || err.Error() != "workers: 4097, want at most 4096" {
		t.Errorf("workers: %v", err)
	}
	if err := CheckWorkers(MaxWorkers); err != nil {
		t.Error(err)
	}
}
