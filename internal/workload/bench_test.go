package workload_test

import (
	"bytes"
	"testing"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/workload"
)

func benchWorkload(b *testing.B, name string) {
	var buf bytes.Buffer
	if _, err := fixture.Generate(&buf, 16<<20, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	w, _ := workload.Lookup(name)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p := w.New()
		p.Add(data)
	}
}

func BenchmarkCount(b *testing.B) { benchWorkload(b, "count") }
func BenchmarkParse(b *testing.B) { benchWorkload(b, "parse") }
