package chart

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"strings"

	stdfnt "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fanbench/fanbench/internal/strategy"
)

// Figure geometry and type sizes, chosen to be read at print size in a paper.
const (
	// Width and Height are the size of every figure.
	Width  = 16 * vg.Centimeter
	Height = 10 * vg.Centimeter
	// DPI is the resolution of the PNG files.
	DPI = 150

	titleSize  = 10.5
	labelSize  = 9.5
	tickSize   = 8.5
	legendSize = 8.5
)

// sans is the typeface of every text in a figure.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// textStyle returns a plain text style in the figure typeface.
func textStyle(size vg.Length, bold bool) text.Style {
	f := sans
	if bold {
		f.Weight = stdfnt.WeightBold
	}
	return text.Style{
		Color:   color.Black,
		Font:    font.From(f, size),
		Handler: text.Plain{Fonts: font.DefaultCache},
		XAlign:  draw.XLeft,
		YAlign:  draw.YBottom,
	}
}

// Style is how one strategy looks in every chart: the same colour and
// marker everywhere, so a reader learns them once.
type Style struct {
	Color color.Color
	Glyph draw.GlyphDrawer
}

// strategyStyles are the strategies' chart styles, from the strategy table
// (strategy.All: each row's Color and Marker), in the table's order, which
// is the order strategies appear in legends and bar charts.
var strategyOrder, strategyStyles = tableStyles()

// glyphs are the markers a strategy row may name (strategy.Markers).
var glyphs = map[string]draw.GlyphDrawer{
	"circle": draw.CircleGlyph{}, "square": draw.SquareGlyph{}, "triangle": draw.TriangleGlyph{},
	"pyramid": draw.PyramidGlyph{}, "cross": draw.CrossGlyph{}, "plus": draw.PlusGlyph{},
	"ring": draw.RingGlyph{}, "box": draw.BoxGlyph{},
}

// tableStyles reads every strategy row's colour and marker. A row with a
// colour that is not "#RRGGBB" or a marker not in glyphs is a programming
// error of the table, caught by the tests (TestStrategyStyles).
func tableStyles() ([]string, map[string]Style) {
	var order []string
	styles := map[string]Style{}
	for _, st := range strategy.All {
		var r, g, b uint8
		if n, err := fmt.Sscanf(st.Color, "#%02x%02x%02x", &r, &g, &b); n != 3 || err != nil || len(st.Color) != 7 {
			panic(fmt.Sprintf("strategy %s: colour %q is not #RRGGBB", st.Name, st.Color))
		}
		glyph, ok := glyphs[st.Marker]
		if !ok {
			panic(fmt.Sprintf("strategy %s: unknown marker %q", st.Name, st.Marker))
		}
		order = append(order, st.Name)
		styles[st.Name] = Style{Color: rgb(r, g, b), Glyph: glyph}
	}
	return order, styles
}

// otherGlyphs are used, chosen by a hash of the name, for reference commands
// ("ref:NAME", always grey) and for strategies missing from the table.
var otherGlyphs = []draw.GlyphDrawer{draw.RingGlyph{}, draw.BoxGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}

// otherColors are the colours of strategies missing from the table.
var otherColors = []color.Color{rgb(0x56, 0xB4, 0xE9), rgb(0x88, 0x22, 0x55), rgb(0x44, 0xAA, 0x99), rgb(0x99, 0x99, 0x33)}

// grey is the colour of reference commands.
var grey = rgb(0x8C, 0x8C, 0x8C)

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: 0xFF} }

// StrategyStyle returns the fixed style of a strategy: a table entry for the
// known strategies, grey for reference commands ("ref:*"), and a stable
// hash-chosen style for anything else.
func StrategyStyle(name string) Style {
	if s, ok := strategyStyles[name]; ok {
		return s
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	i := int(h.Sum32())
	if IsReference(name) {
		return Style{Color: grey, Glyph: otherGlyphs[i%len(otherGlyphs)]}
	}
	return Style{Color: otherColors[i%len(otherColors)], Glyph: otherGlyphs[(i/len(otherColors))%len(otherGlyphs)]}
}

// IsReference reports whether a strategy name is a reference command.
func IsReference(name string) bool { return strings.HasPrefix(name, "ref:") }

// IsCeiling reports whether a strategy name is the ceiling pseudo-strategy.
func IsCeiling(name string) bool { return name == "ceiling" }

// strategyRank orders strategies: the table order first, then other
// strategies, then reference commands, each group alphabetically.
func strategyRank(name string) int {
	for i, s := range strategyOrder {
		if s == name {
			return i
		}
	}
	if IsReference(name) {
		return len(strategyOrder) + 2
	}
	return len(strategyOrder) + 1
}

// lessStrategy orders two strategy names for legends and tables.
func lessStrategy(a, b string) bool {
	ra, rb := strategyRank(a), strategyRank(b)
	if ra != rb {
		return ra < rb
	}
	return a < b
}

// tint mixes c with white: f=0 gives c, f=1 gives white.
func tint(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8)*(1-f) + 255*f) }
	return color.NRGBA{R: mix(r), G: mix(g), B: mix(b), A: 0xFF}
}

// lineStyle returns a solid line of the given colour and width in points.
func lineStyle(c color.Color, width float64, dashes ...vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(width), Dashes: dashes}
}
