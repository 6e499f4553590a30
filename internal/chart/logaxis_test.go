package chart

import (
	"bytes"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/fanbench/fanbench/internal/plotkit"
)

// TestEncodeLogAxisNotPositive: a results folder of a size 0 (from a spec
// before sizes wanted at least 1B) puts 0 on a log axis; the figure fails
// with an error naming it instead of panicking in gonum (#24 class 13).
func TestEncodeLogAxisNotPositive(t *testing.T) {
	for _, format := range plotkit.Formats {
		p := sizePlot("time", []int64{0, 1024}, plot.DefaultTicks{})
		line, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 1}, {X: 1024, Y: 2}})
		if err != nil {
			t.Fatal(err)
		}
		p.Add(line)
		fig := &plotkit.Figure{Name: "scale_zero", Panels: []*plot.Plot{p}}
		var buf bytes.Buffer
		err = fig.Encode(&buf, format)
		if err == nil || !strings.HasPrefix(err.Error(), "figure scale_zero: ") || !strings.Contains(err.Error(), "log") {
			t.Errorf("%s: %v, want the figure's error about its log axis", format, err)
		}
	}
}
