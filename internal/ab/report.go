package ab

import (
	"fmt"
	"html"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/paired"
)

// Report files written into an A/B results folder.
const (
	MarkdownFile = "ab.md"      // the table for a pull request
	HTMLFile     = "index.html" // the same as a self-contained page
)

// pct writes a ratio as a signed percentage change: 1.021 → "+2.1%".
func pct(r float64) string {
	switch {
	case math.IsNaN(r):
		return "–"
	case math.IsInf(r, 1):
		return "+∞"
	case r <= 0:
		return "−∞"
	}
	d := (r - 1) * 100
	if math.Abs(d) < 0.05 {
		return "0.0%"
	}
	return fmt.Sprintf("%+.1f%%", d)
}

func interval(r *Row) string {
	if math.IsInf(r.Hi, 1) {
		return "(too few pairs)"
	}
	return "[" + pct(r.Lo) + ", " + pct(r.Hi) + "]"
}

// tolerance writes a row's gate tolerance in its worse direction.
func tolerance(r *Row) string {
	sign := "+"
	if r.LowerIsWorse {
		sign = "−"
	}
	return fmt.Sprintf("%s%.4g%%", sign, r.Tolerance*100)
}

// shown reports whether a row belongs in the short table: every time or
// rate, and every count or size that is not simply the same.
func shown(r *Row) bool { return r.Speed || r.Verdict != paired.Same }

// Verdict is the comparison's last line: PASS or FAIL with the counts.
func (o *Outcome) Verdict() string {
	v := o.verdict()
	if n := len(o.Analysis.HeadMissing); n > 0 {
		what := fmt.Sprintf("%d gated figures the head no longer reports (%s)", n, strings.Join(o.Analysis.HeadMissing, ", "))
		if strings.HasPrefix(v, "verdict: FAIL") {
			return v + "; " + what
		}
		return "verdict: FAIL: " + what
	}
	return v
}

func (o *Outcome) verdict() string {
	a := o.Analysis
	counts := fmt.Sprintf("%d same, %d better, %d undecided of %d gated cell×metric tests; Holm, family α = %g",
		a.Count(paired.Same), a.Count(paired.Better), a.Count(paired.Undecided), len(a.Gated()), a.Alpha)
	baseFailed := len(a.Failed) - a.HeadFailed
	switch {
	case len(a.Gated()) == 0 && a.HeadFailed == 0:
		return fmt.Sprintf("verdict: UNDECIDED: nothing compared: %d base runs failed (the base build cannot run this spec)", baseFailed)
	case len(a.Gated()) == 0:
		return fmt.Sprintf("verdict: FAIL: no complete pair of runs to compare (%d head runs failed)", a.HeadFailed)
	case a.HeadFailed > 0 && len(a.Worse()) == 0:
		return fmt.Sprintf("verdict: FAIL: %d head runs failed (%s)", a.HeadFailed, counts)
	case a.HeadFailed > 0:
		return fmt.Sprintf("verdict: FAIL: %d worse beyond tolerance and %d head runs failed (%s)", len(a.Worse()), a.HeadFailed, counts)
	case len(a.Worse()) > 0:
		return fmt.Sprintf("verdict: FAIL: %d worse beyond tolerance (%s)", len(a.Worse()), counts)
	default:
		return fmt.Sprintf("verdict: PASS: nothing worse beyond tolerance (%s)", counts)
	}
}

// pairRange is "6–14 pairs per cell" or "8 pairs per cell".
func (o *Outcome) pairRange() string {
	lo, hi := math.MaxInt, 0
	for _, n := range o.Analysis.Pairs {
		lo, hi = min(lo, n), max(hi, n)
	}
	if hi == 0 {
		return "no complete pairs"
	}
	if lo == hi {
		return fmt.Sprintf("%d pairs per cell", lo)
	}
	return fmt.Sprintf("%d–%d pairs per cell", lo, hi)
}

func (o *Outcome) header() string {
	budget := "no budget"
	if o.Budget > 0 {
		budget = "budget " + o.Budget.Round(time.Second).String()
	}
	return fmt.Sprintf("%d cells, %d rounds, %s, %s run (%s, at most %d pairs; stopped: %s)",
		len(o.Analysis.Pairs), o.Rounds, o.pairRange(), o.Spent.Round(time.Second), budget, o.MaxPairs, o.Stopped)
}

// undecidedLines name the undecided rows and the worsening each could hide.
func (o *Outcome) undecidedLines() []string {
	var out []string
	for _, r := range o.Analysis.Undecided() {
		hide := "any change (too few pairs)"
		if h := r.Hidden(); !math.IsInf(h, 1) {
			hide = fmt.Sprintf("up to %+.1f%%", h*100)
		}
		out = append(out, fmt.Sprintf("%s %s (%d pairs): could still hide %s, tolerance %s", r.Short(), r.Unit, r.N, hide, tolerance(r)))
	}
	return out
}

