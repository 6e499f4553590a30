package fanbench

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestDocLinks: every relative link in README.md and docs/*.md resolves:
// the file (or folder) it names exists, and an #anchor names a heading of
// the target file as GitHub spells heading anchors.
func TestDocLinks(t *testing.T) {
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no docs/*.md")
	}
	anchors := map[string][]string{} // a Markdown file's heading anchors, read once
	anchorsOf := func(path string) []string {
		if a, ok := anchors[path]; ok {
			return a
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		anchors[path] = headingAnchors(string(b))
		return anchors[path]
	}
	for _, file := range append([]string{"README.md"}, docs...) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range markdownLinks(string(b)) {
			if strings.Contains(l.target, ":") { // https:, mailto:: not a file here
				continue
			}
			path, anchor, _ := strings.Cut(l.target, "#")
			target := file
			if path != "" {
				target = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
				if _, err := os.Stat(target); err != nil {
					t.Errorf("%s:%d: link %q: %v", file, l.line, l.target, err)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			if !strings.HasSuffix(target, ".md") {
				t.Errorf("%s:%d: link %q: an anchor in a file that is not Markdown", file, l.line, l.target)
				continue
			}
			if !slices.Contains(anchorsOf(target), anchor) {
				t.Errorf("%s:%d: link %q: %s has no heading with anchor #%s", file, l.line, l.target, target, anchor)
			}
		}
	}
}

// link is one inline Markdown link or image: its target and its line.
type link struct {
	target string
	line   int
}

// linkRE matches an inline link or image, [text](target) or
// [text](target "title"); its group is the target.
var linkRE = regexp.MustCompile(`!?\[[^\]]*\]\(<?([^()\s<>]+)>?(?:\s+"[^"]*")?\)`)

// markdownLinks returns the inline links of a Markdown text, leaving out
// fenced code blocks and code spans.
func markdownLinks(text string) []link {
	var links []link
	fence := ""
	for i, line := range strings.Split(text, "\n") {
		if fence, line = fenced(fence, line); line == "" {
			continue
		}
		spans := codeSpans(line)
		for _, m := range linkRE.FindAllStringSubmatchIndex(line, -1) {
			inSpan := slices.ContainsFunc(spans, func(s [2]int) bool { return m[0] >= s[0] && m[0] < s[1] })
			if !inSpan {
				links = append(links, link{target: line[m[2]:m[3]], line: i + 1})
			}
		}
	}
	return links
}

// fenced tracks fenced code blocks line by line: given the fence open
// before line ("" outside a block), it returns the fence open after it
// and the line if it is Markdown text, "" if it is a fence or code.
func fenced(fence, line string) (string, string) {
	trimmed := strings.TrimLeft(line, " ")
	if fence != "" {
		if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]+" ") == "" {
			return "", ""
		}
		return fence, ""
	}
	for _, c := range []string{"```", "~~~"} {
		if strings.HasPrefix(trimmed, c) {
			n := len(trimmed) - len(strings.TrimLeft(trimmed, c[:1]))
			return strings.Repeat(c[:1], n), ""
		}
	}
	return "", line
}

// codeSpans returns the byte ranges of a line's code spans (between
// backtick runs of equal length).
func codeSpans(line string) [][2]int {
	var spans [][2]int
	for i := 0; i < len(line); {
		if line[i] != '`' {
			i++
			continue
		}
		n := len(line[i:]) - len(strings.TrimLeft(line[i:], "`"))
		tick := strings.Repeat("`", n)
		end := strings.Index(line[i+n:], tick)
		if end < 0 {
			break
		}
		spans = append(spans, [2]int{i, i + n + end + n})
		i += n + end + n
	}
	return spans
}

// headingAnchors returns the anchors GitHub gives a Markdown text's ATX
// headings (outside fenced code), in order.
func headingAnchors(text string) []string {
	var anchors []string
	seen := map[string]int{}
	fence := ""
	for _, line := range strings.Split(text, "\n") {
		if fence, line = fenced(fence, line); line == "" {
			continue
		}
		hashes := len(line) - len(strings.TrimLeft(line, "#"))
		if hashes == 0 || hashes > 6 || !strings.HasPrefix(line[hashes:], " ") {
			continue
		}
		a := anchorOf(line[hashes:])
		if n := seen[a]; n > 0 {
			anchors = append(anchors, a+"-"+strconv.Itoa(n))
		} else {
			anchors = append(anchors, a)
		}
		seen[a]++
	}
	return anchors
}

// anchorOf is GitHub's anchor for a heading's text: the text of its
// links, lower case, every character but letters, marks, digits,
// connector punctuation (_), spaces and hyphens dropped, and each space a
// hyphen.
func anchorOf(heading string) string {
	heading = linkRE.ReplaceAllStringFunc(strings.TrimSpace(heading), func(m string) string {
		text, _, _ := strings.Cut(strings.TrimPrefix(m, "!"), "](")
		return strings.TrimPrefix(text, "[")
	})
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.Pc):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestAnchorsAndLinks checks the helpers on texts whose anchors and links
// are worked out by hand (GitHub's rules: lower case, punctuation but - and
// _ dropped, spaces to hyphens, -1 for the second heading of one anchor).
func TestAnchorsAndLinks(t *testing.T) {
	text := "# fanbench\n" +
		"## Regression gate (fanbench ab)\n" +
		"### `make bench` (experiments/default.toml)\n" +
		"## Reliability: inputs and faults\n" +
		"## CI\n" +
		"### CI\n" +
		"## Use [fanout](x.md) — the_library\n" +
		"```sh\n# not a heading [a](in-code.md)\n```\n" +
		"####### seven hashes\n" +
		"#not a heading\n" +
		"See [a](a.md#b), ![c](plots/c.png \"title\"), `[d](in-span.md)`, [`e`](e.md) and [f](https://x/y).\n"
	wantAnchors := []string{"fanbench", "regression-gate-fanbench-ab", "make-bench-experimentsdefaulttoml",
		"reliability-inputs-and-faults", "ci", "ci-1", "use-fanout--the_library"}
	if got := headingAnchors(text); !slices.Equal(got, wantAnchors) {
		t.Errorf("headingAnchors = %q, want %q", got, wantAnchors)
	}
	var got []string
	for _, l := range markdownLinks(text) {
		got = append(got, l.target+"@"+strconv.Itoa(l.line))
	}
	wantLinks := []string{"x.md@7", "a.md#b@13", "plots/c.png@13", "e.md@13", "https://x/y@13"}
	if !slices.Equal(got, wantLinks) {
		t.Errorf("markdownLinks = %q, want %q", got, wantLinks)
	}
}
