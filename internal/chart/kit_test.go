package chart

import (
	"slices"
	"testing"
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
