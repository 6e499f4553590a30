package report

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// reportData is what the report templates render: every sentence and
// number is computed here, the templates only lay them out.
type reportData struct {
	Notice     string // shown at the top (chart.Results.Notice)
	Experiment string
	Dir        string
	Machine    string
	Runs       int // measured runs the report is computed from
	// Load is how busy the machine was over those runs
	// (results.LoadSummary.Sentence); "" without load figures.
	Load       string
	Reps       string
	Skipped    int
	Confidence string
	Alpha      string
	// Unverified says, when some measured runs' answers were not checked
	// (workloads without a reference implementation), how many and which.
	Unverified string

	Headline string
	Verdict  []verdictRow
	Memory   chart.MemoryMetric

	KeyFigures  []reportFigure
	MoreFigures []reportFigure

	Recommend []recTable

	HasClaims   bool
	ClaimsHeld  int
	Claims      []claimRow // every claim
	ClaimsCells int
	Findings    []claimRow // the claims the spec marks as findings (summary = true), shown after the key charts
	Others      []claimRow // the other claims, in the claims section

	Tables  []Table
	Columns []chart.DisplayMetric
	Env     []EnvField

	// Machines is the machines table, when the runs carry machine labels
	// (a merge of shards), with MachinesNote under it.
	Machines     []machineRow
	MachinesNote string
	// Cross is the view across machines, when the runs name two or more.
	Cross *crossTable
	// EnvNote says whose environment record Env is, when the runs name
	// two or more machines.
	EnvNote string
}

// verdictRow is one facet of the verdict table.
type verdictRow struct {
	Where         string
	Speed, Memory verdictCell
}

// verdictCell is one criterion's answer: a winner in bold, then the detail.
type verdictCell struct {
	OK          bool
	Winner      string
	Detail      string
	Significant bool
}

// recTable is the recommendation table of one facet.
type recTable struct {
	Facet string
	Rows  []recRow
}

// recRow is one cell (size, workers) of a recommendation table.
type recRow struct {
	Size    string
	Workers int
	Fast    recPick
	Lean    recPick
}

// recPick is a winner with its median, the runner-up with the ratio, and
// the test.
type recPick struct {
	OK          bool
	Best        string // "mmap 2.05 ms"
	Next        string // "1.5× ranges", "—" when alone
	Test        string // "yes, p=0.002", "no, p=0.310", "—"
	Significant bool
}

// claimRow is one claim: its verdict, its text, how many cells passed and
// the worst margin, with the per-cell detail.
type claimRow struct {
	Pass      bool
	Text      string
	Passed    int
	Cells     int
	Worst     string // "+35%", "n/a"
	WorstCell string
	Detail    []claimCell
}

// claimCell is one cell's verdict of a claim.
type claimCell struct {
	Verdict  string // PASS, FAIL or ERROR
	Cell     string
	Measured string
}

type reportFigure struct {
	Title, Caption, PNG, SVG string
	DataURI                  template.URL
}

// unverifiedSentence says how many of the measured runs are unverified and
// of which workloads, or "" when every run was verified.
func unverifiedSentence(d *chart.Dataset) string {
	n, all := 0, 0
	var names []string
	for _, f := range d.Facets() {
		for _, s := range d.Series(f) {
			for _, p := range d.Points(f, s) {
				for _, r := range d.Runs(f, s, p) {
					all++
					if r.Unverified == "" {
						continue
					}
					n++
					if !slices.Contains(names, r.Cell.Workload) {
						names = append(names, r.Cell.Workload)
					}
				}
			}
		}
	}
	if n == 0 {
		return ""
	}
	sort.Strings(names)
	return fmt.Sprintf("Unverified: %d of %d measured runs (workload %s) have no reference implementation, so their answers were not checked; only that every byte reached the workload once.",
		n, all, strings.Join(names, ", "))
}

// keyKinds are the chart kinds shown right after the verdict.
var keyKinds = []string{chart.KindThroughput, chart.KindMemory}

