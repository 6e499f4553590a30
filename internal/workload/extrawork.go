package workload

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// ExtraWorkEnv is the calibration-only setting that injects a real
// slowdown into one strategy's work, for `fanbench calibrate`:
// "STRATEGY:PERCENT" (e.g. "mmap:10") makes every partial of that
// strategy's runs, after each buffer it is given, go over the first
// PERCENT% of that buffer again, doing the workload's own per-line work
// read-only (count: count the '\n's; parse: find each line's ';' and end,
// parse the temperature, hash the name and look it up in the partial's own
// table) without changing anything it holds. The extra work is
// proportional to the bytes the strategy handles and costs time only: no
// allocation, no memory, no page fault (the bytes were just read), and
// the answer is unchanged. It is never a sleep and no figure is adjusted.
// It slows the workload's part of a run by about PERCENT%: the whole run
// by that much where the workload is most of the run (parse), by less
// where delivering the bytes dominates (count). Never set it outside
// calibration.
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

// prober is a partial that can do its per-byte work over buf again without
// changing what it holds (whole lines, bytes it was just given), returning
// a value that depends on every line so that the work cannot be skipped.
type prober interface {
	Partial
	probe(buf []byte) uint64
}

// Extra is what WithExtraWork returns: the workload whose partials do the
// extra work, and the count of the bytes they went over again.
type Extra struct {
	Workload
	pool *extraPool
}

// Bytes is how many bytes the partials went over again so far: PERCENT%
// of the bytes they were given, to within a line per buffer.
func (e Extra) Bytes() int64 {
	e.pool.mu.Lock()
	defer e.pool.mu.Unlock()
	var n int64
	for i := range e.pool.all[:e.pool.used] {
		n += e.pool.all[i].worked
	}
	for _, m := range e.pool.more {
		n += m.worked
	}
	return n
}

// WithExtraWork returns w whose partials do ExtraWork's extra work over
// percent% of every buffer. The wrappers that carry it (a few words each)
// are made here, spares of them, ahead of the measured work, so that the
// partials the measured work makes allocate exactly what w's allocate; a
// run that asks for more than spares partials allocates one small wrapper
// for each further one. A workload whose partials cannot redo their work
// read-only (count, parse and none can) is an error.
func WithExtraWork(w Workload, percent float64, spares int) (Extra, error) {
	if !(percent > 0 && percent <= 100) {
		return Extra{}, fmt.Errorf("extra work: %v%%: want 0 < PERCENT ≤ 100", percent)
	}
	if _, ok := probers[w.Name]; !ok {
		return Extra{}, fmt.Errorf("%s: workload %s cannot redo its work without changing its partial (count and parse can)", ExtraWorkEnv, w.Name)
	}
	pool := &extraPool{w: w, frac: percent / 100, all: make([]extraPartial, spares)}
	out := w
	out.New = pool.get
	return Extra{Workload: out, pool: pool}, nil
}

// probers names the workloads whose partials are probers.
var probers = map[string]bool{"count": true, "parse": true, "none": true}

type extraPool struct {
	mu   sync.Mutex
	w    Workload
	frac float64
	all  []extraPartial // made ahead; the first used of them handed out
	used int
	more []*extraPartial // made when all ran out
}

func (p *extraPool) get() Partial {
	inner, ok := p.w.New().(prober)
	if !ok {
		panic(fmt.Sprintf("%s: workload %s's partial cannot redo its work read-only", ExtraWorkEnv, p.w.Name))
	}
	p.mu.Lock()
	var e *extraPartial
	if p.used < len(p.all) {
		e = &p.all[p.used]
		p.used++
	} else {
		e = &extraPartial{}
		p.more = append(p.more, e)
	}
	p.mu.Unlock()
	e.prober, e.frac = inner, p.frac
	if _, keyed := inner.(Keyed); keyed {
		return keyedExtra{e}
	}
	return e
}

// extraPartial is a Partial that, after each buffer, probes the first frac
// of it again.
type extraPartial struct {
	prober
	frac   float64
	sink   uint64
	worked int64
}

func (p *extraPartial) Add(buf []byte) {
	p.prober.Add(buf)
	n := int(float64(len(buf)) * p.frac)
	if n == 0 {
		return
	}
	if n < len(buf) {
		j := bytes.LastIndexByte(buf[:n], '\n')
		if j < 0 {
			return
		}
		n = j + 1
	}
	p.sink += p.prober.probe(buf[:n])
	p.worked += int64(n)
}

func (p *extraPartial) Merge(o Partial) { p.prober.Merge(unwrapExtra(o)) }

// keyedExtra is an extraPartial over a Keyed partial, itself Keyed.
type keyedExtra struct{ *extraPartial }

func (k keyedExtra) Shards(n int) uint64 { return k.prober.(Keyed).Shards(n) }

func (k keyedExtra) MergeShard(o Partial, i, n int, counters bool) {
	k.prober.(Keyed).MergeShard(unwrapExtra(o), i, n, counters)
}

// unwrapExtra is the partial an extra-work wrapper carries (o itself if
// it is none).
func unwrapExtra(o Partial) Partial {
	switch e := o.(type) {
	case *extraPartial:
		return e.prober
	case keyedExtra:
		return e.prober
	}
	return o
}

// probe counts the '\n's again.
func (c *countPartial) probe(buf []byte) uint64 { return uint64(bytes.Count(buf, []byte{'\n'})) }

// probe does nothing, as Add does.
func (*nonePartial) probe([]byte) uint64 { return 0 }

// probe reads each line again as Add does — its end, its ';' (4 to 6
// bytes before the end in a record), its temperature, its name's hash and
// slot — and changes nothing: the slot is only looked up (every name of
// buf is in the table already, Add having just taken buf).
func (p *parsePartial) probe(buf []byte) uint64 {
	var sink uint64
	mask := uint64(len(p.slots) - 1)
	for len(buf) > 0 {
		line := buf
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line, buf = buf[:i], buf[i+1:]
		} else {
			buf = nil
		}
		semi := -1
		for j := len(line) - 4; j >= 0 && j >= len(line)-6; j-- {
			if line[j] == ';' {
				semi = j
				break
			}
		}
		if semi <= 0 {
			continue
		}
		t, _ := parseTenths(line[semi+1:])
		name := line[:semi]
		h, key0, key1 := nameKeys(name)
		for idx := h >> p.shift; ; idx = (idx + 1) & mask {
			s := &p.slots[idx]
			if len(s.name) == 0 {
				break
			}
			if s.key0 == key0 && s.key1 == key1 && len(s.name) == len(name) && (len(name) <= 16 || s.name == string(name)) {
				sink += uint64(s.count)
				break
			}
		}
		sink += uint64(t)
	}
	return sink
}
