package app

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/ab"
	"github.com/fanbench/fanbench/internal/spec"
)

// TestABUsageErrors: bad input to ab exits 2 with one line and writes no
// results folder.
func TestABUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"two arguments", []string{"HEAD", "HEAD"}, "want BASE HEAD SPEC"},
		{"unknown revision", []string{"no-such-revision-xyz", "HEAD", "../../experiments/ab.toml"}, "no-such-revision-xyz: not a binary and not a git revision"},
		{"bad gate", []string{"--gate", "sec/op:-5%", "HEAD", "HEAD", "../../experiments/ab.toml"}, "--gate: "},
		{"max pairs below first round", []string{"--max-pairs", "2", "HEAD", "HEAD", "../../experiments/ab.toml"}, "--max-pairs 2 is below"},
		{"missing spec", []string{"HEAD", "HEAD", "absent.toml"}, "absent.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{"ab", "--results", filepath.Join(tmp, "results"), "--cache", filepath.Join(tmp, "cache")}, tt.args...)
			if status := Run(&stdout, &stderr, args); status != 2 {
				t.Errorf("exit status %d, want 2; stderr %q", status, stderr.String())
			}
			got := stderr.String()
			if strings.Count(got, "\n") != 1 || !strings.Contains(got, tt.want) {
				t.Errorf("stderr %q: want one line containing %q", got, tt.want)
			}
			if _, err := os.Stat(filepath.Join(tmp, "results")); err == nil {
				t.Error("a results folder was written")
			}
		})
	}
}

// TestABGateOverridesReport: a unit given to --gate is gated, not also
// reported from --report's default.
func TestABGateOverridesReport(t *testing.T) {
	fs := flag.NewFlagSet("ab", flag.ContinueOnError)
	f := addABFlags(fs, time.Minute)
	if err := fs.Parse([]string{"--gate", "sec/op:+7%,allocs:+0%"}); err != nil {
		t.Fatal(err)
	}
	sp, err := spec.Load("../../experiments/ab.toml")
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.options(sp)
	if err != nil {
		t.Fatal(err)
	}
	var gated, reported []string
	for _, g := range o.Gates {
		gated = append(gated, g.String())
	}
	for _, g := range o.Report {
		reported = append(reported, g.String())
	}
	if strings.Join(gated, ",") != "sec/op:+7%,allocs:+0%" || strings.Join(reported, ",") != "cpu-sec:+10%,minflt:+5%" {
		t.Errorf("gated %v, reported %v; want sec/op gated and not reported", gated, reported)
	}
}

