package workload

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// This file is the fast path's canonical answer text: the One Billion Row
// Challenge baseline's output line for parse, "LINES BYTES\n" for count.
// internal/oracle computes the same text its own way; runs are verified
// against it.

// withText sets the answer's text and its digest, the text's SHA-256.
func (a Answer) withText(text []byte) Answer {
	sum := sha256.Sum256(text)
	a.Text, a.Digest = string(text), hex.EncodeToString(sum[:])
	return a
}

// UserAnswer is the answer of a user's workload (Register) over bytes
// bytes: its canonical text, and the text's digest.
func UserAnswer(name string, bytes int64, text []byte) Answer {
	return Answer{Workload: name, Bytes: bytes}.withText(text)
}

// countText is count's answer: "LINES BYTES\n".
func countText(lines, bytes int64) []byte {
	b := strconv.AppendInt(nil, lines, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, bytes, 10)
	return append(b, '\n')
}

// entry is one name's line of the answer.
type entry struct {
	name string
	stat
}

// parseText is the 1BRC baseline's output for the table: {name=min/mean/max, ...}
// and a newline, names in Java's String order (utf16Less).
func parseText(es []entry) []byte {
	slices.SortFunc(es, func(x, y entry) int { return utf16Compare(x.name, y.name) })
	n := 3
	for i := range es {
		n += len(es[i].name) + 2 + 3*6
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i := range es {
		e := &es[i]
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = append(b, e.name...)
		b = append(b, '=')
		b = appendTenths(b, e.Min)
		b = append(b, '/')
		b = appendTenths(b, baselineMean(e.Sum, e.Count))
		b = append(b, '/')
		b = appendTenths(b, e.Max)
	}
	return append(b, '}', '\n')
}

// baselineMean is the mean, in tenths, that the baseline prints for a sum
// of count values whose exact sum is sum tenths. The baseline rounds its
// double sum back to tenths (exact while its rounding error stays under a
// twentieth, as it does for any per-name count below billions), then
// computes round((sum/10.0)/count) with round(v) = Math.round(v*10.0)/10.0
// in doubles: so an exact tie like 0.3/6 = 0.05 can print 0.0, because
// 0.3/6*10 is 0.49999999999999994 in doubles. Each step is rounded to
// float64 on its own (the conversions forbid fusing into an FMA), as Java
// rounds each double operation.
func baselineMean(sum, count int64) int64 {
	mean := float64(float64(sum)/10.0) / float64(count)
	x := float64(mean * 10.0)
	// Math.round(x) = floor(x + 1/2) exactly: x - floor(x) is exact for |x| < 2^52.
	f := math.Floor(x)
	if float64(x-f) >= 0.5 {
		f++
	}
	return int64(f)
}

// appendTenths appends t tenths as Java's Double.toString prints t/10.0
// for |t| < 10^8: an optional '-', the integer part, '.', one digit. 0 is
// "0.0" (the baseline's Math.round returns a long: no negative zero).
func appendTenths(b []byte, t int64) []byte {
	if t < 0 {
		b = append(b, '-')
		t = -t
	}
	b = strconv.AppendInt(b, t/10, 10)
	return append(b, '.', byte('0'+t%10))
}

// utf16Compare orders names as Java's String.compareTo does: by UTF-16
// code units, a name that is a prefix of another first. That is byte order
// except where a character beyond U+FFFF (surrogates 0xD800..0xDFFF) meets
// one in U+E000..U+FFFF; a byte that is not valid UTF-8 counts as the unit
// 0x10000+byte. Where the names first differ in ASCII bytes, or one ends
// where the other's next character starts, bytes decide; otherwise the
// characters around the difference are decoded.
func utf16Compare(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	switch {
	case i < n && a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf:
		return int(a[i]) - int(b[i])
	case i == n && (len(a) == len(b) || !isContinuation(a[n:]+b[n:])):
		return len(a) - len(b)
	}
	// Every byte that is not a continuation byte starts a character, or is
	// an invalid byte on its own, in a left-to-right decoding: decode both
	// names from the last such byte before i (the bytes before i are the
	// same in both). Equal keys mean equal encodings, so both advance
	// alike until the keys differ, at the latest at the character that
	// holds byte i (or at the end of the shorter name).
	j := max(i-1, 0)
	for j > 0 && a[j]&0xC0 == 0x80 {
		j--
	}
	for {
		ka, w := unit16(a[j:])
		kb, _ := unit16(b[j:])
		if ka != kb {
			return cmp.Compare(ka, kb)
		}
		j += w
	}
}

// isContinuation reports whether s starts with a UTF-8 continuation byte
// (10xxxxxx).
func isContinuation(s string) bool { return len(s) > 0 && s[0]&0xC0 == 0x80 }

// unit16 decodes the character at the start of s to one comparable key:
// a BMP character c as c<<10, one beyond U+FFFF as its high surrogate<<10
// | its low surrogate's 10 bits (so the pair compares as two units would),
// an invalid byte as (0x10000+byte)<<10, the end of the name as -1. It
// returns the key and the bytes it used.
func unit16(s string) (int64, int) {
	r, w := utf8.DecodeRuneInString(s)
	switch {
	case w == 0:
		return -1, 0
	case r == utf8.RuneError && w == 1:
		return (0x10000 + int64(s[0])) << 10, 1
	case r >= 0x10000:
		v := int64(r) - 0x10000
		return (0xD800+v>>10)<<10 | v&0x3FF, w
	default:
		return int64(r) << 10, w
	}
}
