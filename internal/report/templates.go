package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	ttemplate "text/template"
)

// mdEscape makes text safe to place in Markdown as plain text: raw HTML in
// it (a claim text with "<b>" or "<script>") is shown, not interpreted, as
// index.html shows it. Without "<" no tag can start, so ">" stays readable.
var mdEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;")

// mdText escapes text for a Markdown paragraph or heading.
func mdText(s string) string { return mdEscape.Replace(strings.ReplaceAll(s, "\n", " ")) }

// mdCell escapes text for a Markdown table cell: HTML as mdText, and the
// cell separator.
func mdCell(s string) string { return strings.ReplaceAll(mdText(s), "|", `\|`) }

var funcs = template.FuncMap{
	"md":   mdCell,
	"mdp":  mdText,
	"code": func(s string) string { return "`" + strings.ReplaceAll(s, "`", "'") + "`" },
	"num": func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprint(v)
		}
		return TrimFloat(v, 4)
	},
}

// The method, shared by both formats: template text without markup.
const (
	methodStats = "Each cell (strategy × workload × size × workers × mode) ran in fresh processes, its repetitions interleaved " +
		"with every other cell's in a shuffled order (the seed is in the environment record). A figure is the median of a cell's " +
		"repetitions with its confidence interval, as benchstat computes them (golang.org/x/perf/benchmath, assuming nothing " +
		"about the distribution)."
	methodTest = "A difference is significant when the two-sided Mann-Whitney U test, the test benchstat and fanbench compare use, " +
		"gives p below {{.Alpha}}. With 6 runs on each side the smallest possible p is 0.002; with 3 or fewer on a side no " +
		"difference can be significant, however large."
	methodCandidates = "Fastest is the lowest median time (sec/op, the measured work inside the run). The in-memory ceiling and " +
		"reference commands (such as wc -l) are yardsticks shown in the charts and tables, not candidates."
)

