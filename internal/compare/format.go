package compare

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchunit"

	"github.com/fanbench/fanbench/internal/results"
)

// Format is an output format of a Report.
type Format string

// The output formats.
const (
	Text     Format = "text"     // aligned tables for a terminal or a CI log
	Markdown Format = "markdown" // GitHub-flavoured markdown for a pull-request comment
	JSON     Format = "json"     // one JSON object, for programs
)

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Text, Markdown, JSON:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want text, markdown or json)", s)
}

// Write writes the report in format f. In text and markdown the last line
// is the verdict; JSON carries it in its "verdict" field.
func (r *Report) Write(w io.Writer, f Format) error {
	switch f {
	case Text:
		return r.WriteText(w)
	case Markdown:
		return r.WriteMarkdown(w)
	case JSON:
		return r.WriteJSON(w)
	}
	return fmt.Errorf("unknown format %q", f)
}

// cells holds a row's display strings.
type cells struct {
	name, old, new, delta, p, gate string
}

// tableCells renders a metric's rows, with the values of the metric in a
// common scale, as benchstat does.
func (r *Report) tableCells(m *UnitComparison) (rows []cells, geo *cells) {
	var centers []float64
	for _, row := range m.Rows {
		for _, s := range []*results.Summary{row.Old, row.New} {
			if s != nil {
				centers = append(centers, s.Median)
			}
		}
	}
	scale := benchunit.CommonScale(centers, benchunit.ClassOf(m.Unit))
	stat := func(s *results.Summary) string {
		if s == nil {
			return "—"
		}
		ci := s.PctRange()
		return scale.Format(s.Median) + " ± " + ci
	}
	for _, row := range m.Rows {
		c := cells{name: row.Name, old: stat(row.Old), new: stat(row.New)}
		switch {
		case row.New == nil:
			c.delta = "missing in NEW"
			c.p = fmt.Sprintf("n=%d+0", row.Old.N)
			c.gate = r.missingGate(m)
		case row.Old == nil:
			c.delta = "new in NEW"
			c.p = fmt.Sprintf("n=0+%d", row.New.N)
			c.gate = r.missingGate(m)
		default:
			c.delta = "~"
			if row.Significant {
				c.delta = pctString(row.Delta, 2)
			}
			c.p = fmt.Sprintf("p=%.3f n=%d", row.P, row.Old.N)
			if row.Old.N != row.New.N {
				c.p = fmt.Sprintf("p=%.3f n=%d+%d", row.P, row.Old.N, row.New.N)
			}
			if m.Gate != nil {
				c.gate = "ok"
				if row.Regression {
					c.gate = "REGRESSION"
				}
			}
		}
		rows = append(rows, c)
	}
	if g := m.Geomean; g != nil {
		geo = &cells{name: "geomean", old: "n/a", new: "n/a", delta: "n/a"}
		if !math.IsNaN(g.Old) {
			geo.old, geo.new, geo.delta = scale.Format(g.Old), scale.Format(g.New), pctString(g.Delta, 2)
		}
		geo.p = fmt.Sprintf("%d cells", g.Cells)
		if g.Cells == 1 {
			geo.p = "1 cell"
		}
	}
	return rows, geo
}

// missingGate is the gate column of a row that has metric m on one side only.
func (r *Report) missingGate(m *UnitComparison) string {
	switch {
	case m.Gate == nil:
		return ""
	case r.AllowMissing:
		return "missing (allowed)"
	}
	return "MISSING"
}

// metricTitle is "sec/op" or "sec/op (gate: +10%)".
func metricTitle(m *UnitComparison) string {
	if m.Gate == nil {
		return m.Unit
	}
	return fmt.Sprintf("%s (gate: %s)", m.Unit, strings.TrimPrefix(m.Gate.String(), m.Unit+":"))
}

// notes returns a metric's distinct notes, each with the number of rows
// it applies to, in order of first appearance.
func notes(m *UnitComparison) []string {
	var order []string
	count := map[string]int{}
	for _, row := range m.Rows {
		for _, n := range row.Notes {
			if count[n] == 0 {
				order = append(order, n)
			}
			count[n]++
		}
	}
	out := make([]string, len(order))
	for i, n := range order {
		out[i] = fmt.Sprintf("%s (%s)", n, plural(count[n], "cell", "cells"))
	}
	return out
}

// header returns the report's preamble as key/value pairs.
func (r *Report) header() [][2]string {
	gates := "none"
	if len(r.Gates) > 0 {
		var gs []string
		for _, g := range r.Gates {
			gs = append(gs, g.String())
		}
		gates = strings.Join(gs, ", ")
	}
	return [][2]string{
		{"old", r.Old},
		{"new", r.New},
		{"method", fmt.Sprintf("medians with %g%% confidence intervals; delta and p from a Mann-Whitney U test, ~ when p >= alpha=%g", r.Confidence*100, r.Alpha)},
		{"gates", gates},
	}
}