// buildReport computes everything the report shows.
func buildReport(res *chart.Results, figs []*plotkit.Figure, dir string) (reportData, error) {
	d := res.Data
	env, err := EnvFields(res.Env)
	if err != nil {
		return reportData{}, err
	}
	mem := chart.ChooseMemoryMetric(d)
	recs := Recommend(d, mem)
	data := reportData{
		Notice: res.Notice, Experiment: d.Experiment, Dir: res.Dir, Machine: d.Machine.Hardware(), Skipped: d.Skipped,
		Confidence: fmt.Sprintf("%.0f%%", 100*chart.Confidence), Alpha: fmt.Sprint(Alpha),
		Memory: mem, Tables: Tables(d), Columns: Columns, Env: env, HasClaims: len(res.Claims) > 0,
	}
	var load results.LoadSummary
	data.Runs, data.Reps, load = runCounts(d)
	data.Load = load.Sentence()
	data.Unverified = unverifiedSentence(d)
	if len(res.Machines) > 0 {
		data.Machines, data.MachinesNote = machineRows(res.Machines), machinesNote(res.Machines)
	}
	if len(res.Machines) > 1 {
		data.Machine = fmt.Sprintf("%d machines, %s", len(res.Machines), machineLabels(res.Machines))
		data.Cross = crossMachines(d, res.Machines)
		data.EnvNote = "The environment record above is the first shard's env.json; each shard's is kept under shards/, and the machines table gives each machine's CPU, kernel and Go."
	}
	verdicts := Verdicts(recs)
	data.Headline = machineHeadline(verdicts)
	for _, v := range verdicts {
		data.Verdict = append(data.Verdict, verdictRow{Where: facetWords(v.Facet),
			Speed:  choiceCell(v.Speed, v.HasSpeed, "fastest", "faster", plotkit.FormatSeconds),
			Memory: choiceCell(v.Memory, v.HasMemory, "least", "less", plotkit.FormatBytes)})
	}
	data.Recommend = recTables(recs)
	for _, g := range results.GroupVerdicts(res.Claims) {
		row := claimRowOf(g)
		data.Claims = append(data.Claims, row)
		if g.Verdicts[0].Summary {
			data.Findings = append(data.Findings, row)
		} else {
			data.Others = append(data.Others, row)
		}
		data.ClaimsCells += len(g.Verdicts)
		if g.Pass() {
			data.ClaimsHeld++
		}
	}
	key, more, err := reportFigures(figs, dir)
	if err != nil {
		return reportData{}, err
	}
	data.KeyFigures, data.MoreFigures = key, more
	return data, nil
}

// runCounts counts the measured runs and describes the repetitions per cell.
func runCounts(d *chart.Dataset) (runs int, reps string, load results.LoadSummary) {
	lo, hi := 0, 0
	seen := map[string]bool{} // a reference joined into several facets counts once
	for _, f := range d.Facets() {
		for _, s := range d.Series(f) {
			for _, p := range d.Points(f, s) {
				rs := d.Runs(f, s, p)
				key := results.BenchName(rs[0].Cell) + " " + f.Cache + " " + f.Machine
				if seen[key] {
					continue
				}
				seen[key] = true
				runs += len(rs)
				for _, r := range rs {
					load.Add(r)
				}
				if lo == 0 || len(rs) < lo {
					lo = len(rs)
				}
				hi = max(hi, len(rs))
			}
		}
	}
	if lo == hi {
		return runs, fmt.Sprint(lo), load
	}
	return runs, fmt.Sprintf("%d–%d", lo, hi), load
}

// facetWords is a facet in a few words: "count · goroutine · warm cache",
// after "machine LABEL · " when the facet names a machine.
func facetWords(f chart.Facet) string {
	s := f.Workload + " · " + f.Mode + " · " + f.Cache + " cache"
	if f.Machine != "" {
		s = "machine " + f.Machine + " · " + s
	}
	return s
}

// headline is the verdict in a sentence or two: one strategy per criterion
// when every facet agrees, else how many rows of the verdict table each
// strategy wins (the table says which).
func headline(vs []FacetVerdict) string {
	if len(vs) == 0 {
		return "No strategy was measured: nothing to recommend."
	}
	speed := criterion(vs, func(v FacetVerdict) (Choice, bool) { return v.Speed, v.HasSpeed })
	memory := criterion(vs, func(v FacetVerdict) (Choice, bool) { return v.Memory, v.HasMemory })
	if len(speed.where) == 1 && len(memory.where) == 1 && speed.order[0] == memory.order[0] && speed.none == 0 && memory.none == 0 {
		return fmt.Sprintf("Use %s for both speed (fastest in %s) and memory (least in %s).",
			speed.order[0], speed.count(), memory.count())
	}
	var out []string
	for _, c := range []struct {
		what, won string
		w         winners
	}{{"speed", "fastest", speed}, {"memory", "least", memory}} {
		switch len(c.w.where) {
		case 0:
			if c.w.none > 0 {
				out = append(out, fmt.Sprintf("No significant difference in %s between the strategies.", c.what))
			}
		case 1:
			out = append(out, fmt.Sprintf("Use %s for %s (%s in %s).", c.w.order[0], c.what, c.won, c.w.count()))
		default:
			names := slices.Clone(c.w.order)
			sort.SliceStable(names, func(i, j int) bool { return len(c.w.where[names[i]]) > len(c.w.where[names[j]]) })
			var parts []string
			for _, s := range names {
				parts = append(parts, fmt.Sprintf("%s in %d", s, len(c.w.where[s])))
			}
			out = append(out, fmt.Sprintf("For %s it depends on the row: %s.", c.what, strings.Join(parts, ", ")))
		}
	}
	return strings.Join(out, " ")
}

