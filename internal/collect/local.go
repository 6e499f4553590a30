package collect

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/fanbench/fanbench/internal/workload"
)

// Config describes how one run collects.
type Config struct {
	How      How // a collect value
	Workload workload.Workload
	Workers  int
	Batch    int // lines per update, at least 1
	Queue    int // channel: the bounded channel's capacity, in batches
	// Faults, for the fault tests, injects misbehaviour (nil: none).
	Faults Faults
}

func (c Config) check(mode string) error {
	if err := Check(c.How, mode); err != nil {
		return err
	}
	if c.Workers < 1 {
		return fmt.Errorf("collect %s: workers: %d, want at least 1", c.How, c.Workers)
	}
	if c.Batch < 1 {
		return fmt.Errorf("collect %s: batch: %d lines, want at least 1", c.How, c.Batch)
	}
	if c.Queue < 0 {
		return fmt.Errorf("collect %s: queue: %d, negative", c.How, c.Queue)
	}
	return nil
}

// Collector combines the results of goroutine workers in one process.
// Each worker gets its own Sink; once every sink is closed, Finish returns
// the combined partial.
type Collector struct {
	cfg       Config
	partials  []workload.Partial // partials: one per worker
	mu        sync.Mutex         // mutex: guards shared
	shared    workload.Partial
	shards    []shard // sharded
	ch        chan workload.Partial
	free      chan workload.Partial // channel: scratch partials for reuse
	done      chan struct{}         // channel: closed when the collector goroutine has merged everything
	open      sync.WaitGroup        // channel: sinks not yet closed
	startOnce sync.Once             // channel: starts the goroutines at the first Sink
	messages  atomic.Int64
	errMu     sync.Mutex
	err       error // the first sink failure
}

// shard is one of sharded's aggregates, padded to its own cache lines.
type shard struct {
	mu sync.Mutex
	p  workload.Partial
	_  [40]byte
}

// New returns a goroutine-mode collector: partials, mutex, sharded or
// channel (manager needs mode=process).
func New(cfg Config) (*Collector, error) {
	if err := cfg.check("goroutine"); err != nil {
		return nil, err
	}
	c := &Collector{cfg: cfg}
	switch cfg.How {
	case Partials:
		c.partials = make([]workload.Partial, cfg.Workers)
	case Mutex:
		c.shared = cfg.Workload.New()
	case Sharded:
		c.shards = make([]shard, Shards)
		for i := range c.shards {
			c.shards[i].p = cfg.Workload.New()
		}
	case Channel:
		c.shared = cfg.Workload.New()
		c.ch = make(chan workload.Partial, cfg.Queue)
		c.free = make(chan workload.Partial, cfg.Queue+2*cfg.Workers)
		c.done = make(chan struct{})
	}
	return c, nil
}

// start starts channel's collector goroutine, and the one that closes the
// channel once every sink is closed, at the first Sink: a collector whose
// run failed before it handed out sinks leaves no goroutine behind.
func (c *Collector) start() {
	c.open.Add(c.cfg.Workers)
	go c.receive()
	go func() { c.open.Wait(); close(c.ch) }()
}

// Sink returns worker w's sink (w from 0 to Workers-1), once per worker;
// every sink handed out must be closed, and all Workers of them before
// Finish.
func (c *Collector) Sink(w int) Sink {
	if c.cfg.How == Partials {
		p := c.cfg.Workload.New()
		c.partials[w] = p
		return ownSink{p}
	}
	if c.cfg.How == Channel {
		c.startOnce.Do(c.start)
	}
	b := &batcher{scratch: c.cfg.Workload.New(), n: c.cfg.Batch}
	s := &localSink{c: c, w: w, b: b}
	b.flush = s.flush
	return s
}

