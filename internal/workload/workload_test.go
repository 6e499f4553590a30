package workload

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/split"
)

var edgeInputs = map[string]string{
	"empty":          "",
	"one byte":       "x",
	"only newlines":  "\n\n\n",
	"no trailing nl": "Hamburg;12.0\nBulawayo;8.9\nHamburg;-3.4",
	"crlf":           "Hamburg;12.0\r\nBulawayo;8.9\r\n",
	"bad lines":      "Hamburg;12.0\n;1.0\nnosemi\nX;1.23\nY;-.5\nZ;100.0\nÅrhus;-99.9\n",
	"utf8":           "São Paulo;25.1\nZürich;-0.1\n東京;15.5\nSão Paulo;-25.1\n",
	"rounding":       "a;0.1\na;0.2\nb;-0.1\nb;-0.2\nc;-0.5\nc;0.4\n",
	"non-utf8 names": "\xff;1.0\n\xfe;2.0\nA;3.0\n\xff;-1.0\n",
	"double ties":    "f;0.1\nf;0.1\nf;0.1\nf;0.0\nf;0.0\nf;0.0\ng;-0.1\ng;0.0\nh;-3.5\nh;-3.4\nh;-3.5\nh;-3.4\nh;-3.5\nh;-3.6\n",
	"utf16 order":    "Ａ;1.0\n😀;2.0\nb;3.0\nB;4.0\n\xc3;1.0\né;2.0\nZ\xc3;3.0\nZü;4.0\n",
}

// fastAnswer runs the fast path over data cut into parts and merged.
func fastAnswer(t *testing.T, w Workload, data []byte, parts int) Answer {
	t.Helper()
	total := w.New()
	for _, r := range split.Bytes(data, parts) {
		p := w.New()
		p.Add(data[r.Off:r.End()])
		total.Merge(p)
	}
	return total.Answer()
}

func TestFastMatchesReference(t *testing.T) {
	for _, w := range All {
		for name, in := range edgeInputs {
			ref, err := w.Reference(strings.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			for _, parts := range []int{1, 2, 3, 8, 64} {
				if got := fastAnswer(t, w, []byte(in), parts); got != ref {
					t.Errorf("%s/%s/%d parts: fast %v, reference %v", w.Name, name, parts, got, ref)
				}
			}
		}
	}
}

func TestParseAnswerValues(t *testing.T) {
	w, _ := Lookup("parse")
	a, err := w.Reference(strings.NewReader(edgeInputs["bad lines"]))
	if err != nil {
		t.Fatal(err)
	}
	// Hamburg;12.0 and Århus;-99.9 parse; the other five non-empty lines are bad.
	if a.Records != 2 || a.Bad != 5 || a.Stations != 2 || a.Lines != 7 {
		t.Errorf("got %+v", a)
	}
	c, _ := Lookup("count")
	a, _ = c.Reference(strings.NewReader(edgeInputs["no trailing nl"]))
	if a.Lines != 3 || a.Bytes != int64(len(edgeInputs["no trailing nl"])) {
		t.Errorf("count got %+v", a)
	}
}

func TestDigestSensitiveToValues(t *testing.T) {
	w, _ := Lookup("parse")
	a, _ := w.Reference(strings.NewReader("a;1.0\nb;2.0\n"))
	b, _ := w.Reference(strings.NewReader("a;1.0\nb;2.1\n"))
	if a.Digest == b.Digest || a.Digest == "" {
		t.Errorf("digests %q and %q should differ", a.Digest, b.Digest)
	}
}

func TestParseGrowsTable(t *testing.T) {
	var sb strings.Builder
	for i := 0; i < 20000; i++ {
		sb.WriteString("station")
		sb.WriteString(strings.Repeat("x", i%7))
		sb.WriteByte(byte('a' + i%26))
		sb.WriteString(string(rune('A' + i/26%26)))
		sb.WriteString(string(rune('A' + i/676%30)))
		sb.WriteString(";1.5\n")
	}
	w, _ := Lookup("parse")
	ref, _ := w.Reference(strings.NewReader(sb.String()))
	if got := fastAnswer(t, w, []byte(sb.String()), 3); got != ref {
		t.Errorf("fast %v != reference %v", got, ref)
	}
}

func TestParseAddDoesNotAllocate(t *testing.T) {
	w, _ := Lookup("parse")
	p := w.New()
	data := []byte(strings.Repeat("Hamburg;12.0\nBulawayo;-8.9\n", 1000))
	p.Add(data)
	if n := testing.AllocsPerRun(10, func() { p.Add(data) }); n != 0 {
		t.Errorf("Add allocated %v times per call over known names; want 0", n)
	}
}

func FuzzWorkloads(f *testing.F) {
	for _, in := range edgeInputs {
		f.Add([]byte(in), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, p uint8) {
		parts := int(p%16) + 1
		for _, w := range All {
			ref, err := w.Reference(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := fastAnswer(t, w, data, parts); got != ref {
				t.Fatalf("%s: fast %v, reference %v", w.Name, got, ref)
			}
		}
	})
}
