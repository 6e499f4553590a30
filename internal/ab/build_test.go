package ab

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tempRepo makes a git repository holding a tiny module whose
// ./cmd/fanbench builds at the first commit and does not at the second,
// and two more main packages, ./tools/other and the module's root, that
// build at both;
// it returns the repository and the two commits.
func tempRepo(t *testing.T) (repo, good, bad string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed to test the build cache")
	}
	repo = t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	write := func(name, text string) {
		p := filepath.Join(repo, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run("git", "init", "-q")
	write("go.mod", "module example.com/tiny\n\ngo 1.22\n")
	write("cmd/fanbench/main.go", "package main\n\nfunc main() { println(\"tiny\") }\n")
	write("tools/other/main.go", "package main\n\nfunc main() { println(\"other\") }\n")
	write("main.go", "package main\n\nfunc main() { println(\"root\") }\n")
	run("git", "add", ".")
	run("git", "commit", "-qm", "builds")
	good = run("git", "rev-parse", "HEAD")
	write("cmd/fanbench/main.go", "package main\n\nfunc main() { undefinedCall() }\n")
	run("git", "commit", "-qam", "does not build")
	bad = run("git", "rev-parse", "HEAD")
	return repo, good, bad
}

func TestResolveBuildCache(t *testing.T) {
	repo, good, bad := tempRepo(t)
	cache := filepath.Join(t.TempDir(), "cache")

	b, err := Resolve(context.Background(), repo, cache, "HEAD~1", "")
	if err != nil {
		t.Fatal(err)
	}
	if !b.Built || b.Commit != good || b.Binary != BinaryPath(cache, good, DefaultPackage) {
		t.Fatalf("first resolve: %+v, want a fresh build of %s in the cache", b, good)
	}
	out, err := exec.Command(b.Binary).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "tiny" {
		t.Fatalf("built binary: %v %q", err, out)
	}
	st1, _ := os.Stat(b.Binary)

	// The same commit by another name: nothing is built, the binary is the same file.
	b2, err := Resolve(context.Background(), repo, cache, good, "")
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(b2.Binary)
	if b2.Built || b2.Binary != b.Binary || !st2.ModTime().Equal(st1.ModTime()) {
		t.Errorf("second resolve built again: %+v", b2)
	}
	// No worktree is left registered or on disk.
	wts, _ := git(repo, "worktree", "list", "--porcelain")
	if n := strings.Count(wts, "worktree "); n != 1 {
		t.Errorf("git worktree list shows %d worktrees, want only the repository:\n%s", n, wts)
	}
	if left, _ := filepath.Glob(filepath.Join(cache, ".worktree-*")); len(left) > 0 {
		t.Errorf("temporary worktrees left: %v", left)
	}

	// A revision that does not build is a BuildError naming it and the compiler's complaint.
	_, err = Resolve(context.Background(), repo, cache, "HEAD", "")
	var be *BuildError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "HEAD ("+bad[:12]+") does not build") || !strings.Contains(err.Error(), "undefined: undefinedCall") {
		t.Errorf("bad commit: err = %v, want a BuildError naming the commit and the compile error", err)
	}
	if _, err := os.Stat(BinaryPath(cache, bad, DefaultPackage)); err == nil {
		t.Error("a failed build left a binary in the cache")
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("build error spans lines: %q", err)
	}

	// An unknown revision, and a binary path.
	if _, err := Resolve(context.Background(), repo, cache, "no-such-branch", ""); !errors.As(err, &be) {
		t.Errorf("unknown revision: err = %v, want a BuildError", err)
	}
	b3, err := Resolve(context.Background(), repo, cache, b.Binary, "")
	if err != nil || b3.Binary != b.Binary || b3.Commit != "" || b3.Built {
		t.Errorf("binary path: %+v %v", b3, err)
	}
	plain := filepath.Join(t.TempDir(), "notexec")
	os.WriteFile(plain, []byte("x"), 0o644)
	if _, err := Resolve(context.Background(), repo, cache, plain, ""); !errors.As(err, &be) || !strings.Contains(err.Error(), "not executable") {
		t.Errorf("non-executable file: err = %v", err)
	}
}

