// Package collect is how workers' results are combined: each worker keeps
// its own partial (partials), or updates one shared aggregate behind a
// lock (mutex), or one of several aggregates each behind its own lock,
// chosen by key (sharded), or sends its updates to one collector goroutine
// over a bounded channel (channel), or, in process mode, to a manager
// process that owns the aggregate and answers every update (manager, the
// Go equivalent of a multiprocessing Manager proxy). Whatever the choice,
// the answer is the same; what differs is the coordination it costs, which
// Stats counts.
//
// Updates are batches of whole lines: a worker parses Batch lines (1: one
// record per update) into a reused scratch partial, then applies that
// partial to the shared aggregate, sends it, or ships its compact encoding
// (workload.Partial's AppendBinary) as one message.
package collect

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/fanbench/fanbench/internal/workload"
)

// How is a collect value: how the workers' results are combined. Its
// text is its name (MarshalText; UnmarshalText refuses any other text).
type How string

// The collect values.
const (
	Partials How = "partials" // each worker keeps its own partial; merged at the end
	Mutex    How = "mutex"    // one shared partial behind a sync.Mutex
	Sharded  How = "sharded"  // Shards shared partials, each behind its own lock, by key
	Channel  How = "channel"  // batches go to one collector goroutine over a bounded channel
	Manager  How = "manager"  // process mode: a manager process owns the aggregate, one round trip per update
)

// Names lists the collect values.
var Names = []How{Partials, Mutex, Sharded, Channel, Manager}

// String is the value's name.
func (h How) String() string { return string(h) }

// Valid reports whether h is one of Names.
func (h How) Valid() bool { return slices.Contains(Names, h) }

// MarshalText is the value's name.
func (h How) MarshalText() ([]byte, error) { return []byte(h), nil }

// UnmarshalText reads a value's name, refusing any other text.
func (h *How) UnmarshalText(b []byte) error {
	v := How(b)
	if !v.Valid() {
		return fmt.Errorf("%q is not one of %s", b, NamesText())
	}
	*h = v
	return nil
}

// NamesText is Names joined by ", ", for messages.
func NamesText() string {
	s := make([]string, len(Names))
	for i, h := range Names {
		s[i] = string(h)
	}
	return strings.Join(s, ", ")
}

// Shards is the number of shared partials of collect=sharded.
const Shards = 16

// DefaultBatch is the default number of lines per update.
const DefaultBatch = 1024

// Check reports an error when how is not a collect value, or cannot apply
// to mode (goroutine or process). mutex and sharded need workers that share
// memory: in process mode there is no lock to share (use channel or
// manager). manager is a separate process that owns the aggregate: it is a
// process-mode value (in goroutine mode, channel is its in-process
// equivalent).
func Check(how How, mode string) error {
	switch how {
	case Partials, Channel:
		return nil
	case Mutex, Sharded:
		if mode == "process" {
			return fmt.Errorf("collect %s: needs mode=goroutine (worker processes share no memory for a lock to guard; use channel or manager)", how)
		}
		return nil
	case Manager:
		if mode != "process" {
			return fmt.Errorf("collect manager: needs mode=process (a manager is a process that owns the aggregate; in mode=goroutine use channel)")
		}
		return nil
	}
	return fmt.Errorf("collect %q: want one of %s", string(how), NamesText())
}

// Stats are what collecting cost in coordination.
type Stats struct {
	Messages int64 // updates applied to a shared aggregate, sent to a collector or to a manager
	IPCBytes int64 // bytes of messages (and acknowledgements) that crossed a process boundary
}

// Add returns the sum of s and o.
func (s Stats) Add(o Stats) Stats {
	return Stats{Messages: s.Messages + o.Messages, IPCBytes: s.IPCBytes + o.IPCBytes}
}

// Sink takes one worker's lines. Add is called with whole lines only (as
// workload.Partial's Add); Close sends what is still batched and reports
// the first failure. A sink is used by one goroutine.
type Sink interface {
	Add(buf []byte)
	Close() error
}

// batcher cuts a worker's lines into batches of n lines, adds each batch
// to a scratch partial and hands the scratch to flush once it holds n
// lines (and at close, if it holds any).
type batcher struct {
	scratch workload.Partial
	n       int
	pending int // lines in scratch
	flush   func() error
	err     error // the first failure; later lines are dropped
}

// Add batches buf's lines.
func (b *batcher) Add(buf []byte) {
	for len(buf) > 0 && b.err == nil {
		end, lines := cutLines(buf, b.n-b.pending)
		b.scratch.Add(buf[:end])
		b.pending += lines
		buf = buf[end:]
		if b.pending >= b.n {
			b.pending = 0
			b.err = b.flush()
		}
	}
}

// Close flushes a last, short batch.
func (b *batcher) Close() error {
	if b.err == nil && b.pending > 0 {
		b.pending = 0
		b.err = b.flush()
	}
	return b.err
}

// cutLines returns the length of buf's first n lines (all of buf if it
// holds fewer; an unterminated tail is a line) and how many lines that is.
// Whole windows are counted with bytes.Count; only the window holding the
// n-th '\n' is walked line by line.
func cutLines(buf []byte, n int) (end, lines int) {
	if n == 1 {
		if k := bytes.IndexByte(buf, '\n'); k >= 0 {
			return k + 1, 1
		}
		return len(buf), 1
	}
	window := min(4096, max(64, 8*n))
	for end < len(buf) {
		w := min(window, len(buf)-end)
		if c := bytes.Count(buf[end:end+w], nl); lines+c < n {
			lines += c
			end += w
			continue
		}
		for lines < n {
			k := bytes.IndexByte(buf[end:], '\n')
			end += k + 1
			lines++
		}
		return end, lines
	}
	if len(buf) > 0 && buf[len(buf)-1] != '\n' {
		lines++ // the unterminated last line
	}
	return len(buf), lines
}

var nl = []byte{'\n'}
