package results

import (
	"encoding/json"
	"math"
	"testing"
)

// TestSummaryJSON: a summary survives history.jsonl's JSON form, infinite
// bounds as null; a line written before the level was recorded reads as
// 95%; a median that is not a number is refused.
func TestSummaryJSON(t *testing.T) {
	tests := []Summary{
		{Median: 2, Lo: 1, Hi: 3, N: 8, Confidence: 0.95},
		{Median: 2, Lo: math.Inf(-1), Hi: math.Inf(1), N: 3, Confidence: 0.95},
		{Median: 0, Lo: 0, Hi: 0, N: 6, Confidence: 0.99},
	}
	for _, s := range tests {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("%+v: %v", s, err)
		}
		var back Summary
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if back != s {
			t.Errorf("%+v → %s → %+v", s, b, back)
		}
	}
	var old Summary
	if err := json.Unmarshal([]byte(`{"median":2,"lo":null,"hi":4,"n":5}`), &old); err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Median: 2, Lo: math.Inf(-1), Hi: 4, N: 5, Confidence: 0.95}); old != want {
		t.Errorf("an older line reads as %+v, want %+v", old, want)
	}
	if _, err := json.Marshal(Summary{Median: math.NaN()}); err == nil {
		t.Error("NaN median encoded")
	}
}

// TestSummarize checks the median and the distribution-free interval
// against values worked out by hand: for 6 values at 95% the interval is
// the smallest and largest value (the order statistics benchstat uses),
// and 2 values are too few for one.
func TestSummarize(t *testing.T) {
	s := Summarize([]float64{6, 1, 5, 2, 4, 3}, Confidence)
	if s.Median != 3.5 || s.Lo != 1 || s.Hi != 6 || s.N != 6 || s.Confidence != 0.95 || !s.HasCI() {
		t.Errorf("Summarize(1..6) = %+v", s)
	}
	if s.ErrLow() != 2.5 || s.ErrHigh() != 2.5 {
		t.Errorf("error bars %v, %v; want 2.5, 2.5", s.ErrLow(), s.ErrHigh())
	}
	two := Summarize([]float64{2, 4}, Confidence)
	if two.Median != 3 || two.HasCI() || two.ErrLow() != 0 || two.PctRange() != "∞" {
		t.Errorf("Summarize(2, 4) = %+v (%s)", two, two.PctRange())
	}
	if e := Summarize(nil, Confidence); !math.IsNaN(e.Median) || e.N != 0 {
		t.Errorf("Summarize(nil) = %+v", e)
	}
}

// TestMannWhitneyP: p-values worked out by hand. Six against six with no
// overlap is the most extreme of C(12,6) = 924 orderings on each side:
// p = 2/924; three against three can do no better than 2/20; equal
// samples give 1.
func TestMannWhitneyP(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []float64
		want float64
	}{
		{"six apart", []float64{1, 2, 3, 4, 5, 6}, []float64{7, 8, 9, 10, 11, 12}, 2.0 / 924},
		{"three apart", []float64{1, 2, 3}, []float64{7, 8, 9}, 2.0 / 20},
		{"the same", []float64{1, 2, 3}, []float64{1, 2, 3}, 1},
	} {
		a := append([]float64(nil), tc.a...)
		if got := MannWhitneyP(a, tc.b); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: p = %v, want %v", tc.name, got, tc.want)
		}
		if a[0] != tc.a[0] {
			t.Errorf("%s: a modified", tc.name)
		}
	}
}

// TestRelHalfWidth: the wider side of the interval over the median.
func TestRelHalfWidth(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		s    Summary
		want float64
	}{
		{Summary{Median: 10, Lo: 9, Hi: 13}, 0.3},
		{Summary{Median: -10, Lo: -12, Hi: -9}, 0.2},
		{Summary{Median: 10, Lo: math.Inf(-1), Hi: inf}, inf},
		{Summary{Median: 0, Lo: 0, Hi: 0}, 0},
		{Summary{Median: 0, Lo: -1, Hi: 1}, inf},
		{Summary{Median: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}, inf},
	} {
		if got := tc.s.RelHalfWidth(); math.Abs(got-tc.want) > 1e-12 && got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.s, got, tc.want)
		}
	}
}
