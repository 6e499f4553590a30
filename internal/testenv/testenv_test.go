package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder is a testing.TB that records how Missing ended the test.
type recorder struct {
	testing.TB
	fatal, skip bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.fatal = true }
func (r *recorder) Skipf(string, ...any)  { r.skip = true }

func TestMissing(t *testing.T) {
	for _, tt := range []struct {
		ci          string
		fatal, skip bool
	}{{"true", true, false}, {"1", true, false}, {"TRUE", true, false}, {"", false, true}, {"false", false, true}} {
		t.Setenv("CI", tt.ci)
		r := &recorder{TB: t}
		Missing(r, "no %s", "tool")
		if r.fatal != tt.fatal || r.skip != tt.skip {
			t.Errorf("CI=%q: fatal %v skip %v, want %v %v", tt.ci, r.fatal, r.skip, tt.fatal, tt.skip)
		}
	}
}

func TestLookPath(t *testing.T) {
	t.Setenv("CI", "")
	dir := t.TempDir()
	tool := filepath.Join(dir, "tool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	r := &recorder{TB: t}
	if got := LookPath(r, "hint", filepath.Join(dir, "absent"), dir, "tool"); got != tool || r.skip || r.fatal {
		t.Errorf("LookPath = %q (skip %v fatal %v), want %q: a directory is not a tool", got, r.skip, r.fatal, tool)
	}
	if got := LookPath(r, "hint", "nonesuch"); got != "" || !r.skip {
		t.Errorf("LookPath(nonesuch) = %q, skip %v", got, r.skip)
	}
}
