package chart

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// Chart kinds of the regime experiments (cold.toml, scale.toml).
const (
	KindCache = "cache"
	KindScale = "scale"
)

// Cache compares a cold page cache with a warm one for each strategy, as
// grouped bars of time (cold dark, warm light), one panel per mode, at the
// largest size and worker count measured cold and warm. Workloads measured
// in one cache state only are skipped.
func Cache(d *Dataset) ([]*plotkit.Figure, error) {
	var figs []*plotkit.Figure
	workloads := map[string]bool{}
	for _, f := range d.Facets() {
		workloads[f.Workload] = true
	}
	for _, wl := range sortedKeys(workloads) {
		var panels []*plot.Plot
		var all []results.Summary
		var where, modes []string
		for _, mode := range []string{"goroutine", "process"} {
			cf := Facet{Workload: wl, Mode: mode, Cache: "cold"}
			wf := Facet{Workload: wl, Mode: mode, Cache: "warm"}
			pt, ok := sharedPoint(d, cf, wf)
			if !ok {
				continue
			}
			var names []string
			var bars []plotkit.Bar
			for _, s := range d.Series(cf) {
				if plotkit.IsCeiling(s.Strategy) || plotkit.IsReference(s.Strategy) {
					continue
				}
				c, w, ok := d.bothSummaries(s, pt, measure{cf, MetricTime}, measure{wf, MetricTime})
				if !ok {
					continue
				}
				bars = append(bars, barPair(float64(len(names)), plotkit.StrategyStyle(s.Strategy), c, w)...)
				all = append(all, c, w)
				names = append(names, s.Label())
			}
			if len(names) == 0 {
				continue
			}
			panels = append(panels, barPanel(mode+" mode", secondsAxis("time", barsTop(bars)), names, 2, bars, pairWidth))
			where = append(where, fmt.Sprintf("%s with %s", plotkit.FormatBytes(float64(pt.Size)), WorkersWord(pt.Workers)))
			modes = append(modes, mode)
		}
		if len(panels) == 0 {
			continue
		}
		at := where[0] // the point each mode is compared at, said once when the modes share it
		for i := range where {
			if where[i] != where[0] {
				at = ""
			}
		}
		if at == "" {
			for i := range where {
				where[i] = modes[i] + " mode at " + where[i]
			}
			at = strings.Join(where, "; ")
		}
		figs = append(figs, &plotkit.Figure{
			Name:   KindCache + "_" + plotkit.Slug(wl),
			Kind:   KindCache,
			Panels: panels,
			Legend: pairLegend("cold page cache (evicted, residency checked ≤ 5%)", "warm page cache (pre-read, ≥ 95%)"),
			Title:  fmt.Sprintf("Cold vs warm page cache — workload %s\n%s", wl, d.subtitle(at, nReps(all))),
			Caption: fmt.Sprintf("Time of each strategy with a cold page cache (dark) and a warm one (light), workload %s, %s.",
				wl, at),
		})
	}
	return figs, nil
}

// Fit is a least-squares line through (log size, log value): value grows
// as size^Slope.
type Fit struct {
	Slope, Intercept float64
	N                int
}

// FitLogLog fits log(y) = Intercept + Slope·log(x) by least squares over
// the points with x, y > 0; ok is false with fewer than two distinct x.
func FitLogLog(xs, ys []float64) (Fit, bool) {
	var lx, ly []float64
	for i := range xs {
		if xs[i] > 0 && ys[i] > 0 {
			lx, ly = append(lx, math.Log(xs[i])), append(ly, math.Log(ys[i]))
		}
	}
	n := float64(len(lx))
	if n < 2 {
		return Fit{}, false
	}
	var mx, my float64
	for i := range lx {
		mx += lx[i] / n
		my += ly[i] / n
	}
	var sxx, sxy float64
	for i := range lx {
		sxx += (lx[i] - mx) * (lx[i] - mx)
		sxy += (lx[i] - mx) * (ly[i] - my)
	}
	if sxx == 0 {
		return Fit{}, false
	}
	slope := sxy / sxx
	return Fit{Slope: slope, Intercept: my - slope*mx, N: len(lx)}, true
}

