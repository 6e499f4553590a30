package chart

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	ttemplate "text/template"

	"golang.org/x/perf/benchmath"

	"github.com/fanbench/fanbench/internal/results"
)

// Column is one metric column of the results table.
type Column struct {
	Metric Metric
	Title  string
	Format func(float64) string
}

// Columns are the metrics of the results table, in order.
var Columns = []Column{
	{MetricTime, "time", FormatSeconds},
	{MetricThroughput, "GB/s", func(v float64) string { return trimFloat(v, 3) }},
	{MetricPeakRSS, "peak RSS", FormatBytes},
	{MetricPSS, "PSS", FormatBytes},
	{MetricTreePeak, "tree peak", FormatBytes},
	{MetricAlloc, "alloc", FormatBytes},
	{MetricGC, "GC cycles", func(v float64) string { return trimFloat(v, 3) }},
}

// Row is one cell of the results table: a median ± CI per column, "" where
// the cell lacks the metric.
type Row struct {
	Strategy string
	Size     string
	Workers  int
	N        int
	Bench    string // the cell's name in results.bench
	Values   []string
}

// Table is the results table of one facet.
type Table struct {
	Facet Facet
	Rows  []Row
}

// formatSummary prints a median with its interval in the benchstat style:
// "1.52 s ±3%", "±∞" when there are too few runs for an interval.
func formatSummary(s Summary, format func(float64) string) string {
	return format(s.Center) + " ±" + s.PctRange()
}

// Tables builds the results table of every facet: rows by size, workers,
// then strategy.
func Tables(d *Dataset) []Table {
	var out []Table
	for _, f := range d.Facets() {
		t := Table{Facet: f}
		type key struct {
			s Series
			p Point
		}
		var keys []key
		for _, s := range d.Series(f) {
			for _, p := range d.Points(f, s) {
				keys = append(keys, key{s, p})
			}
		}
		sort.SliceStable(keys, func(i, j int) bool {
			a, b := keys[i], keys[j]
			if a.p.Size != b.p.Size {
				return a.p.Size < b.p.Size
			}
			return a.p.Workers < b.p.Workers
		})
		for _, k := range keys {
			runs := d.Runs(f, k.s, k.p)
			row := Row{Strategy: k.s.Label(), Size: FormatBytes(float64(k.p.Size)), Workers: k.p.Workers,
				N: len(runs), Bench: "Benchmark" + results.BenchName(runs[0].Cell)}
			for _, c := range Columns {
				if sum, ok := d.Summary(f, k.s, k.p, c.Metric); ok {
					row.Values = append(row.Values, formatSummary(sum, c.Format))
				} else {
					row.Values = append(row.Values, "")
				}
			}
			t.Rows = append(t.Rows, row)
		}
		out = append(out, t)
	}
	return out
}

