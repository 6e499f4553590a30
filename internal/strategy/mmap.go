package strategy

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

var madvice = map[string]int{
	"normal":     unix.MADV_NORMAL,
	"sequential": unix.MADV_SEQUENTIAL,
	"random":     unix.MADV_RANDOM,
	"willneed":   unix.MADV_WILLNEED,
	"hugepage":   unix.MADV_HUGEPAGE,
}

// mapFile maps a whole file read-only and shared, applying the advice.
// The returned unmap must be called; an empty file maps to nil.
func mapFile(path string, k Knobs) (data []byte, unmap func() error, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("mmap: %w", err)
	}
	if st.Size() == 0 {
		return nil, func() error { return nil }, nil
	}
	flags := unix.MAP_SHARED
	if k.Populate {
		flags |= unix.MAP_POPULATE
	}
	data, err = unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, flags)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap %s: %w", path, err)
	}
	if adv := madvice[k.Advice]; adv != unix.MADV_NORMAL {
		if err := unix.Madvise(data, adv); err != nil {
			unix.Munmap(data)
			return nil, nil, fmt.Errorf("madvise %s %s: %w", k.Advice, path, err)
		}
	}
	return data, func() error { return unix.Munmap(data) }, nil
}

// mmapShared maps the file once; workers scan sub-slices of the mapping.
func mmapShared(j Job) (Result, error) {
	start := time.Now()
	data, unmap, err := mapFile(j.Path, j.Knobs)
	if err != nil {
		return Result{}, err
	}
	a, extra, err := scanParallel("mmap", data, j, nil)
	if err != nil {
		unmap()
		return Result{}, err
	}
	elapsed := time.Since(start)
	j.atPeak()
	if err := unmap(); err != nil {
		return Result{}, fmt.Errorf("munmap: %w", err)
	}
	return Result{Answer: a, Elapsed: elapsed, Extra: extra}, nil
}
