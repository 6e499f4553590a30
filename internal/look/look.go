// Package look is how each strategy looks in every chart: its name, its
// colour and its marker, in the order legends and bar charts list the
// strategies. It is a leaf (the standard library only), so that the
// strategy table (internal/strategy, whose rows embed their Look) and the
// plotting kit (internal/plotkit) share one fact without the kit linking
// the strategies' code.
package look

import "image/color"

// Marker is the shape that marks a strategy's points.
type Marker uint8

// The markers, each drawn by the plotting kit as gonum's glyph of the
// same name. The zero Marker is none: every Look names one.
const (
	Circle Marker = iota + 1
	Square
	Triangle
	Pyramid
	Cross
	Plus
	Ring
	Box
)

// Look is how one strategy looks in every chart: the same colour and
// marker everywhere, so that a reader learns them once.
type Look struct {
	// Name is the strategy's name, as its runs record it.
	Name string
	// Color is the strategy's colour, from the Okabe–Ito palette
	// (distinguishable with the common colour-vision deficiencies).
	Color color.Color
	// Marker is the shape of its points.
	Marker Marker
}

// rgb is an opaque colour.
func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: 0xFF} }

// The strategies' looks, one per row of the strategy table.
var (
	ReadAll = Look{Name: "readall", Color: rgb(0xD5, 0x5E, 0x00), Marker: Circle}
	Ranges  = Look{Name: "ranges", Color: rgb(0x00, 0x72, 0xB2), Marker: Square}
	Mmap    = Look{Name: "mmap", Color: rgb(0x00, 0x9E, 0x73), Marker: Triangle}
	Chan    = Look{Name: "chan", Color: rgb(0xCC, 0x79, 0xA7), Marker: Pyramid}
	Shm     = Look{Name: "shm", Color: rgb(0xE6, 0x9F, 0x00), Marker: Cross}
	Ceiling = Look{Name: "ceiling", Color: rgb(0x00, 0x00, 0x00), Marker: Plus}
	Pread   = Look{Name: "pread", Color: rgb(0x56, 0xB4, 0xE9), Marker: Ring}
)

// Strategies are the looks in the strategy table's order (strategy.All,
// whose test checks that the two agree), which is the order of legends and
// bar charts.
var Strategies = []Look{ReadAll, Ranges, Mmap, Chan, Shm, Ceiling, Pread}

// Of returns the look of the named strategy; false for a name that is no
// row of the strategy table (a reference command, a strategy of another
// build).
func Of(name string) (Look, bool) {
	for _, l := range Strategies {
		if l.Name == name {
			return l, true
		}
	}
	return Look{}, false
}
