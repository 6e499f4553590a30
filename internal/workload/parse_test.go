package workload

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkParse compares the fast path, whole and in parts, with the reference.
func checkParse(t *testing.T, name string, data []byte) {
	t.Helper()
	w, _ := Lookup("parse")
	ref, err := w.Reference(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, parts := range []int{1, 3} {
		if got := fastAnswer(t, w, data, parts); got != ref {
			t.Fatalf("%s, %d parts: fast %v, reference %v", name, parts, got, ref)
		}
	}
}

// padding is enough well-formed lines that the line between them is read by
// the fast path (which leaves the first 8 and the last 64 bytes of a buffer
// to addLine).
var padding = strings.Repeat("Hamburg;12.0\nBulawayo;-8.9\nab;0.0\n", 4)

// lineCases are single lines, good and bad, without their line end.
var lineCases = []string{
	"a;1.0", "a;-1.0", "a;12.3", "a;-12.3", "a;99.9", "a;-99.9", "a;0.0", "a;-0.0",
	"a;1.", "a;.5", "a;1.23", "a;-", "a;--1.0", "a;+1.0", "a;1a.0", "a;a1.0", "a;1.a",
	"a;100.0", "a;-100.0", "a;1,0", "a;1..0", "a;1.0;", "a;1.0 ", "a; 1.0", "a;", ";1.0",
	";", "a", "a;1;1.0", "a;b;1.0", "a;;1.0", "a;-;1.0", "a;1-1.0", "a;-1-.0", "a;12-.0",
	"a;1.0\r", "a;1.0\r\r", "\r", "a\r;1.0", "a;-1.0\r", "a;:1.0", "a;/1.0", "a;1:.0",
	"a;1/.0", "a;1.:", "a;1./", "a;1\x00.0", "a\x00;1.0", "\x00;1.0", "a;\x001.0",
	"\x0b;1.0", "\xff\xfe;-9.9", "Zürich;-0.1", "東京;15.5", "a b;5.5", "a;5.5\x0b",
	"12.3", "-12.3", ";-12.3", "x;-12.3x", "a;-1.0-", "a;1.0.0", "a;01.0", "a;-01.0",
	"a;001.0", "a;9.9", "a;-9.9",
}

func TestParseLineCases(t *testing.T) {
	// Every name a case could be taken for is known beforehand, so that a
	// bad line the fast path misreads would find its name in the table.
	var warm strings.Builder
	for _, c := range lineCases {
		for i := range len(c) + 1 {
			if name := c[:i]; name != "" && !strings.ContainsAny(name, "\n") {
				fmt.Fprintf(&warm, "%s;1.0\n", name)
			}
		}
	}
	warm.WriteString(padding)
	for _, c := range lineCases {
		for _, end := range []string{"\n", "\r\n", "\n\n", "\n\x0b\n", ""} {
			data := warm.String() + c + end + padding
			checkParse(t, fmt.Sprintf("%q+%q", c, end), []byte(data))
			checkParse(t, fmt.Sprintf("%q+%q at start", c, end), []byte(c+end+padding))
			checkParse(t, fmt.Sprintf("%q+%q at end", c, end), []byte(padding+c+end))
			// Seen twice: the second time the name is known.
			checkParse(t, fmt.Sprintf("%q+%q twice", c, end), []byte(padding+c+end+padding+c+end+padding))
		}
	}
}

// TestParseNameLengths covers names of 1..40 bytes, across the 8- and
// 16-byte boundaries of the fast path's words, with every temperature shape,
// and names that differ only in length or in their last byte.
func TestParseNameLengths(t *testing.T) {
	var sb strings.Builder
	temps := []string{"1.0", "-1.0", "12.3", "-12.3", "0.0", "99.9", "-99.9", "5.5"}
	for round := 0; round < 3; round++ {
		for n := 1; n <= 40; n++ {
			for k, temp := range temps {
				name := strings.Repeat("x", n)
				switch k % 4 {
				case 1:
					name = name[:n-1] + "y"
				case 2:
					name = strings.Repeat("\x00", n) // zero bytes, as the padding is
				case 3:
					name = name[:n-1] + "\xe9"
				}
				fmt.Fprintf(&sb, "%s;%s\n", name, temp)
			}
		}
		sb.WriteString(padding)
	}
	// Long names that share their first 16 bytes and their length, so that
	// probes meet slots whose keys match but whose tails do not.
	for round := 0; round < 2; round++ {
		for n := 17; n <= 40; n++ {
			for k := 0; k < 60; k++ {
				tail := fmt.Sprintf("%0*d", n-16, k*7919%1000)
				fmt.Fprintf(&sb, "%s%s;%d.%d\n", strings.Repeat("p", 16), tail[len(tail)-(n-16):], k%100, n%10)
			}
		}
	}
	checkParse(t, "name lengths", []byte(sb.String()))
}

// TestParseRandom builds buffers of random lines biased to the bytes the
// grammar cares about, long enough for the fast path, and compares with the
// reference.
func TestParseRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab;;;--..0123456789\n\r\x0b\x00\xff ")
	names := []string{"a", "b", "ab", "a b", "\x0b", "\xff", "\r", "a\r", "Hamburg", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq",
		"abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyzabcdef", "a;b", "a\x00", "a\x00\x00"}
	iters := 400
	if testing.Short() {
		iters = 50
	}
	for it := 0; it < iters; it++ {
		var buf []byte
		for len(buf) < 2000 {
			switch rng.IntN(4) {
			case 0: // random bytes
				for k := rng.IntN(12); k > 0; k-- {
					buf = append(buf, alphabet[rng.IntN(len(alphabet))])
				}
				buf = append(buf, '\n')
			case 1: // a good line with a random byte changed
				line := []byte(fmt.Sprintf("%s;%d.%d", names[rng.IntN(len(names))], rng.IntN(199)-99, rng.IntN(10)))
				line[rng.IntN(len(line))] = alphabet[rng.IntN(len(alphabet))]
				buf = append(append(buf, line...), '\n')
			default: // a good line
				buf = fmt.Appendf(buf, "%s;%d.%d\n", names[rng.IntN(len(names))], rng.IntN(199)-99, rng.IntN(10))
			}
		}
		if rng.IntN(2) == 0 {
			buf = buf[:len(buf)-1] // an unterminated last line
		}
		checkParse(t, fmt.Sprintf("random %d", it), buf)
	}
}

