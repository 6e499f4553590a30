package plotkit

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fanbench/fanbench/internal/results"
)

// ErrPoint is a plotted median with its interval as distances below and above.
type ErrPoint struct{ X, Y, Lo, Hi float64 }

// ErrPoints adapts []ErrPoint to plotter.XYer and plotter.YErrorer.
type ErrPoints []ErrPoint

// Len implements plotter.XYer.
func (e ErrPoints) Len() int { return len(e) }

// XY implements plotter.XYer: the point's median at X.
func (e ErrPoints) XY(i int) (float64, float64) { return e[i].X, e[i].Y }

// YError implements plotter.YErrorer: the distances below and above.
func (e ErrPoints) YError(i int) (float64, float64) {
	return e[i].Lo, e[i].Hi
}

// PointOf turns a summary at x into a plotted point, its values divided by
// unit (the display unit's size, 1 for values as they are).
func PointOf(x float64, s results.Summary, unit float64) ErrPoint {
	return ErrPoint{X: x, Y: s.Median / unit, Lo: s.ErrLow() / unit, Hi: s.ErrHigh() / unit}
}

// AddSeries draws pts as one series in the style st: a line (dashed by
// dashes) through the medians, markers of the given radius (0: 2.6
// points) and 95% CI error bars. It returns the series' legend thumbnails.
func AddSeries(p *plot.Plot, st Style, pts ErrPoints, dashes []vg.Length, radius vg.Length) ([]plot.Thumbnailer, error) {
	if radius == 0 {
		radius = vg.Points(2.6)
	}
	if len(pts) == 0 {
		return nil, nil
	}
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, fmt.Errorf("line: %w", err)
	}
	line.LineStyle = LineStyle(st.Color, 1.2, dashes...)
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("markers: %w", err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: st.Color, Radius: radius, Shape: st.Glyph}
	eb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return nil, fmt.Errorf("error bars: %w", err)
	}
	eb.LineStyle = LineStyle(st.Color, 0.8)
	eb.CapWidth = vg.Points(4)
	p.Add(line, eb, sc)
	return []plot.Thumbnailer{line, sc}, nil
}

// AddPlainLine draws a line without markers or error bars (ideal lines,
// timelines) and returns its thumbnail.
func AddPlainLine(p *plot.Plot, xys plotter.XYs, ls draw.LineStyle) (plot.Thumbnailer, error) {
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("line: %w", err)
	}
	line.LineStyle = ls
	p.Add(line)
	return line, nil
}

// LineThumb is a legend thumbnail of a bare line style.
func LineThumb(ls draw.LineStyle) plot.Thumbnailer { return &plotter.Line{LineStyle: ls} }

// GlyphThumb is a legend thumbnail of a marker.
func GlyphThumb(st Style) plot.Thumbnailer {
	return &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: st.Color, Radius: vg.Points(2.6), Shape: st.Glyph}}
}

// BoxThumb is a legend thumbnail of a bar: a filled box with an edge.
type BoxThumb struct{ Fill, Edge color.Color }

// Thumbnail implements plot.Thumbnailer.
func (b BoxThumb) Thumbnail(c *draw.Canvas) {
	r := vg.Rectangle{
		Min: vg.Point{X: c.Min.X + vg.Points(3), Y: c.Min.Y},
		Max: vg.Point{X: c.Max.X - vg.Points(3), Y: c.Max.Y},
	}
	c.SetColor(b.Fill)
	c.Fill(r.Path())
	c.SetLineStyle(LineStyle(b.Edge, 0.8))
	c.Stroke(r.Path())
}

// Bar is one bar of a bar chart: a median with its interval.
type Bar struct {
	X          float64 // centre, in data units
	Sum        results.Summary
	Fill, Edge color.Color
}

// BarSet draws bars from zero to each median with 95% CI whiskers. Bars are
// Width data units wide, so grouped bars can be placed by data coordinates.
// With Format set, each bar carries its median so formatted in small text
// above it (above its whisker), so a tiny bar beside a tall one is readable.
type BarSet struct {
	Bars   []Bar
	Width  float64
	Format func(float64) string
}

// BarTop is the height a bar reaches: its interval's top where it has one,
// else its median (without an interval Hi is +Inf).
func BarTop(s results.Summary) float64 {
	if s.HasCI() {
		return math.Max(s.Median, s.Hi)
	}
	return s.Median
}

