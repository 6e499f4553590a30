package fanout_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/fanout"
)

// validity is what each strategy promises about a chunk's lifetime, by
// the package documentation (Chan's with its default pool).
var validity = map[fanout.Strategy]fanout.Validity{
	fanout.ReadAll: fanout.WhileReferenced,
	fanout.Ranges:  fanout.UntilReturn,
	fanout.Mmap:    fanout.UntilRun,
	fanout.Chan:    fanout.UntilReturn,
	fanout.Shm:     fanout.WhileReferenced,
}

// piece is one delivered chunk, copied.
type piece struct {
	worker int
	off    int64
	data   []byte
}

// recorder is a run's fn: it copies every chunk and checks, as the chunks
// come, that calls with the same Worker never overlap and that Worker is
// in range.
type recorder struct {
	workers int
	mu      sync.Mutex
	pieces  []piece
	valid   map[fanout.Validity]int
	busy    []atomic.Int32
	errs    []string
}

func newRecorder(workers int) *recorder {
	return &recorder{workers: workers, valid: map[fanout.Validity]int{}, busy: make([]atomic.Int32, workers)}
}

func (r *recorder) fn(c fanout.Chunk) error {
	if c.Worker < 0 || c.Worker >= r.workers {
		r.mu.Lock()
		r.errs = append(r.errs, fmt.Sprintf("chunk at %d on worker %d of %d", c.Offset, c.Worker, r.workers))
		r.mu.Unlock()
		return nil
	}
	if r.busy[c.Worker].Add(1) != 1 {
		r.mu.Lock()
		r.errs = append(r.errs, fmt.Sprintf("two calls at once on worker %d", c.Worker))
		r.mu.Unlock()
	}
	defer r.busy[c.Worker].Add(-1)
	p := piece{worker: c.Worker, off: c.Offset, data: bytes.Clone(c.Data)}
	r.mu.Lock()
	r.pieces = append(r.pieces, p)
	r.valid[c.Valid]++
	r.mu.Unlock()
	return nil
}

// check asserts the delivery contract against data: non-empty chunks,
// each starting at a line start and ending after a '\n' or at the end,
// every byte exactly once, in place. It returns the lines counted over the
// chunks (a chunk's '\n's, plus one for an unterminated last line).
func (r *recorder) check(t *testing.T, what string, data []byte) (lines int) {
	t.Helper()
	for _, e := range r.errs {
		t.Errorf("%s: %s", what, e)
	}
	ps := slices.Clone(r.pieces)
	slices.SortFunc(ps, func(a, b piece) int { return int(a.off - b.off) })
	var pos int64
	for _, p := range ps {
		switch {
		case len(p.data) == 0:
			t.Fatalf("%s: an empty chunk at %d", what, p.off)
		case p.off != pos:
			t.Fatalf("%s: chunk at %d, want one at %d (a gap or an overlap)", what, p.off, pos)
		case p.off > 0 && data[p.off-1] != '\n':
			t.Fatalf("%s: chunk at %d starts mid-line", what, p.off)
		case p.off+int64(len(p.data)) < int64(len(data)) && p.data[len(p.data)-1] != '\n':
			t.Fatalf("%s: chunk at %d ends mid-line", what, p.off)
		case !bytes.Equal(p.data, data[p.off:p.off+int64(len(p.data))]):
			t.Fatalf("%s: chunk at %d holds other bytes than the file's", what, p.off)
		}
		pos += int64(len(p.data))
		for _, b := range p.data {
			if b == '\n' {
				lines++
			}
		}
		if p.data[len(p.data)-1] != '\n' {
			lines++
		}
	}
	if pos != int64(len(data)) {
		t.Fatalf("%s: chunks cover %d of %d bytes", what, pos, len(data))
	}
	return lines
}

