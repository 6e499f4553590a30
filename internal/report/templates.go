package report

import (
	"embed"
	"fmt"
	"html/template"
	"math"
	"strings"
	ttemplate "text/template"

	"github.com/fanbench/fanbench/internal/plotkit"
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
		return plotkit.TrimFloat(v, 4)
	},
}

// templateFS holds the page templates: report.md.tmpl and index.html.tmpl
// lay out the report's data (reportData: every sentence and number is
// computed in Go, the templates only lay them out), and method.tmpl is the
// method's text both formats share.
//
//go:embed templates/*.tmpl
var templateFS embed.FS

// The templates of report.md (text/template: Markdown escapes by hand, md
// and mdp) and index.html (html/template).
var (
	mdTemplate = ttemplate.Must(ttemplate.New("report.md.tmpl").Funcs(ttemplate.FuncMap(funcs)).
			ParseFS(templateFS, "templates/report.md.tmpl", "templates/method.tmpl"))
	htmlTemplate = template.Must(template.New("index.html.tmpl").Funcs(funcs).
			ParseFS(templateFS, "templates/index.html.tmpl", "templates/method.tmpl"))
)
