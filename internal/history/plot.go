package history

import (
	"fmt"
	"image/color"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/units"
)

// DefaultMetrics are the units Plot charts when PlotOptions.Metrics is
// empty, each only if some entry has it. Units whose gate fired in some
// entry are charted too.
var DefaultMetrics = []string{
	results.UnitSecPerOp,
	results.UnitBytesPerS,
	results.UnitPeakRSS,
	results.UnitPeakPSS,
	results.UnitTreeCgroup,
}

// DefaultMaxCells is the number of lines a chart draws at most when
// PlotOptions.MaxCells is 0.
const DefaultMaxCells = 10

// PlotOptions configures Plot. The zero value draws the default metrics of
// the default cells.
type PlotOptions struct {
	// Cells selects the cells to draw by benchmark name (without the
	// "Benchmark" prefix). Nil means the default: cells with workers=2
	// (when any has it) at the largest size among them, plus every cell
	// whose gate fired in the charted metric.
	Cells *regexp.Regexp
	// MaxCells caps the lines per chart; 0 means DefaultMaxCells. When more
	// cells are selected, those with a fired gate come first, then real
	// strategies before the ceiling and reference commands, then those
	// present in the most entries.
	MaxCells int
	// Metrics lists the units to chart; empty means DefaultMetrics. A unit
	// named here that no entry has is an error.
	Metrics []string
}

// Plot draws the history as one chart per experiment and metric and saves
// each as PNG and SVG in outDir (created if needed), named
// EXPERIMENT_UNIT (sec/op becomes sec_per_op). It returns the paths
// written. Errors caused by the input (no entries, no cell or metric
// selected) are *InputError.
func Plot(entries []Entry, outDir string, opt PlotOptions) ([]string, error) {
	figs, err := Figures(entries, opt)
	if err != nil {
		return nil, err
	}
	paths, err := plotkit.SaveAll(figs, outDir)
	if err != nil {
		return paths, fmt.Errorf("history plot: %w", err)
	}
	return paths, nil
}

// Figures builds the charts Plot saves, without writing them.
func Figures(entries []Entry, opt PlotOptions) ([]*plotkit.Figure, error) {
	if len(entries) == 0 {
		return nil, inputErr("history has no entries")
	}
	if opt.MaxCells <= 0 {
		opt.MaxCells = DefaultMaxCells
	}
	var exps []string
	byExp := map[string][]Entry{}
	for _, e := range entries {
		if _, ok := byExp[e.Experiment]; !ok {
			exps = append(exps, e.Experiment)
		}
		byExp[e.Experiment] = append(byExp[e.Experiment], e)
	}
	var figs []*plotkit.Figure
	for _, u := range opt.Metrics {
		if !hasUnitAny(entries, u) {
			return nil, inputErr("%w: %q is in no history entry", ErrMetric, u)
		}
	}
	for _, exp := range exps {
		ents := byExp[exp]
		for _, unit := range metricsOf(ents, opt.Metrics) {
			cells, matched := selectCells(ents, unit, opt)
			if len(cells) == 0 {
				continue
			}
			f, err := figure(exp, ents, unit, cells, matched)
			if err != nil {
				return nil, fmt.Errorf("history chart of %s %s: %w", exp, unit, err)
			}
			figs = append(figs, f)
		}
	}
	if len(figs) == 0 {
		if opt.Cells != nil {
			return nil, inputErr("%w: %q matches no benchmark of the history", ErrCells, opt.Cells)
		}
		return nil, inputErr("history has none of the metrics %s", strings.Join(DefaultMetrics, ", "))
	}
	return figs, nil
}

func hasUnitAny(entries []Entry, unit string) bool {
	for i := range entries {
		if hasUnit(&entries[i], unit) {
			return true
		}
	}
	return false
}

// metricsOf returns the units to chart for one experiment's entries: the
// requested ones it has, or the default ones it has followed by units
// whose gate fired.
func metricsOf(ents []Entry, requested []string) []string {
	var out []string
	add := func(u string) {
		if !slices.Contains(out, u) && hasUnitAny(ents, u) {
			out = append(out, u)
		}
	}
	if len(requested) > 0 {
		for _, u := range requested {
			add(u)
		}
		return out
	}
	for _, u := range DefaultMetrics {
		add(u)
	}
	for _, e := range ents {
		for _, f := range e.GateFired {
			if u, _, ok := parseFired(f); ok {
				add(u)
			}
		}
	}
	return out
}

