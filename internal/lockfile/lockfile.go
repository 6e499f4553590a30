// Package lockfile is an exclusive lock between processes (and goroutines)
// on a lock file: flock(2) on the file, with the holder's pid in it so that
// a process that finds the lock taken can say by whom.
package lockfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Lock is a held lock. Release it with Unlock.
type Lock struct {
	f    *os.File
	path string
}

// BusyError says that another process holds the lock.
type BusyError struct {
	// Path is the lock file.
	Path string
	// PID is the holder's pid as its lock file says, or "unknown" if the
	// holder wrote none within pidWait.
	PID string
}

func (e *BusyError) Error() string { return fmt.Sprintf("%s is held by pid %s", e.Path, e.PID) }

// pidWait bounds how long a process that finds the lock taken waits for
// the holder to write its pid: the holder writes it right after taking the
// lock, so an empty file means "just taken", not "no holder".
const pidWait = 2 * time.Second

// poll is how often Acquire retries a lock held by another process.
const poll = 20 * time.Millisecond

// afterLock, if set (by tests), runs after the flock is taken and before
// the pid is written: the window in which a competitor finds an empty file.
var afterLock func()

// TryLock takes the lock at path without waiting. If another process (or
// another open of the file in this one) holds it, the error is a
// *BusyError naming the holder's pid.
func TryLock(path string) (*Lock, error) {
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, &BusyError{Path: path, PID: holder(path)}
			}
			return nil, fmt.Errorf("flock %s: %w", path, err)
		}
		if !current(f, path) {
			// The holder we waited for removed the file as it let go: the
			// lock now lives in a new file at path.
			f.Close()
			continue
		}
		if afterLock != nil {
			afterLock()
		}
		pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
		if err := f.Truncate(0); err == nil {
			_, err = f.WriteAt(pid, 0)
		}
		return &Lock{f: f, path: path}, nil
	}
}

// Acquire takes the lock at path, waiting for another holder to release
// it; waiting, if not nil, is called once with the first BusyError when it
// has to wait (to say so).
func Acquire(path string, waiting func(*BusyError)) (*Lock, error) {
	told := false
	for {
		l, err := TryLock(path)
		var be *BusyError
		if !errors.As(err, &be) {
			return l, err
		}
		if !told && waiting != nil {
			waiting(be)
		}
		told = true
		time.Sleep(poll)
	}
}

// Unlock removes the lock file and releases the lock.
func (l *Lock) Unlock() {
	os.Remove(l.path) // while still held: no one can have taken this file's lock
	l.f.Close()
}

// current reports whether the open file f is still the file at path.
func current(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// holder reads the pid in a lock file that another process holds, waiting
// up to pidWait for a holder that has just taken the lock to write it.
func holder(path string) string {
	deadline := time.Now().Add(pidWait)
	for {
		b, err := os.ReadFile(path)
		if s := strings.TrimSpace(string(b)); err == nil && s != "" {
			return s
		}
		if time.Now().After(deadline) {
			return "unknown"
		}
		time.Sleep(5 * time.Millisecond)
	}
}
