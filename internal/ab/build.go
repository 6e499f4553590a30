// Package ab runs an A/B comparison of two fanbench builds on one machine
// in one experiment: it builds each git revision once into a cache keyed by
// commit and main package, runs the spec's cells with both builds in adjacent pairs (random
// order within a pair) through the runner, adds pairs to the cells it cannot
// yet decide while the budget lasts, and judges each cell and metric with
// internal/paired. It also calibrates what a machine can detect (A/A and
// A/A′ comparisons with a real injected slowdown).
package ab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Build is one arm's fanbench binary.
type Build struct {
	// Rev is the revision or path as given (HEAD~1, a branch, ./bin/fanbench).
	Rev string `json:"rev"`
	// Commit is the full commit hash Rev resolved to; empty for a binary path.
	Commit string `json:"commit,omitempty"`
	// Pkg is the main package built at Commit (./cmd/fanbench, or a
	// program of the user's own that calls cmdline.Main); empty for a
	// binary path.
	Pkg string `json:"pkg,omitempty"`
	// Binary is the fanbench binary that runs the arm's cells.
	Binary string `json:"binary"`
	// Built is set when this invocation compiled the binary (false: cached
	// or given).
	Built bool `json:"-"`
}

// Label is how reports name the build: the short commit, or the path.
func (b Build) Label() string {
	if b.Commit != "" {
		return b.Rev + " (" + b.Commit[:min(12, len(b.Commit))] + ")"
	}
	return b.Binary
}

// BuildError is a revision that could not be resolved or built: bad input,
// exit status 2.
type BuildError struct{ Msg string }

func (e *BuildError) Error() string { return e.Msg }

// DefaultPackage is the main package a revision is built from unless
// another is given.
const DefaultPackage = "./cmd/fanbench"

// CleanPackage checks pkg, the main package to build at each revision: a
// folder of the repository written as ./DIR (or "."), not a pattern and not
// leaving the repository. It returns pkg cleaned, in the ./DIR form; ""
// is DefaultPackage.
func CleanPackage(pkg string) (string, error) {
	if pkg == "" {
		return DefaultPackage, nil
	}
	bad := func(why string) (string, error) {
		return "", &BuildError{fmt.Sprintf("--pkg %q: %s (want the folder of a main package of the repository, like ./cmd/NAME)", pkg, why)}
	}
	if pkg != "." && !strings.HasPrefix(pkg, "./") {
		return bad("not a ./ path")
	}
	if strings.Contains(pkg, "...") {
		return bad("a pattern, not one package")
	}
	clean := path.Clean(pkg)
	if clean == ".." || strings.HasPrefix(clean, "../") || strings.ContainsAny(clean, "\\\x00") {
		return bad("outside the repository")
	}
	if clean == "." {
		return ".", nil
	}
	return "./" + clean, nil
}

// BinaryPath is where the cache keeps commit's build of the main package
// pkg (as CleanPackage returns it): cache/<commit>/<pkg, escaped>/<name>,
// e.g. cache/<commit>/cmd%2Ffanbench/fanbench, so that two packages of
// one commit are two cache entries.
func BinaryPath(cache, commit, pkg string) string {
	rel := strings.TrimPrefix(pkg, "./")
	key, name := url.PathEscape(rel), path.Base(rel)
	if rel == "." {
		key, name = "%2E", "main"
	}
	return filepath.Join(cache, commit, key, name)
}

// Resolve turns rev into a runnable build: an existing executable file is
// used as it is; anything else is a git revision of the repository at repo,
// whose main package pkg ("" for DefaultPackage) is built once with `go
// build` in a temporary git worktree into the cache (BinaryPath) and reused
// from there afterwards.
//
// Cancelling ctx stops a build under way: the go command is killed, the
// temporary worktree and the folders made for the binary are removed, and
// the error is ctx's.
func Resolve(ctx context.Context, repo, cache, rev, pkg string) (Build, error) {
	pkg, err := CleanPackage(pkg)
	if err != nil {
		return Build{}, err
	}
	if st, err := os.Stat(rev); err == nil && st.Mode().IsRegular() {
		if st.Mode().Perm()&0o111 == 0 {
			return Build{}, &BuildError{fmt.Sprintf("%s: a file that is not executable (want a fanbench binary or a git revision)", rev)}
		}
		abs, err := filepath.Abs(rev)
		if err != nil {
			return Build{}, fmt.Errorf("binary %s: %w", rev, err)
		}
		return Build{Rev: rev, Binary: abs}, nil
	}
	out, err := git(repo, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		return Build{}, &BuildError{fmt.Sprintf("%s: not a binary and not a git revision of %s", rev, repo)}
	}
	commit := strings.TrimSpace(out)
	cacheAbs, err := filepath.Abs(cache)
	if err != nil {
		return Build{}, fmt.Errorf("build cache %s: %w", cache, err)
	}
	b := Build{Rev: rev, Commit: commit, Pkg: pkg, Binary: BinaryPath(cacheAbs, commit, pkg)}
	if st, err := os.Stat(b.Binary); err == nil && st.Mode().IsRegular() {
		return b, nil
	}
	if err := build(ctx, repo, cacheAbs, commit, pkg, b.Binary); err != nil {
		var be *BuildError
		if errors.As(err, &be) {
			be.Msg = fmt.Sprintf("%s (%s) does not build: %s", rev, commit[:12], be.Msg)
			return Build{}, err
		}
		return Build{}, fmt.Errorf("build %s (%s): %w", rev, commit[:12], err)
	}
	b.Built = true
	return b, nil
}