// Scale charts cost against file size on log–log axes, per facet with at
// least three sizes: time (with each series' fitted slope in the legend)
// and peak memory (one figure for every strategy, named in the caption: the
// first like-for-like one all the chart's cells have, else VmHWM) at the
// facet's largest worker count. Cells the memory guard
// refused are drawn as "refused" marks at the top of both panels, with the
// size they were refused at.
func Scale(d *Dataset) ([]*plotkit.Figure, error) {
	return perFacet(d, func(c facetAxes) (*plotkit.Figure, error) {
		f, W := c.f, c.largest.Workers
		sizes := d.sizesWithRefused(f)
		if len(sizes) < 3 {
			return nil, nil
		}
		tp, mp := scalePlots(sizes)
		fig := newFigure(KindScale, f, tp, mp)
		series := d.Series(f)
		for _, s := range d.refusedSeries(f) {
			if !containsSeries(series, s) {
				series = append(series, s)
			}
		}
		sortSeries(series)
		peak, what := d.scaleMemory(f, series, sizes, W)
		var all []results.Summary
		tLo, tHi, mLo, mHi := math.Inf(1), 0.0, math.Inf(1), 0.0
		var refused []refusal
		for _, s := range series {
			if plotkit.IsCeiling(s.Strategy) {
				continue
			}
			var tpts, mpts plotkit.ErrPoints
			for _, size := range sizes {
				pt := Point{size, W}
				if why := d.refused[f][s][pt]; why != "" {
					refused = append(refused, refusal{s, size})
					continue
				}
				t, ok := d.Summary(f, s, pt, MetricTime)
				if !ok {
					continue
				}
				all = append(all, t)
				tpts = append(tpts, plotkit.PointOf(float64(size), t, 1))
				tLo, tHi = math.Min(tLo, t.Median), math.Max(tHi, t.Median)
				if m, ok := d.Summary(f, s, pt, peak); ok {
					mpts = append(mpts, plotkit.PointOf(float64(size), m, 1))
					mLo, mHi = math.Min(mLo, m.Median), math.Max(mHi, m.Median)
				}
			}
			if err := addScaleSeries(fig, tp, mp, s, tpts, mpts, refusedSeriesIn(refused, s)); err != nil {
				return nil, err
			}
		}
		if len(all) == 0 {
			return nil, nil
		}
		if tHi > 0 {
			tp.Y.Min, tp.Y.Max = tLo/2, tHi*4
		}
		if mHi > 0 {
			mp.Y.Min, mp.Y.Max = mLo/2, mHi*4
		}
		if err := drawRefusals(fig.Panels, refused); err != nil {
			return nil, err
		}
		fig.Title = fmt.Sprintf("Cost vs file size — %s\n%s", f, d.subtitle(WorkersWord(W), nReps(all)))
		fig.Caption = fmt.Sprintf("Median time and %s against the file size on log–log axes for %s, with %s; the legend gives each strategy's fitted slope (1 = time proportional to size). \"refused\": the memory guard refused the cell at that size (its reason is in runs.jsonl).", what, f, WorkersWord(W))
		return fig, nil
	})
}

// addScaleSeries draws one series of the scale chart: its median times
// (tpts) on tp and its peak memory (mpts) on mp, without the lower error
// bars a log axis cannot draw, and gives it a legend entry with the slope
// fitted to its times, if it has times or was refused somewhere.
func addScaleSeries(fig *plotkit.Figure, tp, mp *plot.Plot, s Series, tpts, mpts plotkit.ErrPoints, refused bool) error {
	st := plotkit.StrategyStyle(s.Strategy)
	xs, ys := make([]float64, len(tpts)), make([]float64, len(tpts))
	for i, p := range tpts {
		xs[i], ys[i] = p.X, p.Y
	}
	label := s.Label()
	if fit, ok := FitLogLog(xs, ys); ok {
		label += fmt.Sprintf(" (time ~ size^%.2f)", fit.Slope)
	}
	var th []plot.Thumbnailer
	if len(tpts) > 0 {
		var err error
		if th, err = plotkit.AddSeries(tp, st, logSafe(tpts), nil, 0); err != nil {
			return seriesError(fig, s, err)
		}
	}
	if len(mpts) > 0 {
		if _, err := plotkit.AddSeries(mp, st, logSafe(mpts), nil, 0); err != nil {
			return seriesError(fig, s, err)
		}
	}
	if len(tpts) > 0 || refused {
		fig.Legend = append(fig.Legend, seriesEntry(label, st, th))
	}
	return nil
}

