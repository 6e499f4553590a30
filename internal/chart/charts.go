package chart

import (
	"fmt"
	"image/color"
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

// Chart kinds, the prefixes of figure file names.
const (
	KindThroughput = "throughput"
	KindMemory     = "memory"
	KindSpeedup    = "speedup"
	KindEfficiency = "efficiency"
	KindTimeline   = "timeline"
	KindAlloc      = "alloc"
	KindModes      = "modes"
)

// Builder makes one kind of figure for every facet where it has something
// to show.
type Builder func(d *Dataset) ([]*plotkit.Figure, error)

// Builders lists every chart kind in report order.
var Builders = []struct {
	Kind  string
	Build Builder
}{
	{KindThroughput, Throughput},
	{KindMemory, Memory},
	{KindSpeedup, Speedup},
	{KindEfficiency, Efficiency},
	{KindTimeline, Timeline},
	{KindAlloc, AllocGC},
	{KindModes, Modes},
	{KindCache, Cache},
	{KindScale, Scale},
}

// All builds every figure the dataset supports, in report order; with
// several machines, each machine's figures from its own runs, in turn.
func All(d *Dataset) ([]*plotkit.Figure, error) {
	if subs := d.Machines(); len(subs) > 0 {
		return allByMachine(subs)
	}
	var figs []*plotkit.Figure
	for _, b := range Builders {
		fs, err := b.Build(d)
		if err != nil {
			return nil, fmt.Errorf("%s charts: %w", b.Kind, err)
		}
		figs = append(figs, fs...)
	}
	return figs, nil
}

// Dashes of the memory metrics in the peak-memory chart.
var (
	dashRSS  []vg.Length
	dashPSS  = []vg.Length{vg.Points(4), vg.Points(2)}
	dashTree = []vg.Length{vg.Points(1), vg.Points(1.5)}
)

// maxCPULen bounds the CPU model in titles.
const maxCPULen = 48

// subtitle is the second title line: the fixed parameters, the statistics and the machine.
func (d *Dataset) subtitle(parts ...string) string {
	m := d.Machine.Hardware()
	if len([]rune(m)) > maxCPULen {
		m = string([]rune(m)[:maxCPULen-1]) + "…"
	}
	return strings.Join(append(parts, m), " · ")
}

// nReps describes the repetition counts of a set of summaries: "6 runs" or "5–6 runs".
func nReps(ss []results.Summary) string {
	lo, hi := math.MaxInt, 0
	withCI, without := 0, 0
	for _, s := range ss {
		lo, hi = min(lo, s.N), max(hi, s.N)
		if s.HasCI() {
			withCI++
		} else {
			without++
		}
	}
	runs := fmt.Sprintf("median of %d runs", lo)
	switch {
	case hi == 0:
		return "no runs"
	case lo == 1 && hi == 1:
		runs = "n = 1"
	case lo != hi:
		runs = fmt.Sprintf("median of %d–%d runs", lo, hi)
	}
	// A caption promises only the intervals it draws: benchmath gives
	// none below 6 runs at 95%.
	switch {
	case without == 0:
		return runs + ", bars 95% CI"
	case withCI == 0:
		return runs + ": no interval"
	}
	return runs + ", bars 95% CI where n allows"
}

// wideRange reports whether the medians of ss span more than 10×: the
// range at which a chart's y axis goes logarithmic.
func wideRange(ss []results.Summary) bool {
	lo, hi := math.Inf(1), 0.0
	for _, s := range ss {
		if s.Median > 0 {
			lo, hi = min(lo, s.Median), max(hi, s.Median)
		}
	}
	return hi > 10*lo
}

// logAxis makes a a log axis spanning the medians and intervals of ss
// (in units of unit), with the ticks of a log axis.
func logAxis(a *plot.Axis, ss []results.Summary, unit float64) {
	lo, hi := math.Inf(1), 0.0
	for _, s := range ss {
		for _, v := range []float64{s.Median, s.Median - s.ErrLow(), s.Median + s.ErrHigh()} {
			if v > 0 {
				lo, hi = min(lo, v/unit), max(hi, v/unit)
			}
		}
	}
	a.Scale = plot.LogScale{}
	a.Tick.Marker = plot.LogTicks{Prec: -1}
	a.Min, a.Max = lo/1.25, hi*1.25
}

// WorkersWord is "1 worker" or "8 workers".
func WorkersWord(w int) string {
	if w == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", w)
}

// seriesEntry is a legend entry for a strategy series drawn as a line with markers.
func seriesEntry(label string, st plotkit.Style, thumbs []plot.Thumbnailer) plotkit.LegendEntry {
	if thumbs == nil {
		thumbs = []plot.Thumbnailer{plotkit.LineThumb(plotkit.LineStyle(st.Color, 1.2)), plotkit.GlyphThumb(st)}
	}
	return plotkit.LegendEntry{Label: label, Thumbs: thumbs}
}

// pickWorkers returns w if the series has runs at (size, w) for any size,
// else the series' largest worker count.
func (d *Dataset) pickWorkers(f Facet, s Series, w int) int {
	best := 0
	for _, p := range d.Points(f, s) {
		if p.Workers == w {
			return w
		}
		best = max(best, p.Workers)
	}
	return best
}

// newFigure is a figure of a kind for one facet, drawing panels.
func newFigure(kind string, f Facet, panels ...*plot.Plot) *plotkit.Figure {
	return &plotkit.Figure{Name: kind + "_" + f.Slug(), Kind: kind, Panels: panels}
}

// seriesError wraps err, which drawing series s on the figure returned,
// with the figure's and the series' names.
func seriesError(fig *plotkit.Figure, s Series, err error) error {
	return fmt.Errorf("%s %s: %w", fig.Name, s.Label(), err)
}

// sizePlot is a panel of yLabel against file size on a log axis spanning
// sizes (ascending), its y axis from zero with the given ticks.
func sizePlot(yLabel string, sizes []int64, yTicks plot.Ticker) *plot.Plot {
	p := plotkit.NewPlot("", "file size (log scale)", yLabel)
	plotkit.LogRange(&p.X, float64(sizes[0]), float64(sizes[len(sizes)-1]))
	p.X.Tick.Marker = plotkit.Log2BytesTicks{}
	p.Y.Tick.Marker = yTicks
	p.Y.Min = 0
	return p
}

// workersPlot is a panel of yLabel against the worker count on a log axis
// spanning ws (ascending).
func workersPlot(yLabel string, ws []int) *plot.Plot {
	p := plotkit.NewPlot("", "workers (log scale)", yLabel)
	plotkit.LogRange(&p.X, float64(ws[0]), float64(ws[len(ws)-1]))
	p.X.Tick.Marker = plotkit.Log2Ticks{}
	return p
}

// linesBySize draws each series of the facet on p as a line against file
// size at the facet's largest worker count, or at the series' own largest
// when it has no runs there (its label then says which), with its value at
// each cell from at (false: nothing to draw there). Series are dodged
// sideways so that their bars do not overlap. It returns the summaries drawn.
func (d *Dataset) linesBySize(fig *plotkit.Figure, p *plot.Plot, c facetAxes, at func(s Series, pt Point) (results.Summary, bool)) ([]results.Summary, error) {
	W := c.largest.Workers
	series := d.Series(c.f)
	var all []results.Summary
	for i, s := range series {
		w := d.pickWorkers(c.f, s, W)
		var pts plotkit.ErrPoints
		for _, size := range c.sizes {
			sum, ok := at(s, Point{size, w})
			if !ok {
				continue
			}
			all = append(all, sum)
			pts = append(pts, plotkit.PointOf(plotkit.Dodge(float64(size), i, len(series), 0.05), sum, 1))
		}
		if len(pts) == 0 {
			continue
		}
		if err := addStrategyLine(fig, p, s, workersLabel(s, w, W), pts); err != nil {
			return nil, err
		}
	}
	return all, nil
}

// describeBySize sets the title and the caption of a chart against file
// size drawn at the facet's largest worker count (linesBySize): title is
// what the chart shows, caption the sentence that says it, and the two
// name the facet and the worker count after them; all are the summaries
// drawn.
func describeBySize(fig *plotkit.Figure, d *Dataset, c facetAxes, title, caption string, all []results.Summary) {
	with := WorkersWord(c.largest.Workers)
	fig.Title = fmt.Sprintf("%s — %s\n%s", title, c.f, d.subtitle(with, nReps(all)))
	fig.Caption = fmt.Sprintf("%s for %s, with %s.", caption, c.f, with)
}

// addStrategyLine draws a strategy's series on p as a line with markers
// and adds it to the figure's legend under label.
func addStrategyLine(fig *plotkit.Figure, p *plot.Plot, s Series, label string, pts plotkit.ErrPoints) error {
	st := plotkit.StrategyStyle(s.Strategy)
	th, err := plotkit.AddSeries(p, st, pts, nil, 0)
	if err != nil {
		return seriesError(fig, s, err)
	}
	fig.Legend = append(fig.Legend, seriesEntry(label, st, th))
	return nil
}

// workersLabel is the series' label, with its worker count when that is
// not the chart's W.
func workersLabel(s Series, w, W int) string {
	if w != W {
		return s.Label() + " (" + WorkersWord(w) + ")"
	}
	return s.Label()
}

// facetAxes is one facet with the sizes and the worker counts it was
// measured at, ascending, and its largest cell (the largest size and the
// largest worker count), where the charts against the other one are drawn.
type facetAxes struct {
	f       Facet
	sizes   []int64
	ws      []int
	largest Point
}

// perFacet builds at most one figure for each facet, in facet order: build
// returns nil for a facet with nothing to show.
func perFacet(d *Dataset, build func(c facetAxes) (*plotkit.Figure, error)) ([]*plotkit.Figure, error) {
	var figs []*plotkit.Figure
	for _, f := range d.Facets() {
		c := facetAxes{f: f, sizes: d.Sizes(f), ws: d.Workers(f)}
		c.largest = Point{c.sizes[len(c.sizes)-1], c.ws[len(c.ws)-1]}
		fig, err := build(c)
		if err != nil {
			return nil, err
		}
		if fig != nil {
			figs = append(figs, fig)
		}
	}
	return figs, nil
}

// Throughput charts throughput against file size, one line per strategy, at
// the facet's largest worker count. Facets with a single size are skipped.
// The charts of all facets share their y scale (shareLogY).
func Throughput(d *Dataset) ([]*plotkit.Figure, error) {
	var drawn []yPanel
	figs, err := perFacet(d, func(c facetAxes) (*plotkit.Figure, error) {
		if len(c.sizes) < 2 {
			return nil, nil
		}
		p := sizePlot("throughput (GB/s)", c.sizes, plotkit.UnitTicks{})
		fig := newFigure(KindThroughput, c.f, p)
		all, err := d.linesBySize(fig, p, c, func(s Series, pt Point) (results.Summary, bool) {
			return d.Summary(c.f, s, pt, MetricThroughput)
		})
		if err != nil {
			return nil, err
		}
		drawn = append(drawn, yPanel{p, all})
		describeBySize(fig, d, c, "Throughput vs file size", "Bytes processed per second (decimal GB/s) against the fixture size", all)
		return fig, nil
	})
	if shareLogY(drawn, plot.LogTicks{Prec: -1}) {
		for _, yp := range drawn {
			yp.p.Y.Label.Text = "throughput (GB/s, log scale)"
		}
	}
	return figs, err
}

// yPanel is a panel of a chart kind and the summaries drawn on it.
type yPanel struct {
	p   *plot.Plot
	all []results.Summary
}

// shareLogY gives sibling panels (one chart kind across facets) the same
// y scale: when the medians drawn on any of them span more than 10×
// (wideRange), lines a decade or more apart would sit on zero on a linear
// axis, so every panel gets a log axis over its own data (logAxis) with
// the given ticks. It reports whether it did.
func shareLogY(panels []yPanel, ticks plot.Ticker) bool {
	wide := false
	for _, yp := range panels {
		wide = wide || wideRange(yp.all)
	}
	if !wide {
		return false
	}
	for _, yp := range panels {
		logAxis(&yp.p.Y, yp.all, 1)
		yp.p.Y.Tick.Marker = ticks
	}
	return true
}

// memoryLine is one metric of the peak-memory chart and the dashes of its
// lines.
type memoryLine struct {
	m      DisplayMetric
	dashes []vg.Length
}

// memoryLines are the metrics the peak-memory chart of a facet draws at
// size: each strategy's peak RSS and PSS, then the whole tree's peak where
// one like-for-like figure (commonMemoryMetric) covers every cell of the
// chart, reference commands aside, and would not in goroutine mode only
// repeat VmHWM. tree is that figure, and ok whether it is drawn.
func (d *Dataset) memoryLines(c facetAxes, series []Series, size int64) (lines []memoryLine, tree MemoryMetric, ok bool) {
	var cells [][]results.Run
	for _, s := range series {
		for _, w := range c.ws {
			if runs := d.Runs(c.f, s, Point{size, w}); !plotkit.IsReference(s.Strategy) && len(runs) > 0 {
				cells = append(cells, runs)
			}
		}
	}
	lines = []memoryLine{{MetricPeakRSS, dashRSS}, {MetricPSS, dashPSS}}
	tree, ok = commonMemoryMetric(cells)
	if c.f.Mode != "process" && tree.Name != memoryMetrics[0].Name {
		ok = false // in goroutine mode the sum of VmHWM is the VmHWM line
	}
	if !ok {
		return lines, MemoryMetric{}, false
	}
	return append(lines, memoryLine{tree.DisplayMetric, dashTree}), tree, true
}

// memoryPlot is the panel of the peak-memory chart for the series at size
// in lines' metrics, its y axis in the byte unit of the highest peak:
// linear from zero, or a log axis when the peaks span more than a factor of
// 20. It is nil when no run recorded any of the metrics.
func (d *Dataset) memoryPlot(c facetAxes, series []Series, size int64, lines []memoryLine) *plot.Plot {
	peak, low := 0.0, math.Inf(1)
	for _, s := range series {
		for _, w := range c.ws {
			runs := d.Runs(c.f, s, Point{size, w})
			for _, l := range lines {
				for _, v := range l.m.Values(runs) {
					peak = math.Max(peak, v)
					low = math.Min(low, v)
				}
			}
		}
	}
	if peak == 0 {
		return nil
	}
	unit, uname := plotkit.ByteUnit(peak)
	p := workersPlot("peak memory ("+uname+")", c.ws)
	if low > 0 && peak/low > 20 {
		// Peaks spanning orders of magnitude: a log axis keeps the
		// small ones readable.
		p.Y.Label.Text = "peak memory (log scale)"
		plotkit.LogRange(&p.Y, low, peak)
		p.Y.Tick.Marker = plotkit.Log2BytesTicks{MaxLabels: 7}
	} else {
		p.Y.Tick.Marker = plotkit.UnitTicks{Unit: unit}
		p.Y.Min = 0
	}
	return p
}

// Memory charts peak memory against worker count at the facet's largest
// size: each strategy's peak RSS (VmHWM, solid), PSS (dashed) and the
// whole process tree's peak (dotted) as one like-for-like figure for every
// strategy (memoryLines). Each line style is one metric for all
// strategies. Facets with a single worker count are skipped.
func Memory(d *Dataset) ([]*plotkit.Figure, error) {
	return perFacet(d, func(c facetAxes) (*plotkit.Figure, error) {
		if len(c.ws) < 2 {
			return nil, nil
		}
		size := c.largest.Size
		series := d.Series(c.f)
		lines, tree, haveTree := d.memoryLines(c, series, size)
		p := d.memoryPlot(c, series, size, lines)
		if p == nil {
			return nil, nil
		}
		fig := newFigure(KindMemory, c.f, p)
		used := make([]bool, len(lines))
		var all []results.Summary
		for i, s := range series {
			st := plotkit.StrategyStyle(s.Strategy)
			drawn := false
			for li, l := range lines {
				if li == 2 && plotkit.IsReference(s.Strategy) {
					continue // a reference command has no process tree of its own
				}
				var pts plotkit.ErrPoints
				for _, w := range c.ws {
					if sum, ok := d.Summary(c.f, s, Point{size, w}, l.m); ok {
						all = append(all, sum)
						pts = append(pts, plotkit.PointOf(plotkit.Dodge(float64(w), i, len(series), 0.03), sum, 1))
					}
				}
				if len(pts) == 0 {
					continue
				}
				if _, err := plotkit.AddSeries(p, st, pts, l.dashes, 0); err != nil {
					return nil, seriesError(fig, s, err)
				}
				used[li], drawn = true, true
			}
			if drawn {
				fig.Legend = append(fig.Legend, seriesEntry(s.Label(), st, nil))
			}
		}
		fig.Legend = append(fig.Legend, memoryLegend(c.f, lines, used, tree)...)
		fig.Title = fmt.Sprintf("Peak memory vs workers — %s\n%s", c.f, d.subtitle(plotkit.FormatBytes(float64(size))+" file", nReps(all)))
		treeWords := ""
		if haveTree {
			treeWords = fmt.Sprintf(" The dotted line is the %s for every strategy: %s.", tree.Label, tree.Meaning)
		}
		who := "the process's"
		if c.f.Mode == "process" {
			who = "the parent process's"
		}
		fig.Caption = fmt.Sprintf("Peak resident memory (VmHWM) and proportional set size (PSS) of %s against the worker count for %s, on the %s fixture.%s", who, c.f, plotkit.FormatBytes(float64(size)), treeWords)
		return fig, nil
	})
}

// memoryLegend is the legend of the peak-memory chart's line styles, one
// grey entry for each metric some line was drawn in.
func memoryLegend(f Facet, lines []memoryLine, used []bool, tree MemoryMetric) []plotkit.LegendEntry {
	names := []string{MetricPeakRSS.Label + " (VmHWM)", MetricPSS.Label, tree.Label}
	if f.Mode == "process" {
		names[0], names[1] = "parent "+MetricPeakRSS.Label, "parent "+MetricPSS.Label
	}
	var legend []plotkit.LegendEntry
	for li, l := range lines {
		if used[li] {
			legend = append(legend, plotkit.LegendEntry{Label: names[li], Thumbs: []plot.Thumbnailer{plotkit.LineThumb(plotkit.LineStyle(color.Gray{Y: 0x50}, 1.2, l.dashes...))}})
		}
	}
	return legend
}

// Speedup charts each strategy's speed-up against worker count at the
// facet's largest size: the median time at the smallest worker count
// divided by each repetition's time at W, with the ideal linear speed-up.
func Speedup(d *Dataset) ([]*plotkit.Figure, error) {
	return perFacet(d, func(c facetAxes) (*plotkit.Figure, error) {
		if len(c.ws) < 2 {
			return nil, nil
		}
		ws, size := c.ws, c.largest.Size
		p := workersPlot("speed-up (×, log scale)", ws)
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plotkit.Log2Ticks{}
		fig := newFigure(KindSpeedup, c.f, p)
		series := d.Series(c.f)
		var all []results.Summary
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, s := range series {
			var pts plotkit.ErrPoints
			base := math.NaN()
			for _, w := range ws {
				t := MetricTime.Values(d.Runs(c.f, s, Point{size, w}))
				if len(t) == 0 {
					continue
				}
				if math.IsNaN(base) {
					base = Summarize(t).Median
				}
				sp := make([]float64, len(t))
				for j, v := range t {
					sp[j] = base / v
				}
				sum := Summarize(sp)
				all = append(all, sum)
				pts = append(pts, plotkit.PointOf(plotkit.Dodge(float64(w), i, len(series), 0.03), sum, 1))
				lo, hi = math.Min(lo, sum.Median-sum.ErrLow()), math.Max(hi, sum.Median+sum.ErrHigh())
			}
			if len(pts) < 2 {
				continue
			}
			if err := addStrategyLine(fig, p, s, s.Label(), pts); err != nil {
				return nil, err
			}
		}
		if len(fig.Legend) == 0 {
			return nil, nil
		}
		ideal := plotter.XYs{}
		for _, w := range ws {
			ideal = append(ideal, plotter.XY{X: float64(w), Y: float64(w) / float64(ws[0])})
		}
		ils := plotkit.LineStyle(color.Gray{Y: 0x70}, 1, vg.Points(5), vg.Points(3))
		th, err := plotkit.AddPlainLine(p, ideal, ils)
		if err != nil {
			return nil, fmt.Errorf("%s ideal: %w", fig.Name, err)
		}
		fig.Legend = append(fig.Legend, plotkit.LegendEntry{Label: "ideal (linear)", Thumbs: []plot.Thumbnailer{th}})
		lo = math.Min(lo, 1)
		hi = math.Max(hi, float64(ws[len(ws)-1])/float64(ws[0]))
		p.Y.Min, p.Y.Max = lo/math.Pow(2, 0.25), hi*math.Pow(2, 0.25)
		fig.Title = fmt.Sprintf("Speed-up vs workers — %s\n%s", c.f, d.subtitle(plotkit.FormatBytes(float64(size))+" file", nReps(all)))
		fig.Caption = fmt.Sprintf("Median time at %s divided by the time at each worker count for %s, on the %s fixture; the dashed line is perfect linear scaling.", WorkersWord(ws[0]), c.f, plotkit.FormatBytes(float64(size)))
		return fig, nil
	})
}

// ceilingSeries returns the ceiling series measured for a workload and
// cache state (in goroutine mode), preferring the one without knobs.
func (d *Dataset) ceilingSeries(workload, cache string) (Facet, Series, bool) {
	cf := Facet{Workload: workload, Mode: "goroutine", Cache: cache}
	var found []Series
	for _, s := range d.Series(cf) {
		if plotkit.IsCeiling(s.Strategy) {
			found = append(found, s)
		}
	}
	if len(found) == 0 {
		return cf, Series{}, false
	}
	return cf, found[0], true
}

// Efficiency charts each strategy's throughput as a fraction of the ceiling
// pseudo-strategy measured in the same results (same workload, cache state,
// size and workers, goroutine mode), against file size at the facet's
// largest worker count. Each repetition's throughput is divided by the
// ceiling's median throughput.
func Efficiency(d *Dataset) ([]*plotkit.Figure, error) {
	var drawn []yPanel
	figs, err := perFacet(d, func(c facetAxes) (*plotkit.Figure, error) {
		cf, cs, ok := d.ceilingSeries(c.f.Workload, c.f.Cache)
		if !ok || len(c.sizes) < 2 {
			return nil, nil
		}
		p := sizePlot("throughput as a share of the ceiling", c.sizes, plotkit.PercentTicks{})
		fig := newFigure(KindEfficiency, c.f, p)
		all, err := d.linesBySize(fig, p, c, func(s Series, pt Point) (results.Summary, bool) {
			if plotkit.IsCeiling(s.Strategy) {
				return results.Summary{}, false
			}
			ceil, ok := d.Summary(cf, cs, pt, MetricThroughput)
			if !ok || ceil.Median <= 0 {
				return results.Summary{}, false
			}
			tp := MetricThroughput.Values(d.Runs(c.f, s, pt))
			if len(tp) == 0 {
				return results.Summary{}, false
			}
			for j := range tp {
				tp[j] /= ceil.Median
			}
			return Summarize(tp), true
		})
		if err != nil {
			return nil, err
		}
		if len(fig.Legend) == 0 {
			return nil, nil
		}
		p.Add(plotkit.HLine{Y: 1, Style: plotkit.LineStyle(plotkit.StrategyStyle("ceiling").Color, 0.8, vg.Points(5), vg.Points(3)), Label: "ceiling = 100%"})
		p.Y.Max = math.Max(p.Y.Max, 1.1)
		drawn = append(drawn, yPanel{p, all})
		describeBySize(fig, d, c, "Share of the ceiling vs file size", "Throughput of each strategy divided by the median throughput of the in-memory ceiling (goroutine mode, same workload, size and workers)", all)
		return fig, nil
	})
	if shareLogY(drawn, plotkit.PercentLogTicks{}) {
		for _, yp := range drawn {
			yp.p.Y.Label.Text = "throughput as a share of the ceiling (log scale)"
			yp.p.Y.Max = math.Max(yp.p.Y.Max, 1.25) // the ceiling line
		}
	}
	return figs, err
}

// timelineRun is the run a memory timeline draws for a series.
type timelineRun struct {
	s   Series
	run results.Run
}

// Timeline charts sampled whole-tree RSS over time for the facet's largest
// size and worker count, one line per strategy, from the repetition with the
// median time. Facets without sampled runs at that cell are skipped.
func Timeline(d *Dataset) ([]*plotkit.Figure, error) {
	return perFacet(d, func(c facetAxes) (*plotkit.Figure, error) {
		pt := c.largest
		var lines []timelineRun
		var maxT, maxB float64
		for _, s := range d.Series(c.f) {
			r, ok := representative(d.Runs(c.f, s, pt))
			if !ok {
				continue
			}
			lines = append(lines, timelineRun{s, r})
			for _, smp := range r.Samples {
				maxT = math.Max(maxT, smp.TMs)
				maxB = math.Max(maxB, float64(max(smp.RSS, smp.PSS)))
			}
		}
		if len(lines) == 0 || maxB == 0 {
			return nil, nil
		}
		tu, tname := plotkit.TimeUnit(maxT)
		bu, bname := plotkit.ByteUnit(maxB)
		p := plotkit.NewPlot("", "time since run start ("+tname+")", "whole-tree RSS ("+bname+")")
		p.X.Tick.Marker = plotkit.UnitTicks{Unit: 1}
		p.Y.Tick.Marker = plotkit.UnitTicks{Unit: bu}
		p.X.Min, p.Y.Min = 0, 0
		fig := newFigure(KindTimeline, c.f, p)
		havePSS := false
		for _, l := range lines {
			pss, err := addTimeline(fig, p, l, tu)
			if err != nil {
				return nil, err
			}
			havePSS = havePSS || pss
		}
		if havePSS {
			p.Y.Label.Text = "whole-tree memory (" + bname + ")"
			fig.Legend = append(fig.Legend,
				plotkit.LegendEntry{Label: "RSS", Thumbs: []plot.Thumbnailer{plotkit.LineThumb(plotkit.LineStyle(color.Gray{Y: 0x50}, 1.2))}},
				plotkit.LegendEntry{Label: "PSS", Thumbs: []plot.Thumbnailer{plotkit.LineThumb(plotkit.LineStyle(color.Gray{Y: 0x50}, 1.2, dashPSS...))}})
		}
		every := lines[0].run.SampleEveryMs
		sampling := "sampled"
		if every > 0 {
			sampling = fmt.Sprintf("sampled every %s ms", plotkit.TrimFloat(every, 3))
		}
		fig.Title = fmt.Sprintf("Memory over time — %s\n%s", c.f, d.subtitle(plotkit.FormatBytes(float64(pt.Size))+" file", WorkersWord(pt.Workers), "median-time run, "+sampling))
		fig.Caption = fmt.Sprintf("Whole-tree resident memory over one run of each strategy (the repetition with the median time) for %s, on the %s fixture with %s; the legend gives each run's measured time.", c.f, plotkit.FormatBytes(float64(pt.Size)), WorkersWord(pt.Workers))
		return fig, nil
	})
}

// addTimeline draws one run's memory samples on p, times divided by tu: its
// RSS as a solid line with a few of the strategy's markers along it (they
// tell strategies apart in grey print), its PSS dashed where it has more
// than one sample, and adds the run to the legend. It reports whether it
// drew a PSS line.
func addTimeline(fig *plotkit.Figure, p *plot.Plot, l timelineRun, tu float64) (bool, error) {
	st := plotkit.StrategyStyle(l.s.Strategy)
	var rss, pss plotter.XYs
	for _, smp := range l.run.Samples {
		rss = append(rss, plotter.XY{X: smp.TMs / tu, Y: float64(smp.RSS)})
		if smp.PSS > 0 {
			pss = append(pss, plotter.XY{X: smp.TMs / tu, Y: float64(smp.PSS)})
		}
	}
	line, err := plotkit.AddPlainLine(p, rss, plotkit.LineStyle(st.Color, 1.2))
	if err != nil {
		return false, seriesError(fig, l.s, err)
	}
	if len(pss) > 1 {
		if _, err := plotkit.AddPlainLine(p, pss, plotkit.LineStyle(st.Color, 1, dashPSS...)); err != nil {
			return false, fmt.Errorf("%s %s PSS: %w", fig.Name, l.s.Label(), err)
		}
	}
	var marks plotter.XYs
	step := max(1, len(rss)/6)
	for i := step / 2; i < len(rss); i += step {
		marks = append(marks, rss[i])
	}
	sc, err := plotter.NewScatter(marks)
	if err != nil {
		return false, fmt.Errorf("%s %s markers: %w", fig.Name, l.s.Label(), err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: st.Color, Radius: vg.Points(2.6), Shape: st.Glyph}
	p.Add(sc)
	fig.Legend = append(fig.Legend, seriesEntry(fmt.Sprintf("%s (%s)", l.s.Label(), plotkit.FormatSeconds(l.run.ElapsedSec)), st, []plot.Thumbnailer{line, sc}))
	return len(pss) > 1, nil
}

// barAxis is the y axis of a bar panel: its title (with the unit), its
// ticks, and how each bar's value is printed above it.
type barAxis struct {
	label  string
	ticks  plotkit.UnitTicks
	format func(float64) string
}

// bytesAxis is a bar axis of bytes in the binary unit of the highest bar
// top (B, KiB, MiB or GiB).
func bytesAxis(label string, top float64) barAxis {
	u, name := plotkit.ByteUnit(top)
	return barAxis{label + " (" + name + ")", plotkit.UnitTicks{Unit: u}, plotkit.FormatBytes}
}

// secondsAxis is a bar axis of durations in seconds, in the unit of the
// highest bar top (ns, µs, ms or s).
func secondsAxis(label string, top float64) barAxis {
	u, name := plotkit.SecondsUnit(top)
	return barAxis{label + " (" + name + ")", plotkit.UnitTicks{Unit: u}, plotkit.FormatSeconds}
}

// countAxis is a bar axis of counts, with whole-number ticks.
func countAxis(label string) barAxis {
	return barAxis{label, plotkit.UnitTicks{Integer: true}, func(v float64) string { return plotkit.TrimFloat(v, 3) }}
}

// barsTop is the highest top of bars (BarTop).
func barsTop(bars []plotkit.Bar) float64 {
	top := 0.0
	for _, b := range bars {
		top = math.Max(top, plotkit.BarTop(b.Sum))
	}
	return top
}

// barPanel makes a bar chart of one metric over strategies, one of panels
// side by side: bars of the given width, the y axis from zero as ax says,
// each bar labelled with its value.
func barPanel(title string, ax barAxis, names []string, panels int, bars []plotkit.Bar, width float64) *plot.Plot {
	p := plotkit.NewPlot(title, "", ax.label)
	plotkit.NominalX(p, names, panels)
	p.Y.Tick.Marker = ax.ticks
	p.Y.Min = 0
	p.Add(plotkit.BarSet{Bars: bars, Width: width, Format: ax.format})
	return p
}

// pairWidth is the width of each bar of a pair drawn by barPair.
const pairWidth = 0.36

// barPair is the two bars of a strategy at x comparing two conditions:
// a dark (left), b light (right).
func barPair(x float64, st plotkit.Style, a, b results.Summary) []plotkit.Bar {
	return []plotkit.Bar{
		{X: x - 0.19, Sum: a, Fill: st.Color, Edge: st.Color},
		{X: x + 0.19, Sum: b, Fill: plotkit.Tint(st.Color, 0.6), Edge: st.Color},
	}
}

// pairLegend is the legend of barPair's two conditions.
func pairLegend(dark, light string) []plotkit.LegendEntry {
	g := color.Gray{Y: 0x60}
	return []plotkit.LegendEntry{
		{Label: dark, Thumbs: []plot.Thumbnailer{plotkit.BoxThumb{Fill: g, Edge: g}}},
		{Label: light, Thumbs: []plot.Thumbnailer{plotkit.BoxThumb{Fill: plotkit.Tint(g, 0.6), Edge: g}}},
	}
}

// AllocGC charts the Go heap bytes allocated and the GC cycles of each
// strategy (reference commands, which are not Go programs, are left out) at
// the facet's largest size and worker count, as two bar panels.
func AllocGC(d *Dataset) ([]*plotkit.Figure, error) {
	return perFacet(d, func(c facetAxes) (*plotkit.Figure, error) {
		f, pt := c.f, c.largest
		var names []string
		var alloc, gc []plotkit.Bar
		var all []results.Summary
		for _, s := range d.Series(f) {
			if plotkit.IsReference(s.Strategy) {
				continue
			}
			a, g, ok := d.bothSummaries(s, pt, measure{f, MetricAlloc}, measure{f, MetricGC})
			if !ok {
				continue
			}
			st := plotkit.StrategyStyle(s.Strategy)
			x := float64(len(names))
			names = append(names, s.Label())
			alloc = append(alloc, plotkit.Bar{X: x, Sum: a, Fill: st.Color, Edge: st.Color})
			gc = append(gc, plotkit.Bar{X: x, Sum: g, Fill: st.Color, Edge: st.Color})
			all = append(all, a, g)
		}
		maxAlloc := barsTop(alloc)
		if len(names) < 2 || maxAlloc <= 0 && barsTop(gc) <= 0 {
			return nil, nil
		}
		who := ""
		if f.Mode == "process" {
			who = " (parent)"
		}
		fig := newFigure(KindAlloc, f,
			barPanel("heap allocated"+who, bytesAxis("allocated", maxAlloc), names, 2, alloc, 0.7),
			barPanel("GC cycles"+who, countAxis("GC cycles"), names, 2, gc, 0.7))
		fig.Title = fmt.Sprintf("Allocation and GC — %s\n%s", f, d.subtitle(plotkit.FormatBytes(float64(pt.Size))+" file", WorkersWord(pt.Workers), nReps(all)))
		fig.Caption = fmt.Sprintf("Go heap bytes allocated (/gc/heap/allocs:bytes) and GC cycles during the measured work for %s, on the %s fixture with %s.", f, plotkit.FormatBytes(float64(pt.Size)), WorkersWord(pt.Workers))
		return fig, nil
	})
}

// Modes compares goroutine mode with process mode for each strategy present
// in both, as grouped bars, at the largest size and worker count the two
// modes share: time, then peak memory as one like-for-like figure for every
// bar (commonMemoryMetric: the cgroup's whole-tree peak where every run had
// a cgroup), then the whole tree's PSS where every run recorded it. A
// memory panel no figure covers for all bars is left out, and the caption
// says so. Workloads measured in one mode only are skipped.
func Modes(d *Dataset) ([]*plotkit.Figure, error) {
	var figs []*plotkit.Figure
	seen := map[[2]string]bool{}
	for _, f := range d.Facets() {
		key := [2]string{f.Workload, f.Cache}
		if seen[key] {
			continue
		}
		seen[key] = true
		if fig := d.modesFigure(f.Workload, f.Cache); fig != nil {
			figs = append(figs, fig)
		}
	}
	return figs, nil
}

// modePanel is one bar panel of the modes chart: a metric, its panel title
// and its axis title (without the unit).
type modePanel struct {
	title, yLabel string
	m             DisplayMetric
}

// modesFigure is the modes chart (see Modes) of one workload and cache
// state, or nil when no strategy was measured in both modes at a point they
// share.
func (d *Dataset) modesFigure(workload, cache string) *plotkit.Figure {
	gf := Facet{Workload: workload, Mode: "goroutine", Cache: cache}
	pf := Facet{Workload: workload, Mode: "process", Cache: cache}
	pt, ok := sharedPoint(d, gf, pf)
	if !ok {
		return nil
	}
	var series []Series
	var cells [][]results.Run
	for _, s := range d.Series(gf) {
		g, p := d.Runs(gf, s, pt), d.Runs(pf, s, pt)
		if len(g) == 0 || len(p) == 0 || len(MetricTime.Values(g)) == 0 || len(MetricTime.Values(p)) == 0 {
			continue
		}
		series = append(series, s)
		cells = append(cells, g, p)
	}
	if len(series) == 0 {
		return nil
	}
	panels := []modePanel{{"time", "time", MetricTime}}
	mem, haveMem := commonMemoryMetric(cells)
	if haveMem {
		panels = append(panels, modePanel{mem.Label, "peak memory", mem.DisplayMetric})
	}
	havePSS := true
	for _, runs := range cells {
		havePSS = havePSS && len(MetricTreePSS.Values(runs)) > 0
	}
	if havePSS {
		panels = append(panels, modePanel{MetricTreePSS.Label, "PSS", MetricTreePSS})
	}
	plots, all := d.pairPanels(gf, pf, pt, series, panels)
	fig := &plotkit.Figure{
		Name:   KindModes + "_" + plotkit.Slug(workload) + "_" + plotkit.Slug(cache),
		Kind:   KindModes,
		Panels: plots,
		Legend: pairLegend("goroutine mode", "process mode"),
	}
	memWords := "No memory figure was recorded alike for both modes, so none is drawn."
	if haveMem {
		memWords = fmt.Sprintf("Memory is the %s for every bar of both modes: %s.", mem.Label, mem.Meaning)
	}
	if havePSS {
		memWords += " Whole-tree PSS is the run's PSS in goroutine mode and the parent's plus each worker's in process mode."
	}
	fig.Title = fmt.Sprintf("Goroutine vs process mode — workload %s, %s cache\n%s", workload, cache, d.subtitle(plotkit.FormatBytes(float64(pt.Size))+" file", WorkersWord(pt.Workers), nReps(all)))
	fig.Caption = fmt.Sprintf("Time and memory of each strategy with goroutine workers (dark) and child-process workers (light) for workload %s, %s cache, on the %s fixture with %s. %s",
		workload, cache, plotkit.FormatBytes(float64(pt.Size)), WorkersWord(pt.Workers), memWords)
	return fig
}

// pairPanels draws each panel side by side as pairs of bars (barPair), for
// each series its summary at pt in facet a beside the one in facet b, a
// byte metric's axis in the unit of its highest bar. It returns the panels
// and the summaries drawn.
func (d *Dataset) pairPanels(a, b Facet, pt Point, series []Series, panels []modePanel) ([]*plot.Plot, []results.Summary) {
	names := make([]string, len(series))
	for i, s := range series {
		names[i] = s.Label()
	}
	var all []results.Summary
	var plots []*plot.Plot
	for _, pn := range panels {
		var bars []plotkit.Bar
		for i, s := range series {
			as, _ := d.Summary(a, s, pt, pn.m)
			bs, _ := d.Summary(b, s, pt, pn.m)
			bars = append(bars, barPair(float64(i), plotkit.StrategyStyle(s.Strategy), as, bs)...)
			all = append(all, as, bs)
		}
		ax := countAxis(pn.yLabel)
		switch pn.m.Unit {
		case "B":
			ax = bytesAxis(pn.yLabel, barsTop(bars))
		case "s":
			ax = secondsAxis(pn.yLabel, barsTop(bars))
		}
		plots = append(plots, barPanel(pn.title, ax, names, len(panels), bars, pairWidth))
	}
	return plots, all
}

// measure is a metric in one facet.
type measure struct {
	f Facet
	m DisplayMetric
}

// bothSummaries returns series s's summaries at pt in the measures a and b,
// and whether both were measured.
func (d *Dataset) bothSummaries(s Series, pt Point, a, b measure) (results.Summary, results.Summary, bool) {
	sa, oka := d.Summary(a.f, s, pt, a.m)
	sb, okb := d.Summary(b.f, s, pt, b.m)
	return sa, sb, oka && okb
}

// sharedPoint is the largest (size, then workers) point measured in both
// facets; there is none when either facet was not measured at all.
func sharedPoint(d *Dataset, a, b Facet) (Point, bool) {
	in := func(f Facet) map[Point]bool {
		m := map[Point]bool{}
		for _, s := range d.Series(f) {
			for _, p := range d.Points(f, s) {
				m[p] = true
			}
		}
		return m
	}
	pa, pb := in(a), in(b)
	var common []Point
	for p := range pa {
		if pb[p] {
			common = append(common, p)
		}
	}
	if len(common) == 0 {
		return Point{}, false
	}
	sort.Slice(common, func(i, j int) bool {
		if common[i].Size != common[j].Size {
			return common[i].Size > common[j].Size
		}
		return common[i].Workers > common[j].Workers
	})
	return common[0], true
}
