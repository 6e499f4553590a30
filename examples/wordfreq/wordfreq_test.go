package main

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fanbench/fanbench"
)

// handWorked are inputs with their answers counted by hand.
var handWorked = []struct {
	name, in, want string
}{
	{"empty", "", ""},
	{"only separators", "  ,.\n\n;!\n", ""},
	{"one word", "Hello", "hello 1\n"},
	// the ×2, cat ×2, a ×1, hat ×1: equal counts in byte order.
	{"case and punctuation", "The cat, the hat.\nA cat\n", "cat 2\nthe 2\na 1\nhat 1\n"},
	// "don't" is "don" and "t"; digits separate; é is not ASCII, so
	// "café" is "caf"; an invalid byte separates too.
	{"separators", "don't 2x\ncafé na\xffve\n", "caf 1\ndon 1\nna 1\nt 1\nve 1\nx 1\n"},
	{"crlf and tabs", "b\tb\r\nB\r\na", "b 3\na 1\n"},
}

// answerOf runs the partials over in cut at each line boundary into
// separate partials, merged directly and through MarshalBinary.
func answerOf(t *testing.T, in string) (merged, wire string) {
	t.Helper()
	w := Workload{}
	m, v := w.NewPartial(), w.NewPartial()
	for _, line := range strings.SplitAfter(in, "\n") {
		p := w.NewPartial()
		p.Add([]byte(line))
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		q := w.NewPartial()
		if err := q.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		m.Merge(p)
		v.Merge(q)
	}
	return string(m.Answer()), string(v.Answer())
}

// TestAnswers: the partials, however the input is split, and the
// reference give the hand-worked answers.
func TestAnswers(t *testing.T) {
	for _, tt := range handWorked {
		t.Run(tt.name, func(t *testing.T) {
			whole := Workload{}.NewPartial()
			whole.Add([]byte(tt.in))
			merged, wire := answerOf(t, tt.in)
			ref, err := Workload{}.Reference(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			for name, got := range map[string]string{"one partial": string(whole.Answer()), "merged": merged,
				"through MarshalBinary": wire, "reference": string(ref)} {
				if got != tt.want {
					t.Errorf("%s: %q, want %q", name, got, tt.want)
				}
			}
		})
	}
}

// TestUnmarshalTruncated: a cut encoding is an error, not a wrong count.
func TestUnmarshalTruncated(t *testing.T) {
	p := Workload{}.NewPartial()
	p.Add([]byte("alpha beta beta\n"))
	b, _ := p.MarshalBinary()
	for n := 1; n < len(b); n++ {
		q := Workload{}.NewPartial()
		if err := q.UnmarshalBinary(b[:n]); err == nil && string(q.Answer()) == string(p.Answer()) {
			t.Errorf("UnmarshalBinary of %d of %d bytes gave the whole answer", n, len(b))
		}
	}
}

// TestGenerate: the generator writes exactly the size asked for, the same
// bytes for the same seed and other bytes for another, in lines of at most
// maxLine bytes; the fast path and the reference agree on it.
func TestGenerate(t *testing.T) {
	gen := func(size int64, seed uint64) []byte {
		var b bytes.Buffer
		if err := (Workload{}).Generate(&b, size, seed); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, size := range []int64{0, 1, 2, 19, 100, 101, 64 << 10} {
		if b := gen(size, 1); int64(len(b)) != size {
			t.Errorf("size %d: wrote %d bytes", size, len(b))
		}
	}
	a, b, c := gen(64<<10, 1), gen(64<<10, 1), gen(64<<10, 2)
	if !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Error("not deterministic per seed, or the seed is ignored")
	}
	for i, line := range bytes.SplitAfter(a, []byte("\n")) {
		if len(line) > maxLine {
			t.Fatalf("line %d has %d bytes, more than %d", i, len(line), maxLine)
		}
	}
	p := Workload{}.NewPartial()
	p.Add(a)
	ref, _ := Workload{}.Reference(bytes.NewReader(a))
	if !bytes.Equal(p.Answer(), ref) || !bytes.HasPrefix(ref, []byte("the ")) {
		t.Errorf("fast path and reference disagree, or the commonest word is not \"the\": %.60q", ref)
	}
}

// The workload implements fanbench's optional interfaces.
var (
	_ fanbench.Generator  = Workload{}
	_ fanbench.Referencer = Workload{}
)

// FuzzAnswers: on any input the partials, split at line boundaries and
// merged through MarshalBinary, agree with the reference.
func FuzzAnswers(f *testing.F) {
	for _, tt := range handWorked {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		merged, wire := answerOf(t, in)
		ref, err := Workload{}.Reference(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		if merged != string(ref) || wire != string(ref) {
			t.Errorf("on %q: merged %q, through MarshalBinary %q, reference %q", in, merged, wire, ref)
		}
	})
}

// TestZipf: the first word is drawn with probability 1/H, H the sum of
// 1/(k+1)^1.2 over the vocabulary; its share in 200,000 draws is within
// 1% of it (a binomial's standard deviation there is about 0.1%), and the
// last draws of the table (u near 2^64) fall on the last word.
func TestZipf(t *testing.T) {
	h := 0.0
	for k := range vocabulary {
		h += math.Pow(float64(k+1), -1.2)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cdf := zipfCDF()
	first := 0
	const n = 200000
	for range n {
		if pick(cdf, rng.Uint64()) == 0 {
			first++
		}
	}
	if got, want := float64(first)/n, 1/h; math.Abs(got-want) > 0.01 {
		t.Errorf("share of the first word %.4f, want %.4f", got, want)
	}
	if k := pick(cdf, math.MaxUint64); k != len(vocabulary)-1 {
		t.Errorf("u = 2^64-1 picks word %d, want the last (%d)", k, len(vocabulary)-1)
	}
	if k := pick(cdf, 0); k != 0 {
		t.Errorf("u = 0 picks word %d, want 0", k)
	}
}
