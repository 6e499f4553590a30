package results

import (
	"math"
	"testing"
)

// TestPairByBlock: runs pair when their blocks are equal, a's first, in
// b's order; a block only one side ran is left out; a run outside any
// block (Block 0) means the cells do not pair at all.
func TestPairByBlock(t *testing.T) {
	run := func(block, rep int) Run { return Run{Block: block, Rep: rep} }
	a := []Run{run(1, 0), run(3, 1), run(5, 2)}
	b := []Run{run(5, 2), run(1, 0), run(2, 1)}
	pairs, ok := PairByBlock(a, b)
	if !ok || len(pairs) != 2 {
		t.Fatalf("pairs %v ok %v; want 2 pairs (blocks 5 and 1)", pairs, ok)
	}
	for i, want := range []int{5, 1} {
		if pairs[i][0].Block != want || pairs[i][1].Block != want {
			t.Errorf("pair %d: blocks %d and %d, want %d", i, pairs[i][0].Block, pairs[i][1].Block, want)
		}
	}
	if _, ok := PairByBlock(a, append(b, run(0, 3))); ok {
		t.Error("a run of b outside any block: want no pairing")
	}
	if _, ok := PairByBlock(append(a, run(0, 3)), b); ok {
		t.Error("a run of a outside any block: want no pairing")
	}
}

func TestMedian(t *testing.T) {
	v := []float64{3, 1, 2}
	tests := []struct {
		in   []float64
		want float64
	}{
		{v, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if v[0] != 3 || v[1] != 1 {
		t.Errorf("Median sorted its input: %v", v)
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median of none: want NaN")
	}
}
