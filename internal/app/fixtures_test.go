package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunUnwritableFixtures: a --fixtures folder that cannot be made or
// written fails the run in one line naming it, before the results folder
// is made (it left a results folder with spec.toml and plan.json behind), and
// --dry-run says so.
// Root writes through a folder's mode, so the folder is a symlink to
// nowhere (and, when not root, a folder without write permission too).
func TestRunUnwritableFixtures(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "fx.toml")
	if err := os.WriteFile(spec, []byte("name = \"fx\"\nrepetitions = 1\n[[matrix]]\nmodes = [\"goroutine\"]\nstrategies = [\"ranges\"]\nsizes = [\"1KiB\"]\nworkers = [1]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(tmp, "dangling") // a symlink to nowhere: mkdir fails
	if err := os.Symlink(filepath.Join(tmp, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	fixtures := []string{dangling}
	if os.Geteuid() != 0 {
		ro := filepath.Join(tmp, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		fixtures = append(fixtures, ro, filepath.Join(ro, "fixtures"))
	}
	for _, fx := range fixtures {
		results := filepath.Join(tmp, "results")
		var stdout, stderr bytes.Buffer
		status := Run(&stdout, &stderr, []string{"run", "--results", results, "--fixtures", fx, spec})
		lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		line := lines[len(lines)-1] // after the machine's warnings (stale cgroups)
		if status != 1 || !strings.HasPrefix(line, "fanbench run: fixture folder "+fx+": cannot be written: ") {
			t.Errorf("--fixtures %s: exit %d, stderr %q; want exit 1, a last line naming the folder", fx, status, line)
		}
		if _, err := os.Stat(results); err == nil {
			t.Errorf("--fixtures %s: a results folder was made", fx)
			os.RemoveAll(results)
		}
		stdout.Reset()
		Run(&stdout, &stderr, []string{"run", "--dry-run", "--results", results, "--fixtures", fx, spec})
		if !strings.Contains(stdout.String(), "CANNOT BE WRITTEN: fixture folder "+fx+": cannot be written: ") {
			t.Errorf("--dry-run --fixtures %s does not say the folder cannot be written:\n%s", fx, stdout.String())
		}
	}
}