// TestResolveEnvironmentErrors: a build that fails for the machine's sake
// (TMPDIR missing, git unable to add the worktree, no go command) is not
// blamed on the revision: no BuildError, no "does not build", and the
// error says what failed; a compile error is still the revision's. No
// failed build leaves its commit's folder in the cache.
func TestResolveEnvironmentErrors(t *testing.T) {
	repo, good, bad := tempRepo(t)
	tmp := t.TempDir()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	// A git that fails to add a worktree and runs every other command.
	noWorktree := filepath.Join(tmp, "noworktree")
	os.MkdirAll(noWorktree, 0o755)
	script := "#!/bin/sh\nif [ \"$3\" = worktree ] && [ \"$4\" = add ]; then echo 'fatal: could not create work tree dir' >&2; exit 128; fi\nexec " + gitBin + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(noWorktree, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// A PATH with git and without go.
	noGo := filepath.Join(tmp, "nogo")
	os.MkdirAll(noGo, 0o755)
	if err := os.Symlink(gitBin, filepath.Join(noGo, "git")); err != nil {
		t.Fatal(err)
	}
	path := os.Getenv("PATH")
	tests := []struct {
		name, env, value string
		want             string
	}{
		{"TMPDIR missing", "TMPDIR", filepath.Join(tmp, "missing"), "TMPDIR " + filepath.Join(tmp, "missing") + ": "},
		{"worktree not added", "PATH", noWorktree + ":" + path, "git worktree add " + good + ": "},
		{"no go command", "PATH", noGo, "go build ./cmd/fanbench: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := filepath.Join(t.TempDir(), "cache")
			t.Setenv(tt.env, tt.value)
			_, err := Resolve(context.Background(), repo, cache, good, "")
			var be *BuildError
			if err == nil || errors.As(err, &be) || strings.Contains(err.Error(), "does not build") || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v; want one line with %q, not a BuildError", err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(cache, good)); err == nil {
				t.Errorf("the build folder %s was left", filepath.Join(cache, good))
			}
		})
	}
	cache := filepath.Join(t.TempDir(), "cache")
	if _, err := Resolve(context.Background(), repo, cache, bad, ""); err == nil {
		t.Fatal("the bad commit built")
	}
	if _, err := os.Stat(filepath.Join(cache, bad)); err == nil {
		t.Errorf("the bad commit's build folder was left")
	}
}

func TestCleanPackage(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", DefaultPackage, ""},
		{"./cmd/fanbench", "./cmd/fanbench", ""},
		{"./examples/wordfreq/", "./examples/wordfreq", ""},
		{"./a/../b", "./b", ""},
		{".", ".", ""},
		{"cmd/fanbench", "", `--pkg "cmd/fanbench": not a ./ path`},
		{"github.com/x/y", "", "not a ./ path"},
		{"./...", "", "a pattern"},
		{"./../other", "", "outside the repository"},
		{"/abs/path", "", "not a ./ path"},
	}
	for _, tt := range tests {
		got, err := CleanPackage(tt.in)
		var be *BuildError
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("CleanPackage(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.err != "" && (!errors.As(err, &be) || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("CleanPackage(%q) error %v; want a BuildError with %q", tt.in, err, tt.err)
		}
	}
}