// inputs are hand-made files with their line and byte counts worked out
// by hand (the big ones from how they are built).
var inputs = []struct {
	name         string
	data         string
	lines, bytes int
}{
	{"empty", "", 0, 0},
	{"one newline", "\n", 1, 1},
	{"one line without a newline", "abc", 1, 3},
	{"no final newline", "a\nbb\nccc", 3, 8},
	{"blank lines", "\n\n\nx\n\n", 5, 6},
	{"crlf", "one\r\ntwo\r\nthree\r\n", 3, 17},
	// 8-byte lines: 64-byte buffers and 64-byte segments end exactly at a
	// line's end.
	{"lines at buffer ends", strings.Repeat("1234567\n", 200), 200, 1600},
	// One 10,000-byte line between short ones: longer than the 64-byte
	// buffers, which grow for it.
	{"one huge line", "a\n" + strings.Repeat("x", 9999) + "\nb\n", 3, 10004},
	{"only a huge line", strings.Repeat("y", 5000), 1, 5000},
	{"many short lines", strings.Repeat("k;1.5\n", 3000), 3000, 18000},
}

// plainCount is an independent count: a byte loop.
func plainCount(data string) (lines int) {
	for i := 0; i < len(data); i++ {
		if data[i] == '\n' {
			lines++
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		lines++
	}
	return lines
}

func writeFile(t testing.TB, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.txt")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDelivery: every strategy, with 1, 2, 3 and 7 workers, static and
// dynamic splits, small and default buffers, delivers every byte of every
// input exactly once in whole lines, with the validity its strategy
// promises and the figures of what it did.
func TestDelivery(t *testing.T) {
	for _, in := range inputs {
		if got := plainCount(in.data); got != in.lines || len(in.data) != in.bytes {
			t.Fatalf("%s: the table says %d lines, %d bytes; the byte loop %d lines, %d bytes", in.name, in.lines, in.bytes, got, len(in.data))
		}
		path := writeFile(t, in.data)
		for _, s := range fanout.Strategies() {
			for _, workers := range []int{1, 2, 3, 7} {
				for _, split := range fanout.Splits() {
					for _, small := range []bool{false, true} {
						opt := fanout.Options{Strategy: s, Workers: workers, Split: split}
						if small {
							opt.BufSize, opt.Segment, opt.ChanCap = 64, 64, fanout.Unbuffered
						}
						what := fmt.Sprintf("%s/%s/%d workers/%s/small %v", in.name, s, workers, split, small)
						rec := newRecorder(workers)
						peaks := 0
						opt.AtPeak = func() { peaks++ }
						st, err := fanout.Run(context.Background(), path, opt, rec.fn)
						if err != nil {
							t.Fatalf("%s: %v", what, err)
						}
						if lines := rec.check(t, what, []byte(in.data)); lines != in.lines {
							t.Errorf("%s: %d lines, want %d", what, lines, in.lines)
						}
						if st.Bytes != int64(in.bytes) || st.Chunks != int64(len(rec.pieces)) || st.Workers != workers || st.Strategy != s {
							t.Errorf("%s: stats %+v; want %d bytes, %d chunks", what, st, in.bytes, len(rec.pieces))
						}
						if len(rec.pieces) > 0 && rec.valid[validity[s]] != len(rec.pieces) {
							t.Errorf("%s: validities %v, want %v for all", what, rec.valid, validity[s])
						}
						if peaks != 1 {
							t.Errorf("%s: AtPeak called %d times", what, peaks)
						}
						if s == fanout.Ranges && in.bytes > 0 && st.Reads < 1 {
							t.Errorf("%s: %d reads", what, st.Reads)
						}
						if (s == fanout.ReadAll || s == fanout.Shm) && st.CopiedBytes != int64(in.bytes) {
							t.Errorf("%s: copied %d bytes, want %d", what, st.CopiedBytes, in.bytes)
						}
					}
				}
			}
		}
	}
}

// TestStaticParts: a static split gives each worker its own one part, so
// no worker is called more than once (Ranges and Chan aside: they hand out
// buffers, not parts).
func TestStaticParts(t *testing.T) {
	data := strings.Repeat("abcdefg\n", 1000)
	path := writeFile(t, data)
	for _, s := range []fanout.Strategy{fanout.ReadAll, fanout.Mmap, fanout.Shm} {
		rec := newRecorder(3)
		if _, err := fanout.Run(context.Background(), path, fanout.Options{Strategy: s, Workers: 3}, rec.fn); err != nil {
			t.Fatal(err)
		}
		calls := map[int]int{}
		for _, p := range rec.pieces {
			calls[p.worker]++
		}
		if len(calls) != 3 || calls[0] != 1 || calls[1] != 1 || calls[2] != 1 {
			t.Errorf("%s: calls per worker %v, want one each for 3 workers", s, calls)
		}
	}
}

// TestNoPool: without the pool, Chan's chunks are the caller's to keep.
func TestNoPool(t *testing.T) {
	data := strings.Repeat("abcdefg\n", 100)
	rec := newRecorder(2)
	if _, err := fanout.Run(context.Background(), writeFile(t, data), fanout.Options{Strategy: fanout.Chan, Workers: 2, NoPool: true, BufSize: 64}, rec.fn); err != nil {
		t.Fatal(err)
	}
	rec.check(t, "chan without pool", []byte(data))
	if rec.valid[fanout.WhileReferenced] != len(rec.pieces) {
		t.Errorf("validities %v, want all %v", rec.valid, fanout.WhileReferenced)
	}
}

// TestRunBytes: data in memory is delivered as ReadAll delivers a file.
func TestRunBytes(t *testing.T) {
	for _, in := range inputs {
		for _, workers := range []int{1, 2, 3, 7} {
			for _, split := range fanout.Splits() {
				what := fmt.Sprintf("%s/%d workers/%s", in.name, workers, split)
				rec := newRecorder(workers)
				st, err := fanout.RunBytes(context.Background(), []byte(in.data), fanout.Options{Workers: workers, Split: split, Segment: 64}, rec.fn)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if lines := rec.check(t, what, []byte(in.data)); lines != in.lines || st.Bytes != int64(in.bytes) {
					t.Errorf("%s: %d lines, %d bytes; want %d, %d", what, lines, st.Bytes, in.lines, in.bytes)
				}
			}
		}
	}
}

// TestFnErrorStops: fn's error stops every worker at its next chunk and is
// returned, wrapped with the strategy and the file: with every call
// failing, no worker is called twice.
func TestFnErrorStops(t *testing.T) {
	path := writeFile(t, strings.Repeat("abcdefg\n", 4000)) // 32,000 bytes: 500 segments or buffers of 64
	boom := errors.New("boom")
	for _, s := range fanout.Strategies() {
		for _, workers := range []int{1, 3, 7} {
			var calls atomic.Int64
			peaks := 0
			opt := fanout.Options{Strategy: s, Workers: workers, Split: fanout.Dynamic, Segment: 64, BufSize: 64, AtPeak: func() { peaks++ }}
			_, err := fanout.Run(context.Background(), path, opt, func(fanout.Chunk) error { calls.Add(1); return boom })
			if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), string(s)+" "+path+": worker ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s/%d: error %v, want boom wrapped with %q", s, workers, err, string(s)+" "+path)
			}
			if n := calls.Load(); n < 1 || n > int64(workers) {
				t.Errorf("%s/%d workers: fn called %d times after failing, want 1 to %d", s, workers, n, workers)
			}
			if peaks != 0 {
				t.Errorf("%s: AtPeak called on a failed run", s)
			}
		}
	}
}

