package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/fanbench/fanbench"
)

// Workload counts words: a word is a maximal run of ASCII letters, compared
// without case (every other byte, non-ASCII ones included, separates
// words). Its answer is one "WORD COUNT" line per distinct word, most
// frequent first, equal counts in byte order of the lower-case word.
type Workload struct{}

// Name is the workload's name in specs: workloads = ["wordfreq"].
func (Workload) Name() string { return "wordfreq" }

// NewPartial returns an empty count.
func (Workload) NewPartial() fanbench.Partial { return &Partial{counts: map[string]*int64{}} }

// Partial is one worker's word counts. A count is held by pointer so that
// counting a known word is a lookup, which does not allocate (an
// assignment m[string(b)] = v would allocate the key each time).
type Partial struct {
	counts map[string]*int64
	word   []byte // scratch: the current word, lower-cased
}

// Add counts the words of chunk. A chunk holds whole lines, so no word is
// cut between chunks.
func (p *Partial) Add(chunk []byte) {
	w := p.word[:0]
	for _, c := range chunk {
		switch {
		case 'a' <= c && c <= 'z':
			w = append(w, c)
			continue
		case 'A' <= c && c <= 'Z':
			w = append(w, c+('a'-'A'))
			continue
		}
		if len(w) > 0 {
			p.count(w)
			w = w[:0]
		}
	}
	if len(w) > 0 {
		p.count(w)
	}
	p.word = w[:0]
}

// count adds one occurrence of w, allocating only for a new word.
func (p *Partial) count(w []byte) {
	if n := p.counts[string(w)]; n != nil {
		*n++
		return
	}
	n := int64(1)
	p.counts[string(w)] = &n
}

// add adds n occurrences of w.
func (p *Partial) add(w string, n int64) {
	if c := p.counts[w]; c != nil {
		*c += n
		return
	}
	p.counts[w] = &n
}

// Merge adds other's counts.
func (p *Partial) Merge(other fanbench.Partial) {
	for w, n := range other.(*Partial).counts {
		p.add(w, *n)
	}
}

// Answer is the canonical text: "WORD COUNT\n" per word, by count
// descending, then word ascending.
func (p *Partial) Answer() []byte {
	words := make([]string, 0, len(p.counts))
	for w := range p.counts {
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		if d := *p.counts[b] - *p.counts[a]; d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return bytes.Compare([]byte(a), []byte(b))
	})
	var b []byte
	for _, w := range words {
		b = append(b, w...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, *p.counts[w], 10)
		b = append(b, '\n')
	}
	return b
}

// MarshalBinary encodes the counts: for each word its length, its bytes
// and its count, as uvarints.
func (p *Partial) MarshalBinary() ([]byte, error) {
	var b []byte
	for w, n := range p.counts {
		b = binary.AppendUvarint(b, uint64(len(w)))
		b = append(b, w...)
		b = binary.AppendUvarint(b, uint64(*n))
	}
	return b, nil
}

// errTruncated is MarshalBinary's form cut short.
var errTruncated = errors.New("wordfreq partial: truncated")

// UnmarshalBinary adds MarshalBinary's encoding to the counts.
func (p *Partial) UnmarshalBinary(b []byte) error {
	if p.counts == nil {
		p.counts = map[string]*int64{}
	}
	for len(b) > 0 {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return errTruncated
		}
		w := string(b[k : k+int(l)]) // a copy: b is not kept
		b = b[k+int(l):]
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return errTruncated
		}
		if n == 0 {
			return fmt.Errorf("wordfreq partial: word %q with count 0", w)
		}
		p.add(w, int64(n))
		b = b[k:]
	}
	return nil
}
