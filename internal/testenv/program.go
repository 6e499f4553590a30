package testenv

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"
)

// Program is a fanbench program (cmd/fanbench, an example, a test's) built
// into a test's temporary folder.
type Program struct {
	Bin string // the binary
	Tmp string // the folder it and its outputs live in
}

// BuildProgram builds the Go package pkg (a path go build takes, relative
// to the test's folder) into a temporary folder.
func BuildProgram(t testing.TB, pkg string) Program {
	t.Helper()
	tmp := t.TempDir()
	return Program{Bin: Build(t, "", pkg, nil, filepath.Join(tmp, "program")), Tmp: tmp}
}

// Build is the one place a test builds a program with go build, for the
// programs that are not fanbench (which the test binary is: Main): a
// user's program, with its own workloads, or another module's. It builds
// the main package pkg in the folder dir ("": the test's) under env (nil:
// this process's) into bin, and returns bin.
func Build(t testing.TB, dir, pkg string, env []string, bin string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go: %v", err) // the toolchain that runs these tests is there
	}
	cmd := exec.Command(goBin, "build", "-o", bin, pkg)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// RunSpec runs `PROGRAM run` over spec with results and fixtures under the
// program's folder, fails the test if it exits non-zero, and returns its
// stdout and the one results folder it wrote.
func (p Program) RunSpec(t testing.TB, spec string) (stdout, dir string) {
	t.Helper()
	res := filepath.Join(p.Tmp, "results")
	var out, errb bytes.Buffer
	cmd := exec.Command(p.Bin, "run", "--results", res, "--fixtures", p.Fixtures(), spec)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s run %s: %v\nstdout %s\nstderr %s", filepath.Base(p.Bin), spec, err, out.String(), errb.String())
	}
	dirs, _ := filepath.Glob(filepath.Join(res, "*", "*"))
	if len(dirs) != 1 {
		t.Fatalf("results folders %v, want one", dirs)
	}
	return out.String(), dirs[0]
}

// Fixtures is the program's fixture folder for RunSpec.
func (p Program) Fixtures() string { return filepath.Join(p.Tmp, "fixtures") }

// Report runs `PROGRAM report dir` into the program's folder and returns
// the folder it wrote the report to (OUT/EXPERIMENT).
func (p Program) Report(t testing.TB, dir, experiment string) string {
	t.Helper()
	out := filepath.Join(p.Tmp, "plots")
	if b, err := exec.Command(p.Bin, "report", dir, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("%s report: %v\n%s", filepath.Base(p.Bin), err, b)
	}
	return filepath.Join(out, experiment)
}
