package oracle

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/oracle/oracletest"
)

// The expected answers below are worked out by hand from the baseline's
// code (see the package comment), never taken from this package's output.
// Arithmetic in doubles is shown where it decides a digit; "d(x)" is the
// double nearest x.

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		records, bad   int64
	}{
		{"empty file", "", "{}\n", 0, 0},
		{"one record", "Hamburg;12.0\n", "{Hamburg=12.0/12.0/12.0}\n", 1, 0},
		// Hamburg: (12.0 + -3.4) = d(8.6); Math.round(86.0) = 86; 8.6/2 = 4.3.
		// No trailing newline: the last line still counts.
		{"two names, sorted", "Hamburg;12.0\nBulawayo;8.9\nHamburg;-3.4",
			"{Bulawayo=8.9/8.9/8.9, Hamburg=-3.4/4.3/12.0}\n", 3, 0},
		// A positive tie: 0.1+0.2 = 0.30000000000000004; ×10 rounds to 3 →
		// 0.3; d(0.3)/2 = 0.14999999999999999445; ×10 = 1.4999999999999999445,
		// whose nearest double is 1.5 (half an ulp there is 1.1e-16);
		// Math.round(1.5) = floor(2.0) = 2 → 0.2.
		{"positive tie rounds up", "a;0.1\na;0.2\n", "{a=0.1/0.2/0.2}\n", 2, 0},
		// A negative tie: the sum rounds to -3 → -0.3; /2 ×10 = d(-1.5) = -1.5;
		// Math.round(-1.5) = floor(-1.0) = -1 → -0.1 (toward +infinity, not
		// away from zero: not -0.2).
		{"negative tie rounds up", "b;-0.1\nb;-0.2\n", "{b=-0.2/-0.1/-0.1}\n", 2, 0},
		// -0.1 + 0.0 = -0.1 → -1 tenths; -0.1/2 = d(-0.05); ×10 = d(-0.5) =
		// -0.5; Math.round(-0.5) = floor(0.0) = 0, a long: "0.0", not "-0.0".
		{"negative tie rounds to zero", "c;-0.1\nc;0.0\n", "{c=-0.1/0.0/0.0}\n", 2, 0},
		// -0.1/3 = -0.0333…; ×10 = -0.333…; floor(0.1666…) = 0 → "0.0".
		{"negative mean rounds to zero", "e;-0.1\ne;0.0\ne;0.0\n", "{e=-0.1/0.0/0.0}\n", 3, 0},
		// "-0.0" parses to -0.0; Math.round(-0.0) = 0 → "0.0".
		{"negative zero", "z;-0.0\n", "{z=0.0/0.0/0.0}\n", 1, 0},
		// An exact tie that doubles put below the half: the sum is 0.3
		// (0.1+0.1+0.1 = 0.30000000000000004, ×10 rounds to 3). d(0.3) =
		// 0.29999999999999998890; /6 = 0.04999999999999999815, whose
		// nearest double is 0.04999999999999999584 (ulp 6.9e-18; d(0.05) =
		// 0.05000000000000000277 is further); ×10 = 0.4999999999999999584,
		// nearest double 0.49999999999999994449 (ulp 5.6e-17); Math.round of
		// that is floor(0.99999999999999994449) = 0 → "0.0". Exact
		// arithmetic would say 0.05 → 0.1.
		{"tie below the half in doubles", "f;0.1\nf;0.1\nf;0.1\nf;0.0\nf;0.0\nf;0.0\n", "{f=0.0/0.0/0.1}\n", 6, 0},
		// Extremes: (-99.9 + 99.9) = 0 → 0.0; two digits either side.
		{"extremes", "x;-99.9\nx;99.9\ny;-9.9\n", "{x=-99.9/0.0/99.9, y=-9.9/-9.9/-9.9}\n", 3, 0},
		// Line ends: one '\r' before '\n' is dropped; blank lines are skipped
		// (neither record nor bad).
		{"crlf and blank lines", "a;1.0\r\n\n\r\na;2.0\n", "{a=1.0/1.5/2.0}\n", 2, 0},
		// Not records: no name, no ';', two decimals, three integer digits,
		// no integer digit, '+', a name that ends in '\r' is still a name.
		{"bad lines", "a;1.0\n;1.0\nnosemi\nb;1.23\nc;100.0\nd;.5\ne;+1.0\nf;1.0;\ng\r;2.0\n",
			"{a=1.0/1.0/1.0, g\r=2.0/2.0/2.0}\n", 2, 7},
		// The name is everything before the first ';': "a;b;1.0" is bad
		// ("b;1.0" is no temperature).
		{"second semicolon", "a;b;1.0\n", "{}\n", 0, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, err := Parse(strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if a.Text != c.want {
				t.Errorf("text %q, want %q", a.Text, c.want)
			}
			if a.Records != c.records || a.Bad != c.bad {
				t.Errorf("records %d bad %d, want %d and %d", a.Records, a.Bad, c.records, c.bad)
			}
			if a.Bytes != int64(len(c.in)) {
				t.Errorf("bytes %d, want %d", a.Bytes, len(c.in))
			}
		})
	}
}