var mdTemplate = ttemplate.Must(ttemplate.New("md").Funcs(ttemplate.FuncMap(funcs)).Parse(`# fanbench report: {{mdp .Experiment}}
{{if .Notice}}
**{{mdp .Notice}}**
{{end}}
{{.Runs}} measured runs ({{.Reps}} per cell) · machine: {{mdp .Machine}} · results folder {{code .Dir}}
{{if .Unverified}}
**{{mdp .Unverified}}**
{{end}}
{{if .Machines}}## Machines

| machine | shards | CPU | cores | kernel | Go | measured runs |
|---|---|---|---|---|---|---|
{{range .Machines}}| {{md .Label}} | {{.Shards}} | {{md .CPU}} | {{md .Cores}} | {{md .Kernel}} | {{md .Go}} | {{.Runs}} |
{{end}}
{{mdp .MachinesNote}}

{{end}}## Verdict

{{mdp .Headline}}

| where | for speed | for memory ({{md .Memory.Label}}) |
|---|---|---|
{{range .Verdict}}| {{md .Where}} | {{with .Speed}}{{if .OK}}{{if .Winner}}**{{md .Winner}}**: {{end}}{{md .Detail}}{{else}}—{{end}}{{end}} | {{with .Memory}}{{if .OK}}{{if .Winner}}**{{md .Winner}}**: {{end}}{{md .Detail}}{{else}}—{{end}}{{end}} |
{{end}}
{{- if .HasClaims}}
Claims: {{.ClaimsHeld}} of {{len .Claims}} hold{{if .Findings}}; the experiment's findings first ([below](#findings)){{else}} ([below](#claims)){{end}}.
{{end}}
Significant: Mann-Whitney U, p < {{.Alpha}}; medians of the repetitions ([method](#environment-and-method)).

## Key charts
{{template "figures" .KeyFigures}}
{{- if .Findings}}
## Findings

The claims the experiment states as its findings, as measured.
{{template "mdclaims" .Findings}}{{end}}
## Recommendation

For each cell: the fastest strategy (median time) and the one using least memory by **{{mdp .Memory.Label}}**, each with the ratio to the runner-up and whether the difference is significant (p < {{.Alpha}}).
{{range .Recommend}}
### {{mdp .Facet}}

| size | workers | fastest | vs runner-up | significant | least {{md $.Memory.Label}} | vs runner-up | significant |
|---|---|---|---|---|---|---|---|
{{range .Rows}}| {{.Size}} | {{.Workers}} | {{md .Fast.Best}} | {{md .Fast.Next}} | {{.Fast.Test}} | {{md .Lean.Best}} | {{md .Lean.Next}} | {{.Lean.Test}} |
{{end}}{{end}}
{{- if .HasClaims}}
## Claims

{{.ClaimsHeld}} of {{len .Claims}} claims hold over {{.ClaimsCells}} cells. The margin is how far the measured value lies from the claim's limit, as a fraction of the limit (negative: the claim fails by that much).{{if .Findings}} The findings are above; the other claims:{{end}}
{{template "mdclaims" .Others}}{{end}}
{{- if .MoreFigures}}
## More charts
{{template "figures" .MoreFigures}}{{end}}
## Results (median ±{{.Confidence}} CI)
{{range .Tables}}
### {{mdp .Facet.String}}

| strategy | size | workers | n |{{range $.Columns}} {{.Label}} |{{end}}
|---|---|---|---|{{range $.Columns}}---|{{end}}
{{range .Rows}}| {{md .Strategy}} | {{.Size}} | {{.Workers}} | {{.N}} |{{range .Values}} {{.}} |{{end}}
{{end}}{{end}}
{{if .Cross}}## Across machines

**Different machines: not paired, no significance test.** {{mdp .Cross.Note}}
{{if .Cross.Rows}}
| where | strategy | size | workers |{{range .Cross.Machines}} sec/op on {{md .}} |{{end}}{{range .Cross.Others}} {{md .}} / {{md $.Cross.Base}} |{{end}}
|---|---|---|---|{{range .Cross.Machines}}---|{{end}}{{range .Cross.Others}}---|{{end}}
{{range .Cross.Rows}}| {{md .Where}} | {{md .Strategy}} | {{.Size}} | {{.Workers}} |{{range .Medians}} {{.}} |{{end}}{{range .Ratios}} {{.}} |{{end}}
{{end}}{{end}}
{{end}}## Environment and method

` + methodStats + ` Intervals are {{.Confidence}}; {{.Skipped}} failed, skipped or warm-up runs are left out.

` + methodTest + `

` + methodCandidates + ` Least memory is by {{mdp .Memory.Label}}: {{mdp .Memory.Meaning}}.

| field | value |
|---|---|
{{range .Env}}| {{md .Key}} | {{md .Value}} |
{{end}}{{if .EnvNote}}
{{mdp .EnvNote}}
{{end}}
{{- define "mdclaims"}}
| verdict | claim | cells passed | worst margin |
|---|---|---|---|
{{range .}}| **{{if .Pass}}PASS{{else}}FAIL{{end}}** | {{md .Text}} | {{.Passed}}/{{.Cells}} | {{.Worst}} |
{{end}}
<details><summary>Per-cell detail</summary>

| claim | cell | verdict | measured |
|---|---|---|---|
{{range .}}{{$text := .Text}}{{range .Detail}}| {{md $text}} | {{md .Cell}} | {{.Verdict}} | {{md .Measured}} |
{{end}}{{end}}
</details>
{{end}}
{{- define "figures"}}{{range .}}
### {{mdp .Title}}

![{{md .Title}}]({{.PNG}})

{{mdp .Caption}} ([SVG]({{.SVG}}))
{{end}}{{end}}`))

