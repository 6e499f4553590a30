package workload

import (
	"bytes"
	"fmt"
	"testing"
)

// craftedNames returns 2^(words-1) distinct names of 8*words bytes that
// the unseeded hash this package used before (h = (h^w) * odd constant,
// from a fixed start, over the name's 8-byte words) maps to one 64-bit
// hash. The construction, worked out from that hash alone: flipping bit 63
// of a word flips bit 63 of h^w, and an odd multiplier carries a flip of
// bit 63 to exactly a flip of bit 63 of the product (2^63 * odd = 2^63 mod
// 2^64); every later step does the same, so flipping bit 63 of an even
// number of words flips it twice: the hash is unchanged, whatever the
// start. Bit 63 of a word is the top bit of its last byte: 'a' (0x61)
// against 0xe1. Names hold neither ';' nor '\n'.
func craftedNames(words int) []string {
	names := make([]string, 0, 1<<(words-1))
	for m := 0; m < 1<<words; m++ {
		if bitsSet(m)%2 != 0 {
			continue
		}
		b := bytes.Repeat([]byte("flooding"), words)
		for w := 0; w < words; w++ {
			if m>>w&1 != 0 {
				b[8*w+7] |= 0x80
			}
		}
		names = append(names, string(b))
	}
	return names
}

func bitsSet(m int) (n int) {
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// oldHash is the hash parse used before its seed: the fixed start mixed
// with the length, then each 8-byte word (names of 16 bytes or more end
// with a partial word, empty here).
func oldHash(name string) uint64 {
	const start, mul = 0x243f6a8885a308d3, 0x9e3779b97f4a7c15
	h := (start ^ uint64(len(name)))
	for i := 0; i+8 <= len(name); i += 8 {
		var w uint64
		for k := 7; k >= 0; k-- {
			w = w<<8 | uint64(name[i+k])
		}
		h = (h ^ w) * mul
	}
	return (h ^ 0) * mul
}

// TestCraftedNamesDoNotFlood: names crafted to share one hash under the
// old unseeded hash (4,096 names of 104 bytes, every one a full 64-bit
// collision there, so that linear probing walks past every earlier name:
// a mean probe of about 2,048) must spread over the table like any names:
// a mean probe under 3 and none over 200, through the fast path (scan),
// addLine, Merge and MergeBinary alike. The bound is on the table's
// mechanism, not on time. (At half load linear probing's mean successful
// probe is 1.5; a run of 200 in a table of 4,096 names has odds far below 1e-9.)
func TestCraftedNamesDoNotFlood(t *testing.T) {
	names := craftedNames(13)
	if len(names) != 4096 {
		t.Fatalf("%d names", len(names))
	}
	for _, n := range names[1:] {
		if oldHash(n) != oldHash(names[0]) {
			t.Fatalf("crafting: %q and %q differ under the old hash", names[0], n)
		}
	}
	var buf bytes.Buffer
	for round := 0; round < 2; round++ { // the second round goes through scan
		for i, n := range names {
			fmt.Fprintf(&buf, "%s;%d.%d\n", n, i%100, i%10)
		}
	}
	data := buf.Bytes()
	w, _ := Lookup("parse")
	whole := w.New()
	whole.Add(data)
	merged := w.New()
	half := bytes.IndexByte(data[len(data)/2:], '\n') + len(data)/2 + 1
	for _, part := range [][]byte{data[:half], data[half:]} {
		p := w.New()
		p.Add(part)
		merged.Merge(p)
	}
	wire := w.New().(*parsePartial)
	bin, err := whole.(*parsePartial).AppendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MergeBinary(bin); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		how string
		p   Partial
	}{{"Add", whole}, {"Merge", merged}, {"MergeBinary", wire}} {
		if got := c.p.Answer().Stations; got != len(names) {
			t.Errorf("%s: %d stations, want %d", c.how, got, len(names))
		}
		if mean, longest := ProbeLengths(c.p); mean >= 3 || longest > 200 {
			t.Errorf("%s: %d crafted names: mean probe %.1f, longest %d; want under 3 and at most 200", c.how, len(names), mean, longest)
		}
	}
}
