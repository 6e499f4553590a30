package testenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// WorkerCommand is a strategy.Job's Command for tests: it re-executes the
// running test binary as a process-mode worker (FANBENCH_WORKER=1, which
// ServeWorker answers), with atexit_sleep_ms=0 so that under -race the
// worker does not sleep a second before it exits.
func WorkerCommand(args []string) (*exec.Cmd, error) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FANBENCH_WORKER=1", "GORACE="+noExitSleep())
	return cmd, nil
}

// noExitSleep is GORACE with atexit_sleep_ms=0 added: a process built
// with -race then exits at once instead of sleeping a second first.
func noExitSleep() string {
	return strings.TrimSpace(os.Getenv("GORACE") + " atexit_sleep_ms=0")
}

// Worker is what ServeWorker runs: a process-mode worker's main over its
// standard input and output (strategy.Worker).
type Worker interface {
	Main(stdin io.Reader, stdout io.Writer, args []string) error
}

// ServeWorker is the worker side of a test binary's TestMain, called
// before m.Run. Re-executed by WorkerCommand (FANBENCH_WORKER=1), the
// binary runs w over stdin and stdout and exits (1 when w fails);
// re-executed by strategy.SelfCommand (a Job without a Command) it exits
// 2 with a message, else the tests would run again. Otherwise it returns.
func ServeWorker(w Worker) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		fmt.Fprintln(os.Stderr, "worker started with strategy.SelfCommand in a test: give the Job Command: testenv.WorkerCommand")
		os.Exit(2)
	}
	if os.Getenv("FANBENCH_WORKER") != "1" {
		return
	}
	if err := w.Main(os.Stdin, os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
