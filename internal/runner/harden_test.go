package runner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
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
			sp, err := spec.Parse("s.toml", []byte("name = \"ok\"\n"+matrix))
			if err != nil {
				t.Fatal(err)
			}
			sp.Name = name
			_, err = Run(context.Background(), Options{Spec: sp, ResultsRoot: root, FixtureDir: filepath.Join(tmp, "fx"),
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
	sp := writeFile(t, filepath.Join(tmp, "s.toml"), "name = \"share\"\nrepetitions = 2\n[[matrix]]\nstrategies = [\"ranges\"]\nsizes = [\"8MiB\", \"12MiB\"]\nworkers = [1]\n")
	fanbenchBin(t) // build once, before the race
	res := make([]cliResult, 2)
	var wg sync.WaitGroup
	for i := range res {
		wg.Go(func() {
			res[i] = runCLI(t, nil, "run", "--results", filepath.Join(tmp, "r"+strconv.Itoa(i)), "--fixtures", fx, sp)
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
	src := "name = \"res\"\nrepetitions = 2\n" + quick + matrix + wcRef +
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
	again, err := spec.Load(filepath.Join(dir, SpecCopyName))
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

// TestStaleCgroupRemovedAtStart: a driver killed by SIGKILL in the middle
// of a run leaves that run's (empty) cgroup behind; the next run removes
// it when it starts, and says so.
func TestStaleCgroupRemovedAtStart(t *testing.T) {
	parent := runCgroupParent(t)
	if parent == "" {
		t.Skip("no run cgroup can be made here")
	}
	tmp := t.TempDir()
	sp := writeFile(t, filepath.Join(tmp, "s.toml"), "name = \"stale\"\nrepetitions = 1\ntimeout = \"30s\"\n"+matrix+
		"[[reference]]\nname = \"nap\"\ncommand = [\"sleep\", \"20\"]\n")
	cmd := exec.Command(fanbenchBin(t), "run", "--results", filepath.Join(tmp, "r"), "--fixtures", filepath.Join(tmp, "fx"), sp)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	owner := "-p" + strconv.Itoa(cmd.Process.Pid)
	var left string
	for deadline := time.Now().Add(60 * time.Second); left == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, cg := range runCgroups(parent) {
			if strings.HasPrefix(filepath.Base(cg), "fanbench-refnap-") && strings.HasSuffix(cg, owner) {
				left = cg
			}
		}
	}
	cmd.Process.Kill() // SIGKILL: no deferred cleanup runs
	cmd.Wait()
	if left == "" {
		t.Fatal("the run's cgroup never appeared")
	}
	t.Cleanup(func() { os.Remove(left) }) // rmdir, should the test fail
	// The sleep dies of its parent-death signal; the cgroup stays.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(left, "cgroup.procs"))
		if err != nil {
			t.Fatalf("the killed driver's cgroup is gone already: %v", err)
		}
		if strings.TrimSpace(string(b)) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("processes left in %s: %s", left, b)
		}
	}
	var progress bytes.Buffer
	s, err := spec.Parse("s.toml", []byte("name = \"stale\"\nrepetitions = 1\n"+matrix))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), Options{Spec: s, ResultsRoot: filepath.Join(tmp, "r2"), FixtureDir: filepath.Join(tmp, "fx"),
		Self: fanbenchBin(t), Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale cgroup %s still there (%v)", left, err)
	}
	if !strings.Contains(progress.String(), "removed 1 stale run cgroups of fanbench processes that are gone: "+left+"\n") {
		t.Errorf("progress does not name the removed cgroup:\n%s", progress.String())
	}
}

// TestNoCgroupWarnsOnce: on a machine where no run cgroup can be made (here
// NewRunCgroup fails as it does without permission), the experiment says
// why there is no cgroup tree peak in one `# warning:` line on its
// progress output and one in results.bench, however many runs it has.
func TestNoCgroupWarnsOnce(t *testing.T) {
	const why = "no memory cgroup could be made: cgroup v2: permission denied; cgroup v1: permission denied"
	noCgroup := func(string) (*measure.Cgroup, error) { return nil, errors.New(why) }
	tmp := t.TempDir()
	sp := mustSpec(t, "name = \"nocg\"\nrepetitions = 3\n"+matrix)
	var progress bytes.Buffer
	sum, err := Run(context.Background(), Options{Spec: sp, ResultsRoot: filepath.Join(tmp, "r"), FixtureDir: filepath.Join(tmp, "fx"),
		Self: fanbenchBin(t), Progress: &progress, newCgroup: noCgroup})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Runs != 3 {
		t.Fatalf("%d runs, want 3", sum.Runs)
	}
	want := "# warning: no cgroup tree peak (tree-peak-cgroup-B) for this experiment's runs: " + why + "\n"
	if n := strings.Count(progress.String(), "# warning:"); n != 1 || !strings.Contains(progress.String(), want) {
		t.Errorf("progress has %d warnings, want one %q:\n%s", n, want, progress.String())
	}
	bench := string(mustRead(t, filepath.Join(sum.Dir, results.BenchFile)))
	wantBench := "# warning: 3 of the runs have no tree-peak-cgroup-B: " + why + "\n"
	if n := strings.Count(bench, "# warning:"); n != 1 || !strings.Contains(bench, wantBench) {
		t.Errorf("results.bench has %d warnings, want one %q:\n%s", n, wantBench, bench)
	}
}
