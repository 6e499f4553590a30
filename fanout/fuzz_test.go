package fanout_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/fanout"
)

// FuzzChunks: whatever the content, the strategy, the worker count, the
// split and the buffer size, every byte is delivered exactly once in whole
// lines, and the lines add up to a plain byte loop's count.
func FuzzChunks(f *testing.F) {
	f.Add([]byte("a\nbb\nccc"), uint8(0), uint8(3), uint16(64), false)
	f.Add([]byte("\n\n\n"), uint8(1), uint8(7), uint16(1), true)
	f.Add([]byte("x\r\ny\r\n"), uint8(3), uint8(2), uint16(3), false)
	f.Add([]byte(strings.Repeat("long line without a newline, longer than the buffer ", 3)), uint8(1), uint8(2), uint16(4), true)
	f.Add([]byte{}, uint8(2), uint8(1), uint16(0), true)
	f.Add([]byte("12345678\n12345678\n12345678\n12345678\n"), uint8(3), uint8(4), uint16(9), true)
	f.Fuzz(func(t *testing.T, data []byte, strategy, workers uint8, buf uint16, dynamic bool) {
		ss := fanout.Strategies()
		s := ss[int(strategy)%len(ss)]
		w := 1 + int(workers)%8
		opt := fanout.Options{Strategy: s, Workers: w, BufSize: 64 + int(buf)%256, Segment: 1 + int(buf)%128, MaxLine: 1 << 20}
		if dynamic {
			opt.Split = fanout.Dynamic
		}
		path := writeFile(t, string(data))
		what := fmt.Sprintf("%s/%d workers/buf %d/dynamic %v", s, w, opt.BufSize, dynamic)
		rec := newRecorder(w)
		st, err := fanout.Run(context.Background(), path, opt, rec.fn)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if lines := rec.check(t, what, data); lines != plainCount(string(data)) || st.Bytes != int64(len(data)) {
			t.Fatalf("%s: %d lines, %d bytes; want %d, %d", what, lines, st.Bytes, plainCount(string(data)), len(data))
		}
		rec = newRecorder(w)
		if _, err := fanout.RunBytes(context.Background(), data, opt, rec.fn); err != nil {
			t.Fatalf("bytes/%s: %v", what, err)
		}
		if lines := rec.check(t, "bytes/"+what, data); lines != plainCount(string(data)) {
			t.Fatalf("bytes/%s: %d lines, want %d", what, lines, plainCount(string(data)))
		}
	})
}