var htmlTemplate = template.Must(template.New("html").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fanbench report: {{.Experiment}}</title>
<style>
:root { --fg: #1d1d1f; --muted: #5a5a5a; --line: #d4d4d4; --head: #f3f3f3; --pass: #0a7a2f; --fail: #b00020; }
* { box-sizing: border-box; }
body { font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); max-width: 1240px; margin: 0 auto; padding: 6px 16px 40px; }
h1 { font-size: 1.4em; margin: 0.15em 0 0.05em; line-height: 1.2; }
h2 { font-size: 1.2em; margin: 1.2em 0 0.4em; padding-bottom: 0.1em; border-bottom: 1px solid var(--line); line-height: 1.2; }
#verdict h2, #charts h2 { margin-top: 0.5em; }
h3 { font-size: 1em; margin: 1em 0 0.3em; }
p { margin: 0.35em 0; }
.meta { color: var(--muted); font-size: 0.88em; overflow-wrap: anywhere; }
nav { font-size: 0.88em; }
nav a { margin-right: 0.9em; white-space: nowrap; }
a { color: #0645ad; }
.lead { font-size: 1.05em; font-weight: 600; }
.note { color: var(--muted); font-size: 0.88em; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.3em 0 0.8em; }
th, td { border: 1px solid var(--line); padding: 0.2em 0.5em; text-align: right; vertical-align: top; }
th { background: var(--head); font-weight: 600; hyphens: none; word-break: keep-all; overflow-wrap: normal; white-space: nowrap; }
.l { text-align: left; }
td.l { overflow-wrap: anywhere; }
table.full { width: 100%; }
.scroll { overflow-x: auto; max-width: 100%; }
.pass { color: var(--pass); font-weight: 600; }
.fail { color: var(--fail); font-weight: 600; }
.ns { color: var(--muted); font-style: italic; }
.win { font-weight: 700; }
table.verdict td, table.verdict th { text-align: left; }
table.verdict { margin-bottom: 0.2em; }
table.verdict th.where, table.verdict td.where { width: 15em; white-space: nowrap; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 540px), 1fr)); gap: 10px 16px; }
figure { margin: 0; break-inside: avoid; }
figure img { display: block; width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.84em; color: #444; margin-top: 0.2em; }
details { margin: 0.2em 0; }
summary { cursor: pointer; color: var(--muted); }
ul.cells { margin: 0.2em 0 0.3em; padding-left: 1.2em; font-size: 0.95em; }
ul.cells li { margin: 0.15em 0; }
code { overflow-wrap: anywhere; }
@media (max-width: 820px) { body { font-size: 14px; padding: 8px 10px 30px; } table.verdict th.where, table.verdict td.where { width: auto; white-space: normal; } }
@media print {
  @page { margin: 12mm; }
  body { font-size: 10pt; max-width: none; padding: 0; color: #000; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  tr, figure, .verdict { break-inside: avoid; }
  .scroll { overflow: visible; }
  .grid { grid-template-columns: 1fr; gap: 6mm; }
  figure img { max-width: 150mm; }
  figure img { border: none; }
}
</style>
</head>
<body>
<header>
<h1>fanbench report: {{.Experiment}}</h1>
{{if .Notice}}<p class="fail"><b>{{.Notice}}</b></p>
{{end}}<p class="meta">{{.Runs}} measured runs ({{.Reps}} per cell) · machine: {{.Machine}} · results folder <code>{{.Dir}}</code></p>
{{if .Unverified}}<p class="fail"><b>{{.Unverified}}</b></p>
{{end}}<nav>{{if .Machines}}<a href="#machines">Machines</a>{{end}}<a href="#verdict">Verdict</a><a href="#charts">Key charts</a>{{if .Findings}}<a href="#findings">Findings</a>{{end}}<a href="#recommendation">Recommendation</a>{{if .HasClaims}}<a href="#claims">Claims ({{.ClaimsHeld}}/{{len .Claims}} hold)</a>{{end}}{{if .MoreFigures}}<a href="#more-charts">More charts</a>{{end}}<a href="#results">Results tables</a>{{if .Cross}}<a href="#across-machines">Across machines</a>{{end}}<a href="#environment-and-method">Environment and method</a></nav>
</header>

{{if .Machines}}<section id="machines">
<h2>Machines</h2>
<div class="scroll"><table>
<tr><th class="l">machine</th><th class="l">shards</th><th class="l">CPU</th><th>cores</th><th class="l">kernel</th><th class="l">Go</th><th>measured runs</th></tr>
{{range .Machines}}<tr><td class="l">{{.Label}}</td><td class="l">{{.Shards}}</td><td class="l">{{.CPU}}</td><td>{{.Cores}}</td><td class="l">{{.Kernel}}</td><td class="l">{{.Go}}</td><td>{{.Runs}}</td></tr>
{{end}}</table></div>
<p class="note">{{.MachinesNote}}</p>
</section>

{{end}}<section id="verdict">
<h2>Verdict</h2>
<p class="lead">{{.Headline}}</p>
<table class="verdict full">
<tr><th class="where">where</th><th>for speed</th><th>for memory ({{.Memory.Label}})</th></tr>
{{range .Verdict}}<tr><td class="where">{{.Where}}</td>{{with .Speed}}<td class="l">{{if .OK}}{{if .Winner}}<span class="win">{{.Winner}}</span>: {{end}}<span{{if not .Significant}} class="ns"{{end}}>{{.Detail}}</span>{{else}}—{{end}}</td>{{end}}{{with .Memory}}<td class="l">{{if .OK}}{{if .Winner}}<span class="win">{{.Winner}}</span>: {{end}}<span{{if not .Significant}} class="ns"{{end}}>{{.Detail}}</span>{{else}}—{{end}}</td>{{end}}</tr>
{{end}}</table>
<p class="note">{{if .HasClaims}}<a href="#{{if .Findings}}findings{{else}}claims{{end}}">Claims</a>: <span class="{{if eq .ClaimsHeld (len .Claims)}}pass{{else}}fail{{end}}">{{.ClaimsHeld}} of {{len .Claims}} hold</span>{{if .Findings}}, the findings first{{end}}. {{end}}Significant: Mann-Whitney U, p &lt; {{.Alpha}}; grey italics: not significant. Medians of the repetitions (<a href="#environment-and-method">method</a>).</p>
</section>

<section id="charts">
<h2>Key charts</h2>
{{template "grid" .KeyFigures}}
</section>

{{if .Findings}}<section id="findings">
<h2>Findings</h2>
<p>The claims the experiment states as its findings, as measured.</p>
{{template "claimtable" .Findings}}
</section>
{{end}}
<section id="recommendation">
<h2>Recommendation</h2>
<p>For each cell: the fastest strategy (median time) and the one using least memory by <b>{{.Memory.Label}}</b>, each with the ratio to the runner-up and whether the difference is significant (p &lt; {{.Alpha}}).</p>
{{range .Recommend}}<h3>{{.Facet}}</h3>
<div class="scroll"><table>
<tr><th>size</th><th>workers</th><th class="l">fastest</th><th class="l">vs runner-up</th><th class="l">significant</th><th class="l">least {{$.Memory.Label}}</th><th class="l">vs runner-up</th><th class="l">significant</th></tr>
{{range .Rows}}<tr><td>{{.Size}}</td><td>{{.Workers}}</td>{{with .Fast}}<td class="l win">{{.Best}}</td><td class="l">{{.Next}}</td><td class="l{{if not .Significant}} ns{{end}}">{{.Test}}</td>{{end}}{{with .Lean}}<td class="l win">{{.Best}}</td><td class="l">{{.Next}}</td><td class="l{{if not .Significant}} ns{{end}}">{{.Test}}</td>{{end}}</tr>
{{end}}</table></div>
{{end}}</section>
{{if .HasClaims}}
<section id="claims">
<h2>Claims</h2>
<p>{{.ClaimsHeld}} of {{len .Claims}} claims hold over {{.ClaimsCells}} cells. The margin is how far the measured value lies from the claim's limit, as a fraction of the limit (negative: the claim fails by that much).{{if .Findings}} The <a href="#findings">findings</a> are above; the other claims:{{end}}</p>
{{template "claimtable" .Others}}
</section>
{{end}}
{{- if .MoreFigures}}
<section id="more-charts">
<h2>More charts</h2>
{{template "grid" .MoreFigures}}
</section>
{{end}}
<section id="results">
<h2>Results tables</h2>
<p>Median ±{{.Confidence}} confidence interval of every cell; hover a row for its benchmark name.</p>
{{range .Tables}}<details><summary>{{.Facet}} ({{len .Rows}} cells)</summary>
<div class="scroll"><table>
<tr><th class="l">strategy</th><th>size</th><th>workers</th><th>n</th>{{range $.Columns}}<th>{{.Label}}</th>{{end}}</tr>
{{range .Rows}}<tr title="{{.Bench}}"><td class="l">{{.Strategy}}</td><td>{{.Size}}</td><td>{{.Workers}}</td><td>{{.N}}</td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table></div>
</details>
{{end}}</section>

{{if .Cross}}<section id="across-machines">
<h2>Across machines</h2>
<p><b>Different machines: not paired, no significance test.</b> {{.Cross.Note}}</p>
{{if .Cross.Rows}}<div class="scroll"><table>
<tr><th class="l">where</th><th class="l">strategy</th><th>size</th><th>workers</th>{{range .Cross.Machines}}<th>sec/op on {{.}}</th>{{end}}{{range .Cross.Others}}<th>{{.}} / {{$.Cross.Base}}</th>{{end}}</tr>
{{range .Cross.Rows}}<tr><td class="l">{{.Where}}</td><td class="l">{{.Strategy}}</td><td>{{.Size}}</td><td>{{.Workers}}</td>{{range .Medians}}<td>{{.}}</td>{{end}}{{range .Ratios}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table></div>
{{end}}</section>

{{end}}<section id="environment-and-method">
<h2>Environment and method</h2>
<p>` + methodStats + ` Intervals are {{.Confidence}}; {{.Skipped}} failed, skipped or warm-up runs are left out.</p>
<p>` + methodTest + `</p>
<p>` + methodCandidates + ` Least memory is by {{.Memory.Label}}: {{.Memory.Meaning}}.</p>
<table class="full">
{{range .Env}}<tr><th class="l">{{.Key}}</th><td class="l">{{.Value}}</td></tr>
{{end}}</table>
{{if .EnvNote}}<p class="note">{{.EnvNote}}</p>
{{end}}</section>
<script>
// Print every folded detail: the printed report keeps the evidence.
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
});
</script>
</body>
</html>
{{define "claimtable"}}<table class="full">
<tr><th class="l">verdict</th><th class="l">claim</th><th>cells passed</th><th>worst margin</th></tr>
{{range .}}<tr><td class="l {{if .Pass}}pass{{else}}fail{{end}}">{{if .Pass}}PASS{{else}}FAIL{{end}}</td><td class="l">{{.Text}}
<details><summary>per-cell detail</summary><ul class="cells">
{{range .Detail}}<li><span class="{{if eq .Verdict "PASS"}}pass{{else}}fail{{end}}">{{.Verdict}}</span> <code>{{.Cell}}</code>: {{.Measured}}</li>
{{end}}</ul></details></td><td>{{.Passed}}/{{.Cells}}</td><td title="{{.WorstCell}}">{{.Worst}}</td></tr>
{{end}}</table>{{end}}
{{define "grid"}}<div class="grid">
{{range .}}<figure>
<img src="{{.DataURI}}" alt="{{.Title}}" width="945" height="591">
<figcaption><b>{{.Title}}.</b> {{.Caption}} <a href="{{.SVG}}">SVG</a> · <a href="{{.PNG}}">PNG</a></figcaption>
</figure>
{{end}}</div>{{end}}`))
