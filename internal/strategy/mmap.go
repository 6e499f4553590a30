package strategy

import (
	"fmt"
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

// mapInput maps the whole input (its planned size) read-only and shared,
// applying the advice. The returned unmap must be called; an empty file
// maps to nil.
func mapInput(in *Input, k Knobs) (data []byte, unmap func() error, err error) {
	if in.Size == 0 {
		return nil, func() error { return nil }, nil
	}
	flags := unix.MAP_SHARED
	if k.Populate {
		flags |= unix.MAP_POPULATE
	}
	data, err = unix.Mmap(int(in.File.Fd()), 0, int(in.Size), unix.PROT_READ, flags)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap %s: %w", in.Path, err)
	}
	if adv := madvice[k.Advice]; adv != unix.MADV_NORMAL {
		if err := unix.Madvise(data, adv); err != nil {
			unix.Munmap(data)
			return nil, nil, fmt.Errorf("madvise %s %s: %w", k.Advice, in.Path, err)
		}
	}
	return data, func() error { return unix.Munmap(data) }, nil
}

// mmapShared maps the file once; workers scan sub-slices of the mapping.
func mmapShared(j Job) (Result, error) {
	const name = "mmap"
	start := time.Now()
	in, err := OpenInput(j.Path)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	defer in.Close()
	data, unmap, err := mapInput(in, j.Knobs)
	if err != nil {
		return Result{}, in.End(name, fmt.Errorf("%s: %w", name, err))
	}
	a, extra, err := scanParallel(name, "the mapping of "+in.Path, data, j, nil)
	elapsed := time.Since(start)
	if err := in.End(name, err); err != nil {
		unmap()
		return Result{}, err
	}
	j.atPeak()
	if err := unmap(); err != nil {
		return Result{}, fmt.Errorf("munmap: %w", err)
	}
	return Result{Answer: a, Elapsed: elapsed, Extra: extra}, nil
}
