// Package oracle computes the reference answers that every fanbench run is
// checked against. It is written for clarity, not speed, and imports nothing
// from the fast path (internal/workload, internal/split, internal/strategy):
// its reading, splitting, number parsing, rounding, sorting and formatting
// are its own, so that a mistake in the fast path cannot hide in both.
//
// The parse answer is the line that the One Billion Row Challenge's
// baseline implementation (gunnarmorling/1brc,
// CalculateAverage_baseline.java) prints for the same input:
//
//	{name=min/mean/max, name=min/mean/max, ...}
//
// followed by a newline. The baseline parses each temperature with
// Double.parseDouble, keeps min, max and a double sum in file order, and
// prints, in a TreeMap (String.compareTo: UTF-16 code unit order),
//
//	min  = round(min), max = round(max)
//	mean = round((Math.round(sum*10.0)/10.0) / count)
//	round(v) = Math.round(v*10.0) / 10.0
//
// each as Java's Double.toString prints it. Math.round(x) is floor(x+1/2):
// halves go toward positive infinity, and it returns a long, so a negative
// value that rounds to zero prints "0.0", never "-0.0". Parse repeats each
// of those steps on float64 values, which are Java's doubles.
package oracle

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Version names the answer format; cached reference answers computed under
// another version are stale.
const Version = "1brc-baseline-1"

// Answer is a reference answer.
type Answer struct {
	Workload string
	Lines    int64 // lines, counting an unterminated last line
	Bytes    int64 // bytes read
	Records  int64 // parse: well-formed records
	Bad      int64 // parse: non-empty lines that are not records
	Stations int   // parse: distinct names
	// Text is the canonical answer: "LINES BYTES\n" for count, the 1BRC
	// baseline's output line and a newline for parse.
	Text string
}

// Digest is the SHA-256 of the answer's text, in hex.
func (a Answer) Digest() string {
	sum := sha256.Sum256([]byte(a.Text))
	return hex.EncodeToString(sum[:])
}

// Count counts the lines and bytes of r: a line ends at a '\n', and a last
// line without one counts too.
func Count(r io.Reader) (Answer, error) {
	a := Answer{Workload: "count"}
	buf := make([]byte, 256<<10)
	last := byte('\n') // the last byte read
	for {
		n, err := r.Read(buf)
		for _, c := range buf[:n] {
			if c == '\n' {
				a.Lines++
			}
		}
		if n > 0 {
			a.Bytes += int64(n)
			last = buf[n-1]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return a, fmt.Errorf("oracle count: %w", err)
		}
	}
	if last != '\n' {
		a.Lines++ // the unterminated last line
	}
	a.Text = fmt.Sprintf("%d %d\n", a.Lines, a.Bytes)
	return a, nil
}

// isTemperature reports whether s is a record's value: an optional minus,
// one or two digits, a point and one digit (-?d{1,2}.d).
func isTemperature(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	switch len(s) {
	case 3:
		return digit(s[0]) && s[1] == '.' && digit(s[2])
	case 4:
		return digit(s[0]) && digit(s[1]) && s[2] == '.' && digit(s[3])
	}
	return false
}

// station is what the baseline's MeasurementAggregator holds for a name.
type station struct {
	min, max, sum float64
	count         int64
}

// Parse reads records "name;temperature", one a line, and returns the 1BRC
// answer. A line is split at its '\n' (the last line may have none), one
// trailing '\r' is dropped, and an empty line is skipped. The name is
// everything before the first ';' and must not be empty; the rest must
// match -?d{1,2}.d. Any other line is counted as bad and left out of the
// table (the baseline would stop with an exception). Names are bytes: a
// name that is not valid UTF-8 sorts as described in Less.
func Parse(r io.Reader) (Answer, error) {
	a := Answer{Workload: "parse"}
	table := map[string]*station{}
	err := eachLine(r, func(line []byte) {
		a.Lines++
		a.Bytes += int64(len(line))
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		switch {
		case len(line) == 0: // an empty line is neither a record nor bad
		case addRecord(table, line):
			a.Records++
		default:
			a.Bad++
		}
	})
	if err != nil {
		return a, fmt.Errorf("oracle parse: %w", err)
	}
	a.Stations = len(table)
	text, err := format(table)
	if err != nil {
		return a, err
	}
	a.Text = text
	return a, nil
}