// TestParseFastPathTakesGoodLines checks that scan, not addLine, reads
// well-formed lines with known names of 1 to 72 bytes (scan and nameKeys
// hash them alike), from the second line (the first ends in the first 8
// bytes) up to the last 64 bytes (short lines, so that no long line
// straddles them).
func TestParseFastPathTakesGoodLines(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "%s;%d.%d\n", strings.Repeat("n", 1+i%72), i%199-99, i%10)
	}
	sb.WriteString(strings.Repeat("n;1.0\n", 12))
	data := []byte(sb.String())
	p := newParsePartial()
	p.Add(data)
	first := bytes.IndexByte(data, '\n') + 1 // the first line ends before byte 8
	if i := p.scan(data, first); i < len(data)-64 {
		t.Fatalf("scan stopped at %d of %d: %q", i, len(data), data[i:min(i+20, len(data))])
	}
}

// FuzzParseFastPath puts the fuzzed bytes between well-formed lines, after
// lines that make the names of its lines known, so that the fast path reads
// them (FuzzWorkloads' short inputs mostly go to addLine).
func FuzzParseFastPath(f *testing.F) {
	for _, c := range lineCases {
		f.Add([]byte(c + "\n" + c))
	}
	for _, in := range edgeInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var warm bytes.Buffer
		for _, line := range bytes.Split(data, []byte{'\n'}) {
			for _, cut := range []int{bytes.IndexByte(line, ';'), bytes.LastIndexByte(line, ';')} {
				if cut > 0 {
					warm.Write(line[:cut])
					warm.WriteString(";1.0\n")
				}
			}
		}
		warm.WriteString(padding)
		in := append(append(warm.Bytes(), data...), "\n"+padding...)
		checkParse(t, "fuzz", in)
	})
}