// WriteText writes the report as aligned plain-text tables, one per
// metric, ending with the verdict line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, h := range r.header() {
		b.WriteString(h[0] + ": " + h[1] + "\n")
	}
	for i := range r.Metrics {
		m := &r.Metrics[i]
		rows, geo := r.tableCells(m)
		b.WriteString("\n" + metricTitle(m) + "\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "name\told median ± CI\tnew median ± CI\tdelta\tp (n)\tgate\t")
		for _, c := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", c.name, c.old, c.new, c.delta, c.p, c.gate)
		}
		if geo != nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\t\n", geo.name, geo.old, geo.new, geo.delta, geo.p)
		}
		tw.Flush()
		for _, n := range notes(m) {
			b.WriteString("note: " + n + "\n")
		}
	}
	lists := []struct {
		title string
		names []string
	}{{"missing in NEW (only in OLD)", r.MissingInNew}, {"new in NEW (not in OLD)", r.NewInNew},
		{r.missingTitle(), r.missingLines()}}
	for _, l := range lists {
		if len(l.names) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", l.title)
		for _, n := range l.names {
			b.WriteString("  " + n + "\n")
		}
	}
	b.WriteString("\n" + r.Verdict() + "\n")
	// Trailing blanks from tabwriter's last column carry no information.
	out := trimLineEnds(b.String())
	if _, err := io.WriteString(w, out); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// missingTitle heads the list of gated figures that one side lacks.
func (r *Report) missingTitle() string {
	if r.AllowMissing {
		return "gated figures missing on one side (allowed by --allow-missing)"
	}
	return "gated figures missing on one side (each fails the gate; --allow-missing accepts them)"
}

func (r *Report) missingLines() []string {
	var out []string
	for _, m := range r.GatedMissing {
		out = append(out, m.String())
	}
	return out
}

func trimLineEnds(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// mdEscape makes s safe inside a markdown table cell.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "`", "'", "*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;").Replace(s)
}

// mdCode writes a benchmark name as inline code, which keeps markdown from
// interpreting its characters.
func mdCode(s string) string {
	return "`" + strings.NewReplacer("`", "'", "|", `\|`).Replace(s) + "`"
}

