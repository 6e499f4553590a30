package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"go.uber.org/goleak"
)

// FanbenchCommand is the name under which a test binary that calls Main
// acts as fanbench: testscript puts a link to the binary by this name
// first in PATH, and the binary started by that name runs the command
// line instead of the tests.
const FanbenchCommand = "fanbench"

// fanbenchPath is the link Main made, found in PATH once the tests run.
var fanbenchPath string

// RunFunc is a command line's entry point, app.Run: it runs one
// invocation (args without the program name) and returns the exit status.
type RunFunc func(stdout, stderr io.Writer, args []string) int

// Main is the TestMain of a package whose tests start fanbench as a
// program: m.Run's tests (its scripts, and Fanbench for the rest) start
// this test binary itself as fanbench, so that no test builds it, and
// each process fanbench starts from there (an `exec` run, a `worker`
// child: os.Executable(), the link named fanbench) is fanbench too,
// running run. Started any other way with FANBENCH_WORKER=1 the binary
// is the worker w (ServeWorker, when w is not nil). GORACE gets
// atexit_sleep_ms=0, so that under -race no child sleeps a second before
// it exits. after, when not nil, runs after the tests with their exit
// status and returns the binary's (a goroutine leak check may fail
// tests that passed). Main never
// returns.
func Main(m *testing.M, run RunFunc, w Worker, after func(code int) int) {
	if filepath.Base(os.Args[0]) != FanbenchCommand {
		if w != nil {
			ServeWorker(w)
		}
		os.Setenv("GORACE", noExitSleep())
	}
	testscript.Main(tests{m, after}, map[string]func(){
		FanbenchCommand: func() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) },
	})
}

// tests runs the tests once testscript has put FanbenchCommand in PATH.
type tests struct {
	m     *testing.M
	after func(code int) int
}

// Run records where FanbenchCommand is, then runs the tests and after.
func (t tests) Run() int {
	p, err := exec.LookPath(FanbenchCommand)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv.Main: no", FanbenchCommand, "in PATH:", err)
		return 1
	}
	fanbenchPath = p
	code := t.m.Run()
	if t.after != nil {
		code = t.after(code)
	}
	return code
}

// Fanbench is the path of this test binary acting as fanbench, for a
// test that starts fanbench outside a script (a runner's Self, an ab
// arm's binary). The package's TestMain must call Main.
func Fanbench(t testing.TB) string {
	t.Helper()
	if fanbenchPath == "" {
		t.Fatal("testenv.Fanbench: the package's TestMain does not call testenv.Main")
	}
	return fanbenchPath
}

// Scripts runs the package's testdata/script/*.txtar files, each in a
// folder of its own, with fanbench as a command (the package's TestMain
// calls Main). update (the package's -update flag) rewrites the files
// their cmp commands compare with. setup, when not nil, adds to each
// script's environment.
func Scripts(t *testing.T, update bool, setup func(*testscript.Env) error) {
	t.Helper()
	if fanbenchPath == "" {
		t.Fatal("testenv.Scripts: the package's TestMain does not call testenv.Main")
	}
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		UpdateScripts:       update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               setup,
		Cmds:                map[string]func(*testscript.TestScript, bool, []string){"status": status},
	})
}

// NoLeaks is an after for Main: tests that passed fail (status 1) when a
// goroutine outlives them (goleak.Find).
func NoLeaks(code int) int {
	if code != 0 {
		return code
	}
	if err := goleak.Find(); err != nil {
		fmt.Fprintf(os.Stderr, "goroutines left after the tests: %v\n", err)
		return 1
	}
	return 0
}