// TestCancel: cancelling the context stops every worker at its next
// chunk, and Run returns the context's error wrapped; a context cancelled
// before the run delivers nothing.
func TestCancel(t *testing.T) {
	path := writeFile(t, strings.Repeat("abcdefg\n", 4000))
	for _, s := range fanout.Strategies() {
		for _, workers := range []int{1, 3, 7} {
			ctx, cancel := context.WithCancel(context.Background())
			var calls, after atomic.Int64
			var cancelled atomic.Bool
			opt := fanout.Options{Strategy: s, Workers: workers, Split: fanout.Dynamic, Segment: 64, BufSize: 64}
			_, err := fanout.Run(ctx, path, opt, func(fanout.Chunk) error {
				if cancelled.Load() {
					after.Add(1)
				}
				if calls.Add(1) == 1 {
					cancel()
					cancelled.Store(true)
				} else {
					// No other call ends before the cancel, so the run
					// cannot deliver every chunk first and leave nothing
					// to stop (the cancelling call may be descheduled).
					<-ctx.Done()
				}
				return nil
			})
			cancel()
			if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), string(s)+" "+path+": ") {
				t.Errorf("%s/%d: error %v, want context.Canceled wrapped", s, workers, err)
			}
			// A call that starts once cancel has returned is one whose worker
			// had checked for a stop before it: at most one per worker. (Calls
			// before cancel returns are not bounded: the cancelling call may
			// be descheduled while the others go on.)
			if n := after.Load(); n > int64(workers) {
				t.Errorf("%s/%d workers: %d calls started after the cancel, want at most %d", s, workers, n, workers)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		called := false
		_, err := fanout.Run(ctx, path, fanout.Options{Strategy: s, Workers: 2}, func(fanout.Chunk) error { called = true; return nil })
		if !errors.Is(err, context.Canceled) || called {
			t.Errorf("%s, cancelled before: error %v, called %v", s, err, called)
		}
	}
}

