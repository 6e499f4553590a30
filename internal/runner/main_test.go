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

	"go.uber.org/goleak"
)

// binDir holds the helper binaries the tests build: fanbench itself (the
// Self of driver runs) and testdata/toucher (the measured child of the
// launcher tests). Each is built at most once per test binary.
var binDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "fanbench-runner-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = d
	code := m.Run()
	os.RemoveAll(d)
	// Launch, the sampler and the driver end every goroutine they start.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

var builds sync.Map // package path → *buildOnce

type buildOnce struct {
	once sync.Once
	path string
	err  error
}

// helperBin builds pkg (an import path or ./testdata/NAME) once, without
// the race detector, and returns the binary's path.
func helperBin(t testing.TB, pkg string) string {
	t.Helper()
	v, _ := builds.LoadOrStore(pkg, &buildOnce{})
	b := v.(*buildOnce)
	b.once.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		b.path = filepath.Join(binDir, filepath.Base(pkg))
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

func fanbenchBin(t testing.TB) string {
	return helperBin(t, "github.com/fanbench/fanbench/cmd/fanbench")
}

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
