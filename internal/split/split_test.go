package split

import (
	"bytes"
	"strings"
	"testing"
)

// checkRanges asserts the package's contract: exactly parts ranges, contiguous,
// covering data, every cut on a line start.
func checkRanges(t *testing.T, data []byte, parts int, rs []Range) {
	t.Helper()
	want := max(parts, 1)
	if len(rs) != want {
		t.Fatalf("got %d ranges, want %d", len(rs), want)
	}
	var pos int64
	for i, r := range rs {
		if r.Off != pos || r.Len < 0 {
			t.Fatalf("range %d = %+v, want start %d", i, r, pos)
		}
		if r.Off > 0 && r.Off < int64(len(data)) && data[r.Off-1] != '\n' {
			t.Fatalf("range %d starts at %d, not after a newline", i, r.Off)
		}
		pos = r.End()
	}
	if pos != int64(len(data)) {
		t.Fatalf("ranges end at %d, data has %d bytes", pos, len(data))
	}
}

func TestSplit(t *testing.T) {
	inputs := map[string]string{
		"empty":          "",
		"one byte":       "x",
		"newline only":   "\n",
		"only newlines":  "\n\n\n\n\n\n\n",
		"no trailing nl": "a;1.0\nb;2.0\nc;3.0",
		"crlf":           "a;1.0\r\nb;2.0\r\n",
		"long line":      strings.Repeat("x", 200<<10) + "\nshort\n",
		"many lines":     strings.Repeat("Hamburg;12.0\n", 1000),
	}
	for name, in := range inputs {
		for _, parts := range []int{1, 2, 3, 8, 64} {
			data := []byte(in)
			checkRanges(t, data, parts, Bytes(data, parts))
			rs, err := File(bytes.NewReader(data), int64(len(data)), parts)
			if err != nil {
				t.Fatalf("%s/%d: %v", name, parts, err)
			}
			checkRanges(t, data, parts, rs)
			if b := Bytes(data, parts); !equal(b, rs) {
				t.Fatalf("%s/%d: Bytes %v != File %v", name, parts, b, rs)
			}
		}
	}
}

func TestSplitBalanced(t *testing.T) {
	data := []byte(strings.Repeat("abcdefghi\n", 10000))
	rs := Bytes(data, 4)
	for i, r := range rs {
		if r.Len < 24000 || r.Len > 26000 {
			t.Errorf("range %d has %d bytes; want about 25000", i, r.Len)
		}
	}
}

func equal(a, b []Range) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzSplit checks that every byte lands in exactly one part and every cut
// falls on a line start, for both the in-memory and the file splitter.
func FuzzSplit(f *testing.F) {
	f.Add([]byte("a;1\nb;2\nc;3\n"), uint8(3))
	f.Add([]byte(""), uint8(2))
	f.Add([]byte("\n\n\n"), uint8(8))
	f.Add([]byte("no newline at all"), uint8(4))
	f.Add([]byte("x\r\ny\r\n"), uint8(64))
	f.Fuzz(func(t *testing.T, data []byte, p uint8) {
		parts := int(p%70) + 1
		checkRanges(t, data, parts, Bytes(data, parts))
		rs, err := File(bytes.NewReader(data), int64(len(data)), parts)
		if err != nil {
			t.Fatal(err)
		}
		checkRanges(t, data, parts, rs)
	})
}
