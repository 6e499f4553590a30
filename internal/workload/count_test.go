package workload

import (
	"strings"
	"testing"
)

// TestReferenceCountLines: the count reference's lines and bytes, worked
// out by hand, including lines longer than its 64 KiB read buffer (which
// it reads in pieces) and a last line without a newline.
func TestReferenceCountLines(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	for _, tc := range []struct {
		name         string
		in           string
		lines, bytes int64
	}{
		{"empty", "", 0, 0},
		{"one unterminated", "a", 1, 1},
		{"one", "a\n", 1, 2},
		{"empty lines", "\n\n\n", 3, 3},
		{"long line then short", long + "\ny", 2, 100<<10 + 2},
		{"long unterminated", long + long, 1, 200 << 10},
		{"long line exactly ending a buffer", strings.Repeat("z", 64<<10-1) + "\n" + "b\n", 2, 64<<10 + 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := referenceCount(strings.NewReader(tc.in))
			if err != nil || a.Lines != tc.lines || a.Bytes != tc.bytes {
				t.Errorf("lines %d bytes %d err %v, want %d and %d", a.Lines, a.Bytes, err, tc.lines, tc.bytes)
			}
		})
	}
}
