package fanout_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fanbench/fanbench/fanout"
)

// panicky panics with v: the frame TestFnPanic looks for in the stack a
// PanicError carries.
func panicky(v any) {
	panic(v)
}

// recovered runs f and returns what it panicked with, nil if it returned.
func recovered(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// TestFnPanic: a function that panics, under every strategy and split and
// RunBytes, does not crash the program from a worker goroutine: Run stops
// every worker (each calls fn at most once, as after an error) and then
// panics on the caller's goroutine with a PanicError holding the value and
// the stack of the panic (its panicking frame). The goroutine check of
// TestMain finds no worker left.
func TestFnPanic(t *testing.T) {
	path := writeFile(t, strings.Repeat("abcdefg\n", 4000)) // 32,000 bytes: 500 segments or buffers of 64
	type boom struct{ n int }
	errBoom := errors.New("boom")
	for _, value := range []any{boom{7}, errBoom} {
		for _, s := range append(fanout.Strategies(), "") { // "": RunBytes
			for _, split := range fanout.Splits() {
				for _, workers := range []int{1, 3, 7} {
					what := fmt.Sprintf("%v/%q/%s/%d workers", value, s, split, workers)
					var calls atomic.Int64
					fn := func(fanout.Chunk) error {
						calls.Add(1)
						panicky(value)
						return nil
					}
					opt := fanout.Options{Strategy: s, Workers: workers, Split: split, Segment: 64, BufSize: 64}
					returned := false
					v := recovered(func() {
						if s == "" {
							fanout.RunBytes(context.Background(), []byte(strings.Repeat("abcdefg\n", 4000)), opt, fn)
						} else {
							fanout.Run(context.Background(), path, opt, fn)
						}
						returned = true
					})
					if returned {
						t.Errorf("%s: Run returned; want it to panic", what)
						continue
					}
					pe, ok := v.(fanout.PanicError)
					if !ok {
						t.Errorf("%s: recovered %T %v, want a fanout.PanicError", what, v, v)
						continue
					}
					if pe.Value != value {
						t.Errorf("%s: PanicError.Value %v, want %v", what, pe.Value, value)
					}
					if !strings.Contains(string(pe.Stack), "fanout_test.panicky") {
						t.Errorf("%s: PanicError.Stack has no fanout_test.panicky frame:\n%s", what, pe.Stack)
					}
					if got := errors.Is(pe, errBoom); got != (value == errBoom) {
						t.Errorf("%s: errors.Is(PanicError, boom) = %v", what, got)
					}
					if !strings.Contains(pe.Error(), fmt.Sprint(value)) {
						t.Errorf("%s: PanicError.Error() %q does not name the value", what, pe.Error())
					}
					if n := calls.Load(); n < 1 || n > int64(workers) {
						t.Errorf("%s: fn called %d times, want 1 to %d: the workers were not stopped", what, n, workers)
					}
				}
			}
		}
	}
}

// TestNilFunction: a nil function is an error before any work, whatever
// the strategy, even for a file that does not exist.
func TestNilFunction(t *testing.T) {
	path := writeFile(t, "a\nb\n")
	for _, s := range fanout.Strategies() {
		for _, p := range []string{path, path + ".missing"} {
			_, err := fanout.Run(context.Background(), p, fanout.Options{Strategy: s, Workers: 2}, nil)
			if err == nil || err.Error() != "fanout: nil function" {
				t.Errorf("%s %s: error %v, want fanout: nil function", s, p, err)
			}
		}
	}
	if _, err := fanout.RunBytes(context.Background(), []byte("a\nb\n"), fanout.Options{Workers: 2}, nil); err == nil || err.Error() != "fanout: nil function" {
		t.Errorf("RunBytes: error %v, want fanout: nil function", err)
	}
}

// TestFaultInFnIsAnError: a memory fault in fn reading a mapping whose
// file shrank (SIGBUS) is still the run's error naming it, not a
// PanicError: the recover of fn's panics leaves such faults to the fault
// handler.
func TestFaultInFnIsAnError(t *testing.T) {
	path := writeFile(t, strings.Repeat("abcdefg\n", 3*4096/8)) // three pages
	var sink byte
	_, err := fanout.Run(context.Background(), path, fanout.Options{Strategy: fanout.Mmap, Workers: 1}, func(c fanout.Chunk) error {
		if err := os.Truncate(path, 0); err != nil {
			return err
		}
		sink += c.Data[len(c.Data)-1] // a page past the file's new end
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "SIGBUS reading the mapping of "+path) {
		t.Errorf("error %v, want a SIGBUS reading the mapping of %s", err, path)
	}
	_ = sink
}
