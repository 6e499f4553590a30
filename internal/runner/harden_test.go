package runner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestRunNameStaysInRoot: a Spec whose name would put its results folder
// outside the results root (or straight into it) is refused before anything
// is written, however the Spec was made (LoadSpec refuses such names too:
// TestParseSpecErrors).
func TestRunNameStaysInRoot(t *testing.T) {
	for _, name := range []string{"..", ".", "../escape", "a/../..", ""} {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			root := filepath.Join(tmp, "nest", "results")
			if err := os.MkdirAll(root, 0o755); err != nil {
				t.Fatal(err)
			}
			spec, err := ParseSpec("s.toml", []byte("name = \"ok\"\n"+matrix))
			if err != nil {
				t.Fatal(err)
			}
			spec.Name = name
			_, err = Run(context.Background(), Options{Spec: spec, ResultsRoot: root, FixtureDir: filepath.Join(tmp, "fx"),
				Self: "/bin/false", Progress: io.Discard})
			if err == nil || !strings.Contains(err.Error(), "experiment name") {
				t.Errorf("Run: %v, want an error naming the experiment name", err)
			}
			for _, d := range []string{tmp, filepath.Join(tmp, "nest"), root} {
				ents, _ := os.ReadDir(d)
				if len(ents) != 1 && d != root || d == root && len(ents) != 0 {
					t.Errorf("%s holds %v after the refusal", d, ents)
				}
			}
		})
	}
}

// TestRunsShareFixtureFolder: two `fanbench run`s started together on one
// empty fixture folder: one generates each fixture while the other waits,
// so neither sees its fixture replaced under it (before the folder lock
// the second rename failed every run of the first: "changed since it was
// verified").
func TestRunsShareFixtureFolder(t *testing.T) {
	tmp := t.TempDir()
	fx := filepath.Join(tmp, "fx")
	spec := writeFile(t, filepath.Join(tmp, "s.toml"), "name = \"share\"\nrepetitions = 2\n[[matrix]]\nstrategies = [\"ranges\"]\nsizes = [\"8MiB\", \"12MiB\"]\nworkers = [1]\n")
	fanbenchBin(t) // build once, before the race
	res := make([]cliResult, 2)
	var wg sync.WaitGroup
	for i := range res {
		wg.Go(func() {
			res[i] = runCLI(t, nil, "run", "--results", filepath.Join(tmp, "r"+strconv.Itoa(i)), "--fixtures", fx, spec)
		})
	}
	wg.Wait()
	for i, r := range res {
		if r.code != 0 || !strings.Contains(r.stdout, "(4 runs, 0 failed, 0 skipped") {
			t.Errorf("run %d: exit %d\nstdout %s\nstderr %s", i, r.code, r.stdout, r.stderr)
		}
	}
	m, err := os.ReadFile(filepath.Join(fx, "manifest.json"))
	if err != nil || !strings.Contains(string(m), "fixture-8MiB-seed1.txt") || !strings.Contains(string(m), "fixture-12MiB-seed1.txt") {
		t.Errorf("manifest: %v\n%s", err, m)
	}
}
