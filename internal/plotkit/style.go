package plotkit

import (
	"hash/fnv"
	"image/color"
	"strings"

	stdfnt "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fanbench/fanbench/internal/look"
)

// Figure geometry and type sizes, chosen to be read at print size in a paper.
const (
	// Width and Height are the size of every figure.
	Width  = 16 * vg.Centimeter
	Height = 10 * vg.Centimeter
	// DPI is the resolution of the PNG files.
	DPI = 150

	// TickSize is the type size (points) of tick labels; small print in
	// a plot (a bar's value, a line's label) is a point or two below it.
	TickSize = 8.5

	titleSize  = 10.5
	labelSize  = 9.5
	legendSize = 8.5
)

// sans is the typeface of every text in a figure.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// TextStyle returns a plain text style in the figure typeface.
func TextStyle(size vg.Length, bold bool) text.Style {
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

// glyphs are the kit's drawings of the markers (look.Marker), by marker.
var glyphs = map[look.Marker]draw.GlyphDrawer{
	look.Circle: draw.CircleGlyph{}, look.Square: draw.SquareGlyph{}, look.Triangle: draw.TriangleGlyph{},
	look.Pyramid: draw.PyramidGlyph{}, look.Cross: draw.CrossGlyph{}, look.Plus: draw.PlusGlyph{},
	look.Ring: draw.RingGlyph{}, look.Box: draw.BoxGlyph{},
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
	if l, ok := look.Of(name); ok {
		return Style{Color: l.Color, Glyph: glyphs[l.Marker]}
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

// strategyRank orders strategies: the strategy table's order (look.Strategies) first, then other
// strategies, then reference commands, each group alphabetically.
func strategyRank(name string) int {
	for i, l := range look.Strategies {
		if l.Name == name {
			return i
		}
	}
	if IsReference(name) {
		return len(look.Strategies) + 2
	}
	return len(look.Strategies) + 1
}

// LessStrategy orders two strategy names for legends and tables.
func LessStrategy(a, b string) bool {
	ra, rb := strategyRank(a), strategyRank(b)
	if ra != rb {
		return ra < rb
	}
	return a < b
}

// Tint mixes c with white: f=0 gives c, f=1 gives white.
func Tint(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8)*(1-f) + 255*f) }
	return color.NRGBA{R: mix(r), G: mix(g), B: mix(b), A: 0xFF}
}

// LineStyle returns a solid line of the given colour and width in points.
func LineStyle(c color.Color, width float64, dashes ...vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(width), Dashes: dashes}
}
