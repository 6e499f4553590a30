package report

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/plotkit"
)

// TerminalWidth is the width the terminal summary fits: every line
// WriteSummary writes is at most this many columns.
const TerminalWidth = 80

// UnstableSpread is the half-width of a cell's confidence interval, as a
// share of its median, above which the terminal summary flags the cell as
// unstable: its repetitions disagree too much for its median to be read
// to better than ±20%.
const UnstableSpread = 0.20

// maxUnstableLines is how many unstable cells the summary names; the rest
// are counted.
const maxUnstableLines = 8

// ANSI styles of the summary when it is coloured.
const (
	ansiReset  = "\x1b[0m"
	ansiWinner = "\x1b[1;32m" // bold green: a significant winner
	ansiNone   = "\x1b[33m"   // yellow: no significant difference
	ansiWarn   = "\x1b[1;33m" // bold yellow: unstable cells
)

// WriteSummary writes the report's verdict for a terminal: per workload,
// mode and cache state, the fastest and the leanest strategy with the
// ratio to the runner-up and its significance (the report's Verdicts), or
// "no significant difference"; then the cells whose confidence interval
// is wider than ±UnstableSpread of the median. Every line fits
// TerminalWidth columns. With color, winners, undecided criteria and the
// unstable heading are coloured with ANSI escapes (the caller decides:
// a terminal, no NO_COLOR).
func WriteSummary(w io.Writer, res *chart.Results, color bool) error {
	d := res.Data
	mem := chart.ChooseMemoryMetric(d)
	verdicts := Verdicts(Recommend(d, mem))
	var b strings.Builder
	s := summaryWriter{b: &b, color: color}
	if len(verdicts) > 0 {
		s.line("", fmt.Sprintf("verdict (medians; significant when p < %g; memory: %s)", Alpha, mem.Label), "  ", "")
	}
	for _, v := range verdicts {
		s.line("", facetWords(v.Facet), "  ", "")
		s.choice("  speed:  ", choiceCell(v.Speed, v.HasSpeed, "fastest", "faster", plotkit.FormatSeconds))
		s.choice("  memory: ", choiceCell(v.Memory, v.HasMemory, "least", "less", plotkit.FormatBytes))
	}
	s.unstable(unstableCells(d, mem))
	_, err := io.WriteString(w, b.String())
	return err
}

// summaryWriter wraps and colours the summary's lines.
type summaryWriter struct {
	b     *strings.Builder
	color bool
}

// line writes first+text wrapped at TerminalWidth (first as it is),
// continuation lines indented by indent; with colour, the first occurrence of styled on the first
// line is coloured by style.
func (s summaryWriter) line(first, text, indent, styled string, style ...string) {
	lines := wrap(first, text, indent, TerminalWidth)
	if s.color && styled != "" && len(style) > 0 {
		lines[0] = strings.Replace(lines[0], styled, style[0]+styled+ansiReset, 1)
	}
	for _, l := range lines {
		s.b.WriteString(l + "\n")
	}
}

// choice writes one criterion's verdict: "  speed:  mmap, fastest in …".
func (s summaryWriter) choice(prefix string, c verdictCell) {
	if !c.OK {
		return
	}
	indent := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	if c.Winner == "" {
		s.line(prefix, c.Detail, indent, c.Detail, ansiNone)
		return
	}
	s.line(prefix, c.Winner+", "+c.Detail, indent, c.Winner, ansiWinner)
}

// unstable writes the unstable cells, at most maxUnstableLines of them.
func (s summaryWriter) unstable(cells []string) {
	if len(cells) == 0 {
		return
	}
	head := fmt.Sprintf("unstable: %d cells' %.0f%% interval is wider than ±%.0f%% of the median:",
		len(cells), 100*chart.Confidence, 100*UnstableSpread)
	if len(cells) == 1 {
		head = fmt.Sprintf("unstable: 1 cell's %.0f%% interval is wider than ±%.0f%% of the median:", 100*chart.Confidence, 100*UnstableSpread)
	}
	s.line("", head, "  ", "unstable", ansiWarn)
	for i, c := range cells {
		if i == maxUnstableLines {
			s.line("  ", fmt.Sprintf("and %d more (the report's tables give every interval)", len(cells)-i), "    ", "")
			break
		}
		s.line("  ", c, "    ", "")
	}
}

// unstableCells describes each cell (strategy, facet and point) whose
// time or memory figure has a confidence interval reaching further than
// UnstableSpread of its median on either side, or none for lack of runs:
// "mmap · count · goroutine · warm cache, 64 MiB, 2 workers: sec/op
// ±35%". Cells are in facet, series and point order.
func unstableCells(d *chart.Dataset, mem chart.MemoryMetric) []string {
	var out []string
	for _, f := range d.Facets() {
		for _, s := range d.Series(f) {
			for _, p := range d.Points(f, s) {
				var why []string
				for _, m := range []chart.DisplayMetric{chart.MetricTime, mem.DisplayMetric} {
					v := m.Values(d.Runs(f, s, p))
					if len(v) == 0 {
						continue
					}
					sum := chart.Summarize(v)
					switch spread := sum.RelHalfWidth(); {
					case math.IsInf(spread, 0):
						why = append(why, fmt.Sprintf("%s no interval (%d runs)", m.Name, sum.N))
					case spread > UnstableSpread:
						why = append(why, fmt.Sprintf("%s ±%.0f%%", m.Name, 100*spread))
					}
				}
				if len(why) > 0 {
					out = append(out, fmt.Sprintf("%s · %s, %s: %s", s.Label(), facetWords(f), pointWords(p), strings.Join(why, ", ")))
				}
			}
		}
	}
	return out
}

// wrap breaks first+text at spaces into lines of at most width columns
// (runes): the first line starts with first as it is, the others with
// indent; a number keeps its unit or noun ("1 GiB", "8 workers") on its
// line, and a word longer than a line is cut.
func wrap(first, text, indent string, width int) []string {
	text = unitSpace.ReplaceAllString(text, "$1\x00$2")
	var lines []string
	line, empty := first, true
	for _, word := range strings.Fields(text) {
		word = strings.ReplaceAll(word, "\x00", " ")
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
		for utf8.RuneCountInString(line) > width && utf8.RuneCountInString(indent) < width { // a word too long for any line
			r := []rune(line)
			lines = append(lines, string(r[:width]))
			line = indent + string(r[width:])
		}
	}
	return append(lines, line)
}

// unitSpace is the space between a number and its unit or noun, which
// wrap does not break.
var unitSpace = regexp.MustCompile(`(\d) (TiB|GiB|MiB|KiB|B|s|ms|µs|ns|workers?|runs?|cells?)\b`)