// TestBadInput: what is not a regular file, and a missing file, are
// refused by every strategy at once, in one line naming the file.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{fifo, "file " + fifo + ": a named pipe (FIFO): "},
		{dir, "file " + dir + ": a directory: "},
		{filepath.Join(dir, "missing"), "file " + filepath.Join(dir, "missing") + ": stat " + filepath.Join(dir, "missing") + ": no such file or directory"},
		{"/proc/self/status", "file /proc/self/status: on a proc file system"},
	}
	for _, s := range fanout.Strategies() {
		for _, c := range cases {
			_, err := fanout.Run(context.Background(), c.path, fanout.Options{Strategy: s, Workers: 2}, func(fanout.Chunk) error {
				t.Errorf("%s on %s: a chunk", s, c.path)
				return nil
			})
			if err == nil || !strings.HasPrefix(err.Error(), string(s)+": "+c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s on %s: error %v, want one line starting %q", s, c.path, err, string(s)+": "+c.want)
			}
		}
	}
}

// TestLineTooLong: under Ranges and Chan a line longer than MaxLine (and
// than the buffer) fails the run with a *LineTooLong saying where it
// starts, found by errors.As with a *LineTooLong target as its doc says
// (the value type is not an error, so the value form cannot silently
// miss: vet refuses it); the whole-file strategies take the line.
func TestLineTooLong(t *testing.T) {
	if reflect.TypeFor[fanout.LineTooLong]().Implements(reflect.TypeFor[error]()) {
		t.Error("fanout.LineTooLong implements error: errors.As with a value target would compile and miss the *LineTooLong Run returns")
	}
	data := "short\n" + strings.Repeat("z", 300) + "\nend\n"
	path := writeFile(t, data)
	for _, s := range fanout.Strategies() {
		rec := newRecorder(1)
		_, err := fanout.Run(context.Background(), path, fanout.Options{Strategy: s, Workers: 1, BufSize: 64, MaxLine: 128}, rec.fn)
		if s == fanout.Ranges || s == fanout.Chan {
			var ll *fanout.LineTooLong
			if !errors.As(err, &ll) || ll.Off != 6 || ll.MaxLine != 128 || !strings.Contains(err.Error(), path) {
				t.Errorf("%s: error %v (errors.As found %+v), want a *LineTooLong at byte 6 naming %s", s, err, ll, path)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", s, err)
		} else if lines := rec.check(t, string(s), []byte(data)); lines != 3 {
			t.Errorf("%s: %d lines, want 3", s, lines)
		}
	}
}

// TestOptionErrors: options out of range are refused before the file is
// opened, naming the option.
func TestOptionErrors(t *testing.T) {
	path := writeFile(t, "a\n")
	cases := []struct {
		opt  fanout.Options
		want string
	}{
		{fanout.Options{}, `fanout: strategy "": want one of readall, ranges, mmap, chan, shm`},
		{fanout.Options{Strategy: "carrier-pigeon"}, `fanout: strategy "carrier-pigeon": want one of`},
		{fanout.Options{Strategy: fanout.Mmap, Advice: "fast"}, `fanout: advice "fast": want one of normal, sequential, random, willneed, hugepage`},
		{fanout.Options{Strategy: fanout.Ranges, Split: "diagonal"}, `fanout: split "diagonal": want one of static, dynamic`},
		{fanout.Options{Strategy: fanout.Ranges, Workers: -1}, "fanout: Options.Workers: -1, want at least 0"},
		{fanout.Options{Strategy: fanout.Chan, ChanCap: -2}, "fanout: Options.ChanCap: -2, want at least -1"},
		{fanout.Options{Strategy: fanout.Ranges, BufSize: -64}, "fanout: Options.BufSize: -64, want at least 0"},
		// Below 64 bytes (but not 0, the default) is refused, not raised.
		{fanout.Options{Strategy: fanout.Ranges, BufSize: 10}, "fanout: BufSize 10 is below the minimum of 64"},
		{fanout.Options{Strategy: fanout.Chan, BufSize: 63}, "fanout: BufSize 63 is below the minimum of 64"},
		{fanout.Options{Strategy: fanout.Chan, MaxLine: 1}, "fanout: MaxLine 1 is below the minimum of 64"},
		{fanout.Options{Strategy: fanout.Ranges, MaxLine: 63}, "fanout: MaxLine 63 is below the minimum of 64"},
	}
	for _, c := range cases {
		_, err := fanout.Run(context.Background(), path, c.opt, func(fanout.Chunk) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.opt, err, c.want)
		}
	}
}