// nameParts splits a benchmark name such as
// Fanout/mode=goroutine/strategy=mmap/workload=count/size=16MiB/workers=2
// into its key=value parts, in order.
func nameParts(name string) (keys []string, vals map[string]string) {
	vals = map[string]string{}
	for _, p := range strings.Split(name, "/") {
		if k, v, ok := strings.Cut(p, "="); ok {
			keys = append(keys, k)
			vals[k] = v
		}
	}
	return keys, vals
}

// selectCells picks the cells to draw in one chart of unit, in legend
// order, and says how many matched before the MaxCells cap.
func selectCells(ents []Entry, unit string, opt PlotOptions) (shown []string, matched int) {
	present := map[string]int{} // cell → entries that have it in unit
	fired := map[string]bool{}
	for _, e := range ents {
		for name, m := range e.Cells {
			if _, ok := m[unit]; ok {
				present[name]++
				if e.Fired(unit, name) {
					fired[name] = true
				}
			}
		}
	}
	var cand []string
	for name := range present {
		if opt.Cells == nil || opt.Cells.MatchString(name) {
			cand = append(cand, name)
		}
	}
	if opt.Cells == nil {
		cand = defaultCells(cand, fired)
	}
	sort.Slice(cand, func(i, j int) bool {
		a, b := cand[i], cand[j]
		if fired[a] != fired[b] {
			return fired[a]
		}
		if minor(a) != minor(b) {
			return minor(b)
		}
		if present[a] != present[b] {
			return present[a] > present[b]
		}
		return a < b
	})
	matched = len(cand)
	if len(cand) > opt.MaxCells {
		cand = cand[:opt.MaxCells]
	}
	sort.Slice(cand, func(i, j int) bool {
		if minor(cand[i]) != minor(cand[j]) {
			return minor(cand[j])
		}
		return cand[i] < cand[j]
	})
	return cand, matched
}

// minor reports whether a cell measures a reference command or the
// ceiling pseudo-strategy, which give way to real strategies when cells
// must be left out.
func minor(cell string) bool {
	_, v := nameParts(cell)
	return plotkit.IsReference(v["strategy"]) || plotkit.IsCeiling(v["strategy"])
}

// defaultCells keeps the cells with workers=2 (if any cell has it) at the
// largest size among those (if any size parses), plus the fired ones.
func defaultCells(cells []string, fired map[string]bool) []string {
	keep := func(from []string, pred func(map[string]string) bool) []string {
		var out []string
		for _, c := range from {
			if _, v := nameParts(c); pred(v) {
				out = append(out, c)
			}
		}
		if len(out) == 0 {
			return from
		}
		return out
	}
	picked := keep(cells, func(v map[string]string) bool { return v["workers"] == "2" })
	var largest int64 = -1
	for _, c := range picked {
		_, v := nameParts(c)
		if n, err := units.ParseSize(v["size"]); err == nil && n > largest {
			largest = n
		}
	}
	if largest >= 0 {
		picked = keep(picked, func(v map[string]string) bool {
			n, err := units.ParseSize(v["size"])
			return err == nil && n == largest
		})
	}
	for _, c := range cells {
		if fired[c] && !slices.Contains(picked, c) {
			picked = append(picked, c)
		}
	}
	return picked
}

