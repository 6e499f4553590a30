// Package units parses and prints byte sizes in binary units (B, KiB, MiB, GiB, TiB).
package units

import (
	"fmt"
	"strconv"
	"strings"
)

var multipliers = []struct {
	suffix string
	mult   int64
}{
	{"TiB", 1 << 40},
	{"GiB", 1 << 30},
	{"MiB", 1 << 20},
	{"KiB", 1 << 10},
	{"B", 1},
}

// ParseSize reads a size such as "256MiB", "1GiB", "4096B" or "4096": a
// non-negative whole number followed by an optional binary unit. Decimal
// units (MB, GB), fractions and negative numbers are rejected, because a
// size that silently means something else would make results incomparable.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("size %q: empty (want e.g. 64MiB, 1GiB, 512KiB, 100B)", s)
	}
	num, mult := t, int64(1)
	for _, m := range multipliers {
		if strings.HasSuffix(t, m.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(t, m.suffix)), m.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(num, "+") {
		return 0, fmt.Errorf("size %q: want a whole number of B, KiB, MiB, GiB or TiB (e.g. 256MiB)", s)
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return n * mult, nil
}

// FormatSize prints n in the largest binary unit that divides it exactly
// (1GiB, 256MiB, 1536KiB, 100B), so that FormatSize and ParseSize round-trip.
func FormatSize(n int64) string {
	if n == 0 {
		return "0B"
	}
	for _, m := range multipliers {
		if n%m.mult == 0 {
			return strconv.FormatInt(n/m.mult, 10) + m.suffix
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// HumanSize prints n approximately with one decimal, for tables and axis
// labels (e.g. "1.5 GiB"). Unlike FormatSize it does not round-trip.
func HumanSize(n float64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	s := strconv.FormatFloat(n, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if neg {
		s = "-" + s
	}
	return s + " " + units[i]
}
