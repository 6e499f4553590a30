package runner

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
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

// TestResumeKeepsFixturesShowsCommands: --resume without --fixtures, from
// another folder, uses the fixture folder the experiment used (not
// ./fixtures/data), and prints the spec's external commands before it runs
// any of them.
func TestResumeKeepsFixturesShowsCommands(t *testing.T) {
	src := "name = \"res\"\nrepetitions = 2\nsample_every = \"0s\"\ncgroup = false\n" + matrix +
		"[[reference]]\nname = \"wc\"\ncommand = [\"wc\", \"-l\", \"{file}\"]\nverify = \"lines\"\n" +
		"[[reference]]\nname = \"sh\"\ncommand = [\"sh\", \"-c\", \"wc -l < $0\", \"{file}\"]\nverify = \"lines\"\n"
	tmp := t.TempDir()
	dir, fx := filepath.Join(tmp, "results"), filepath.Join(tmp, "fx")
	o := Options{Spec: mustSpec(t, src), Dir: dir, FixtureDir: fx, Self: fanbenchBin(t), Progress: io.Discard}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	// Lose every record, then resume from elsewhere with the default folder.
	if err := os.Remove(filepath.Join(dir, results.RunsFile)); err != nil {
		t.Fatal(err)
	}
	cwd := filepath.Join(tmp, "elsewhere")
	if err := os.Mkdir(cwd, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(cwd)
	again, err := LoadSpec(filepath.Join(dir, SpecCopyName))
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	o.Spec, o.Resume, o.FixtureDir, o.Progress = again, true, "fixtures/data", &progress
	o.beforeRun = func(order int) {
		if order == 0 {
			progress.Write([]byte("first run\n"))
		}
	}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Runs != 6 || sum.Failed != 0 {
		t.Errorf("resume: %d runs, %d failed, want 6 and 0", sum.Runs, sum.Failed)
	}
	if ents, _ := os.ReadDir(cwd); len(ents) != 0 {
		t.Errorf("resume wrote %v in the current folder", ents)
	}
	want := []string{
		"resume: fixtures in " + fx + " as recorded (not fixtures/data)",
		"resume: " + filepath.Join(dir, SpecCopyName) + " runs these commands (a spec is code: resume only folders you trust):",
		"  wc: wc -l {file}",
		`  sh: sh -c "wc -l < $0" {file}`,
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Errorf("progress line %d: %q, want %q (all: %q)", i, lines[min(i, len(lines)-1)], w, lines)
		}
	}
	if i := slices.Index(lines, "first run"); i < len(want) {
		t.Errorf("first run at line %d, before the commands were shown: %q", i, lines)
	}
}