// Findings are plain-language sentences computed from the data: for each
// facet, at the largest size and worker count, which strategy is fastest
// and which uses the least peak memory (ceiling and reference commands are
// not candidates).
func Findings(d *Dataset) []string {
	var out []string
	for _, f := range d.Facets() {
		sizes, ws := d.Sizes(f), d.Workers(f)
		pt := Point{sizes[len(sizes)-1], ws[len(ws)-1]}
		type cand struct {
			s        Series
			time     []float64
			mem      Summary
			tput     Summary
			hasMem   bool
			timeSumm Summary
		}
		var cs []cand
		peak := peakOfMode(f.Mode)
		for _, s := range d.Series(f) {
			if IsCeiling(s.Strategy) || IsReference(s.Strategy) {
				continue
			}
			runs := d.Runs(f, s, pt)
			t := values(runs, MetricTime)
			if len(t) == 0 {
				continue
			}
			c := cand{s: s, time: t, timeSumm: Summarize(t)}
			c.tput, _ = d.Summary(f, s, pt, MetricThroughput)
			c.mem, c.hasMem = d.Summary(f, s, pt, peak)
			cs = append(cs, c)
		}
		if len(cs) == 0 {
			continue
		}
		where := fmt.Sprintf("%s with %s (%s)", FormatBytes(float64(pt.Size)), workersWord(pt.Workers), f)
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].timeSumm.Center < cs[j].timeSumm.Center })
		best := cs[0]
		sentence := fmt.Sprintf("At %s, %s is fastest: %s (%s GB/s)", where, best.s.Label(),
			FormatSeconds(best.timeSumm.Center), trimFloat(best.tput.Center, 3))
		if _, cs2, ok := d.ceilingSeries(f.Workload, f.Cache); ok {
			cf := Facet{Workload: f.Workload, Mode: "goroutine", Cache: f.Cache}
			if ceil, ok := d.Summary(cf, cs2, pt, MetricThroughput); ok && ceil.Center > 0 {
				sentence += fmt.Sprintf(", %.0f%% of the in-memory ceiling", 100*best.tput.Center/ceil.Center)
			}
		}
		if len(cs) > 1 {
			next := cs[1]
			cmp := benchmath.AssumeNothing.Compare(
				benchmath.NewSample(append([]float64(nil), best.time...), &benchmath.DefaultThresholds),
				benchmath.NewSample(append([]float64(nil), next.time...), &benchmath.DefaultThresholds))
			if cmp.P < cmp.Alpha {
				sentence += fmt.Sprintf("; the next, %s, takes %s (%.2f× longer, p=%.3f)", next.s.Label(),
					FormatSeconds(next.timeSumm.Center), next.timeSumm.Center/best.timeSumm.Center, cmp.P)
			} else {
				sentence += fmt.Sprintf("; %s (%s) is not distinguishable from it at this confidence (p=%.2f)",
					next.s.Label(), FormatSeconds(next.timeSumm.Center), cmp.P)
			}
			last := cs[len(cs)-1]
			sentence += fmt.Sprintf(", and %s is slowest at %s", last.s.Label(), FormatSeconds(last.timeSumm.Center))
		}
		out = append(out, sentence+".")

		var mems []cand
		for _, c := range cs {
			if c.hasMem {
				mems = append(mems, c)
			}
		}
		if len(mems) > 0 {
			sort.SliceStable(mems, func(i, j int) bool { return mems[i].mem.Center < mems[j].mem.Center })
			what := "peak RSS (VmHWM)"
			if f.Mode == "process" {
				what = "whole-tree peak memory"
				if src := treePeakSources(d.Runs(f, mems[0].s, pt)); len(src) > 0 {
					what += " (" + strings.Join(src, ", ") + ")"
				}
			}
			s := fmt.Sprintf("By %s, %s uses least: %s", what, mems[0].s.Label(), FormatBytes(mems[0].mem.Center))
			if len(mems) > 1 {
				top := mems[len(mems)-1]
				s += fmt.Sprintf(", against %s for %s", FormatBytes(top.mem.Center), top.s.Label())
			}
			out = append(out, s+".")
		}
	}
	return out
}

// EnvField is one field of the environment record, as JSON text.
type EnvField struct{ Key, Value string }

// EnvFields lists the environment record's fields in their JSON order,
// strings unquoted and other values as compact JSON.
func EnvFields(env results.Environment) ([]EnvField, error) {
	raw, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("environment: %w", err)
	}
	var out []EnvField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("environment: %w", err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("environment %s: %w", key, err)
		}
		val := string(v)
		var s string
		if json.Unmarshal(v, &s) == nil {
			val = s
		}
		out = append(out, EnvField{Key: key, Value: val})
	}
	return out, nil
}

// reportData is what the report templates render.
type reportData struct {
	Experiment string
	Dir        string
	Machine    string
	Skipped    int
	Findings   []string
	Figures    []reportFigure
	Tables     []Table
	Columns    []Column
	Env        []EnvField
	Claims     []results.Verdict
	HasClaims  bool
	Confidence string
}

type reportFigure struct {
	Title, Caption, PNG, SVG string
	DataURI                  template.URL
}

// WriteReport writes report.md and a self-contained index.html to dir,
// which must already hold the figures' PNG and SVG files (Figure.Save). The
// HTML embeds each PNG as a data: URI and links the SVG beside it, so it
// needs no network and survives being copied alone. It returns the paths
// written.
func WriteReport(res *Results, figs []*Figure, dir string) ([]string, error) {
	env, err := EnvFields(res.Env)
	if err != nil {
		return nil, err
	}
	data := reportData{
		Experiment: res.Data.Experiment, Dir: res.Dir, Machine: res.Data.Machine.String(),
		Skipped: res.Data.Skipped, Findings: Findings(res.Data), Tables: Tables(res.Data),
		Columns: Columns, Env: env, Claims: res.Claims, HasClaims: res.Claims != nil,
		Confidence: fmt.Sprintf("%.0f%%", 100*Confidence),
	}
	for _, f := range figs {
		png, err := os.ReadFile(filepath.Join(dir, f.Name+".png"))
		if err != nil {
			return nil, fmt.Errorf("report: figure %s: %w", f.Name, err)
		}
		title := strings.SplitN(f.Title, "\n", 2)[0]
		data.Figures = append(data.Figures, reportFigure{
			Title: title, Caption: f.Caption, PNG: f.Name + ".png", SVG: f.Name + ".svg",
			DataURI: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)),
		})
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

// mdCell escapes a value for a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

