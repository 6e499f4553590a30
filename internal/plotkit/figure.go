package plotkit

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// logScalePanic is gonum's panic for a value not above 0 on a log axis.
const logScalePanic = "Values must be greater than 0 for a log scale."

// Figure is one chart file: a title over one or more plots side by side,
// with a legend in a band below them so it never covers data.
type Figure struct {
	// Name is the file name without extension, e.g. "throughput_count_goroutine_warm".
	Name string
	// Kind is the chart kind ("throughput", "memory", ...), for grouping in the report.
	Kind string
	// Title is drawn centred on top; a "\n" starts a second, smaller line.
	Title string
	// Panels are the plots, drawn left to right.
	Panels []*plot.Plot
	// Legend entries are drawn below the panels, in rows.
	Legend []LegendEntry
	// Caption is a sentence for the report saying what the figure shows.
	Caption string
	// Machine is the machine label of a figure drawn from one machine's
	// runs of a folder that holds several (Dataset.Machines); "" otherwise.
	Machine string
}

// LegendEntry is one legend item: thumbnails drawn on top of each other and a label.
type LegendEntry struct {
	Label  string
	Thumbs []plot.Thumbnailer
}

// legend layout constants.
const (
	legendThumb = 18 // points: thumbnail width
	legendGap   = 4  // points: thumbnail to text
	legendSep   = 12 // points: between entries
	legendPad   = 4  // points: inside the legend box
)

// Draw renders the figure onto c.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	pad := vg.Points(6)
	c = draw.Crop(c, pad, -pad, pad/2, -pad/2)

	// Title lines: the first bold, the rest regular and a little smaller.
	lines := strings.Split(f.Title, "\n")
	y := c.Max.Y
	for i, line := range lines {
		sty := TextStyle(titleSize, i == 0)
		if i > 0 {
			sty = TextStyle(legendSize, false)
			sty.Color = color.Gray{Y: 0x40}
		}
		sty.XAlign = draw.XCenter
		sty.YAlign = draw.YTop
		c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: y}, line)
		y -= sty.Rectangle(line).Size().Y * 1.15
	}
	c.Max.Y = y - vg.Points(4)

	// Legend band.
	if len(f.Legend) > 0 {
		h := f.drawLegend(c)
		c.Min.Y += h + vg.Points(6)
	}

	// Panels side by side.
	n := len(f.Panels)
	if n == 0 {
		return
	}
	gap := vg.Points(14)
	w := (c.Max.X - c.Min.X - gap*vg.Length(n-1)) / vg.Length(n)
	for i, p := range f.Panels {
		x0 := c.Min.X + vg.Length(i)*(w+gap)
		sub := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x0, Y: c.Min.Y},
			Max: vg.Point{X: x0 + w, Y: c.Max.Y},
		}}
		drawPanel(p, sub)
	}
}

// drawPanel draws a plot with its axis titles set by the figure rather than
// by gonum/plot, whose label placement misreads lengths as data values on
// log-scale axes and then shrinks the data area.
func drawPanel(p *plot.Plot, c draw.Canvas) {
	xl, yl := p.X.Label.Text, p.Y.Label.Text
	p.X.Label.Text, p.Y.Label.Text = "", ""
	defer func() { p.X.Label.Text, p.Y.Label.Text = xl, yl }()
	if yl != "" {
		sty := p.Y.Label.TextStyle
		sty.Rotation = math.Pi / 2
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		h := p.Y.Label.TextStyle.Height(yl)
		// Centre on the data area: the x axis takes the bottom.
		bottom := vg.Length(0)
		if xl != "" {
			bottom = p.X.Label.TextStyle.Height(xl) + p.X.Label.Padding
		}
		cy := (c.Min.Y + bottom + p.X.Tick.Label.Height("0") + c.Max.Y) / 2
		c.FillText(sty, vg.Point{X: c.Min.X, Y: cy}, yl)
		c.Min.X += h + p.Y.Label.Padding
	}
	if xl != "" {
		sty := p.X.Label.TextStyle
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
		h := sty.Height(xl)
		cx := (c.Min.X + p.Y.Tick.Label.Width("000") + c.Max.X) / 2
		c.FillText(sty, vg.Point{X: cx, Y: c.Min.Y}, xl)
		c.Min.Y += h + p.X.Label.Padding
	}
	p.Draw(c)
}

