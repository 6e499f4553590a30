package plotkit

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// Binary byte units.
const (
	KiB = 1 << 10
	MiB = 1 << 20
	GiB = 1 << 30
	TiB = 1 << 40
)

// FormatBytes prints a byte count in the largest binary unit not above it,
// with at most three significant digits: "1 MiB", "256 MiB", "1.5 GiB".
func FormatBytes(b float64) string {
	units := []struct {
		name string
		size float64
	}{{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}}
	for _, u := range units {
		if math.Abs(b) >= u.size {
			return TrimFloat(b/u.size, 3) + " " + u.name
		}
	}
	return TrimFloat(b, 3) + " B"
}

// TrimFloat prints v with sig significant digits and no trailing zeros.
func TrimFloat(v float64, sig int) string {
	if v == 0 {
		return "0"
	}
	digits := sig - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	if digits < 0 {
		digits = 0
	}
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// ByteUnit picks the binary unit to show byte values up to max in: the
// largest of B, KiB, MiB and GiB not above max. It returns the unit's size
// and name.
func ByteUnit(max float64) (float64, string) {
	switch {
	case max >= GiB:
		return GiB, "GiB"
	case max >= MiB:
		return MiB, "MiB"
	case max >= KiB:
		return KiB, "KiB"
	default:
		return 1, "B"
	}
}

// SecondsUnit picks the unit to show durations up to max seconds in: the
// largest of ns, µs, ms and s not above max. It returns the unit's size in
// seconds and its name.
func SecondsUnit(max float64) (float64, string) {
	switch {
	case max >= 1:
		return 1, "s"
	case max >= 1e-3:
		return 1e-3, "ms"
	case max >= 1e-6:
		return 1e-6, "µs"
	default:
		return 1e-9, "ns"
	}
}

// Log2BytesTicks marks a log-scale byte axis at powers of two, labelled in
// binary units ("1 MiB", "16 MiB", "1 GiB"). It labels at most MaxLabels
// powers (every 2nd or 4th... power when the range is wide) and puts
// unlabelled minor ticks on the others.
type Log2BytesTicks struct {
	MaxLabels int // 0 means 6
}

// Ticks implements plot.Ticker.
func (t Log2BytesTicks) Ticks(min, max float64) []plot.Tick {
	return log2Ticks(min, max, t.MaxLabels, FormatBytes)
}

// Log2Ticks marks a log-scale axis of counts (workers, speed-up) at powers of
// two, labelled as plain numbers.
type Log2Ticks struct {
	MaxLabels int // 0 means 6
}

// Ticks implements plot.Ticker.
func (t Log2Ticks) Ticks(min, max float64) []plot.Tick {
	return log2Ticks(min, max, t.MaxLabels, func(v float64) string { return TrimFloat(v, 3) })
}

func log2Ticks(min, max float64, maxLabels int, label func(float64) string) []plot.Tick {
	if maxLabels <= 0 {
		maxLabels = 6
	}
	if min <= 0 || max <= min {
		return nil
	}
	lo := int(math.Ceil(math.Log2(min) - 1e-9))
	hi := int(math.Floor(math.Log2(max) + 1e-9))
	if hi < lo {
		// No power of two inside: label the ends.
		return []plot.Tick{{Value: min, Label: label(min)}, {Value: max, Label: label(max)}}
	}
	stride := 1
	for (hi-lo)/stride+1 > maxLabels {
		stride *= 2
	}
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		v := math.Ldexp(1, e)
		if ((e%stride)+stride)%stride == 0 {
			ticks = append(ticks, plot.Tick{Value: v, Label: label(v)})
		} else {
			ticks = append(ticks, plot.Tick{Value: v})
		}
	}
	return ticks
}

// UnitTicks marks a linear axis with round numbers of Unit, labelled as
// plain numbers in that unit (the axis title names the unit), optionally
// followed by Suffix. Unit 0 means 1. An Integer axis (counts) has ticks
// at whole numbers of Unit only.
type UnitTicks struct {
	Unit    float64
	Suffix  string
	Integer bool
}

// Ticks implements plot.Ticker.
func (t UnitTicks) Ticks(min, max float64) []plot.Tick {
	u := t.Unit
	if u == 0 {
		u = 1
	}
	var ticks []plot.Tick
	for _, tk := range niceTicks(min/u, max/u, 5, t.Integer) {
		if tk.Label != "" {
			tk.Label += t.Suffix
		}
		tk.Value *= u
		ticks = append(ticks, tk)
	}
	return ticks
}

// niceTicks returns about n labelled ticks at round steps (1, 2, 2.5 or 5
// times a power of ten) covering [min, max], with a minor tick between
// each pair. With integer set, steps and ticks are whole numbers (no minor
// tick halfway between steps of 1).
func niceTicks(min, max float64, n int, integer bool) []plot.Tick {
	if !(max > min) {
		return []plot.Tick{{Value: min, Label: TrimFloat(min, 6)}}
	}
	raw := (max - min) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if integer && m*mag != math.Round(m*mag) {
			continue // 2.5 of a count
		}
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if integer {
		step = math.Max(1, math.Round(step))
	}
	half := step / 2
	if integer && half != math.Round(half) {
		half = 0 // no minor tick between whole numbers
	}
	var ticks []plot.Tick
	for i := math.Ceil(min/step - 1e-9); i*step <= max+step*1e-9; i++ {
		v := i * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: TrimFloat(v, 6)})
		if m := v + half; half > 0 && m <= max {
			ticks = append(ticks, plot.Tick{Value: m})
		}
	}
	if first := math.Ceil(min/step-1e-9) * step; half > 0 && first-half >= min {
		ticks = append(ticks, plot.Tick{Value: first - half})
	}
	return ticks
}

// PercentTicks marks a linear axis of fractions as percentages ("25%").
type PercentTicks struct{}

// Ticks implements plot.Ticker.
func (PercentTicks) Ticks(min, max float64) []plot.Tick {
	return UnitTicks{Unit: 0.01, Suffix: "%"}.Ticks(min, max)
}

// PercentLogTicks labels a log axis of fractions as percentages ("10%").
type PercentLogTicks struct{}

// Ticks implements plot.Ticker.
func (PercentLogTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.LogTicks{Prec: -1}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = TrimFloat(ticks[i].Value*100, 3) + "%"
		}
	}
	return ticks
}

// TimeUnit picks seconds, milliseconds or microseconds for a time axis
// whose largest value, in milliseconds, is maxMs. It returns milliseconds
// per unit and the name.
func TimeUnit(maxMs float64) (float64, string) {
	switch {
	case maxMs >= 2000:
		return 1000, "s"
	case maxMs >= 1:
		return 1, "ms"
	default:
		return 1e-3, "µs"
	}
}

// FormatSeconds prints a duration in seconds with a fitting unit: "850 µs",
// "12.3 ms", "1.52 s".
func FormatSeconds(s float64) string {
	switch a := math.Abs(s); {
	case a == 0:
		return "0 s"
	case a < 1e-3:
		return TrimFloat(s*1e6, 3) + " µs"
	case a < 1:
		return TrimFloat(s*1e3, 3) + " ms"
	default:
		return TrimFloat(s, 3) + " s"
	}
}
