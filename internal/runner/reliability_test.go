package runner

// Reliability: bad input, faults and interruption never lose data, never
// hang and never take the machine down. Each test here proves one row of
// the reliability table, docs/reliability.md.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
	"github.com/fanbench/fanbench/internal/testenv"
	"github.com/fanbench/fanbench/internal/workload"
)

// wcReadall is the matrix of one small readall cell (one worker) and the
// wc reference beside it: the tail of the specs below.
var wcReadall = matrixOf(1, "readall") + wcRef

// cliResult is what one fanbench invocation did.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs the fanbench binary (through wrap, e.g. prlimit, if given)
// and waits for it, at most two minutes.
func runCLI(t *testing.T, wrap []string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append(append(slices.Clone(wrap), fanbenchBin(t)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%v: %v", argv, err)
	}
	return cliResult{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

func writeFile(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// onlyFolder returns the single results folder under root/name.
func onlyFolder(t *testing.T, root, name string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(root, name, "*"))
	if len(dirs) != 1 {
		t.Fatalf("results folders under %s: %v, want one", root, dirs)
	}
	return dirs[0]
}

// readRunsOK reads a results folder's runs.jsonl, which must parse.
func readRunsOK(t *testing.T, dir string) ([]results.Run, int) {
	t.Helper()
	runs, dropped, err := results.ReadRuns(filepath.Join(dir, results.RunsFile))
	if err != nil {
		t.Fatalf("runs.jsonl is not valid: %v", err)
	}
	return runs, dropped
}

// plannedKeys is the set of run keys the spec plans, sorted.
func plannedKeys(t *testing.T, sp *spec.Spec) []string {
	t.Helper()
	cells := sp.Cells()
	var keys []string
	for _, p := range Plan(PairGroups(cells), sp.Repetitions, sp.Warmup, sp.Seed) {
		keys = append(keys, runKey(cells[p.Cell].Record(), p.Rep, p.Warmup))
	}
	slices.Sort(keys)
	return keys
}

// TestDriverFixtureChanged: a fixture changed after it was verified is
// never measured. Before an experiment, Ensure's checksum catches it and
// regenerates the file; during one, the size and mtime recorded at
// verification are checked before every run, and a run after the change
// fails with the reason instead of measuring.
func TestDriverFixtureChanged(t *testing.T) {
	src := `name = "fixchange"
repetitions = 4
timeout = "30s"
` + quick + wcReadall
	sp, err := spec.Parse("fixchange.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	self := fanbenchBin(t)
	for _, change := range []string{"rewrite-same-size", "truncate"} {
		t.Run(change, func(t *testing.T) {
			tmp := t.TempDir()
			fx := filepath.Join(tmp, "fixtures")
			dir := filepath.Join(tmp, "results")
			path := filepath.Join(fx, fixture.FileName(64<<10, sp.FixtureSeed))
			const changeAt = 3 // order of the first run after the change
			o := Options{Spec: sp, Dir: dir, FixtureDir: fx, Self: self, Progress: io.Discard}
			o.beforeRun = func(order int) {
				if order != changeAt {
					return
				}
				if err := tamper(path, change); err != nil {
					t.Error(err)
				}
			}
			sum, err := Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			runs, dropped := readRunsOK(t, dir)
			if dropped != 0 || len(runs) != 8 {
				t.Fatalf("%d runs, %d dropped; want 8 and 0", len(runs), dropped)
			}
			for _, r := range runs {
				if r.Order < changeAt {
					if r.Status != results.StatusOK {
						t.Errorf("run %d before the change: %s %q", r.Order, r.Status, r.Reason)
					}
					continue
				}
				if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "fixture "+path+" changed since it was verified") ||
					r.ElapsedSec != 0 || r.Usage.WallSec != 0 {
					t.Errorf("run %d after the change: status %s, reason %q, elapsed %g, wall %g: want failed, not measured",
						r.Order, r.Status, r.Reason, r.ElapsedSec, r.Usage.WallSec)
				}
			}
			if sum.Failed != 8-changeAt {
				t.Errorf("summary: %d failed, want %d", sum.Failed, 8-changeAt)
			}
			t.Logf("reason: %s", runs[len(runs)-1].Reason)

			// The next experiment finds the damage by checksum and
			// regenerates the fixture before any run.
			var progress bytes.Buffer
			o2 := Options{Spec: sp, Dir: filepath.Join(tmp, "results2"), FixtureDir: fx, Self: self, Progress: &progress}
			sum2, err := Run(context.Background(), o2)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(progress.String(), string(fixture.Regenerated)+" "+path) {
				t.Errorf("progress %q: want the fixture regenerated", progress.String())
			}
			if sum2.Failed != 0 || sum2.Runs != 8 {
				t.Errorf("after regeneration: %+v, want 8 good runs", *sum2)
			}
		})
	}
}

// tamper changes the file at path: "truncate" cuts it short;
// "rewrite-same-size" writes other bytes into it, same size, and moves its
// mtime on, even on a file system with coarse timestamps.
func tamper(path, change string) error {
	if change == "truncate" {
		return os.Truncate(path, 1000)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteAt([]byte("tampered"), 100)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	later := time.Now().Add(time.Hour)
	return os.Chtimes(path, later, later)
}

// TestDriverRunFaults: a run that hangs, fails with a message, panics or is
// OOM-killed is recorded as failed with its reason and stderr tail; the
// other runs of the experiment go on, and fanbench run exits 1.
//
// Two experiments: the hang under a 2 s timeout, and the others under a
// generous one, since only the hang waits for its timeout. A short timeout
// on the hog made the test depend on how fast a loaded machine OOM-kills it
// (at load 8-20 the hog was still running at 2 s and timed out instead).
func TestDriverRunFaults(t *testing.T) {
	toucher := toucherBin(t)
	tmp := t.TempDir()
	// The limit is a cgroup's where one can be made, else RLIMIT_AS, which
	// counts the address space a Go child reserves (over 1 GiB) too.
	limit, hog, oom := "128MiB", "512", "OOM-killed (memory limit 128MiB)"
	if runCgroupParent(t) == "" {
		limit, hog, oom = "2GiB", "2560", "exit status 2 (under RLIMIT_AS 2GiB)"
	}
	type fault struct{ reason, stderr string }
	for _, e := range []struct {
		name, timeout, refs string
		want                map[string]fault
	}{
		{"hang", "2s", `
[[reference]]
name = "hang"
command = ["sleep", "30"]
`, map[string]fault{"ref:hang": {"timed out after 2s: process group killed", ""}}},
		{"faults", "5m", fmt.Sprintf(`
[[reference]]
name = "fail"
command = ["sh", "-c", "echo 'reading {file}: bad input' >&2; exit 3"]

[[reference]]
name = "panic"
command = [%[1]q, "-panic", "boom"]

[[reference]]
name = "hog"
command = [%[1]q, "-mib", %[2]q]
`, toucher, hog), map[string]fault{
			"ref:fail":  {"exit status 3: reading " + filepath.Join(tmp, "fx"), "bad input"},
			"ref:panic": {"exit status 2: panic: boom", "goroutine 1 [running]"},
			"ref:hog":   {oom, ""},
		}},
	} {
		t.Run(e.name, func(t *testing.T) {
			specPath := writeFile(t, filepath.Join(tmp, e.name+".toml"), fmt.Sprintf(`name = %q
repetitions = 1
timeout = %q
memory_limit = %q
sample_every = "10ms"
`, e.name, e.timeout, limit)+matrixOf(2, "readall")+e.refs+wcRef)
			root := filepath.Join(tmp, "results-"+e.name)
			start := time.Now()
			res := runCLI(t, nil, "run", "--results", root, "--fixtures", filepath.Join(tmp, "fx"), specPath)
			t.Logf("took %v; stdout:\n%s\nstderr:\n%s", time.Since(start), res.stdout, res.stderr)
			if res.code != 1 {
				t.Errorf("exit status %d, want 1", res.code)
			}
			failed := fmt.Sprintf("fanbench run: %d runs failed (reasons in ", len(e.want))
			if !strings.Contains(res.stderr, failed) {
				t.Errorf("stderr %q: want %q", res.stderr, failed)
			}
			runs, dropped := readRunsOK(t, onlyFolder(t, root, e.name))
			if n := 2 + len(e.want); len(runs) != n || dropped != 0 {
				t.Fatalf("%d runs, %d dropped; want all %d recorded", len(runs), dropped, n)
			}
			for _, r := range runs {
				w, bad := e.want[r.Cell.Strategy]
				if !bad {
					if r.Status != results.StatusOK {
						t.Errorf("%s: %s %q, want ok: a failed run must not stop the others", r.Cell.Strategy, r.Status, r.Reason)
					}
					continue
				}
				t.Logf("%s: reason %q, stderr tail %q", r.Cell.Strategy, r.Reason, r.StderrTail)
				if r.Status != results.StatusFailed || !strings.HasPrefix(r.Reason, w.reason) {
					t.Errorf("%s: %s %q, want failed %q", r.Cell.Strategy, r.Status, r.Reason, w.reason)
				}
				if !strings.Contains(r.StderrTail, w.stderr) {
					t.Errorf("%s: stderr tail %q, want %q in it", r.Cell.Strategy, r.StderrTail, w.stderr)
				}
			}
		})
	}
}

// TestLaunchMemLimitRlimitAS: without a cgroup, the memory limit is an
// RLIMIT_AS on the child, which then fails to allocate past it. (A Go child
// reserves about 1.2 GiB of address space at start: the limit is 2 GiB.)
func TestLaunchMemLimitRlimitAS(t *testing.T) {
	toucher := toucherBin(t)
	l := Launch{Args: []string{toucher, "-mib", "2560"}, Timeout: 30 * time.Second, MemLimit: 2 << 30}
	out := l.Run(context.Background())
	t.Logf("err %v; stderr %.200q", out.Err, out.StderrTail)
	// The Go runtime's "fatal error: out of memory" heads a stack dump
	// longer than the kept tail: the runtime frames remain.
	if out.Err == nil || out.Err.Error() != "exit status 2 (under RLIMIT_AS 2GiB)" || !strings.Contains(out.StderrTail, "runtime.") {
		t.Errorf("err %v, stderr %.200q: want a Go runtime crash under RLIMIT_AS", out.Err, out.StderrTail)
	}
	// The same child within its limit runs.
	l.Args = []string{toucher, "-mib", "64"}
	if out := l.Run(context.Background()); out.Err != nil {
		t.Errorf("64 MiB under a 2 GiB RLIMIT_AS: %v (%.300s)", out.Err, out.StderrTail)
	}
}

// guardCells is the memory guard tests' spec: readall and ranges in both
// modes at 64 KiB and 16 GiB with 4 workers, its cells by mode/strategy/size.
func guardCells(t *testing.T) (*spec.Spec, map[string]spec.Cell) {
	t.Helper()
	sp := mustSpec(t, `name = "guard"
[[matrix]]
modes = ["process", "goroutine"]
strategies = ["readall", "ranges"]
sizes = ["64KiB", "16GiB"]
workers = [4]
`)
	byName := map[string]spec.Cell{}
	for _, c := range sp.Cells() {
		byName[c.Mode.String()+"/"+c.Strategy+"/"+c.Record().SizeName] = c
	}
	return sp, byName
}

// TestMemoryGuard: the guard refuses a cell whose estimated peak endangers
// the machine (process-mode readall at 16 GiB with 4 workers on 24 GiB of
// MemAvailable), records it as a skipped run with the reason, yields to
// --force, and lets small cells through.
func TestMemoryGuard(t *testing.T) {
	const machine = 24 << 30
	sp, byName := guardCells(t)
	big := byName["process/readall/16GiB"]
	if why := memoryGuard(big, machine, false); !strings.HasPrefix(why, "memory guard: estimated peak ") {
		t.Errorf("process readall 16GiB ×4 on 24GiB: guard %q, want refused", why)
	}
	if why := memoryGuard(big, machine, true); why != "" {
		t.Errorf("with --force: guard %q, want it to run", why)
	}
	for _, name := range []string{"process/readall/64KiB", "goroutine/readall/64KiB", "process/ranges/16GiB", "goroutine/ranges/16GiB"} {
		if why := memoryGuard(byName[name], machine, false); why != "" {
			t.Errorf("%s: guard %q, want it to run", name, why)
		}
	}

	// Through runOne: the refused cell is a skipped run with the reason,
	// decided before anything is looked at or started; with Force it goes on
	// (here to the fixture check, as no 16 GiB fixture exists).
	o := Options{memAvailable: func() int64 { return machine }}
	absent := filepath.Join(t.TempDir(), "absent")
	r := runOne(context.Background(), o, sp, big, Planned{Rep: 0}, absent, fixtureStamp{}, inputRef{}, "")
	if r.Status != results.StatusSkipped || !strings.Contains(r.Reason, "exceeds 80% of MemAvailable 24 GiB (use --force to run it)") {
		t.Errorf("guarded run: %s %q", r.Status, r.Reason)
	}
	o.Force = true
	r = runOne(context.Background(), o, sp, big, Planned{Rep: 0}, absent, fixtureStamp{}, inputRef{}, "")
	if r.Status != results.StatusFailed || !strings.HasPrefix(r.Reason, "fixture ") {
		t.Errorf("forced run: %s %q, want it past the guard", r.Status, r.Reason)
	}
}

// TestChildForce: an exec child is handed --force only where its own
// memory guard could refuse what the driver's passed (the estimate above
// 40% of MemAvailable) or the user forced the run, so that a binary older
// than the flag (fanbench ab against 6666af9) runs every ordinary cell.
func TestChildForce(t *testing.T) {
	const machine = 24 << 30
	sp, byName := guardCells(t)
	for _, tc := range []struct {
		cell  string
		force bool // the user's --force
		want  bool
	}{
		{"goroutine/readall/64KiB", false, false},
		{"goroutine/ranges/16GiB", false, false}, // a 1 MiB buffer per worker
		{"goroutine/readall/16GiB", false, true}, // 16 GiB of heap: within 80% of 24, above 40%
		{"process/readall/16GiB", false, true},   // refused by the driver unless forced
		{"goroutine/readall/64KiB", true, true},
	} {
		o := Options{Self: "fanbench", Force: tc.force, memAvailable: func() int64 { return machine }}
		c, ok := byName[tc.cell]
		if !ok {
			t.Fatalf("no cell %s", tc.cell)
		}
		l := newLaunch(o, sp, c, "/data/in.txt", inputRef{}, "/tmp/answer")
		if got := slices.Contains(l.Args, "--force"); got != tc.want {
			t.Errorf("%s (user --force %v): child args %q: --force %v, want %v", tc.cell, tc.force, l.Args, got, tc.want)
		}
	}
}

// TestDriverMemoryGuardRecordsSkips: cells refused by the guard are written
// to runs.jsonl as skipped runs, with the reason, and counted as skipped.
func TestDriverMemoryGuardRecordsSkips(t *testing.T) {
	sp := mustSpec(t, "name = \"guardrun\"\nrepetitions = 2\n"+quick+matrixOf(1, "readall"))
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "results")
	o := Options{Spec: sp, Dir: dir, FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard,
		memAvailable: func() int64 { return 64 << 20 }}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := readRunsOK(t, dir)
	if sum.Skipped != 2 || sum.Runs != 0 || len(runs) != 2 {
		t.Fatalf("summary %+v, %d records: want 2 skipped runs recorded", *sum, len(runs))
	}
	for _, r := range runs {
		if r.Status != results.StatusSkipped || !strings.Contains(r.Reason, "memory guard") {
			t.Errorf("run %d: %s %q", r.Order, r.Status, r.Reason)
		}
	}
}

// TestRunResultsNotWritable: a results root that cannot be written gives
// one clear line naming the path and exit status 1, and writes nothing:
// a root under a file (which stops root too), a read-only file system (a
// read-only bind mount in a private mount namespace), and --resume of a
// folder on it.
func TestRunResultsNotWritable(t *testing.T) {
	tmp := t.TempDir()
	specPath := writeFile(t, filepath.Join(tmp, "s.toml"), "name = \"ro\"\n"+matrix)
	t.Run("under-a-file", func(t *testing.T) {
		fx := filepath.Join(tmp, "fx1")
		res := runCLI(t, nil, "run", "--results", "/dev/null/results", "--fixtures", fx, specPath)
		if res.code != 1 || res.stderr != "fanbench run: create results folder: mkdir /dev/null: not a directory\n" {
			t.Errorf("exit %d, stderr %q: want 1 and one line naming the folder", res.code, res.stderr)
		}
		if _, err := os.Stat(fx); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("fixtures made although no results folder could be (%v)", err)
		}
	})
	t.Run("read-only", func(t *testing.T) {
		testenv.LookPath(t, "apt-get install util-linux", "unshare")
		root := filepath.Join(tmp, "ro")
		old := writeFile(t, filepath.Join(root, "ro", "old", SpecCopyName), "name = \"ro\"\n"+matrix)
		oldDir := filepath.Dir(old)
		runs := writeFile(t, filepath.Join(oldDir, results.RunsFile), "{\"experiment\":\"ro\",\"rep\":0}\n{\"experiment\":\"ro\",\"rep\"")
		// fanbench runs with root mounted read-only over itself.
		ro := []string{"unshare", "-m", "sh", "-c", `mount --bind -o ro "$0" "$0" && exec "$@"`, root}
		if out, err := exec.Command(ro[0], append(ro[1:], "true")...).CombinedOutput(); err != nil {
			t.Skipf("no read-only bind mount here: %v %s", err, out)
		}
		fx := filepath.Join(tmp, "fx2")
		res := runCLI(t, ro, "run", "--results", root, "--fixtures", fx, specPath)
		if res.code != 1 || !strings.HasPrefix(res.stderr, "fanbench run: create results folder: mkdir "+filepath.Join(root, "ro")+"/") ||
			!strings.HasSuffix(res.stderr, ": read-only file system\n") || strings.Count(res.stderr, "\n") != 1 {
			t.Errorf("new folder: exit %d, stderr %q: want 1 and one line naming the folder", res.code, res.stderr)
		}
		res = runCLI(t, ro, "run", "--resume", oldDir, "--fixtures", fx)
		if want := "fanbench run: lock " + oldDir + ": open " + filepath.Join(oldDir, ".lock") + ": read-only file system\n"; res.code != 1 || res.stderr != want {
			t.Errorf("resume: exit %d, stderr %q: want 1 and %q", res.code, res.stderr, want)
		}
		if b := mustRead(t, runs); !strings.HasSuffix(string(b), "\"rep\"") {
			t.Errorf("runs.jsonl changed: %q", b)
		}
		if _, err := os.Stat(fx); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("fixtures made although no results folder could be (%v)", err)
		}
		if ents, _ := os.ReadDir(filepath.Join(root, "ro")); len(ents) != 1 {
			t.Errorf("results root: %v, want only the old folder", ents)
		}
	})
}

// TestRunDiskFull fills the disk as far as fanbench can tell: RLIMIT_FSIZE
// makes a write past the limit fail with EFBIG (the Go runtime ignores
// SIGXFSZ) after writing what fits, as a full disk does. The error names
// runs.jsonl, the records before stay intact, the torn last line is dropped
// when read and trimmed by --resume, which then completes the plan.
func TestRunDiskFull(t *testing.T) {
	testenv.LookPath(t, "apt-get install util-linux", "prlimit")
	tmp := t.TempDir()
	src := `name = "full"
repetitions = 12
seed = 5
pss_every = "0s"
` + quick + wcReadall
	specPath := writeFile(t, filepath.Join(tmp, "full.toml"), src)
	sp, err := spec.Load(specPath)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture and its reference exist before, as in a real run where
	// the disk fills up during the experiment.
	fx := filepath.Join(tmp, "fx")
	makeFixture(t, fx, 64<<10, sp.FixtureSeed)

	// A free run sizes the records: the limit falls in the middle of the
	// sixth one.
	free := runCLI(t, nil, "run", "--results", filepath.Join(tmp, "free"), "--fixtures", fx, specPath)
	if free.code != 0 {
		t.Fatalf("unlimited run: exit %d: %s", free.code, free.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(onlyFolder(t, filepath.Join(tmp, "free"), "full"), results.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	limit := len(strings.Join(lines[:5], "")) + len(lines[5])/2

	root := filepath.Join(tmp, "results")
	res := runCLI(t, []string{"prlimit", "--fsize=" + strconv.Itoa(limit), "--"}, "run", "--results", root, "--fixtures", fx, specPath)
	t.Logf("limit %d B: exit %d, stderr %q", limit, res.code, res.stderr)
	dir := onlyFolder(t, root, "full")
	runsPath := filepath.Join(dir, results.RunsFile)
	// stderr: the progress line of the fixture, then the error.
	errLine := res.stderr[strings.LastIndex(strings.TrimSuffix(res.stderr, "\n"), "\n")+1:]
	if res.code != 1 || !strings.HasPrefix(errLine, "fanbench run: record run: append to "+runsPath+": ") ||
		!strings.HasSuffix(errLine, ": file too large\n") {
		t.Errorf("exit %d, stderr %q: want 1 and a last line naming runs.jsonl", res.code, res.stderr)
	}
	st, err := os.Stat(runsPath)
	if err != nil || st.Size() != int64(limit) {
		t.Fatalf("runs.jsonl: %v, size %v: want filled to the %d B limit", err, st, limit)
	}
	// The file: five whole records, then the start of the sixth.
	full := mustRead(t, runsPath)
	end := 0
	for i := 0; i < 5 && end < len(full); i++ {
		end += bytes.IndexByte(full[end:], '\n') + 1
	}
	whole, torn := full[:end], full[end:]
	if len(torn) == 0 || bytes.IndexByte(torn, '\n') >= 0 {
		t.Errorf("after the five records: %q, want a torn line", torn)
	}
	runs, dropped := readRunsOK(t, dir)
	if len(runs) != 5 || dropped != 1 {
		t.Fatalf("after the disk filled: %d runs, %d dropped; want the 5 whole records and the torn one dropped", len(runs), dropped)
	}
	for _, r := range runs {
		if r.Status != results.StatusOK || r.Order >= 5 {
			t.Errorf("kept record %d: %s %q", r.Order, r.Status, r.Reason)
		}
	}

	// Space again: resume trims the torn line and finishes exactly the plan.
	res = runCLI(t, nil, "run", "--resume", dir, "--fixtures", fx)
	if res.code != 0 {
		t.Fatalf("resume: exit %d: %s", res.code, res.stderr)
	}
	after, dropped := readRunsOK(t, dir)
	if dropped != 0 || !slices.Equal(runKeys(after), plannedKeys(t, sp)) {
		t.Errorf("after resume: %d dropped, runs\n%v\nwant the plan\n%v", dropped, runKeys(after), plannedKeys(t, sp))
	}
	if !bytes.HasPrefix(mustRead(t, runsPath), whole) {
		t.Error("resume rewrote the records kept from before the disk filled")
	}
	if !slices.Equal(runKeys(after[:5]), runKeys(runs)) {
		t.Errorf("resume changed the first records: %v, were %v", runKeys(after[:5]), runKeys(runs))
	}
}

// makeFixture makes the fixture of size and seed in the folder fx, and
// its count reference, as an earlier experiment would have.
func makeFixture(t *testing.T, fx string, size int64, seed uint64) {
	t.Helper()
	store, err := fixture.Open(fx)
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := store.Ensure(size, seed)
	if err != nil {
		t.Fatal(err)
	}
	count, err := workload.Lookup("count")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Reference(f, count); err != nil {
		t.Fatal(err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// procsMentioning returns the pids of live processes whose command line or
// executable contains s.
func procsMentioning(s string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || gone(pid) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		exe, _ := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if strings.Contains(string(cmdline), s) || strings.Contains(exe, s) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// runCgroups lists the fanbench-* run cgroups under parent ("" : none).
func runCgroups(parent string) []string {
	if parent == "" {
		return nil
	}
	m, _ := filepath.Glob(filepath.Join(parent, "fanbench-*"))
	return m
}

// TestRunInterruptAndResume sends SIGINT, SIGTERM or SIGHUP to fanbench run in the
// middle of an experiment: it exits 130, every child process has ended, no
// run cgroup is left, runs.jsonl is valid and holds only finished runs;
// --resume then completes it with exactly the runs (keys and run order) of
// an uninterrupted run. While the first run holds the folder, a second
// fanbench run on it is stopped by the lock.
func TestRunInterruptAndResume(t *testing.T) {
	tmp := t.TempDir()
	// The reference is a copy of sleep under tmp, so that it is found by
	// its path among the processes left behind.
	sleep := testenv.LookPath(t, "apt-get install coreutils", "sleep")
	nap := filepath.Join(tmp, "bin", "nap")
	if err := os.MkdirAll(filepath.Dir(nap), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("cp", sleep, nap).Run(); err != nil {
		t.Fatal(err)
	}
	e := sigExperiment{tmp: tmp, fx: filepath.Join(tmp, "fx"), cgParent: runCgroupParent(t)}
	e.specPath = writeFile(t, filepath.Join(tmp, "sig.toml"), fmt.Sprintf(`name = "sig"
repetitions = 6
warmup = 1
seed = 11
timeout = "30s"
sample_every = "5ms"
`+matrixOf(2, "readall")+`
[[reference]]
name = "nap"
command = [%q, "0.2"]
`, nap))
	sp, err := spec.Load(e.specPath)
	if err != nil {
		t.Fatal(err)
	}

	// The uninterrupted run everything is compared with.
	whole := runCLI(t, nil, "run", "--results", filepath.Join(tmp, "whole"), "--fixtures", e.fx, e.specPath)
	if whole.code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", whole.code, whole.stderr)
	}
	e.whole, _ = readRunsOK(t, onlyFolder(t, filepath.Join(tmp, "whole"), "sig"))
	if !slices.Equal(runKeys(e.whole), plannedKeys(t, sp)) {
		t.Fatalf("uninterrupted run: %v, want the plan %v", runKeys(e.whole), plannedKeys(t, sp))
	}
	// SIGHUP (a closed terminal or ssh session) is an interruption like
	// the others: it used to kill run outright (exit 129), leaving its
	// run cgroup and no resume hint.
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) { e.interrupt(t, sig) })
	}
}

// sigExperiment is the experiment of TestRunInterruptAndResume.
type sigExperiment struct {
	tmp, fx, specPath string
	cgParent          string        // where run cgroups are made ("" : none)
	whole             []results.Run // the records of an uninterrupted run
}

// interrupt starts fanbench run of the experiment, checks that a second
// run on its folder is stopped by the lock, sends sig after two recorded
// runs, checks that nothing of the run is left but its finished records,
// and resumes it.
func (e sigExperiment) interrupt(t *testing.T, sig syscall.Signal) {
	root := filepath.Join(e.tmp, "sig-"+strconv.Itoa(int(sig)))
	cgBefore := runCgroups(e.cgParent)
	cmd := exec.Command(fanbenchBin(t), "run", "--results", root, "--fixtures", e.fx, e.specPath)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			<-exited
		}
	}()
	dir := waitForRuns(t, filepath.Join(root, "sig"), 2, &stderr)

	// The folder is locked: a second run on it stops at once.
	second := runCLI(t, nil, "run", "--resume", dir, "--fixtures", e.fx)
	wantLock := fmt.Sprintf("fanbench run: results folder %s is in use by another fanbench run (pid %d)\n", dir, cmd.Process.Pid)
	if second.code != 1 || second.stderr != wantLock {
		t.Errorf("second run on a folder in use: exit %d, stderr %q; want 1, %q", second.code, second.stderr, wantLock)
	}

	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		killed = true
	case <-time.After(20 * time.Second):
		t.Fatalf("fanbench run still running 20s after %v", sig)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit status %d after %v, want 130; stderr %s", code, sig, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted: ") || !strings.Contains(stderr.String(), "continue with fanbench run --resume "+dir) {
		t.Errorf("stderr %q: want how to resume", stderr.String())
	}
	e.checkNothingLeft(t, sig, dir, cgBefore, cmd.Process.Pid)
	partial, dropped := readRunsOK(t, dir)
	if dropped != 0 || len(partial) < 2 || len(partial) >= len(e.whole) {
		t.Errorf("after %v: %d runs, %d dropped", sig, len(partial), dropped)
	}
	for _, r := range partial {
		if r.Status != results.StatusOK {
			t.Errorf("recorded run %d is %s %q: an interrupted run must not be recorded", r.Order, r.Status, r.Reason)
		}
	}
	t.Logf("%v after %d of %d runs", sig, len(partial), len(e.whole))
	e.checkResume(t, dir, len(partial))
}

// waitForRuns waits, at most 60 s, for the single results folder under
// root to record n runs, and returns it; stderr is the run's, for the
// failure.
func waitForRuns(t *testing.T, root string, n int, stderr *bytes.Buffer) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if files, _ := filepath.Glob(filepath.Join(root, "*", results.RunsFile)); len(files) == 1 {
			if runs, _, err := results.ReadRuns(files[0]); err == nil && len(runs) >= n {
				return filepath.Dir(files[0])
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d runs recorded in 60s; stderr %s", n, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkNothingLeft: nothing of a run interrupted by sig survives it: no
// process mentions the temp folder (the nap copy, fanbench exec of the
// fixture), no run cgroup the driver (pid) made during it (not in
// cgBefore) is left, nor
// the lock of its results folder dir.
func (e sigExperiment) checkNothingLeft(t *testing.T, sig syscall.Signal, dir string, cgBefore []string, pid int) {
	t.Helper()
	if pids := procsMentioning(e.tmp); len(pids) > 0 {
		t.Errorf("processes left after %v: %v", sig, pids)
	}
	for _, cg := range runCgroups(e.cgParent) {
		name := filepath.Base(cg)
		// The interrupted driver's own run cgroups (named -pPID): another
		// fanbench on the machine may be running its own meanwhile.
		ours := strings.HasSuffix(name, "-p"+strconv.Itoa(pid))
		if ours && !slices.Contains(cgBefore, cg) && (strings.HasPrefix(name, "fanbench-refnap-") || strings.HasPrefix(name, "fanbench-readall-")) {
			t.Errorf("cgroup left after %v: %s", sig, cg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".lock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left: %v", err)
	}
}

// checkResume resumes the interrupted experiment in dir, which recorded
// its first kept runs: it then holds exactly the runs of the uninterrupted
// one, each with its run order, the resumed ones in that order.
func (e sigExperiment) checkResume(t *testing.T, dir string, kept int) {
	t.Helper()
	res := runCLI(t, nil, "run", "--resume", dir, "--fixtures", e.fx)
	if res.code != 0 {
		t.Fatalf("resume: exit %d: %s", res.code, res.stderr)
	}
	wantOrder := map[string]int{}
	for _, r := range e.whole {
		wantOrder[keyOf(r)] = r.Order
	}
	final, dropped := readRunsOK(t, dir)
	if dropped != 0 || !slices.Equal(runKeys(final), runKeys(e.whole)) {
		t.Errorf("after resume:\n%v\nwant the uninterrupted run's\n%v", runKeys(final), runKeys(e.whole))
	}
	for i, r := range final {
		if r.Order != wantOrder[keyOf(r)] {
			t.Errorf("%s: order %d, the uninterrupted run has %d", keyOf(r), r.Order, wantOrder[keyOf(r)])
		}
		if i > 0 && i >= kept && r.Order <= final[i-1].Order {
			t.Errorf("resume ran %s (order %d) after order %d: not in the recorded order", keyOf(r), r.Order, final[i-1].Order)
		}
	}
}

// TestResumeKeepsRecordedPlan: --resume plans the runs the experiment began
// with, even when they came from a --reps override that the spec copy does
// not hold: the same runs, in the same order, none twice.
func TestResumeKeepsRecordedPlan(t *testing.T) {
	src := `name = "plan"
repetitions = 3
seed = 9
` + quick + wcReadall
	sp := mustSpec(t, src)
	sp.Repetitions = 2 // as fanbench run --reps 2 does
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "results")
	o := Options{Spec: sp, Dir: dir, FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	first, _ := readRunsOK(t, dir)
	want := plannedKeys(t, sp)
	if len(first) != 4 || !slices.Equal(runKeys(first), want) {
		t.Fatalf("first run: %v, want %v", runKeys(first), want)
	}
	// Lose the last record, then resume from the spec copy as the CLI does.
	raw := mustRead(t, filepath.Join(dir, results.RunsFile))
	cut := bytes.LastIndexByte(raw[:len(raw)-1], '\n') + 1
	if err := os.WriteFile(filepath.Join(dir, results.RunsFile), raw[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	again, err := spec.Load(filepath.Join(dir, SpecCopyName))
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	o.Spec, o.Resume, o.Progress = again, true, &progress
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	final, _ := readRunsOK(t, dir)
	if !slices.Equal(runKeys(final), want) {
		t.Errorf("after resume: %v, want %v", runKeys(final), want)
	}
	if len(final) == 4 && (keyOf(final[3]) != keyOf(first[3]) || final[3].Order != first[3].Order) {
		t.Errorf("resume ran %s (order %d), want the lost %s (order %d)", keyOf(final[3]), final[3].Order, keyOf(first[3]), first[3].Order)
	}
	if !strings.Contains(progress.String(), "resume: repetitions 2, warm-ups 0, seed 9 as recorded (not 3, 0, 9)") {
		t.Errorf("progress %q: want the recorded plan named", progress.String())
	}
}

// TestResumeAfterEarlyInterrupt: an experiment interrupted before its first
// run (here: before fixtures) leaves a folder that --resume completes.
func TestResumeAfterEarlyInterrupt(t *testing.T) {
	sp := mustSpec(t, "name = \"early\"\nrepetitions = 2\n"+quick+wcReadall)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "results")
	o := Options{Spec: sp, Dir: dir, FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, o); err == nil || !strings.Contains(err.Error(), "interrupted before the first run; continue with fanbench run --resume "+dir) {
		t.Fatalf("interrupted run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, results.RunsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("runs.jsonl: %v, want none yet", err)
	}
	again, err := spec.Load(filepath.Join(dir, SpecCopyName))
	if err != nil {
		t.Fatal(err)
	}
	o.Spec, o.Resume = again, true
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	runs, _ := readRunsOK(t, dir)
	if sum.Runs != 4 || !slices.Equal(runKeys(runs), plannedKeys(t, sp)) {
		t.Errorf("after resume: %+v, runs %v", *sum, runKeys(runs))
	}
	if _, err := results.ReadEnv(filepath.Join(dir, results.EnvFile)); err != nil {
		t.Errorf("env.json after resume: %v", err)
	}
}
