// Package split cuts a file or a buffer into newline-aligned parts, so that
// every line belongs to exactly one worker.
package split

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Range is a part of a file: Len bytes starting at Off. Every Range produced
// by this package starts at the beginning of the file or just after a '\n',
// and ends at the end of the file or just after a '\n'.
type Range struct {
	Off, Len int64
}

// End is the offset just past the range.
func (r Range) End() int64 { return r.Off + r.Len }

// Bytes cuts data into exactly parts contiguous newline-aligned ranges that
// cover it. Parts may be empty (more parts than lines). The i-th cut is the
// first line start at or after i*len/parts.
func Bytes(data []byte, parts int) []Range {
	cuts, _ := cutPoints(int64(len(data)), parts, func(target int64) (int64, error) {
		if i := bytes.IndexByte(data[target-1:], '\n'); i >= 0 {
			return target + int64(i), nil
		}
		return int64(len(data)), nil
	})
	return toRanges(cuts)
}

// scanWindow is how much File reads at a time while looking for a newline.
const scanWindow = 64 << 10

// File cuts the first size bytes of r into exactly parts newline-aligned
// ranges, reading only around each cut point.
func File(r io.ReaderAt, size int64, parts int) ([]Range, error) {
	buf := make([]byte, scanWindow)
	cuts, err := cutPoints(size, parts, func(target int64) (int64, error) {
		for pos := target - 1; pos < size; pos += int64(len(buf)) {
			n, err := r.ReadAt(buf[:min(int64(len(buf)), size-pos)], pos)
			if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
				return pos + int64(i) + 1, nil
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, fmt.Errorf("split: read at %d: %w", pos, err)
			}
			if n == 0 {
				break
			}
		}
		return size, nil
	})
	if err != nil {
		return nil, err
	}
	return toRanges(cuts), nil
}

// cutPoints returns parts+1 offsets 0 = c0 <= c1 <= ... <= c_parts = size.
// next(target) must return the offset just after the first '\n' at or after
// target-1 (i.e. the first line start >= target), or size.
func cutPoints(size int64, parts int, next func(target int64) (int64, error)) ([]int64, error) {
	if parts < 1 {
		parts = 1
	}
	cuts := make([]int64, parts+1)
	cuts[parts] = size
	for i := 1; i < parts; i++ {
		target := size * int64(i) / int64(parts)
		prev := cuts[i-1]
		switch {
		case target <= prev:
			cuts[i] = prev
		case target == 0:
			cuts[i] = 0
		default:
			c, err := next(target)
			if err != nil {
				return nil, err
			}
			cuts[i] = c
		}
	}
	return cuts, nil
}

func toRanges(cuts []int64) []Range {
	rs := make([]Range, len(cuts)-1)
	for i := range rs {
		rs[i] = Range{Off: cuts[i], Len: cuts[i+1] - cuts[i]}
	}
	return rs
}