// labels names each cell by the parts that differ between the cells shown
// (strategy, workload and mode values bare, other parts as key=value), and
// describes the parts they share.
func labels(cells []string) (label map[string]string, variant map[string]string, shared string) {
	label, variant = map[string]string{}, map[string]string{}
	var order []string
	parts := map[string]map[string]string{}
	for _, c := range cells {
		keys, v := nameParts(c)
		parts[c] = v
		for _, k := range keys {
			if !slices.Contains(order, k) {
				order = append(order, k)
			}
		}
	}
	var varying, same []string
	for _, k := range order {
		first, differs := parts[cells[0]][k], false
		for _, c := range cells[1:] {
			if parts[c][k] != first {
				differs = true
			}
		}
		if differs {
			varying = append(varying, k)
		} else if first != "" {
			same = append(same, k+"="+first)
		}
	}
	for _, c := range cells {
		var l, vr []string
		for _, k := range varying {
			val := parts[c][k]
			if val == "" {
				continue
			}
			s := k + "=" + val
			if k == "strategy" || k == "workload" || k == "mode" {
				s = val
			}
			l = append(l, s)
			if k != "strategy" {
				vr = append(vr, s)
			}
		}
		if len(l) == 0 {
			if s := parts[c]["strategy"]; s != "" {
				l = []string{s}
			} else {
				l = []string{c}
			}
		}
		label[c] = strings.Join(l, " ")
		variant[c] = strings.Join(vr, " ")
	}
	return label, variant, strings.Join(same, " ")
}

// gateRed is the colour of the rings around points where a gate fired.
var gateRed = color.NRGBA{R: 0xE0, G: 0x10, B: 0x10, A: 0xFF}

// figure draws one experiment's history of one metric: one line of medians
// with error bars per cell over the entries, red rings where a gate fired.
func figure(exp string, ents []Entry, unit string, cells []string, matched int) (*plotkit.Figure, error) {
	lo, hi := valueRange(ents, cells, unit)
	factor, axis := plotkit.AxisScale(unit, hi)
	p := plotkit.NewPlot("", commitAxisLabel(ents), axis)
	commitTicks(p, ents)
	scaleY(p, lo/factor, hi/factor)

	label, variant, shared := labels(cells)
	legend, fired, err := drawCells(p, ents, unit, cells, label, variant, factor)
	if err != nil {
		return nil, err
	}
	if len(fired) > 0 {
		rings, err := gateRings(p, fired)
		if err != nil {
			return nil, err
		}
		legend = append(legend, rings)
	}

	cellLine := "95% CI error bars"
	if shared != "" {
		cellLine = shared + " · " + cellLine
	}
	if matched > len(cells) {
		cellLine += fmt.Sprintf(" · %d of %d cells shown", len(cells), matched)
	}
	return &plotkit.Figure{
		Name:    plotkit.Slug(exp) + "_" + plotkit.Slug(unit),
		Kind:    "history",
		Title:   fmt.Sprintf("%s history: median %s per commit", exp, unit) + "\n" + machines(ents) + "\n" + cellLine,
		Panels:  []*plot.Plot{p},
		Legend:  legend,
		Caption: fmt.Sprintf("Median %s of each cell of %s per history entry, with 95%% confidence intervals; red rings mark gates that fired against the previous entry.", unit, exp),
	}, nil
}

// valueRange is the smallest and largest value the chart of unit shows
// over the cells: the interval's ends where there is one, else the median
// (lo is +Inf when no entry has a value).
func valueRange(ents []Entry, cells []string, unit string) (lo, hi float64) {
	lo, hi = math.Inf(1), 0
	for _, e := range ents {
		for _, c := range cells {
			if s, ok := e.Cells[c][unit]; ok {
				top, bottom := s.Median, s.Median
				if s.HasCI() {
					top, bottom = s.Hi, s.Lo
				}
				hi = math.Max(hi, top)
				lo = math.Min(lo, bottom)
			}
		}
	}
	return lo, hi
}

// commitAxisLabel names the x axis, saying what "*" marks when some entry
// was measured with uncommitted changes.
func commitAxisLabel(ents []Entry) string {
	for _, e := range ents {
		if strings.HasSuffix(e.Commit, "-dirty") {
			return "commit, oldest to newest (* = uncommitted changes)"
		}
	}
	return "commit, oldest to newest"
}

// scaleY sets the y axis for displayed values from lo to hi: a log axis
// when they span more than a factor of ten (and are positive), else a
// linear one from zero.
func scaleY(p *plot.Plot, lo, hi float64) {
	if lo > 0 && hi/lo > 10 {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plotkit.Log10Ticks{}
		p.Y.Min, p.Y.Max = lo/1.15, hi*1.15
		return
	}
	p.Y.Tick.Marker = plotkit.UnitTicks{}
	p.Y.Min, p.Y.Max = 0, hi*1.05
	if hi == 0 {
		p.Y.Max = 1
	}
}