// TestResolvePackage: the main package is part of the cache key: two
// packages of one commit are two builds, each reused by name, and a
// package the commit lacks does not build.
func TestResolvePackage(t *testing.T) {
	repo, good, _ := tempRepo(t)
	cache := filepath.Join(t.TempDir(), "cache")
	runOut := func(bin string) string {
		out, err := exec.Command(bin).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v %s", bin, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	def, err := Resolve(context.Background(), repo, cache, good, "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := Resolve(context.Background(), repo, cache, good, "./tools/other/")
	if err != nil {
		t.Fatal(err)
	}
	wantOther := filepath.Join(cache, good, "tools%2Fother", "other")
	if !other.Built || other.Binary != wantOther || other.Pkg != "./tools/other" {
		t.Fatalf("other package: %+v, want a fresh build at %s", other, wantOther)
	}
	if def.Binary == other.Binary || runOut(def.Binary) != "tiny" || runOut(other.Binary) != "other" {
		t.Errorf("the two packages of one commit share a build: %s, %s", def.Binary, other.Binary)
	}
	root, err := Resolve(context.Background(), repo, cache, good, ".")
	if err != nil || root.Binary != filepath.Join(cache, good, "%2E", "main") || runOut(root.Binary) != "root" {
		t.Errorf("the root package: %+v %v", root, err)
	}
	again, err := Resolve(context.Background(), repo, cache, "HEAD~1", "./tools/other")
	if err != nil || again.Built || again.Binary != other.Binary {
		t.Errorf("the other package again: %+v %v, want the cached build", again, err)
	}
	_, err = Resolve(context.Background(), repo, cache, good, "./tools/absent")
	var be *BuildError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "go build ./tools/absent") {
		t.Errorf("absent package: %v, want a BuildError naming it", err)
	}
	if _, err := os.Stat(filepath.Join(cache, good, "tools%2Fabsent")); err == nil {
		t.Error("the absent package's build folder was left")
	}
}

// TestUncommitted lists the work tree's changes no commit holds: none in
// a clean tree, then a modified and an untracked file.
func TestUncommitted(t *testing.T) {
	repo, _, _ := tempRepo(t)
	if ch, err := Uncommitted(repo); err != nil || len(ch) != 0 {
		t.Fatalf("clean tree: %q %v, want nothing", ch, err)
	}
	os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module example.com/changed\n"), 0o644)
	os.WriteFile(filepath.Join(repo, "new.txt"), []byte("x"), 0o644)
	ch, err := Uncommitted(repo)
	if err != nil || strings.Join(ch, "|") != " M go.mod|?? new.txt" {
		t.Errorf("dirty tree: %q %v, want the modified go.mod and the untracked new.txt", ch, err)
	}
	// ab's own folders, untracked, are left out; other untracked ones are not.
	for _, d := range []string{"results/ab-builds/c", "other"} {
		os.MkdirAll(filepath.Join(repo, d), 0o755)
		os.WriteFile(filepath.Join(repo, d, "x"), []byte("x"), 0o644)
	}
	ch, err = Uncommitted(repo, filepath.Join(repo, "results", "ab-builds"), filepath.Join(repo, "results"))
	if err != nil || strings.Join(ch, "|") != " M go.mod|?? new.txt|?? other/" {
		t.Errorf("with ab's folders: %q %v, want them left out", ch, err)
	}
	if _, err := Uncommitted(t.TempDir()); err == nil {
		t.Error("a folder that is no repository: no error")
	}
}

// TestResolveInterrupted: cancelling the context while go build runs
// stops the build at once and leaves nothing behind: no binary, no
// folder for it, no temporary worktree on disk or registered in git; the
// error is the cancellation, not the revision's.
func TestResolveInterrupted(t *testing.T) {
	repo, good, _ := tempRepo(t)
	tmp := t.TempDir()
	marker := filepath.Join(tmp, "go-started")
	// A go command that says it started and then takes its time.
	goDir := filepath.Join(tmp, "slowgo")
	os.MkdirAll(goDir, 0o755)
	if err := os.WriteFile(filepath.Join(goDir, "go"), []byte("#!/bin/sh\ntouch "+marker+"\nexec sleep 20\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", goDir+":"+os.Getenv("PATH"))
	cache := filepath.Join(t.TempDir(), "cache")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := Resolve(ctx, repo, cache, good, ""); done <- err }()
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Resolve returned before go build started: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	err := <-done
	var be *BuildError
	if !errors.Is(err, context.Canceled) || errors.As(err, &be) {
		t.Errorf("err = %v, want the cancellation, not a BuildError", err)
	}
	if _, err := os.Stat(filepath.Join(cache, good)); err == nil {
		t.Errorf("the build folder %s was left", filepath.Join(cache, good))
	}
	if left, _ := filepath.Glob(filepath.Join(cache, ".worktree-*")); len(left) > 0 {
		t.Errorf("temporary worktrees left: %v", left)
	}
	if wts, _ := git(repo, "worktree", "list", "--porcelain"); strings.Count(wts, "worktree ") != 1 {
		t.Errorf("worktrees left registered:\n%s", wts)
	}
}