// checkBuildEnv checks what go build needs of the machine, not of the
// revision: a temporary folder (GOTMPDIR, else TMPDIR) that exists. Its
// error is no BuildError: the revision is not to blame.
func checkBuildEnv() error {
	name, dir := "GOTMPDIR", os.Getenv("GOTMPDIR")
	if dir == "" {
		name, dir = "TMPDIR", os.TempDir()
	}
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return fmt.Errorf("%s %s: %w (go build needs a temporary folder)", name, dir, errors.Unwrap(err))
	case !st.IsDir():
		return fmt.Errorf("%s %s: not a directory (go build needs a temporary folder)", name, dir)
	}
	return nil
}

// build compiles commit's main package pkg into binary through a temporary
// git worktree under cache, which it removes again. A build that fails
// removes the folders it made for the binary (the commit's, the
// package's). Only a go build that ran and
// failed is a BuildError (the revision's fault); a missing temporary
// folder, a worktree git could not add or a go command that could not be
// started is the machine's.
func build(ctx context.Context, repo, cache, commit, pkg, binary string) (err error) {
	if err := checkBuildEnv(); err != nil {
		return err
	}
	dir := filepath.Dir(binary)
	// The folders between the cache and the binary that do not exist yet,
	// deepest first: a failed build removes them again.
	var made []string
	for d := dir; d != cache && len(d) > len(cache); d = filepath.Dir(d) {
		if _, serr := os.Stat(d); !errors.Is(serr, fs.ErrNotExist) {
			break
		}
		made = append(made, d)
	}
	defer func() {
		if err != nil {
			for _, d := range made {
				os.Remove(d) // only if empty: what another build put there stays
			}
		}
	}()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	wt, err := os.MkdirTemp(cache, ".worktree-"+commit[:12]+"-")
	if err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	os.Remove(wt) // git worktree add wants to create it
	if _, err := git(repo, "worktree", "add", "--detach", "--quiet", wt, commit); err != nil {
		return fmt.Errorf("git worktree add %s: %w", commit, err)
	}
	defer func() {
		git(repo, "worktree", "remove", "--force", wt)
		os.RemoveAll(wt)
	}()
	// A name of its own, so that two comparisons building the same commit at
	// once do not write one file; the rename makes either build the binary.
	tmp := fmt.Sprintf("%s.tmp-%d", binary, os.Getpid())
	// -trimpath: the worktree's random path is then in no compiled package,
	// so the two arms' builds (and every later one) share Go's build cache
	// for the packages they have in common.
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", tmp, pkg)
	cmd.WaitDelay = 5 * time.Second // the compiler children of a killed go command
	cmd.Dir = wt
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	var outb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outb, &outb
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		if ctx.Err() != nil {
			return fmt.Errorf("go build %s: %w", pkg, context.Cause(ctx))
		}
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return fmt.Errorf("go build %s: %w", pkg, err) // not started
		}
		return &BuildError{fmt.Sprintf("go build %s: %v: %s", pkg, err, lastLines(outb.String(), 3))}
	}
	if err := os.Rename(tmp, binary); err != nil {
		return fmt.Errorf("build cache: %w", err)
	}
	return nil
}

// Uncommitted lists what repo's work tree holds that no commit does:
// `git status --porcelain` lines (modified, staged, deleted and untracked
// files; ignored ones are not listed). ab builds revisions from their
// commits, so none of it is in either build. Untracked entries at, under
// or above one of the folders skip (ab's own results and build cache, which
// a repository may not ignore) are left out.
func Uncommitted(repo string, skip ...string) ([]string, error) {
	out, err := git(repo, "status", "--porcelain")
	if err != nil {
		return nil, err
	}
	top, err := git(repo, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, err
	}
	var rels []string
	for _, d := range skip {
		abs, aerr := filepath.Abs(d)
		if aerr != nil {
			continue
		}
		if r, rerr := filepath.Rel(strings.TrimSpace(top), abs); rerr == nil && r != "." && !strings.HasPrefix(r, "..") {
			rels = append(rels, filepath.ToSlash(r))
		}
	}
	var changes []string
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if p, ok := strings.CutPrefix(l, "?? "); ok && slices.ContainsFunc(rels, func(r string) bool {
			p = strings.TrimSuffix(p, "/")
			return p == r || strings.HasPrefix(r, p+"/") || strings.HasPrefix(p, r+"/")
		}) {
			continue
		}
		changes = append(changes, l)
	}
	return changes, nil
}

func git(repo string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, lastLines(errb.String(), 2))
	}
	return out.String(), nil
}

// lastLines is the last n non-empty lines of s joined with "; ".
func lastLines(s string, n int) string {
	var ls []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			ls = append(ls, l)
		}
	}
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "; ")
}