// scalePlots are the two panels of the scale chart, time and peak memory,
// both on log axes against file size spanning sizes (ascending).
func scalePlots(sizes []int64) (tp, mp *plot.Plot) {
	tp = plotkit.NewPlot("time", "file size (log scale)", "time (s, log scale)")
	mp = plotkit.NewPlot("peak memory", "file size (log scale)", "peak memory (log scale)")
	for _, p := range []*plot.Plot{tp, mp} {
		plotkit.LogRange(&p.X, float64(sizes[0]), float64(sizes[len(sizes)-1]))
		// Two panels side by side: at most four size labels each, so
		// that "64 MiB" and "256 MiB" do not run into each other.
		p.X.Tick.Marker = plotkit.Log2BytesTicks{MaxLabels: 4}
		p.Y.Scale = plot.LogScale{}
	}
	tp.Y.Tick.Marker = plotkit.Log10Ticks{}
	mp.Y.Tick.Marker = plotkit.Log2BytesTicks{}
	return tp, mp
}

// scaleMemory is the one memory figure the scale chart draws for every
// strategy at W over sizes, and the caption's words for it: the first
// like-for-like one all its cells have (ceiling and reference commands
// aside), else each (parent) process's VmHWM.
func (d *Dataset) scaleMemory(f Facet, series []Series, sizes []int64, W int) (DisplayMetric, string) {
	var cells [][]results.Run
	for _, s := range series {
		for _, size := range sizes {
			if runs := d.Runs(f, s, Point{size, W}); !plotkit.IsCeiling(s.Strategy) && !plotkit.IsReference(s.Strategy) && len(runs) > 0 {
				cells = append(cells, runs)
			}
		}
	}
	if m, ok := commonMemoryMetric(cells); ok {
		return m.DisplayMetric, m.Label
	}
	what := MetricPeakRSS.Label + " (VmHWM)"
	if f.Mode == "process" {
		what = "the parent's " + what
	}
	return MetricPeakRSS, what
}

// drawRefusals marks the refused cells at the top of each panel: a cross
// at the size and the word "refused" beside it, one row per series so
// that several refusals at one size stay legible.
func drawRefusals(panels []*plot.Plot, refused []refusal) error {
	rows := map[Series]int{}
	for _, r := range refused {
		if _, ok := rows[r.s]; !ok {
			rows[r.s] = len(rows)
		}
	}
	for _, p := range panels {
		for _, r := range refused {
			st := plotkit.StrategyStyle(r.s.Strategy)
			y := p.Y.Max / math.Pow(1.8, float64(rows[r.s])+1)
			xy := plotter.XYs{{X: float64(r.size), Y: y}}
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: st.Color, Radius: vg.Points(4), Shape: draw.CrossGlyph{}}
			p.Add(sc)
			lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: []string{"refused"}})
			if err != nil {
				return err
			}
			for i := range lb.TextStyle {
				lb.TextStyle[i] = plotkit.TextStyle(plotkit.TickSize, false)
				lb.TextStyle[i].Color = st.Color
				lb.TextStyle[i].XAlign = draw.XRight
				lb.TextStyle[i].YAlign = draw.YCenter
			}
			lb.Offset = vg.Point{X: -vg.Points(6)}
			p.Add(lb)
		}
	}
	return nil
}

// logSafe drops the lower error bars that reach zero or below, which a log
// axis cannot draw.
func logSafe(pts plotkit.ErrPoints) plotkit.ErrPoints {
	out := make(plotkit.ErrPoints, len(pts))
	for i, p := range pts {
		if p.Lo >= p.Y {
			p.Lo = 0
		}
		out[i] = p
	}
	return out
}

func containsSeries(ss []Series, s Series) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// refusal is a cell the memory guard refused, for the scale chart.
type refusal struct {
	s    Series
	size int64
}

func refusedSeriesIn(rs []refusal, s Series) bool {
	for _, r := range rs {
		if r.s == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