// TestParseSortOrder: the baseline's TreeMap orders names by UTF-16 code
// units. "Ａ" (U+FF21, UTF-8 EF BC A1, one unit 0xFF21) and "😀" (U+1F600,
// UTF-8 F0 9F 98 80, units 0xD83D 0xDE00): bytes put Ａ first (EF < F0),
// UTF-16 puts 😀 first (0xD83D < 0xFF21). Upper case before lower case
// ('B' 0x42 < 'b' 0x62), a prefix before its extensions ("b" < "b b"),
// 'é' (0xE9) after 'z' (0x7A).
func TestParseSortOrder(t *testing.T) {
	in := "Ａ;1.0\n😀;2.0\nb;3.0\nB;4.0\nb b;5.0\né;6.0\nz;7.0\n"
	want := "{B=4.0/4.0/4.0, b=3.0/3.0/3.0, b b=5.0/5.0/5.0, z=7.0/7.0/7.0, é=6.0/6.0/6.0, 😀=2.0/2.0/2.0, Ａ=1.0/1.0/1.0}\n"
	a, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != want {
		t.Errorf("text %q\nwant %q", a.Text, want)
	}
}

func TestLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool // a before b
	}{
		{"B", "a", true},
		{"a", "aa", true},
		{"aa", "a", false},
		{"a", "a", false},
		{"😀", "Ａ", true},       // 0xD83D < 0xFF21, although F0 > EF in bytes
		{"\uE000", "😀", false}, // 0xE000 > 0xD83D
		{"\uD7FF", "😀", true},  // 0xD7FF < 0xD83D: here bytes agree (ED < F0)
		{"😀", "😁", true},       // same high surrogate, low 0xDE00 < 0xDE01
		// Invalid UTF-8 bytes count as 0x10000+byte, after every unit:
		{"a", "\xff", true},
		{"\xc3", "é", false},   // lone 0xC3 (0x100C3) after é (0xE9), though "\xc3" is a byte prefix of "é" (C3 A9)
		{"Z\xc3", "Zü", false}, // the same, one character in
		{"\xffa", "\xffb", true},
	} {
		if got := Less(c.a, c.b); got != c.less {
			t.Errorf("Less(%q, %q) = %v, want %v", c.a, c.b, got, c.less)
		}
	}
}

// TestParseLongNames: names of 100 bytes (the challenge's limit), in
// one-byte and two-byte characters, and two that differ only in the last
// byte.
func TestParseLongNames(t *testing.T) {
	ascii := strings.Repeat("x", 99)
	two := strings.Repeat("é", 50) // 100 bytes
	in := ascii + "b;-1.5\n" + two + ";2.5\n" + ascii + "a;3.5\n" + ascii + "b;-2.5\n"
	// ascii+"a" before ascii+"b" (last byte); both before "é…" (0x78 < 0xE9).
	// ascii+"b": -1.5 + -2.5 = -4.0 → -40 tenths; -4.0/2 = -2.0.
	want := "{" + ascii + "a=3.5/3.5/3.5, " + ascii + "b=-2.5/-2.0/-1.5, " + two + "=2.5/2.5/2.5}\n"
	a, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != want || a.Stations != 3 {
		t.Errorf("stations %d, text %q\nwant %q", a.Stations, a.Text, want)
	}
}

