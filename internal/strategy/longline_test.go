package strategy

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/workload"
)

// TestLongLines: a line longer than max(buf, maxline) fails ranges and
// chan, in both modes, naming the file, where the line starts and the
// knob; a line up to maxline (longer than buf) is read right; the
// whole-file strategies take any line.
func TestLongLines(t *testing.T) {
	dir := t.TempDir()
	const maxLine = 4096
	head := strings.Repeat("Hamburg;12.0\n", 1000) // 13000 bytes, then the long line
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(head+strings.Repeat("x", n-len(";1.0\n"))+";1.0\nBulawayo;8.9\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fits, tooLong := write("fits", maxLine), write("too-long", maxLine+1)
	k := DefaultKnobs()
	k.BufSize, k.MaxLine = 512, maxLine
	parse, _ := workload.Lookup("parse")
	forms(func(name string, run Func) {
		if strings.HasSuffix(name, "/pread") {
			return // byte ranges: no lines to bound
		}
		for _, path := range []string{fits, tooLong} {
			ref, err := fixture.ReferenceOf(path, parse)
			if err != nil {
				t.Fatal(err)
			}
			res, err := run(Job{Path: path, Workload: parse, Workers: 1, Knobs: k, Command: testWorkerCommand})
			buffered := strings.HasSuffix(name, "/ranges") || strings.HasSuffix(name, "/chan")
			if path == fits || !buffered {
				if err != nil || res.Answer != ref {
					t.Errorf("%s on %s: %v, %v; want %v", name, filepath.Base(path), res.Answer, err, ref)
				}
				continue
			}
			want := fmt.Sprintf("the line at byte %d is longer than maxline 4KiB (raise the maxline knob to read it)", len(head))
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s on a line of %d bytes: %v, %v; want an error naming %s and %q", name, maxLine+1, res.Answer, err, path, want)
			}
		}
	})
	noChildren(t)
}
