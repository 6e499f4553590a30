package units

import "testing"

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"100B", 100, true},
		{"4096", 4096, true},
		{"512KiB", 512 << 10, true},
		{"256MiB", 256 << 20, true},
		{"1GiB", 1 << 30, true},
		{" 2 GiB ", 2 << 30, true},
		{"16TiB", 16 << 40, true},
		{"", 0, false},
		{"1MB", 0, false},
		{"1.5GiB", 0, false},
		{"-1KiB", 0, false},
		{"+1KiB", 0, false},
		{"GiB", 0, false},
		{"1gib", 0, false},
		{"99999999999TiB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0B"}, {1, "1B"}, {1023, "1023B"}, {1024, "1KiB"}, {1536, "1536B"},
		{3 << 9, "1536B"}, {16 << 20, "16MiB"}, {1 << 30, "1GiB"}, {3 << 29, "1536MiB"},
	}
	for _, tt := range tests {
		if got := FormatSize(tt.in); got != tt.want {
			t.Errorf("FormatSize(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHumanSize(t *testing.T) {
	if got := HumanSize(1.5 * (1 << 30)); got != "1.5 GiB" {
		t.Errorf("HumanSize = %q", got)
	}
	if got := HumanSize(16 << 20); got != "16 MiB" {
		t.Errorf("HumanSize = %q", got)
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1GiB", "256MiB", "0", "12KiB", "x", "-1B", "1.0MiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("ParseSize(%q) = %d < 0", s, n)
		}
		back, err := ParseSize(FormatSize(n))
		if err != nil || back != n {
			t.Fatalf("round trip of %d via %q: %d, %v", n, FormatSize(n), back, err)
		}
	})
}