// userRepo makes a git repository of this module's tracked files as they
// are on disk, committed twice: as they are, then with a bug in
// examples/wordfreq's counting (each word counted twice). It returns the
// repository and the two commits.
func userRepo(t *testing.T) (repo, good, buggy string) {
	t.Helper()
	repo = t.TempDir()
	git := func(dir string, args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	root := git(".", "rev-parse", "--show-toplevel")
	for _, name := range strings.Split(git(root, "ls-files"), "\n") {
		from, p := filepath.Join(root, name), filepath.Join(repo, name)
		st, err := os.Lstat(from)
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree
		} else if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(from)
			if err == nil {
				err = os.Symlink(target, p)
			}
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(from)
		if err == nil {
			err = os.WriteFile(p, b, st.Mode().Perm())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	git(repo, "init", "-q")
	git(repo, "add", ".")
	git(repo, "commit", "-qm", "as it is")
	good = git(repo, "rev-parse", "HEAD")
	src := filepath.Join(repo, "examples", "wordfreq", "wordfreq.go")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	const count = "\tif n := p.counts[string(w)]; n != nil {\n\t\t*n++\n"
	if !bytes.Contains(b, []byte(count)) {
		t.Fatalf("%s: no %q to break", src, count)
	}
	b = bytes.Replace(b, []byte(count), []byte("\tif n := p.counts[string(w)]; n != nil {\n\t\t*n += 2\n"), 1)
	if err := os.WriteFile(src, b, 0o644); err != nil {
		t.Fatal(err)
	}
	git(repo, "commit", "-qam", "count twice")
	return repo, good, git(repo, "rev-parse", "HEAD")
}

// TestABUserProgram: `ab --pkg ./examples/wordfreq` builds a user's own
// program (cmdline.Main with its own workload) at two revisions and runs
// the spec's wordfreq cells with each: the head revision, whose counting
// is wrong, fails its runs' answer checks, so the gate fails (exit 1); the
// build cache keys the builds by commit and package.
func TestABUserProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds examples/wordfreq at two revisions")
	}
	repo, good, buggy := userRepo(t)
	tmp := t.TempDir()
	cache := filepath.Join(tmp, "cache")
	// The program that runs ab is the user's own, at the good revision.
	driver, err := ab.Resolve(context.Background(), repo, cache, good, "./examples/wordfreq")
	if err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(tmp, "wf.toml")
	if err := os.WriteFile(spec, []byte("name = \"wf\"\nrepetitions = 2\nwarmup = 0\nseed = 1\ncache = \"warm\"\ntimeout = \"1m\"\nsample_every = \"0s\"\n"+
		"[[matrix]]\nstrategies = [\"readall\"]\nworkloads = [\"wordfreq\"]\nsizes = [\"64KiB\"]\nworkers = [1]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(driver.Binary, "ab", "--pkg", "./examples/wordfreq", "--cache", cache, "--results", filepath.Join(tmp, "results"),
		"--fixtures", filepath.Join(tmp, "fx"), "--pairs", "2", "--max-pairs", "2", "--budget", "0", good, buggy, spec)
	cmd.Dir = repo
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("ab: %v, want exit status 1\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	pkgDir := "examples%2Fwordfreq"
	for _, want := range []string{
		"base: cached " + filepath.Join(cache, good, pkgDir, "wordfreq") + "\n",
		"head: built " + filepath.Join(cache, buggy, pkgDir, "wordfreq") + "\n",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	out := stdout.String()
	// The user's program names itself in its messages (wordfreq exec: ...).
	if !strings.Contains(out, "head rep 0: failed exit status 1: wordfreq exec: wrong answer") ||
		!strings.HasSuffix(out, "verdict: FAIL: no complete pair of runs to compare (2 head runs failed)\n") || strings.Contains(out, "base rep") {
		t.Errorf("stdout: want the head's runs (only) failed on wrong answers in the verdict:\n%s", out)
	}
}

// TestWarnUncommitted: ab says in one line when the work tree has changes
// that neither revision's build holds, and nothing when it is clean or
// when both arms are binaries.
func TestWarnUncommitted(t *testing.T) {
	repo := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"commit", "-q", "--allow-empty", "-m", "empty"}} {
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	rev := ab.Build{Rev: "HEAD", Commit: strings.Repeat("a", 40)}
	bin := ab.Build{Rev: "./bin/fanbench", Binary: "/x/bin/fanbench"}
	warn := func(builds ...ab.Build) string {
		var b bytes.Buffer
		warnUncommitted(&b, repo, []string{filepath.Join(repo, "results", "ab-builds"), filepath.Join(repo, "results")}, builds...)
		return b.String()
	}
	// ab's own folders, untracked, do not count.
	os.MkdirAll(filepath.Join(repo, "results", "ab-builds", "c"), 0o755)
	os.WriteFile(filepath.Join(repo, "results", "ab-builds", "c", "x"), []byte("x"), 0o644)
	if got := warn(bin, rev); got != "" {
		t.Errorf("clean tree: %q, want nothing", got)
	}
	os.WriteFile(filepath.Join(repo, "a.go"), []byte("package a\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "b.go"), []byte("package a\n"), 0o644)
	want := "ab: warning: the work tree of " + repo + " has uncommitted changes (?? a.go and 1 more): they are in neither build, which are made from the revisions' commits\n"
	if got := warn(bin, rev); got != want {
		t.Errorf("dirty tree:\n got %q\nwant %q", got, want)
	}
	if got := warn(bin, bin); got != "" {
		t.Errorf("two binaries: %q, want nothing", got)
	}
}

// TestRequireBase: with --require-base, one failed base run fails the
// comparison and is named; head failures are the verdict's business, and
// a base that ran everything passes.
func TestRequireBase(t *testing.T) {
	for _, tc := range []struct {
		failed     []string
		headFailed int
		want       string
	}{
		{nil, 0, ""},
		{[]string{"mmap/parse/1GiB/2 head rep 0: failed exit status 1"}, 1, ""},
		{[]string{"mmap/parse/1GiB/2 head rep 0: failed exit status 1", "mmap/parse/1GiB/2 base rep 3: failed exit status 2: flag provided but not defined: -force"}, 1,
			"--require-base: 1 base runs failed, first mmap/parse/1GiB/2 base rep 3: failed exit status 2: flag provided but not defined: -force"},
	} {
		a := &ab.Analysis{Failed: tc.failed, HeadFailed: tc.headFailed}
		if n := len(tc.failed); n > tc.headFailed {
			a.FirstBaseFailure = tc.failed[n-1] // the one base line of these cases
		}
		err := baseRanAll(a)
		got := ""
		if err != nil {
			got = err.Error()
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 1 {
				t.Errorf("%v: want exit status 1", err)
			}
		}
		if got != tc.want {
			t.Errorf("failed %q: got %q, want %q", tc.failed, got, tc.want)
		}
	}
}
