package testenv

import (
	"errors"
	"os/exec"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

// status is the script command "status N PROGRAM ARGS...": it runs the
// program like exec, and fails unless it exits with status N (exec and
// "! exec" tell only zero from non-zero; fanbench's 1 and 2 differ).
func status(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || want < 1 {
		ts.Fatalf("status %q: want an exit status of 1 or more (exec checks 0)", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	var exit *exec.ExitError
	switch {
	case err == nil:
		ts.Fatalf("%s exited 0, want %d", args[1], want)
	case !errors.As(err, &exit):
		ts.Fatalf("%s: %v", args[1], err)
	case exit.ExitCode() != want:
		ts.Fatalf("%s exited %d, want %d", args[1], exit.ExitCode(), want)
	}
}