// TestParseManyNames: 10,000 distinct names (oracletest.ManyNames).
func TestParseManyNames(t *testing.T) {
	in, want := oracletest.ManyNames()
	a, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if a.Stations != 10000 || a.Records != 20000 || a.Text != want {
		t.Errorf("stations %d records %d; text starts %.80q, want %.80q", a.Stations, a.Records, a.Text, want)
	}
}

func TestCount(t *testing.T) {
	long := strings.Repeat("x", 100<<10) // longer than any read buffer
	for _, c := range []struct {
		name, in     string
		lines, bytes int64
	}{
		{"empty", "", 0, 0},
		{"one unterminated", "x", 1, 1}, // an unterminated line counts
		{"one", "a\n", 1, 2},
		{"empty lines", "\n\n\n", 3, 3},
		{"last line without newline", "ab\ncd", 2, 5},
		{"bytes, not characters", "é\n", 1, 3},
		{"long line then short", long + "\ny", 2, 100<<10 + 2},
		{"long unterminated", long + long, 1, 200 << 10},
		{"a line ending a 64 KiB buffer", strings.Repeat("z", 64<<10-1) + "\n" + "b\n", 2, 64<<10 + 2},
	} {
		a, err := Count(strings.NewReader(c.in))
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("%d %d\n", c.lines, c.bytes); a.Text != want || a.Lines != c.lines || a.Bytes != c.bytes {
			t.Errorf("%s: %q (lines %d bytes %d), want %q", c.name, a.Text, a.Lines, a.Bytes, want)
		}
	}
}

// TestParseLongLine: a record longer than the reader's buffer is read
// whole; a name of 100 KiB is allowed (the challenge's limit of 100 bytes
// is not the grammar's).
func TestParseLongLine(t *testing.T) {
	name := strings.Repeat("n", 100<<10)
	a, err := Parse(strings.NewReader("a;1.0\n" + name + ";-2.0\n" + name + ";-4.0"))
	if err != nil {
		t.Fatal(err)
	}
	// name: (-2.0 + -4.0) = -6.0 → -60 tenths; /2 = -3.0.
	if want := "{a=1.0/1.0/1.0, " + name + "=-4.0/-3.0/-2.0}\n"; a.Text != want || a.Lines != 3 {
		t.Errorf("lines %d, text starts %.40q, want %.40q", a.Lines, a.Text, want)
	}
}

// TestDigest: the digest is the SHA-256 of the text; "0 0\n" is three
// bytes 30 20 30 0a, whose SHA-256 (sha256sum on `printf '0 0\n'`) is below.
func TestDigest(t *testing.T) {
	a := Answer{Text: "0 0\n"}
	if got, want := a.Digest(), "0ccdb5a77ba5bf7687f2565a8ed97dfb9c1af45503c496fb646312239fab5101"; got != want {
		t.Errorf("digest %s, want %s", got, want)
	}
}

func TestJavaRound(t *testing.T) {
	for _, c := range []struct {
		x    float64
		want int64
	}{
		{0.5, 1}, {1.5, 2}, {2.5, 3}, {-0.5, 0}, {-1.5, -1}, {-2.5, -2},
		{0.49999999999999994, 0}, // floor(x+0.5) in doubles would be 1
		{-0.49999999999999994, 0},
		{123.0, 123}, {-123.0, -123}, {-122.99999999999999, -123},
	} {
		if got := javaRound(c.x); got != c.want {
			t.Errorf("javaRound(%v) = %d, want %d", c.x, got, c.want)
		}
	}
}
