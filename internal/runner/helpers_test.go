package runner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/fanbench/fanbench/internal/testenv"
)

// binDir holds the helper binary the tests build, testdata/toucher (the
// measured child of the launcher tests), built at most once per test
// binary: made by the first build, removed by RemoveBinDir (TestMain).
var binDir struct {
	once sync.Once
	path string
	err  error
}

// RemoveBinDir removes the folder of the helper binaries, if one was made.
func RemoveBinDir() {
	if binDir.path != "" {
		os.RemoveAll(binDir.path)
	}
}

var builds sync.Map // package path → *buildOnce

type buildOnce struct {
	once sync.Once
	path string
	err  error
}

// helperBin builds pkg (./testdata/NAME) once, without the race
// detector, and returns the binary's path.
func helperBin(t testing.TB, pkg string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(pkg, &buildOnce{})
	b := v.(*buildOnce)
	binDir.once.Do(func() { binDir.path, binDir.err = os.MkdirTemp("", "fanbench-runner-test-") })
	if binDir.err != nil {
		t.Fatal(binDir.err)
	}
	b.once.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		b.path = filepath.Join(binDir.path, filepath.Base(pkg))
		cmd := exec.Command(goCmd, "build", "-o", b.path, pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// fanbenchBin is fanbench, the Self of driver runs: this test binary,
// which TestMain (testenv.Main) runs as fanbench when started by that
// name, and so do the exec children it starts.
func fanbenchBin(t testing.TB) string { return testenv.Fanbench(t) }

func toucherBin(t testing.TB) string { return helperBin(t, "./testdata/toucher") }

const mib = 1 << 20

func fmtMiB(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/mib) }

// within reports whether got is within tol of want.
func within(got, want, tol float64) bool { return got >= want-tol && got <= want+tol }

func oneLineErr(t *testing.T, err error) string {
	t.Helper()
	s := err.Error()
	if strings.ContainsAny(s, "\n\r") {
		t.Errorf("error spans several lines: %q", s)
	}
	return s
}

// genFixture generates a fixture of size (e.g. "1MiB", seed 1) with
// fanbench gen into a temporary folder and returns its path.
func genFixture(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command(fanbenchBin(t), "gen", "--size", size, "--dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, out)
	}
	return filepath.Join(dir, "fixture-"+size+"-seed1.txt")
}