// TestText: the typed values' text forms are their names, read back by
// UnmarshalText; a zero Split or Advice is its default; unknown names are
// refused.
func TestText(t *testing.T) {
	type textual interface {
		MarshalText() ([]byte, error)
	}
	good := []struct {
		v    textual
		want string
	}{
		{fanout.Ranges, "ranges"}, {fanout.Shm, "shm"},
		{fanout.Dynamic, "dynamic"}, {fanout.Split(""), "static"},
		{fanout.WillNeed, "willneed"}, {fanout.Advice(""), "normal"},
	}
	for _, g := range good {
		b, err := g.v.MarshalText()
		if err != nil || string(b) != g.want {
			t.Errorf("%#v: %q, %v; want %q", g.v, b, err, g.want)
		}
	}
	var s fanout.Strategy
	var sp fanout.Split
	var a fanout.Advice
	if err := s.UnmarshalText([]byte("mmap")); err != nil || s != fanout.Mmap {
		t.Errorf("strategy mmap: %v, %v", s, err)
	}
	if err := sp.UnmarshalText([]byte("dynamic")); err != nil || sp != fanout.Dynamic {
		t.Errorf("split dynamic: %v, %v", sp, err)
	}
	if err := a.UnmarshalText([]byte("hugepage")); err != nil || a != fanout.HugePage {
		t.Errorf("advice hugepage: %v, %v", a, err)
	}
	for _, bad := range []func() error{
		func() error { return s.UnmarshalText([]byte("ceiling")) },
		func() error { return sp.UnmarshalText(nil) },
		func() error { return a.UnmarshalText([]byte("")) },
		func() error { _, err := fanout.Strategy("").MarshalText(); return err },
		func() error { _, err := fanout.Advice("fast").MarshalText(); return err },
	} {
		if bad() == nil {
			t.Error("an unknown name was accepted")
		}
	}
	if s != fanout.Mmap || sp != fanout.Dynamic || a != fanout.HugePage {
		t.Errorf("a refused name changed the value: %v %v %v", s, sp, a)
	}
}

// TestMmapAdvice: every advice, with and without MAP_POPULATE, maps and
// delivers the file as the default does.
func TestMmapAdvice(t *testing.T) {
	data := strings.Repeat("abcdefg\n", 2000) + "end"
	path := writeFile(t, data)
	for _, a := range fanout.Advices() {
		for _, populate := range []bool{false, true} {
			what := fmt.Sprintf("advice %s/populate %v", a, populate)
			rec := newRecorder(3)
			if _, err := fanout.Run(context.Background(), path, fanout.Options{Strategy: fanout.Mmap, Workers: 3, Advice: a, Populate: populate}, rec.fn); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if lines := rec.check(t, what, []byte(data)); lines != 2001 {
				t.Errorf("%s: %d lines, want 2001", what, lines)
			}
		}
	}
}