// drawCells draws each cell as a series in its strategy's style (dashed by
// what else tells it apart from cells of the same strategy), nudged
// sideways so that error bars at one commit do not hide each other. It
// returns the legend entries and the points where a gate fired.
func drawCells(p *plot.Plot, ents []Entry, unit string, cells []string, label, variant map[string]string, factor float64) ([]plotkit.LegendEntry, plotter.XYs, error) {
	var legend []plotkit.LegendEntry
	var fired plotter.XYs
	variants := map[string]int{}
	step := math.Min(0.05, 0.3/float64(len(cells)))
	radius := vg.Points(2.6)
	if len(ents) > 30 {
		radius = vg.Points(1.8) // crowded: smaller markers
	}
	for i, c := range cells {
		strategy := label[c]
		if _, v := nameParts(c); v["strategy"] != "" {
			strategy = v["strategy"]
		}
		if _, ok := variants[variant[c]]; !ok {
			variants[variant[c]] = len(variants)
		}
		dash := plotkit.Dashes[variants[variant[c]]%len(plotkit.Dashes)]
		dx := (float64(i) - float64(len(cells)-1)/2) * step
		var pts []plotkit.ErrPoint
		for x, e := range ents {
			s, ok := e.Cells[c][unit]
			if !ok {
				continue
			}
			pt := plotkit.PointOf(float64(x)+dx, s, factor)
			pts = append(pts, pt)
			if e.Fired(unit, c) {
				fired = append(fired, plotter.XY{X: pt.X, Y: pt.Y})
			}
		}
		if len(pts) == 0 {
			continue
		}
		thumbs, err := plotkit.AddSeries(p, plotkit.StrategyStyle(strategy), pts, dash, radius)
		if err != nil {
			return nil, nil, err
		}
		legend = append(legend, plotkit.LegendEntry{Label: label[c], Thumbs: thumbs})
	}
	return legend, fired, nil
}

// gateRings rings the points where a gate fired and returns their legend
// entry.
func gateRings(p *plot.Plot, pts plotter.XYs) (plotkit.LegendEntry, error) {
	rings, err := plotter.NewScatter(pts)
	if err != nil {
		return plotkit.LegendEntry{}, fmt.Errorf("gate rings: %w", err)
	}
	rings.GlyphStyle = draw.GlyphStyle{Color: gateRed, Radius: vg.Points(6), Shape: plotkit.Ring{Width: vg.Points(1.5)}}
	p.Add(rings)
	return plotkit.LegendEntry{Label: "gate fired", Thumbs: []plot.Thumbnailer{rings}}, nil
}

// machines describes the machines of the entries for a title line.
func machines(ents []Entry) string {
	var ms []string
	for _, e := range ents {
		if s := e.Machine.String(); !slices.Contains(ms, s) {
			ms = append(ms, s)
		}
	}
	switch {
	case len(ms) == 1:
		return ms[0]
	case len(ms) <= 2:
		return strings.Join(ms, "; ")
	default:
		return fmt.Sprintf("%d machines (latest %s)", len(ms), ents[len(ents)-1].Machine)
	}
}

// commitTicks labels entry positions 0..n-1 with short commit hashes,
// slanted when they would collide and thinned out when even slanted
// labels would overlap.
func commitTicks(p *plot.Plot, ents []Entry) {
	n := len(ents)
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	shorts := make([]string, n)
	for i, e := range ents {
		shorts[i] = e.Short()
	}
	slot := plotkit.LabelSlot(1, n)
	every := 1
	if plotkit.WidestLabel(&p.X, shorts) > slot*0.9 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
		if h := p.X.Tick.Label.Height("0") * 1.6; h > slot {
			every = int(math.Ceil(float64(h / slot)))
		}
	}
	ticks := make([]plot.Tick, n)
	for i := range ents {
		ticks[i] = plot.Tick{Value: float64(i)}
		// Always label the newest entry; count back from it.
		if (n-1-i)%every == 0 {
			ticks[i].Label = shorts[i]
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
}