// winners are the facet winners of one criterion: the facets each won, in
// facet order, and the cells the winners won of all compared.
type winners struct {
	order            []string
	where            map[string][]string
	wins, cells, sig int
	none             int // facets without a significant winner
}

// count is "10 of 12 cells, 6 of them significantly".
func (w winners) count() string {
	s := fmt.Sprintf("%d of %d cells", w.wins, w.cells)
	switch w.sig {
	case w.wins:
		if w.wins > 1 {
			return s + ", all significantly"
		}
		return s + ", significantly"
	case 0:
		return s + ", none significantly"
	}
	return fmt.Sprintf("%s, %d of them significantly", s, w.sig)
}

func criterion(vs []FacetVerdict, get func(FacetVerdict) (Choice, bool)) winners {
	w := winners{where: map[string][]string{}}
	for _, v := range vs {
		c, ok := get(v)
		if !ok {
			continue
		}
		if c.None() {
			w.none++
			continue
		}
		name := c.Winner.Label()
		if _, seen := w.where[name]; !seen {
			w.order = append(w.order, name)
		}
		w.where[name] = append(w.where[name], facetWords(v.Facet))
		w.wins, w.cells, w.sig = w.wins+c.Wins, w.cells+c.Cells, w.sig+c.Significant
	}
	return w
}

// cellsWords is "4 cells compared" or "the one cell compared".
func cellsWords(n int) string {
	if n == 1 {
		return "the one cell compared"
	}
	return fmt.Sprintf("%d cells compared", n)
}

