package main

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
)

// Reference counts the words of r the plain way, sharing no code with
// Partial: rune by rune through bufio.Reader (an invalid UTF-8 byte is a
// RuneError, a separator like every non-ASCII rune), lower-cased with
// package unicode, and sorted with package sort.
func (Workload) Reference(r io.Reader) ([]byte, error) {
	counts := map[string]int{}
	br := bufio.NewReader(r)
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			counts[word.String()]++
			word.Reset()
		}
	}
	for {
		c, _, err := br.ReadRune()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("wordfreq reference: %w", err)
		}
		if c < unicode.MaxASCII && unicode.IsLetter(c) {
			word.WriteRune(unicode.ToLower(c))
		} else {
			flush()
		}
	}
	flush()
	type entry struct {
		word  string
		count int
	}
	var es []entry
	for w, n := range counts {
		es = append(es, entry{w, n})
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].count != es[j].count {
			return es[i].count > es[j].count
		}
		return es[i].word < es[j].word
	})
	var out strings.Builder
	for _, e := range es {
		fmt.Fprintf(&out, "%s %d\n", e.word, e.count)
	}
	return []byte(out.String()), nil
}