// WriteText writes the terminal report; its last line is the verdict.
func (o *Outcome) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "A/B: base %s vs head %s\n%s\n", o.Base.Label(), o.Head.Label(), o.header())
	fmt.Fprintf(&b, "method: %s\n", o.Analysis.Method())
	width := len("cell")
	for _, r := range o.Analysis.Rows {
		width = max(width, len(r.Short()))
	}
	fmt.Fprintf(&b, "%-*s  %-11s %5s  %9s  %-20s %6s  %s\n", width, "cell", "metric", "pairs", "head/base", "95% interval", "tol", "verdict")
	hidden := 0
	for _, r := range o.Analysis.Rows {
		if !shown(r) {
			hidden++
			continue
		}
		fmt.Fprintf(&b, "%-*s  %-11s %5d  %9s  %-20s %6s  %s%s\n", width, r.Short(), r.Unit, r.N, pct(r.Ratio), interval(r), tolerance(r), r.Verdict, reportTag(r))
	}
	if hidden > 0 {
		fmt.Fprintf(&b, "(%d count and memory rows are the same within tolerance and not shown; all rows in %s)\n", hidden, MarkdownFile)
	}
	for _, l := range o.undecidedLines() {
		fmt.Fprintf(&b, "undecided: %s\n", l)
	}
	for _, f := range o.Analysis.Failed {
		fmt.Fprintf(&b, "failed run: %s\n", f)
	}
	fmt.Fprintf(&b, "results: %s (%s, %s; compare the arms: %s)\n", o.Dir, MarkdownFile, HTMLFile,
		cli.Command("benchstat", "-col", "/arm", filepath.Join(o.Dir, "results.bench")))
	b.WriteString(o.Verdict() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

var verdictMark = map[paired.Verdict]string{paired.Worse: "🔴 worse", paired.Undecided: "⚪ undecided", paired.Same: "same", paired.Better: "🟢 better"}

func mdRow(b *strings.Builder, r *Row) {
	fmt.Fprintf(b, "| `%s` | %s | %d | %s | %s | %s | %s |\n", r.Short(), r.Unit, r.N, pct(r.Ratio), interval(r), tolerance(r), verdictMark[r.Verdict]+reportTag(r))
}

// reportTag marks a report-only row's verdict.
func reportTag(r *Row) string {
	if r.ReportOnly {
		return " (report only)"
	}
	return ""
}

const mdHead = "| cell | metric | pairs | head/base | 95% interval | tolerance | verdict |\n|---|---|---:|---:|---|---:|---|\n"

// WriteMarkdown writes the report for a pull-request comment: the verdict
// first, then the rows that matter (times, and anything not the same),
// then every row folded away, then the method.
func (o *Outcome) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	a := o.Analysis
	mark := "✅ PASS"
	if a.Regressed() {
		mark = "❌ FAIL"
	} else if len(a.Gated()) == 0 {
		mark = "⚪ UNDECIDED"
	}
	fmt.Fprintf(&b, "### fanbench A/B: %s\n\n", mark)
	fmt.Fprintf(&b, "**base** %s vs **head** %s: %s.\n\n", code(o.Base.Label()), code(o.Head.Label()), o.header())
	fmt.Fprintf(&b, "%s\n\n", strings.TrimPrefix(o.Verdict(), "verdict: "))
	if len(a.Rows) > 0 {
		b.WriteString(mdHead)
		hidden := 0
		for _, r := range a.Rows {
			if shown(r) {
				mdRow(&b, r)
			} else {
				hidden++
			}
		}
		if hidden > 0 {
			fmt.Fprintf(&b, "\n%d count and memory rows are the same within tolerance.\n", hidden)
		}
	}
	if u := o.undecidedLines(); len(u) > 0 {
		b.WriteString("\n**Undecided** (more pairs or a larger budget would decide them):\n\n")
		for _, l := range u {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	if len(a.Failed) > 0 {
		b.WriteString("\n**Failed runs:**\n\n")
		for _, f := range a.Failed {
			fmt.Fprintf(&b, "- %s\n", f)
		}
	}
	if len(a.Rows) > 0 {
		fmt.Fprintf(&b, "\n<details><summary>All %d rows</summary>\n\n%s", len(a.Rows), mdHead)
		for _, r := range a.Rows {
			mdRow(&b, r)
		}
		b.WriteString("\n</details>\n")
	}
	fmt.Fprintf(&b, "\nMethod: %s. Counts and sizes compare as (head+1)/(base+1).\n", a.Method())
	_, err := io.WriteString(w, b.String())
	return err
}

func code(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" }

// WriteHTML writes the report as one self-contained page: the verdict,
// then each shown row with its interval drawn against the tolerance band.
func (o *Outcome) WriteHTML(w io.Writer) error {
	var b strings.Builder
	a := o.Analysis
	esc := html.EscapeString
	status := "pass"
	if a.Regressed() {
		status = "fail"
	}
	fmt.Fprintf(&b, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fanbench A/B: %s vs %s</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:1.5em auto;padding:0 1em;color:#222}
.verdict{padding:.6em 1em;border-radius:6px;font-weight:600}.pass{background:#e6f4ea}.fail{background:#fce8e6}
table{border-collapse:collapse;width:100%%;table-layout:fixed}th,td{padding:.25em .4em;border-bottom:1px solid #ddd;text-align:left}td{overflow-wrap:anywhere}th{font-size:.88em;hyphens:none;word-break:keep-all;overflow-wrap:normal}
td.n{text-align:right;font-variant-numeric:tabular-nums}.worse{color:#b3261e;font-weight:600}.better{color:#137333}.undecided{color:#7a5c00}
svg{display:block;width:100%%;height:14px}@media print{body{max-width:none}}
</style></head><body>
<h1>fanbench A/B</h1>
<p class="verdict %s">%s</p>
<p><b>base</b> %s vs <b>head</b> %s<br>%s</p>
`, esc(o.Base.Label()), esc(o.Head.Label()), status, esc(strings.TrimPrefix(o.Verdict(), "verdict: ")), esc(o.Base.Label()), esc(o.Head.Label()), esc(o.header()))
	b.WriteString(`<table><colgroup><col style="width:23%"><col style="width:9%"><col style="width:8%"><col style="width:12%"><col style="width:14%"><col style="width:12%"><col style="width:10%"><col style="width:12%"></colgroup>
<tr><th>cell</th><th>metric</th><th>pairs</th><th>head/base</th><th>95% interval</th><th>tolerance</th><th>verdict</th><th>interval vs ±tolerance</th></tr>
`)
	for _, r := range a.Rows {
		if !shown(r) {
			continue
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td class=n>%d</td><td class=n>%s</td><td>%s</td><td class=n>%s</td><td class=%s>%s%s</td><td>%s</td></tr>\n",
			esc(r.Short()), esc(r.Unit), r.N, esc(pct(r.Ratio)), esc(interval(r)), esc(tolerance(r)), r.Verdict, r.Verdict, esc(reportTag(r)), intervalSVG(r))
	}
	b.WriteString("</table>\n")
	if u := o.undecidedLines(); len(u) > 0 {
		b.WriteString("<h2>Undecided</h2><ul>\n")
		for _, l := range u {
			fmt.Fprintf(&b, "<li>%s</li>\n", esc(l))
		}
		b.WriteString("</ul>\n")
	}
	if len(a.Failed) > 0 {
		b.WriteString("<h2>Failed runs</h2><ul>\n")
		for _, f := range a.Failed {
			fmt.Fprintf(&b, "<li>%s</li>\n", esc(f))
		}
		b.WriteString("</ul>\n")
	}
	fmt.Fprintf(&b, "<h2>Method</h2><p>%s. Counts and sizes compare as (head+1)/(base+1). All rows: <a href=\"%s\">%s</a>.</p>\n</body></html>\n",
		esc(a.Method()), MarkdownFile, MarkdownFile)
	_, err := io.WriteString(w, b.String())
	return err
}

// intervalSVG draws a row's interval (line) and estimate (dot) on a log
// scale spanning three tolerances either side of 1, with the ±tolerance
// band shaded and 1 marked.
func intervalSVG(r *Row) string {
	t := math.Log1p(max(r.Tolerance, 0.01))
	span := 3 * t
	x := func(ratio float64) float64 {
		v := math.Log(ratio)
		if math.IsNaN(v) {
			v = 0
		}
		return 50 + 50*max(-1, min(1, v/span))
	}
	lo, hi := r.Lo, r.Hi
	if math.IsInf(hi, 1) || lo <= 0 {
		lo, hi = math.Exp(-span), math.Exp(span)
	}
	color := map[paired.Verdict]string{paired.Worse: "#b3261e", paired.Better: "#137333", paired.Same: "#555", paired.Undecided: "#b08500"}[r.Verdict]
	return fmt.Sprintf(`<svg viewBox="0 0 100 14" preserveAspectRatio="none" role="img" aria-label="%s"><rect x="%.2f" y="0" width="%.2f" height="14" fill="#eee"/><line x1="50" y1="0" x2="50" y2="14" stroke="#999" stroke-width="0.5"/><line x1="%.2f" y1="7" x2="%.2f" y2="7" stroke="%s" stroke-width="2"/><circle cx="%.2f" cy="7" r="2.2" fill="%s"/></svg>`,
		html.EscapeString(interval(r)), x(1/(1+r.Tolerance)), x(1+r.Tolerance)-x(1/(1+r.Tolerance)), x(lo), x(hi), color, x(r.Ratio), color)
}

// WriteFiles writes the Markdown and HTML reports into the results folder,
// and the Markdown also to extra when it is not "".
func (o *Outcome) WriteFiles(extra string) error {
	write := func(path string, f func(io.Writer) error) error {
		var b strings.Builder
		if err := f(&b); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		return nil
	}
	if err := write(filepath.Join(o.Dir, MarkdownFile), o.WriteMarkdown); err != nil {
		return err
	}
	if err := write(filepath.Join(o.Dir, HTMLFile), o.WriteHTML); err != nil {
		return err
	}
	if extra != "" {
		return write(extra, o.WriteMarkdown)
	}
	return nil
}
