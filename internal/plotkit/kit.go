package plotkit

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fanbench/fanbench/internal/results"
)

// LabelSlot is the width along the x axis of each of n evenly spaced tick
// labels in one of panels panels side by side: the data area is roughly
// the panel less the y axis.
func LabelSlot(panels, n int) vg.Length {
	return (Width/vg.Length(panels) - vg.Points(70)) / vg.Length(n)
}

// WidestLabel is the width of the widest of labels in axis a's tick label
// style.
func WidestLabel(a *plot.Axis, labels []string) vg.Length {
	widest := vg.Length(0)
	for _, l := range labels {
		widest = max(widest, a.Tick.Label.Width(l))
	}
	return widest
}

// Dashes are the line patterns that tell apart series of one colour: solid,
// dashed, dotted, dash-dot.
var Dashes = [][]vg.Length{nil, {vg.Points(5), vg.Points(2.5)}, {vg.Points(1.5), vg.Points(1.5)}, {vg.Points(6), vg.Points(2), vg.Points(1.5), vg.Points(2)}}

// Slug turns a name or a unit into a file-name fragment: "/" becomes
// "_per_" ("sec/op" is "sec_per_op"), letters, digits, '-', '_' and '.'
// stay, anything else becomes '-'.
func Slug(s string) string {
	s = strings.ReplaceAll(s, "/", "_per_")
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
}

// AxisScale picks the display unit of a metric whose largest value is max:
// the factor to divide values by and the axis title ("sec/op (ms)",
// "peak-RSS-B (MiB)", "B/s (GiB/s)").
func AxisScale(unit string, max float64) (float64, string) {
	switch results.KindOf(unit) {
	case results.KindTime:
		switch {
		case max >= 1:
			return 1, unit + " (s)"
		case max >= 1e-3:
			return 1e-3, unit + " (ms)"
		default:
			return 1e-6, unit + " (µs)"
		}
	case results.KindRate:
		f, name := ByteUnit(max)
		return f, unit + " (" + name + "/s)"
	case results.KindBytes:
		f, name := ByteUnit(max)
		return f, unit + " (" + name + ")"
	}
	return 1, unit
}

// Log10Ticks labels a log axis at 1, 2 and 5 times powers of ten (only at
// powers of ten over more than three decades), with minor ticks at the
// other integers.
type Log10Ticks struct{}

// Ticks implements plot.Ticker.
func (Log10Ticks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0 && max > min) {
		return nil
	}
	lo, hi := int(math.Floor(math.Log10(min))), int(math.Ceil(math.Log10(max)))
	labelled := []float64{1, 2, 5}
	if hi-lo > 3 {
		labelled = []float64{1}
	}
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		for m := 1.0; m < 10; m++ {
			v := m * math.Pow(10, float64(e))
			if v < min || v > max {
				continue
			}
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// Ring is a circle outline of a chosen line width, to mark points
// (draw.RingGlyph's line is fixed at half a point, too thin to catch the
// eye).
type Ring struct{ Width vg.Length }

// DrawGlyph implements draw.GlyphDrawer.
func (r Ring) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: r.Width})
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	c.Stroke(p)
}