// eachLine calls f with each line of r, its '\n' included (the last line
// may have none). The slice is valid only during the call.
func eachLine(r io.Reader, f func(line []byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte // a line longer than the reader's buffer, gathered
	for {
		piece, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, piece...)
			continue
		}
		line := piece
		if long != nil {
			line = append(long, piece...)
			long = nil
		}
		if len(line) > 0 {
			f(line)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// addRecord adds the line's record (its line end dropped) to the table,
// or reports false for a line that is not one.
func addRecord(table map[string]*station, line []byte) bool {
	name, temp, found := bytes.Cut(line, []byte(";"))
	if !found || len(name) == 0 || !isTemperature(temp) {
		return false
	}
	v, err := strconv.ParseFloat(string(temp), 64) // Double.parseDouble: both round correctly
	if err != nil {
		return false // unreachable: the grammar admits only numbers
	}
	s := table[string(name)]
	if s == nil {
		// The baseline starts at +Inf and -Inf; the first value sets both.
		s = &station{min: v, max: v}
		table[string(name)] = s
	}
	s.min = min(s.min, v)
	s.max = max(s.max, v)
	s.sum += v // in file order, as the baseline's sequential stream adds
	s.count++
	return true
}

// format prints the table as the baseline's System.out.println(TreeMap).
func format(table map[string]*station) (string, error) {
	// Each name with its UTF-16 units, computed once for the sort.
	type key struct {
		name  string
		units []int32
	}
	keys := make([]key, 0, len(table))
	for n := range table {
		keys = append(keys, key{n, utf16Units(n)})
	}
	sort.Slice(keys, func(i, j int) bool { return slices.Compare(keys[i].units, keys[j].units) < 0 })
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	var b strings.Builder
	b.WriteString("{")
	for i, n := range names {
		s := table[n]
		if i > 0 {
			b.WriteString(", ")
		}
		sum := float64(javaRound(s.sum*10.0)) / 10.0
		mean := sum / float64(s.count)
		parts := []string{}
		for _, v := range []float64{s.min, mean, s.max} {
			p, err := javaDoubleString(roundTenth(v))
			if err != nil {
				return "", fmt.Errorf("oracle parse: %q: %w", n, err)
			}
			parts = append(parts, p)
		}
		b.WriteString(n + "=" + strings.Join(parts, "/"))
	}
	b.WriteString("}\n")
	return b.String(), nil
}

// roundTenth is the baseline's ResultRow.round: Math.round(v*10.0) / 10.0.
func roundTenth(v float64) float64 {
	return float64(javaRound(v*10.0)) / 10.0
}

// javaRound is Java's Math.round(double): floor(x + 1/2), evaluated
// exactly (x is converted to a rational without error).
func javaRound(x float64) int64 {
	r := new(big.Rat).SetFloat64(x)
	r.Add(r, big.NewRat(1, 2))
	// big.Int.Div is Euclidean division: for a positive divisor, the floor.
	q := new(big.Int).Div(r.Num(), r.Denom())
	return q.Int64()
}

// javaDoubleString is Java's Double.toString(v) for 0 and for
// 1e-3 <= |v| < 1e7, the only values an answer holds (|v| <= 99.9): the
// shortest decimal that reads back as v, with at least one digit after
// the point. Other values are an error rather than a guess.
func javaDoubleString(v float64) (string, error) {
	if v == 0 {
		return "0.0", nil // Math.round returns a long, so never -0.0
	}
	if a := max(v, -v); a < 1e-3 || a >= 1e7 {
		return "", fmt.Errorf("value %v outside Double.toString's plain range", v)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s, nil
}

// Less is the baseline's name order, Java's String.compareTo: the names
// are compared as sequences of UTF-16 code units, a name that is a prefix
// of another first. (That differs from byte order where a character
// beyond U+FFFF, two surrogate units from 0xD800, meets one in
// U+E000..U+FFFF.) A byte that is not part of valid UTF-8, which the
// baseline cannot read at all, counts as one unit 0x10000+byte: after
// every UTF-16 unit.
func Less(a, b string) bool {
	return slices.Compare(utf16Units(a), utf16Units(b)) < 0
}

// utf16Units is the name as UTF-16 code units, an invalid byte as 0x10000+byte.
func utf16Units(s string) []int32 {
	var units []int32
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			units = append(units, 0x10000+int32(s[0]))
		case r >= 0x10000:
			v := r - 0x10000
			units = append(units, 0xD800+v>>10, 0xDC00+v&0x3FF)
		default:
			units = append(units, r)
		}
		s = s[size:]
	}
	return units
}
