package fanout

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
)

// errNilFunc is Run's and RunBytes' error for a nil function.
var errNilFunc = errors.New("fanout: nil function")

// PanicError is what Run and RunBytes panic with, on the caller's
// goroutine, when the function panicked on a worker: the worker recovers
// the panic, the run stops every worker as an error does, and once every
// worker has stopped Run panics again with the value and the stack of the
// original panic (as golang.org/x/sync/errgroup does), so a recover
// around Run sees it and no worker is left running. Of several panicking
// calls the first recovered is raised.
type PanicError struct {
	// Value is what the function panicked with.
	Value any
	// Stack is the panicking worker's stack (debug.Stack) at the recover,
	// the function's panicking frames included.
	Stack []byte
	// Worker and Offset are the panicking call's Chunk.Worker and
	// Chunk.Offset.
	Worker int
	Offset int64
}

// Error names the worker, the chunk and the value, then the stack of the
// panic: what a crash of the caller's program prints.
func (p PanicError) Error() string {
	return fmt.Sprintf("fanout: worker %d, chunk at byte %d: panic: %v\n\n%s", p.Worker, p.Offset, p.Value, p.Stack)
}

// Unwrap is the value if it is an error, else nil.
func (p PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// call calls fn with c on worker k. A panic in fn is recovered into the
// run's PanicError (the run stops) and call returns errStopped; a memory
// fault of a mapping (a runtime error with an address, raised only where
// input.OnFault asked for it) is raised again for OnFault to name.
func (k *worker) call(c Chunk) (err error) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if _, fault := v.(interface{ Addr() uintptr }); fault {
			if _, rt := v.(runtime.Error); rt {
				panic(v)
			}
		}
		k.r.panicked(PanicError{Value: v, Stack: debug.Stack(), Worker: c.Worker, Offset: c.Offset})
		err = errStopped
	}()
	return k.r.fn(c)
}

// panicked records p if it is the run's first panic and stops the run.
func (r *run) panicked(p PanicError) {
	r.mu.Lock()
	if r.panic == nil {
		r.panic = &p
	}
	r.mu.Unlock()
	r.fail(errStopped)
}

// repanic panics with the run's PanicError, if a call panicked; it is
// called on Run's goroutine once every worker has stopped.
func (r *run) repanic() {
	r.mu.Lock()
	p := r.panic
	r.mu.Unlock()
	if p != nil {
		panic(*p)
	}
}
