package strategy

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// TestWorkerCommand is a Job.Command for tests: it re-executes the running
// test binary as a process-mode worker (FANBENCH_WORKER=1, which
// ServeTestWorker answers), with atexit_sleep_ms=0 so that under -race the
// worker does not sleep a second before it exits.
func TestWorkerCommand(args []string) (*exec.Cmd, error) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FANBENCH_WORKER=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return cmd, nil
}

// ServeTestWorker is the worker side of a test binary's TestMain, called
// before m.Run. Re-executed by TestWorkerCommand (FANBENCH_WORKER=1), the
// binary runs w over stdin and stdout and exits (1 when w fails);
// re-executed by SelfCommand (a Job without Command: TestWorkerCommand) it
// exits 2 with a message, else the tests would run again. Otherwise it
// returns.
func ServeTestWorker(w Worker) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		fmt.Fprintln(os.Stderr, "worker started with strategy.SelfCommand in a test: give the Job Command: strategy.TestWorkerCommand")
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
