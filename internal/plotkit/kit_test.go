package plotkit

import (
	"math"
	"slices"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
)

func TestLog10Ticks(t *testing.T) {
	tests := []struct {
		min, max float64
		want     []string
	}{
		{0.9, 70, []string{"1", "2", "5", "10", "20", "50"}},
		{0.5, 20000, []string{"1", "10", "100", "1e+03", "1e+04"}},
	}
	for _, tt := range tests {
		var got []string
		for _, tk := range (Log10Ticks{}).Ticks(tt.min, tt.max) {
			if tk.Value < tt.min || tk.Value > tt.max {
				t.Errorf("tick %v outside [%v, %v]", tk.Value, tt.min, tt.max)
			}
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("[%v, %v]: labels %q, want %q", tt.min, tt.max, got, tt.want)
		}
	}
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"sec/op":          "sec_per_op",
		"peak-RSS-B":      "peak-RSS-B",
		"B/s":             "B_per_s",
		"multiprocessing": "multiprocessing",
		"a b:c":           "a-b-c",
		"v1.2_x":          "v1.2_x",
		"../x":            ".._per_x",
	}
	for in, want := range tests {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAxisScale(t *testing.T) {
	tests := []struct {
		unit   string
		max    float64
		factor float64
		axis   string
	}{
		{"sec/op", 2.5, 1, "sec/op (s)"},
		{"sec/op", 0.0023, 1e-3, "sec/op (ms)"},
		{"sec/op", 0.0000042, 1e-6, "sec/op (µs)"},
		{"peak-RSS-B", 300 << 20, 1 << 20, "peak-RSS-B (MiB)"},
		{"B/s", 3 << 30, 1 << 30, "B/s (GiB/s)"},
		{"allocs", 1234, 1, "allocs"},
	}
	for _, tt := range tests {
		f, axis := AxisScale(tt.unit, tt.max)
		if f != tt.factor || axis != tt.axis {
			t.Errorf("AxisScale(%q, %v) = %v, %q; want %v, %q", tt.unit, tt.max, f, axis, tt.factor, tt.axis)
		}
	}
}

// TestPointOf: a summary's median and interval as distances from it, in
// the display unit, worked out by hand.
func TestPointOf(t *testing.T) {
	tests := []struct {
		name string
		s    results.Summary
		unit float64
		want ErrPoint
	}{
		{"interval", results.Summary{Median: 6, Lo: 4, Hi: 10, N: 8}, 2, ErrPoint{X: 1.5, Y: 3, Lo: 1, Hi: 2}},
		{"as they are", results.Summary{Median: 6, Lo: 4, Hi: 10, N: 8}, 1, ErrPoint{X: 1.5, Y: 6, Lo: 2, Hi: 4}},
		{"no interval", results.Summary{Median: 6, Lo: math.Inf(-1), Hi: math.Inf(1), N: 3}, 2, ErrPoint{X: 1.5, Y: 3}},
	}
	for _, tt := range tests {
		if got := PointOf(1.5, tt.s, tt.unit); got != tt.want {
			t.Errorf("%s: PointOf = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// TestCrowdedLabels: the slot a tick label has shrinks with the labels
// and the panels sharing the width, and the widest label is the longest
// string's width in the axis' font.
func TestCrowdedLabels(t *testing.T) {
	// The figure is 16 cm = 453.54 pt wide; the y axis takes about 70 pt
	// of each panel.
	for _, tt := range []struct {
		panels, n int
		want      float64 // points
	}{
		{1, 4, (453.5433 - 70) / 4},   // 95.89
		{2, 4, (226.7717 - 70) / 4},   // 39.19
		{1, 10, (453.5433 - 70) / 10}, // 38.35
	} {
		if got := LabelSlot(tt.panels, tt.n).Points(); math.Abs(got-tt.want) > 1e-3 {
			t.Errorf("LabelSlot(%d, %d) = %.4f pt, want %.4f", tt.panels, tt.n, got, tt.want)
		}
	}
	p := NewPlot("", "", "")
	short, long := p.X.Tick.Label.Width("ab"), p.X.Tick.Label.Width("abcdefgh")
	if !(long > short && short > 0) {
		t.Fatalf("label widths %v, %v: want 0 < short < long", short, long)
	}
	if got := WidestLabel(&p.X, []string{"ab", "abcdefgh", "abc"}); got != long {
		t.Errorf("WidestLabel = %v, want %v (the width of abcdefgh)", got, long)
	}
	if got := WidestLabel(&p.X, nil); got != 0 {
		t.Errorf("WidestLabel(no labels) = %v, want 0", got)
	}
}