// Finish waits for the collector goroutine (channel), and returns the
// combined partial, the coordination counts, and the first failure of a
// sink. Every sink must be closed first.
func (c *Collector) Finish() (workload.Partial, Stats, error) {
	var total workload.Partial
	switch c.cfg.How {
	case Partials:
		total = c.partials[0]
		for _, p := range c.partials[1:] {
			total.Merge(p)
		}
	case Mutex:
		total = c.shared
	case Sharded:
		total = c.shards[0].p
		for i := 1; i < len(c.shards); i++ {
			total.Merge(c.shards[i].p)
		}
	case Channel:
		<-c.done
		total = c.shared
	}
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return total, Stats{Messages: c.messages.Load()}, c.err
}

// receive is channel's collector goroutine: it merges every batch into
// the aggregate and hands the emptied partial back for reuse.
func (c *Collector) receive() {
	defer close(c.done)
	n := 0
	for p := range c.ch {
		if f := c.cfg.Faults; f != nil {
			f.Consume(n) // may stall: the queue fills
			n++
		}
		c.shared.Merge(p)
		p.Reset()
		select {
		case c.free <- p:
		default:
		}
	}
}

func (c *Collector) fail(err error) {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// ownSink is partials' sink: the worker's own partial, no coordination.
type ownSink struct{ workload.Partial }

// Close does nothing: the partial is merged by Finish.
func (ownSink) Close() error { return nil }

// localSink is the sink of mutex, sharded and channel.
type localSink struct {
	c       *Collector
	w       int
	b       *batcher
	batches int
	closed  bool
}

func (s *localSink) Add(buf []byte) { s.b.Add(buf) }

// Close flushes the last batch and, for channel, lets the collector
// goroutine finish once every sink is closed.
func (s *localSink) Close() error {
	err := s.b.Close()
	if !s.closed && s.c.cfg.How == Channel {
		s.closed = true
		s.c.open.Done()
	}
	if err != nil {
		s.c.fail(err)
	}
	return err
}

// errPanicked marks a worker that panicked while holding a lock.
var errPanicked = errors.New("panicked while updating the shared result")

// flush applies the scratch partial: merged into the shared aggregate
// under its lock (mutex), split by key over the shards (sharded), or sent
// to the collector goroutine (channel). A panic while a lock is held is
// recovered: the lock is released (deferred unlock) and the run fails.
func (s *localSink) flush() (err error) {
	c := s.c
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("collect %s: worker %d %w: %v", c.cfg.How, s.w, errPanicked, r)
		}
	}()
	s.batches++
	switch c.cfg.How {
	case Mutex:
		s.locked(&c.mu, func() { c.shared.Merge(s.b.scratch) })
	case Sharded:
		s.flushSharded()
	case Channel:
		c.messages.Add(1)
		c.ch <- s.b.scratch
		select {
		case s.b.scratch = <-c.free:
		default:
			s.b.scratch = c.cfg.Workload.New()
		}
		return nil
	}
	s.b.scratch.Reset()
	return nil
}

// locked runs update holding mu; an injected fault (Faults.Locked) fires
// inside.
func (s *localSink) locked(mu *sync.Mutex, update func()) {
	mu.Lock()
	defer mu.Unlock()
	s.c.messages.Add(1)
	if f := s.c.cfg.Faults; f != nil {
		f.Locked(s.w)
	}
	update()
}

// flushSharded routes the scratch's keys to their shards, taking each
// shard's lock once; the counters go with the first. A workload without
// keys (count) updates one shard per batch, in turn.
func (s *localSink) flushSharded() {
	c, p := s.c, s.b.scratch
	kp, keyed := p.(workload.Keyed)
	var mask uint64
	if keyed {
		mask = kp.Shards(Shards)
	}
	if mask == 0 {
		sh := &c.shards[(s.w+s.batches)%Shards]
		s.locked(&sh.mu, func() { sh.p.Merge(p) })
		return
	}
	first := true
	for i := range c.shards {
		if mask&(1<<i) == 0 {
			continue
		}
		sh := &c.shards[i]
		counters := first
		s.locked(&sh.mu, func() { sh.p.(workload.Keyed).MergeShard(p, i, Shards, counters) })
		first = false
	}
}
