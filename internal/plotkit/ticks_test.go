package plotkit

import (
	"strings"
	"testing"
)

func TestLog2BytesTicks(t *testing.T) {
	var labels []string
	minor := 0
	for _, tk := range (Log2BytesTicks{}).Ticks(MiB, GiB) {
		if tk.Label == "" {
			minor++
			continue
		}
		labels = append(labels, tk.Label)
	}
	if got, want := strings.Join(labels, ","), "1 MiB,4 MiB,16 MiB,64 MiB,256 MiB,1 GiB"; got != want {
		t.Errorf("labels = %s, want %s", got, want)
	}
	if minor != 5 {
		t.Errorf("minor ticks = %d, want 5", minor)
	}
	labels = nil
	for _, tk := range (Log2BytesTicks{MaxLabels: 4}).Ticks(MiB, GiB) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, ","), "1 MiB,16 MiB,256 MiB"; got != want {
		t.Errorf("MaxLabels 4: labels = %s, want %s", got, want)
	}
}

func TestUnitTicks(t *testing.T) {
	var labels []string
	for _, tk := range (UnitTicks{Unit: GiB}).Ticks(0, 2.1*GiB) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, ","), "0,0.5,1,1.5,2"; got != want {
		t.Errorf("labels = %s, want %s", got, want)
	}
	for _, tk := range (PercentTicks{}).Ticks(0, 1.1) {
		if tk.Value == 0.5 && tk.Label != "50%" {
			t.Errorf("0.5 labelled %q", tk.Label)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{FormatBytes(MiB), "1 MiB"}, {FormatBytes(1.5 * GiB), "1.5 GiB"}, {FormatBytes(300), "300 B"},
		{FormatBytes(18.04 * MiB), "18 MiB"}, {FormatSeconds(0.0688), "68.8 ms"}, {FormatSeconds(1.523), "1.52 s"},
		{FormatSeconds(0.00085), "850 µs"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
