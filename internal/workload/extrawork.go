package workload

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// ExtraWorkEnv is the calibration-only setting that injects a real
// slowdown into one strategy's work, for `fanbench calibrate`:
// "STRATEGY:PERCENT" (e.g. "mmap:10") makes every partial of that
// strategy's runs also do its workload's own work over the first PERCENT%
// of each buffer it is given, into a spare partial that is thrown away. The
// extra work is proportional to the bytes the strategy handles and leaves
// the answer unchanged; it is never a sleep and no figure is adjusted. It
// slows the run by about PERCENT% where the workload is most of the run's
// time (mmap, ceiling), less where delivering the bytes dominates. Never
// set it outside calibration.
const ExtraWorkEnv = "FANBENCH_CALIBRATION_SLOWDOWN"

// ExtraWork is a parsed ExtraWorkEnv.
type ExtraWork struct {
	Strategy string
	Percent  float64
}

// ParseExtraWork parses an ExtraWorkEnv value; "" is no extra work.
func ParseExtraWork(s string) (ExtraWork, error) {
	if s == "" {
		return ExtraWork{}, nil
	}
	name, pct, ok := strings.Cut(s, ":")
	p, err := strconv.ParseFloat(pct, 64)
	if !ok || name == "" || err != nil || !(p > 0 && p <= 100) {
		return ExtraWork{}, fmt.Errorf("%s=%q: want STRATEGY:PERCENT with 0 < PERCENT ≤ 100 (e.g. mmap:10)", ExtraWorkEnv, s)
	}
	return ExtraWork{Strategy: name, Percent: p}, nil
}

// String is the ExtraWorkEnv value of e.
func (e ExtraWork) String() string {
	return e.Strategy + ":" + strconv.FormatFloat(e.Percent, 'f', -1, 64)
}

// primeBytes is how much of the file primes each spare partial (through a
// small buffer), so that parse's spares already hold every name before the
// measured work and allocate nothing during it.
const primeBytes = 1 << 20

// WithExtraWork returns w whose partials do ExtraWork's extra work. It
// makes spares partials ahead of the measured work; those made of per-key
// entries (Keyed: parse) are primed with the first MiB of prime read
// through a 16 KiB buffer, so that they hold every key already. The
// wrapped New hands them out (making more only if they run out), so the
// extra work adds no allocation to the measured work; what the spares hold
// is memory the run did not hold before (parse's name tables).
func WithExtraWork(w Workload, percent float64, spares int, prime string) (Workload, error) {
	f, err := os.Open(prime)
	if err != nil {
		return w, fmt.Errorf("extra work: %w", err)
	}
	defer f.Close()
	pool := &sparePool{w: w, frac: percent / 100}
	var buf []byte
	for i := 0; i < spares; i++ {
		sp := &extraPartial{frac: pool.frac, spare: w.New()}
		if _, keyed := sp.spare.(Keyed); keyed && buf == nil {
			buf = make([]byte, 16<<10)
		}
		for off := int64(0); buf != nil && off < primeBytes; {
			n, err := f.ReadAt(buf, off)
			chunk := buf[:n]
			if err == nil {
				if j := bytes.LastIndexByte(chunk, '\n'); j >= 0 {
					chunk = chunk[:j+1]
				}
			}
			sp.spare.Add(chunk)
			off += int64(len(chunk))
			if err == io.EOF || len(chunk) == 0 {
				break
			}
			if err != nil {
				return w, fmt.Errorf("extra work: %w", err)
			}
		}
		pool.ready = append(pool.ready, sp)
	}
	// No runtime.GC() here: a run that collects nothing (mmap count) would
	// then carry the collector's own buffers, +0.7 MiB of RssAnon measured.
	out := w
	out.New = pool.get
	return out, nil
}

type sparePool struct {
	mu    sync.Mutex
	w     Workload
	frac  float64
	ready []*extraPartial
}

func (p *sparePool) get() Partial {
	p.mu.Lock()
	var sp *extraPartial
	if n := len(p.ready); n > 0 {
		sp, p.ready = p.ready[n-1], p.ready[:n-1]
	}
	p.mu.Unlock()
	if sp == nil {
		sp = &extraPartial{frac: p.frac, spare: p.w.New()}
	}
	sp.Partial = p.w.New()
	return sp
}

// extraPartial is a Partial that also works over the first frac of every
// buffer into its spare.
type extraPartial struct {
	Partial
	frac  float64
	spare Partial
}

func (p *extraPartial) Add(buf []byte) {
	p.Partial.Add(buf)
	n := int(float64(len(buf)) * p.frac)
	if n == 0 {
		return
	}
	if j := bytes.LastIndexByte(buf[:n], '\n'); j >= 0 {
		n = j + 1
	}
	p.spare.Add(buf[:n])
}

func (p *extraPartial) Merge(o Partial) {
	if e, ok := o.(*extraPartial); ok {
		o = e.Partial
	}
	p.Partial.Merge(o)
}
