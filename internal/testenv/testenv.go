// Package testenv lets a test say which tool of the machine it needs. On a
// developer's machine a test whose tool is missing skips with the reason;
// in CI (CI=true, which .ci/run sets after installing every tool) it fails,
// so a check that CI is meant to run can never be skipped silently.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// InCI reports whether the tests run in CI: the environment variable CI is
// "true" or "1".
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// Missing reports that something a test needs is missing: t.Fatalf in CI,
// t.Skipf elsewhere.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and a tool this test needs is missing: "+format, args...)
		return
	}
	t.Skipf(format, args...)
}

// LookPath returns the first of names that exists: an absolute path as a
// file, any other name in PATH. When none does it calls Missing with hint
// (such as "apt-get install chromium").
func LookPath(t testing.TB, hint string, names ...string) string {
	t.Helper()
	for _, n := range names {
		if filepath.IsAbs(n) {
			if st, err := os.Stat(n); err == nil && !st.IsDir() {
				return n
			}
			continue
		}
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	Missing(t, "none of %s found (%s)", strings.Join(names, ", "), hint)
	return ""
}

// READMESection is the text of the Markdown file at path (README.md or
// a docs/*.md file) between the marker lines begin and end (each with
// its newline): a generated table, or an example, that a test compares
// with its generator or builds. A missing marker fails the test.
func READMESection(t testing.TB, path, begin, end string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), begin)
	section, _, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("%s: no section between %q and %q", path, begin, end)
	}
	return section
}

// ExternalModule writes a Go module outside this one into a new temporary
// folder: go.mod names it module, with this module's go directive, and
// requires this module (its root folder root) through a replace
// directive; go.sum is root's; files are written beside them. It returns
// the folder, the go command, and the environment under which go builds
// the module from the module cache alone (GOPROXY=off: no network), as
// the tests that build such a module need.
func ExternalModule(t testing.TB, root, module string, files map[string]string) (dir, goBin string, env []string) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go: %v", err) // the toolchain that runs these tests is there
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := ""
	for line := range strings.Lines(string(gomod)) {
		if strings.HasPrefix(line, "go ") {
			goLine = strings.TrimSpace(line)
		}
	}
	if goLine == "" {
		t.Fatalf("%s: no go directive", filepath.Join(root, "go.mod"))
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	all := map[string]string{
		"go.mod": "module " + module + "\n\n" + goLine + "\n\nrequire github.com/fanbench/fanbench v0.0.0\n\nreplace github.com/fanbench/fanbench => " + root + "\n",
		"go.sum": string(sum),
	}
	for name, text := range files {
		all[name] = text
	}
	for name, text := range all {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	return dir, goBin, env
}
