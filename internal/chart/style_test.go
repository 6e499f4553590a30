package chart

import (
	"testing"

	"gonum.org/v1/plot/vg/draw"

	"github.com/fanbench/fanbench/internal/strategy"
)

// TestStrategyStyles: every row of the strategy table has its own colour
// and marker, in the table's order; the values are the table's.
func TestStrategyStyles(t *testing.T) {
	seen := map[Style]string{}
	for i, st := range strategy.All {
		s, ok := strategyStyles[st.Name]
		if !ok {
			t.Errorf("strategy %s has no style", st.Name)
			continue
		}
		if other, dup := seen[s]; dup {
			t.Errorf("strategies %s and %s share a style", other, st.Name)
		}
		seen[s] = st.Name
		if strategyOrder[i] != st.Name {
			t.Errorf("order[%d] = %s, want %s", i, strategyOrder[i], st.Name)
		}
	}
	// Two rows worked out from the table's text: readall "#D55E00" circle,
	// pread "#56B4E9" ring.
	for name, want := range map[string]Style{
		"readall": {Color: rgb(0xD5, 0x5E, 0x00), Glyph: draw.CircleGlyph{}},
		"pread":   {Color: rgb(0x56, 0xB4, 0xE9), Glyph: draw.RingGlyph{}},
	} {
		if got := StrategyStyle(name); got != want {
			t.Errorf("StrategyStyle(%s) = %+v, want %+v", name, got, want)
		}
	}
	if !lessStrategy("ceiling", "pread") || !lessStrategy("pread", "ref:wc") {
		t.Error("pread is not ordered after ceiling and before the reference commands")
	}
}