// drawLegend draws the legend centred along the bottom of c, flowing the
// entries into as many rows as needed, and returns its height.
func (f *Figure) drawLegend(c draw.Canvas) vg.Length {
	sty := TextStyle(legendSize, false)
	sty.YAlign = draw.YCenter
	rowH := sty.Rectangle("Mg").Size().Y * 1.5
	avail := c.Max.X - c.Min.X - 2*vg.Points(legendPad)
	width := func(e LegendEntry) vg.Length {
		return vg.Points(legendThumb+legendGap) + sty.Width(e.Label)
	}
	// Flow entries into rows.
	var rows [][]LegendEntry
	var cur []LegendEntry
	var curW vg.Length
	for _, e := range f.Legend {
		w := width(e)
		if len(cur) > 0 && curW+vg.Points(legendSep)+w > avail {
			rows = append(rows, cur)
			cur, curW = nil, 0
		}
		if len(cur) > 0 {
			curW += vg.Points(legendSep)
		}
		cur = append(cur, e)
		curW += w
	}
	rows = append(rows, cur)

	rowWidth := func(r []LegendEntry) vg.Length {
		var w vg.Length
		for i, e := range r {
			if i > 0 {
				w += vg.Points(legendSep)
			}
			w += width(e)
		}
		return w
	}
	var boxW vg.Length
	for _, r := range rows {
		boxW = max(boxW, rowWidth(r))
	}
	boxW += 2 * vg.Points(legendPad)
	boxH := rowH*vg.Length(len(rows)) + 2*vg.Points(legendPad)
	cx := (c.Min.X + c.Max.X) / 2
	box := vg.Rectangle{Min: vg.Point{X: cx - boxW/2, Y: c.Min.Y}, Max: vg.Point{X: cx + boxW/2, Y: c.Min.Y + boxH}}
	c.SetColor(color.Gray{Y: 0xF6})
	c.Fill(box.Path())
	c.SetLineStyle(LineStyle(color.Gray{Y: 0xC8}, 0.5))
	c.Stroke(box.Path())

	for i, r := range rows {
		yc := box.Max.Y - vg.Points(legendPad) - rowH*(vg.Length(i)+0.5)
		x := cx - rowWidth(r)/2
		for _, e := range r {
			th := &draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: yc - rowH*0.3},
				Max: vg.Point{X: x + vg.Points(legendThumb), Y: yc + rowH*0.3},
			}}
			for _, t := range e.Thumbs {
				t.Thumbnail(th)
			}
			c.FillText(sty, vg.Point{X: x + vg.Points(legendThumb+legendGap), Y: yc}, e.Label)
			x += width(e) + vg.Points(legendSep)
		}
	}
	return boxH
}

// Formats are the file formats Save writes, in order.
var Formats = []string{"png", "svg"}

// Encode renders the figure in a format ("png" or "svg") to w.
func (f *Figure) Encode(w io.Writer, format string) (err error) {
	defer func() {
		// gonum panics on a value not positive on a log axis (a size of
		// 0 in a results folder made before specs refused it): the
		// figure fails instead; any other panic stays one.
		if r := recover(); r != nil {
			if msg, ok := r.(string); !ok || msg != logScalePanic {
				panic(r)
			}
			err = fmt.Errorf("figure %s: a value not above 0 on a log axis (a size of 0B?): gonum: %s", f.Name, logScalePanic)
		}
	}()
	var wt io.WriterTo
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))
		f.Draw(draw.New(c))
		wt = vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(Width, Height)
		f.Draw(draw.New(c))
		wt = c
	default:
		return fmt.Errorf("figure %s: unknown format %q", f.Name, format)
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("figure %s: encode %s: %w", f.Name, format, err)
	}
	return nil
}

// Save writes the figure to dir as NAME.png and NAME.svg and returns the
// paths written.
func (f *Figure) Save(dir string) ([]string, error) {
	var paths []string
	for _, format := range Formats {
		var buf bytes.Buffer
		if err := f.Encode(&buf, format); err != nil {
			return paths, err
		}
		path := filepath.Join(dir, f.Name+"."+format)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("figure %s: %w", f.Name, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// SaveAll writes each figure to dir (created if needed) as Save does, and
// returns the paths written, also those written before an error.
func SaveAll(figs []*Figure, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plots folder: %w", err)
	}
	var paths []string
	for _, f := range figs {
		ps, err := f.Save(dir)
		paths = append(paths, ps...)
		if err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// NewPlot returns a plot styled for fanbench figures: sans-serif type at
// print sizes, light grid-free axes, no legend (the figure draws it).
func NewPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle = TextStyle(labelSize, true)
	p.Title.TextStyle.XAlign = draw.XCenter
	p.Title.TextStyle.YAlign = draw.YTop
	p.Title.Padding = vg.Points(4)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle = TextStyle(labelSize, false)
		a.Label.Padding = vg.Points(3)
		a.Tick.Label = TextStyle(TickSize, false)
		a.Padding = vg.Points(4)
		a.Tick.Length = vg.Points(4)
	}
	p.X.Label.Text = xLabel
	p.X.Label.TextStyle.XAlign = draw.XCenter
	p.X.Label.TextStyle.YAlign = draw.YBottom
	p.X.Tick.Label.XAlign = draw.XCenter
	p.X.Tick.Label.YAlign = draw.YTop
	p.Y.Label.Text = yLabel
	p.Y.Label.TextStyle.XAlign = draw.XCenter
	p.Y.Label.TextStyle.YAlign = draw.YBottom
	p.Y.Tick.Label.XAlign = draw.XRight
	p.Y.Tick.Label.YAlign = draw.YCenter
	p.TextHandler = text.Plain{}
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal = LineStyle(color.Gray{Y: 0xE4}, 0.5)
	p.Add(grid)
	return p
}
