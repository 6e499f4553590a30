package lockfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestBusyNamesHolder: a competitor that arrives after the holder took the
// flock but before it wrote its pid (the window of two runs started in the
// same instant) still names the holder's pid, not an empty one.
func TestBusyNamesHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	errc := make(chan error, 1)
	afterLock = func() {
		afterLock = nil
		go func() {
			_, err := TryLock(path)
			errc <- err
		}()
		time.Sleep(100 * time.Millisecond) // the competitor reads the empty file meanwhile
	}
	defer func() { afterLock = nil }()
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	err = <-errc
	var be *BusyError
	if !errors.As(err, &be) || be.PID != strconv.Itoa(os.Getpid()) || be.Path != path {
		t.Fatalf("competitor: %v, want a BusyError naming pid %d", err, os.Getpid())
	}
}

// TestAcquireWaits: Acquire says once that it waits, and takes the lock
// when the holder lets go.
func TestAcquireWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	var told atomic.Int32
	got := make(chan *Lock)
	go func() {
		l2, err := Acquire(path, func(be *BusyError) {
			if be.PID != strconv.Itoa(os.Getpid()) {
				t.Errorf("waiting for pid %q, want %d", be.PID, os.Getpid())
			}
			told.Add(1)
		})
		if err != nil {
			t.Error(err)
		}
		got <- l2
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case <-got:
		t.Fatal("Acquire took a held lock")
	default:
	}
	l.Unlock()
	l2 := <-got
	if told.Load() != 1 {
		t.Errorf("waiting called %d times, want 1", told.Load())
	}
	if l2 != nil {
		l2.Unlock()
	}
}

// TestOneHolderAtATime: goroutines taking and releasing the lock in a
// loop (each release removes the file) never hold it two at once: a lock
// taken on a file that its holder removed is not a lock.
func TestOneHolderAtATime(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	var holders, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				l, err := Acquire(path, nil)
				if err != nil {
					t.Error(err)
					return
				}
				n := holders.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(100 * time.Microsecond)
				holders.Add(-1)
				l.Unlock()
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d holders at once, want 1", most.Load())
	}
}
