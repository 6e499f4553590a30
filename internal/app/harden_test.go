package app

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestRunEverySkipped: an experiment whose every cell the memory guard
// refuses (4096 process workers, an estimated 256 GiB) measured nothing:
// it says so plainly and exits 1, without any claim to fail.
func TestRunEverySkipped(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "skip.toml")
	if err := os.WriteFile(spec, []byte("name = \"skip\"\nrepetitions = 1\n[[matrix]]\nmodes = [\"process\"]\nstrategies = [\"ranges\"]\nsizes = [\"1MiB\"]\nworkers = [4096]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	status := Run(&stdout, &stderr, []string{"run", "--results", filepath.Join(tmp, "r"), "--fixtures", filepath.Join(tmp, "fx"), spec})
	if status != 1 {
		t.Errorf("exit status %d, want 1\nstdout %s\nstderr %s", status, stdout.String(), stderr.String())
	}
	want := regexp.MustCompile(`(?m)^fanbench run: every run was skipped \(1\): nothing was measured \(reasons in \S+/runs\.jsonl; --force runs what the memory guard refuses\)$`)
	if !want.MatchString(stderr.String()) {
		t.Errorf("stderr does not say that nothing was measured:\n%s", stderr.String())
	}
}
