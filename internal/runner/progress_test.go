package runner

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fanbench/fanbench/internal/results"
)

// TestProgressFits80Columns: the progress line on a terminal, redrawn
// after each run, fits 80 columns however long the cell's name (here a
// process-mode cell with knobs, 10000 runs, the last repetition), so that
// it redraws in place instead of wrapping onto new lines.
func TestProgressFits80Columns(t *testing.T) {
	var buf bytes.Buffer
	long := results.Cell{Mode: "process", Strategy: "readall", Workload: "parse", Size: 1 << 30, SizeName: "1GiB", Workers: 4096,
		Arm: "head", Knobs: map[string]string{"buf": "1MiB", "chancap": "4096", "split": "dynamic", "collect": "manager"}}
	p := newProgress(Options{Terminal: true, Progress: &buf}, 10000)
	for i := 0; i < 3; i++ {
		p.describe(long, Planned{Rep: 9999})
		p.done(long, Planned{Rep: 9999}, results.Run{Status: results.StatusOK})
	}
	p.finish()
	escapes := regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
	lines := regexp.MustCompile("[\r\n]+").Split(escapes.ReplaceAllString(buf.String(), ""), -1)
	drawn := 0
	for _, l := range lines {
		if n := utf8.RuneCountInString(strings.TrimRight(l, " ")); n > 80 {
			t.Errorf("%d columns: %q", n, l)
		}
		if strings.Contains(l, "readall proc 1GiB ×4096 ") {
			drawn++
		}
	}
	if drawn == 0 {
		t.Errorf("the cell's short name was never drawn: %q", buf.String())
	}
}

// TestShortCellName: the progress line's cell description, cut to its room.
func TestShortCellName(t *testing.T) {
	c := results.Cell{Mode: "goroutine", Strategy: "mmap", Workload: "count", SizeName: "64MiB", Workers: 2}
	if got, want := shortCellName(c, 3, 40), "mmap goro 64MiB ×2 #3"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	c.Knobs = map[string]string{"buf": "4MiB"}
	if got, want := shortCellName(c, 3, 20), "mmap goro 64MiB ×2 …"; got != want {
		t.Errorf("cut: got %q, want %q", got, want)
	}
}