// wonIn is "in 3 of 4 cells (ranges in 1)", or "in 2 of 4 cells (ranges
// in 1, no significant difference in 1)".
func wonIn(c Choice) string {
	s := fmt.Sprintf("in %d of %d cells", c.Wins, c.Cells)
	if c.Cells == 1 {
		s = "in the one cell measured"
	}
	names := make([]string, 0, len(c.Others))
	undecided := c.Cells - c.Wins
	for n := range c.Others {
		names = append(names, n)
		undecided -= c.Others[n]
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s in %d", n, c.Others[n]))
	}
	if undecided > 0 {
		parts = append(parts, fmt.Sprintf("no significant difference in %d", undecided))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// versus is the comparison with the runner-up in words.
func versus(p Pick, more string) string {
	if p.Alone() {
		return "the only strategy measured there"
	}
	s := fmt.Sprintf("%s %s than %s", formatRatio(p.Ratio), more, p.Next.Label())
	if p.Significant {
		return s + " (" + p.testText() + ")"
	}
	return s + ", not significant (" + p.testText() + ")"
}

// choiceCell is one criterion's verdict cell: "fastest in 3 of 4 cells; at
// 16 MiB, 2 workers: 1.51 ms, 2.02× faster than ranges (p=0.002)".
func choiceCell(c Choice, ok bool, won, more string, format func(float64) string) verdictCell {
	if !ok {
		return verdictCell{}
	}
	if c.None() {
		return verdictCell{OK: true, Detail: fmt.Sprintf("no significant difference (%s)", cellsWords(c.Cells))}
	}
	return verdictCell{OK: true, Winner: c.Winner.Label(), Significant: c.Pick.Significant || c.Pick.Alone(),
		Detail: fmt.Sprintf("%s %s; at %s: %s, %s", won, wonIn(c), pointWords(c.At), format(c.Pick.BestSum.Median), versus(c.Pick, more))}
}

// recTables groups the recommendation rows by facet.
func recTables(recs []Recommendation) []recTable {
	var out []recTable
	for _, r := range recs {
		name := r.Facet.String()
		if len(out) == 0 || out[len(out)-1].Facet != name {
			out = append(out, recTable{Facet: name})
		}
		t := &out[len(out)-1]
		t.Rows = append(t.Rows, recRow{Size: plotkit.FormatBytes(float64(r.Point.Size)), Workers: r.Point.Workers,
			Fast: recPickOf(r.Fastest, r.HasFastest, plotkit.FormatSeconds), Lean: recPickOf(r.Leanest, r.HasLeanest, plotkit.FormatBytes)})
	}
	return out
}

func recPickOf(p Pick, ok bool, format func(float64) string) recPick {
	if !ok {
		return recPick{Best: "—", Next: "—", Test: "—"}
	}
	out := recPick{OK: true, Best: p.Best.Label() + " " + format(p.BestSum.Median), Next: "—", Test: "—", Significant: true}
	if !p.Alone() {
		out.Next = formatRatio(p.Ratio) + " " + p.Next.Label()
		out.Significant = p.Significant
		if p.Significant {
			out.Test = "yes, " + p.testText()
		} else {
			out.Test = "no, " + p.testText()
		}
	}
	return out
}

// claimRowOf condenses one claim's verdicts.
func claimRowOf(g results.ClaimGroup) claimRow {
	row := claimRow{Pass: g.Pass(), Text: g.Text, Passed: g.Passed(), Cells: len(g.Verdicts), Worst: "n/a"}
	if w, ok := g.Worst(); ok {
		row.Worst, row.WorstCell = results.FormatMargin(w.Margin()), shortCell(w.Cell)
	}
	for _, v := range g.Verdicts {
		word := "PASS"
		switch {
		case v.Error != "":
			word = "ERROR"
		case !v.Pass:
			word = "FAIL"
		}
		cell := shortCell(v.Cell)
		if cell == "" {
			cell = "no cell"
		}
		row.Detail = append(row.Detail, claimCell{Verdict: word, Cell: cell, Measured: v.Measured})
	}
	return row
}

// shortCell drops the benchmark family from a cell's name:
// "mode=goroutine/strategy=mmap/...".
func shortCell(name string) string {
	if i := strings.IndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// reportFigures splits the figures into the key ones (throughput and
// memory, facet by facet) and the rest, reading each PNG to embed it.
func reportFigures(figs []*plotkit.Figure, dir string) (key, more []reportFigure, err error) {
	type ranked struct {
		f    *plotkit.Figure
		kind int // index in keyKinds, -1 when not a key kind
	}
	var keys []ranked
	for _, f := range figs {
		rf, err := embedFigure(f, dir)
		if err != nil {
			return nil, nil, err
		}
		if k := slices.Index(keyKinds, f.Kind); k >= 0 {
			keys = append(keys, ranked{f, k})
			key = append(key, rf)
		} else {
			more = append(more, rf)
		}
	}
	// Facet by facet (machine by machine first): throughput beside memory.
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if ma, mb := keys[idx[a]].f.Machine, keys[idx[b]].f.Machine; ma != mb {
			return ma < mb // machine by machine
		}
		fa, fb := strings.TrimPrefix(keys[idx[a]].f.Name, keys[idx[a]].f.Kind), strings.TrimPrefix(keys[idx[b]].f.Name, keys[idx[b]].f.Kind)
		if fa != fb {
			return fa < fb
		}
		return keys[idx[a]].kind < keys[idx[b]].kind
	})
	sorted := make([]reportFigure, len(key))
	for i, j := range idx {
		sorted[i] = key[j]
	}
	if len(sorted) == 0 && len(more) > 0 {
		n := min(2, len(more))
		return more[:n], more[n:], nil
	}
	return sorted, more, nil
}

// embedFigure reads a figure's PNG for a data: URI.
func embedFigure(f *plotkit.Figure, dir string) (reportFigure, error) {
	png, err := os.ReadFile(filepath.Join(dir, f.Name+".png"))
	if err != nil {
		return reportFigure{}, fmt.Errorf("report: figure %s: %w", f.Name, err)
	}
	title := strings.SplitN(f.Title, "\n", 2)[0]
	if f.Machine != "" {
		title += " (machine " + f.Machine + ")"
	}
	return reportFigure{
		Title: title, Caption: f.Caption, PNG: f.Name + ".png", SVG: f.Name + ".svg",
		DataURI: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
	}, nil
}

// Write saves every figure (as chart.Plot does) and then report.md and
// index.html beside them, in chart.PlotDir(root, ...). It returns the
// paths written.
func Write(res *chart.Results, root string) ([]string, error) {
	figs, paths, err := chart.Plot(res, root)
	if err != nil {
		return paths, err
	}
	rp, err := WritePages(res, figs, chart.PlotDir(root, res.Data))
	return append(paths, rp...), err
}

// WritePages writes report.md and a self-contained index.html to dir,
// which must already hold the figures' PNG and SVG files (Figure.Save). The
// HTML embeds each PNG as a data: URI and links the SVG beside it, so it
// needs no network and survives being copied alone. It returns the paths
// written.
func WritePages(res *chart.Results, figs []*plotkit.Figure, dir string) ([]string, error) {
	data, err := buildReport(res, figs, dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, out := range []struct {
		name string
		exec func(*bytes.Buffer) error
	}{
		{"report.md", func(b *bytes.Buffer) error { return mdTemplate.Execute(b, data) }},
		{"index.html", func(b *bytes.Buffer) error { return htmlTemplate.Execute(b, data) }},
	} {
		var buf bytes.Buffer
		if err := out.exec(&buf); err != nil {
			return paths, fmt.Errorf("report: %s: %w", out.name, err)
		}
		path := filepath.Join(dir, out.name)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			return paths, fmt.Errorf("report: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
