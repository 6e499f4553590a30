package input_test

import (
	"testing"

	"github.com/fanbench/fanbench/fanout"
	"github.com/fanbench/fanbench/internal/input"
)

// TestMadvise: every fanout.Advice names its madvise(2) value, the
// values of linux/mman.h (MADV_NORMAL 0, MADV_RANDOM 1, MADV_SEQUENTIAL 2,
// MADV_WILLNEED 3, MADV_HUGEPAGE 14), and no other name has one.
func TestMadvise(t *testing.T) {
	want := map[fanout.Advice]int{fanout.Normal: 0, fanout.Random: 1, fanout.Sequential: 2, fanout.WillNeed: 3, fanout.HugePage: 14}
	if len(fanout.Advices()) != len(want) {
		t.Errorf("fanout has %d advice values, the test knows %d", len(fanout.Advices()), len(want))
	}
	for _, a := range fanout.Advices() {
		if v, ok := input.Madvise(string(a)); !ok || v != want[a] {
			t.Errorf("Madvise(%q) = %d, %v; want %d", a, v, ok, want[a])
		}
	}
	for _, name := range []string{"", "Normal", "dontneed", "fast"} {
		if v, ok := input.Madvise(name); ok {
			t.Errorf("Madvise(%q) = %d, want none", name, v)
		}
	}
}
