package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: whatever the spec text, Parse does not panic, and it
// either accepts the spec (whose cells then expand) or returns a
// *Error whose message is one line naming the file. The seed corpus is
// the committed experiments, the bad specs of the CLI tests and the
// table of spec errors.
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"../../experiments/*.toml", "../../internal/app/testdata/run/*.toml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				seeds = append(seeds, string(b))
			}
		}
	}
	if len(seeds) < 10 {
		f.Fatalf("only %d seed specs found", len(seeds))
	}
	for _, tt := range specErrorTests {
		seeds = append(seeds, tt.src)
	}
	seeds = append(seeds, "name = \"m\"\nmemory_limit = \"2GiB\"\n"+matrix)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse("fuzz.toml", []byte(src))
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *Error: %v", err, err)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error spans lines: %q", msg)
			}
			if !strings.HasPrefix(msg, "fuzz.toml") || se.Path != "fuzz.toml" {
				t.Fatalf("error does not name the file: %q", msg)
			}
			if s != nil {
				t.Fatalf("a spec came with the error %v", err)
			}
			return
		}
		if s.Repetitions < 1 || s.Warmup < 0 || (s.Cache != "warm" && s.Cache != "cold") || s.MemoryLimit < 0 {
			t.Fatalf("accepted an invalid spec: %+v", s)
		}
		// Cells of an accepted spec expand, when their number is sane.
		n := 0
		for _, m := range s.Matrix {
			k := 1
			for _, v := range m.Knobs {
				k *= len(v)
				if k > 1000 {
					return
				}
			}
			n += k * len(m.Modes) * len(m.Strategies) * len(m.Workloads) * len(m.Sizes) * len(m.Workers)
		}
		if n > 100000 {
			return
		}
		for _, c := range s.Cells() {
			if c.Size < 0 || c.Workers < 1 {
				t.Fatalf("cell %s: size %d workers %d", c.Name(), c.Size, c.Workers)
			}
		}
	})
}