// WriteMarkdown writes the report as GitHub-flavoured markdown, ready to
// paste into a pull-request comment, ending with the verdict line.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	title := "PASS"
	switch {
	case len(r.Regressions) > 0:
		title = fmt.Sprintf("FAIL: %s", plural(len(r.Regressions), "regression", "regressions"))
	case r.Failed():
		title = fmt.Sprintf("FAIL: %s missing", plural(len(r.GatedMissing), "gated figure", "gated figures"))
	}
	fmt.Fprintf(&b, "## fanbench compare: %s\n\n", title)
	for _, h := range r.header() {
		k, v := h[0], h[1]
		if k == "old" || k == "new" {
			v = mdCode(v)
		} else {
			v = mdEscape(v)
		}
		fmt.Fprintf(&b, "- %s: %s\n", k, v)
	}
	for i := range r.Metrics {
		m := &r.Metrics[i]
		rows, geo := r.tableCells(m)
		fmt.Fprintf(&b, "\n### %s\n\n", mdEscape(metricTitle(m)))
		b.WriteString("| name | old median ± CI | new median ± CI | delta | p (n) | gate |\n")
		b.WriteString("|:--|--:|--:|--:|:--|:--|\n")
		for _, c := range rows {
			gate := c.gate
			if gate == "REGRESSION" {
				gate = "**REGRESSION**"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", mdCode(c.name), c.old, c.new, mdEscape(c.delta), c.p, gate)
		}
		if geo != nil {
			fmt.Fprintf(&b, "| **geomean** | %s | %s | %s | %s |  |\n", geo.old, geo.new, geo.delta, geo.p)
		}
		if ns := notes(m); len(ns) > 0 {
			b.WriteString("\n")
			for _, n := range ns {
				fmt.Fprintf(&b, "- note: %s\n", mdEscape(n))
			}
		}
	}
	lists := []struct {
		title string
		names []string
	}{{"Missing in NEW (only in OLD)", r.MissingInNew}, {"New in NEW (not in OLD)", r.NewInNew}}
	for _, l := range lists {
		if len(l.names) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n**%s**\n\n", l.title)
		for _, n := range l.names {
			fmt.Fprintf(&b, "- %s\n", mdCode(n))
		}
	}
	if len(r.GatedMissing) > 0 {
		t := r.missingTitle()
		fmt.Fprintf(&b, "\n**%s**\n\n", strings.ToUpper(t[:1])+t[1:])
		for _, m := range r.GatedMissing {
			fmt.Fprintf(&b, "- %s %s: not in %s\n", mdEscape(m.Unit), mdCode(m.Name), m.In)
		}
	}
	b.WriteString("\n" + r.Verdict() + "\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// The JSON form of a report. Numbers that are undefined or infinite (a
// missing side, an interval too wide to bound) are null.
type (
	jsonReport struct {
		Old          string           `json:"old"`
		New          string           `json:"new"`
		Alpha        float64          `json:"alpha"`
		Confidence   float64          `json:"confidence"`
		Gates        []jsonGate       `json:"gates"`
		Metrics      []jsonMetric     `json:"metrics"`
		MissingInNew []string         `json:"missing_in_new"`
		NewInNew     []string         `json:"new_in_new"`
		Regressions  []jsonRegression `json:"regressions"`
		GatedMissing []jsonMissing    `json:"gated_missing"`
		AllowMissing bool             `json:"allow_missing"`
		Pass         bool             `json:"pass"`
		ReportOnly   bool             `json:"report_only"`
		Verdict      string           `json:"verdict"`
	}
	jsonGate struct {
		Unit         string  `json:"unit"`
		TolerancePct float64 `json:"tolerance_pct"`
		Worse        string  `json:"worse"` // "higher" or "lower"
	}
	jsonMetric struct {
		Unit    string       `json:"unit"`
		Gated   bool         `json:"gated"`
		Rows    []jsonRow    `json:"rows"`
		Geomean *jsonGeomean `json:"geomean"`
	}
	jsonStat struct {
		N      int      `json:"n"`
		Median *float64 `json:"median"`
		Lo     *float64 `json:"lo"`
		Hi     *float64 `json:"hi"`
	}
	jsonRow struct {
		Name        string    `json:"name"`
		Status      string    `json:"status"` // "both", "missing_in_new" or "new_in_new"
		Old         *jsonStat `json:"old"`
		New         *jsonStat `json:"new"`
		DeltaPct    *float64  `json:"delta_pct"`
		P           *float64  `json:"p"`
		Significant bool      `json:"significant"`
		Regression  bool      `json:"regression"`
		Notes       []string  `json:"notes,omitempty"`
	}
	jsonGeomean struct {
		Cells    int      `json:"cells"`
		Old      *float64 `json:"old"`
		New      *float64 `json:"new"`
		DeltaPct *float64 `json:"delta_pct"`
	}
	jsonMissing struct {
		Unit string `json:"unit"`
		Name string `json:"name"`
		In   string `json:"missing_in"` // "OLD" or "NEW"
	}
	jsonRegression struct {
		Unit     string   `json:"unit"`
		Name     string   `json:"name"`
		DeltaPct *float64 `json:"delta_pct"`
		P        float64  `json:"p"`
	}
)

func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func jsonStatOf(s *results.Summary) *jsonStat {
	if s == nil {
		return nil
	}
	return &jsonStat{N: s.N, Median: finite(s.Median), Lo: finite(s.Lo), Hi: finite(s.Hi)}
}

// WriteJSON writes the report as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	jr := jsonReport{Old: r.Old, New: r.New, Alpha: r.Alpha, Confidence: r.Confidence,
		Gates: []jsonGate{}, Metrics: []jsonMetric{}, MissingInNew: append([]string{}, r.MissingInNew...),
		NewInNew: append([]string{}, r.NewInNew...), Regressions: []jsonRegression{}, GatedMissing: []jsonMissing{},
		AllowMissing: r.AllowMissing,
		Pass:         !r.Failed(), ReportOnly: r.ReportOnly, Verdict: strings.TrimPrefix(r.Verdict(), "verdict: ")}
	for _, g := range r.Gates {
		worse := "higher"
		if results.IsHigherBetter(g.Unit) {
			worse = "lower"
		}
		jr.Gates = append(jr.Gates, jsonGate{Unit: g.Unit, TolerancePct: g.Tolerance * 100, Worse: worse})
	}
	for _, m := range r.Metrics {
		jm := jsonMetric{Unit: m.Unit, Gated: m.Gate != nil, Rows: []jsonRow{}}
		for _, row := range m.Rows {
			status := "both"
			switch {
			case row.New == nil:
				status = "missing_in_new"
			case row.Old == nil:
				status = "new_in_new"
			}
			jm.Rows = append(jm.Rows, jsonRow{Name: row.Name, Status: status, Old: jsonStatOf(row.Old), New: jsonStatOf(row.New),
				DeltaPct: finite(row.Delta * 100), P: finite(row.P), Significant: row.Significant, Regression: row.Regression, Notes: row.Notes})
		}
		if g := m.Geomean; g != nil {
			jm.Geomean = &jsonGeomean{Cells: g.Cells, Old: finite(g.Old), New: finite(g.New), DeltaPct: finite(g.Delta * 100)}
		}
		jr.Metrics = append(jr.Metrics, jm)
	}
	for _, g := range r.Regressions {
		jr.Regressions = append(jr.Regressions, jsonRegression{Unit: g.Unit, Name: g.Name, DeltaPct: finite(g.Delta * 100), P: g.P})
	}
	for _, m := range r.GatedMissing {
		jr.GatedMissing = append(jr.GatedMissing, jsonMissing{Unit: m.Unit, Name: m.Name, In: m.In})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jr); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