var funcs = template.FuncMap{
	"md": mdCell,
	"verdict": func(v results.Verdict) string {
		if v.Error != "" {
			return "ERROR"
		}
		if v.Pass {
			return "PASS"
		}
		return "FAIL"
	},
	"num": func(v float64) string {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprint(v)
		}
		return trimFloat(v, 4)
	},
}

var mdTemplate = ttemplate.Must(ttemplate.New("md").Funcs(ttemplate.FuncMap(funcs)).Parse(`# fanbench report: {{.Experiment}}

Results folder: ` + "`{{.Dir}}`" + ` · machine: {{.Machine}}.
Every figure is the median over a cell's repetitions with its {{.Confidence}} confidence interval (benchstat's method); {{.Skipped}} failed, skipped or warm-up runs are left out.

## Summary
{{range .Findings}}
- {{.}}{{end}}
{{if .HasClaims}}
## Claims

| verdict | claim | measured | value | limit |
|---|---|---|---|---|
{{range .Claims}}| **{{verdict .}}** | {{md .Claim}} | {{md .Measured}}{{if .Error}} (error: {{md .Error}}){{end}} | {{num .Value}} | {{num .Limit}} |
{{end}}{{end}}
## Charts
{{range .Figures}}
### {{.Title}}

![{{md .Title}}]({{.PNG}})

{{.Caption}} ([SVG]({{.SVG}}))
{{end}}
## Results (median ±{{.Confidence}} CI)
{{range .Tables}}
### {{.Facet}}

| strategy | size | workers | n |{{range $.Columns}} {{.Title}} |{{end}}
|---|---|---|---|{{range $.Columns}}---|{{end}}
{{range .Rows}}| {{md .Strategy}} | {{.Size}} | {{.Workers}} | {{.N}} |{{range .Values}} {{.}} |{{end}}
{{end}}{{end}}
## Environment

| field | value |
|---|---|
{{range .Env}}| {{.Key}} | {{md .Value}} |
{{end}}`))

var htmlTemplate = template.Must(template.New("html").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>fanbench report: {{.Experiment}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1, h2, h3 { line-height: 1.2; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.92em; color: #444; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; white-space: nowrap; }
th { background: #f2f2f2; }
td.l, th.l { text-align: left; white-space: normal; }
.pass { color: #0a7a2f; font-weight: bold; }
.fail { color: #b00020; font-weight: bold; }
.scroll { overflow-x: auto; }
</style>
</head>
<body>
<h1>fanbench report: {{.Experiment}}</h1>
<p>Results folder <code>{{.Dir}}</code> · machine: {{.Machine}}.
Every figure is the median over a cell's repetitions with its {{.Confidence}} confidence interval (benchstat's method); {{.Skipped}} failed, skipped or warm-up runs are left out.</p>

<h2 id="summary">Summary</h2>
<ul>
{{range .Findings}}<li>{{.}}</li>
{{end}}</ul>
{{if .HasClaims}}
<h2 id="claims">Claims</h2>
<table>
<tr><th>verdict</th><th class="l">claim</th><th class="l">measured</th><th>value</th><th>limit</th></tr>
{{range .Claims}}<tr><td class="{{if .Pass}}pass{{else}}fail{{end}}">{{verdict .}}</td><td class="l">{{.Claim}}</td><td class="l">{{.Measured}}{{if .Error}} (error: {{.Error}}){{end}}</td><td>{{num .Value}}</td><td>{{num .Limit}}</td></tr>
{{end}}</table>
{{end}}
<h2 id="charts">Charts</h2>
{{range .Figures}}<figure>
<img src="{{.DataURI}}" alt="{{.Title}}" width="945">
<figcaption><b>{{.Title}}.</b> {{.Caption}} <a href="{{.SVG}}">SVG</a> · <a href="{{.PNG}}">PNG</a></figcaption>
</figure>
{{end}}
<h2 id="results">Results (median ±{{.Confidence}} CI)</h2>
{{range .Tables}}<h3>{{.Facet}}</h3>
<div class="scroll"><table>
<tr><th class="l">strategy</th><th>size</th><th>workers</th><th>n</th>{{range $.Columns}}<th>{{.Title}}</th>{{end}}</tr>
{{range .Rows}}<tr title="{{.Bench}}"><td class="l">{{.Strategy}}</td><td>{{.Size}}</td><td>{{.Workers}}</td><td>{{.N}}</td>{{range .Values}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table></div>
{{end}}
<h2 id="environment">Environment</h2>
<table>
{{range .Env}}<tr><th class="l">{{.Key}}</th><td class="l">{{.Value}}</td></tr>
{{end}}</table>
</body>
</html>
`))