// Plot implements plot.Plotter.
func (b BarSet) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, br := range b.Bars {
		x0, x1 := trX(br.X-b.Width/2), trX(br.X+b.Width/2)
		y0, y1 := trY(math.Max(0, p.Y.Min)), trY(br.Sum.Median)
		r := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}
		c.SetColor(br.Fill)
		c.Fill(r.Path())
		c.SetLineStyle(LineStyle(br.Edge, 0.8))
		c.Stroke(r.Path())
		if br.Sum.HasCI() && br.Sum.Hi > br.Sum.Lo {
			xm := trX(br.X)
			lo, hi := trY(br.Sum.Lo), trY(br.Sum.Hi)
			cap := (x1 - x0) / 4
			ls := LineStyle(color.Gray{Y: 0x20}, 0.8)
			c.StrokeLine2(ls, xm, lo, xm, hi)
			c.StrokeLine2(ls, xm-cap, lo, xm+cap, lo)
			c.StrokeLine2(ls, xm-cap, hi, xm+cap, hi)
		}
	}
	b.plotLabels(c, trX, trY)
}

// plotLabels prints each bar's value above it: level, or upright for all
// bars of the set when any label is wider than its bar, so neighbours do
// not overlap.
func (b BarSet) plotLabels(c draw.Canvas, trX, trY func(float64) vg.Length) {
	if b.Format == nil {
		return
	}
	sty := TextStyle(TickSize-1.5, false)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
	labels := make([]string, len(b.Bars))
	for i, br := range b.Bars {
		if math.IsNaN(br.Sum.Median) {
			continue
		}
		labels[i] = b.Format(br.Sum.Median)
		if w := trX(br.X+b.Width/2) - trX(br.X-b.Width/2); sty.Width(labels[i]) > 1.1*w {
			sty.Rotation = math.Pi / 2
			sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
		}
	}
	for i, br := range b.Bars {
		if labels[i] != "" {
			c.FillText(sty, vg.Point{X: trX(br.X), Y: trY(BarTop(br.Sum)) + vg.Points(1.5)}, labels[i])
		}
	}
}

// DataRange implements plot.DataRanger: from zero to the highest interval
// end, with headroom for the value labels when they are drawn (more for
// narrow bars, whose labels may stand upright).
func (b BarSet) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = math.Inf(1), math.Inf(-1), 0, 0
	for _, br := range b.Bars {
		xmin = math.Min(xmin, br.X-b.Width/2)
		xmax = math.Max(xmax, br.X+b.Width/2)
		ymax = math.Max(ymax, BarTop(br.Sum))
	}
	switch {
	case b.Format != nil && b.Width < 0.5:
		ymax *= 1.3
	case b.Format != nil:
		ymax *= 1.15
	}
	return xmin, xmax, ymin, ymax
}

// HLine draws a horizontal reference line across the whole data area with a
// small label at its right end.
type HLine struct {
	Y     float64
	Style draw.LineStyle
	Label string
}

// Plot implements plot.Plotter.
func (h HLine) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.Y)
	c.StrokeLine2(h.Style, c.Min.X, y, c.Max.X, y)
	if h.Label != "" {
		sty := TextStyle(TickSize-0.5, false)
		sty.Color = h.Style.Color
		sty.XAlign = draw.XRight
		sty.YAlign = draw.YBottom
		c.FillText(sty, vg.Point{X: c.Max.X - vg.Points(2), Y: y + vg.Points(1.5)}, h.Label)
	}
}

// DataRange implements plot.DataRanger: only the line's height.
func (h HLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.Y, h.Y
}

// NominalX labels integer x positions with names, for bar charts in a
// figure of the given number of panels. Labels too wide for their slot are
// set smaller and slanted so neighbours do not overlap.
func NominalX(p *plot.Plot, names []string, panels int) {
	ticks := make([]plot.Tick, len(names))
	for i, n := range names {
		ticks[i] = plot.Tick{Value: float64(i), Label: n}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Tick.Length = 0
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	if widest := WidestLabel(&p.X, names); widest > LabelSlot(panels, len(names))*0.9 {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YTop
	}
}

// LogRange pads a positive range by a fraction of a power of two on each
// side so markers at the ends sit inside the axis.
func LogRange(a *plot.Axis, lo, hi float64) {
	a.Scale = plot.LogScale{}
	a.Min, a.Max = lo/math.Pow(2, 0.3), hi*math.Pow(2, 0.3)
}

// Dodge shifts series i of n sideways on a log2 axis by a fraction of a
// power of two, so error bars at the same x do not hide each other.
func Dodge(x float64, i, n int, step float64) float64 {
	return x * math.Pow(2, (float64(i)-float64(n-1)/2)*step)
}
