package plotkit

import (
	"testing"

	"gonum.org/v1/plot/vg/draw"

	"github.com/fanbench/fanbench/internal/look"
)

// TestStrategyStyles: every strategy's look has its own colour and
// marker, drawn as the marker's glyph, in the strategy table's order.
func TestStrategyStyles(t *testing.T) {
	seen := map[Style]string{}
	for i, l := range look.Strategies {
		s := StrategyStyle(l.Name)
		if s.Glyph == nil {
			t.Errorf("strategy %s: marker %d has no glyph", l.Name, l.Marker)
		}
		if other, dup := seen[s]; dup {
			t.Errorf("strategies %s and %s share a style", other, l.Name)
		}
		seen[s] = l.Name
		if i > 0 && !LessStrategy(look.Strategies[i-1].Name, l.Name) {
			t.Errorf("%s is not ordered before %s", look.Strategies[i-1].Name, l.Name)
		}
	}
	for m := look.Circle; m <= look.Box; m++ {
		if glyphs[m] == nil {
			t.Errorf("marker %d has no glyph", m)
		}
	}
	// Two rows worked out by hand: readall #D55E00 circle, pread #56B4E9
	// ring.
	for name, want := range map[string]Style{
		"readall": {Color: rgb(0xD5, 0x5E, 0x00), Glyph: draw.CircleGlyph{}},
		"pread":   {Color: rgb(0x56, 0xB4, 0xE9), Glyph: draw.RingGlyph{}},
	} {
		if got := StrategyStyle(name); got != want {
			t.Errorf("StrategyStyle(%s) = %+v, want %+v", name, got, want)
		}
	}
	if !LessStrategy("ceiling", "pread") || !LessStrategy("pread", "ref:wc") {
		t.Error("pread is not ordered after ceiling and before the reference commands")
	}
}

func TestStrategyStylesDistinct(t *testing.T) {
	seen := map[string]string{}
	for _, l := range look.Strategies {
		s := l.Name
		st := StrategyStyle(s)
		r, g, b, _ := st.Color.RGBA()
		key := string(rune(r)) + string(rune(g)) + string(rune(b))
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s share a colour", s, other)
		}
		seen[key] = s
	}
	if StrategyStyle("ref:wc").Color != grey {
		t.Error("reference commands must be grey")
	}
	if StrategyStyle("ref:wc") != StrategyStyle("ref:wc") {
		t.Error("styles must be stable")
	}
}
