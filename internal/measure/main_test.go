package measure

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// helperEnv selects a helper-process mode when the test binary re-executes
// itself (the usual Go helper-process pattern).
const helperEnv = "FANBENCH_MEASURE_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	goleak.VerifyTestMain(m)
}

// helperMain runs in the child. Modes:
//
//	alloc: wait for a byte on stdin, then allocate MB MiB of anonymous
//	       memory in STEPS steps STEP_MS apart, touching every page and
//	       printing "step N" after each and "done" at the end; then wait
//	       for stdin EOF.
//	spawn: start a "sleep" grandchild sharing stdin, print its pid, wait
//	       for stdin EOF and reap it.
//	sleep: wait for stdin EOF.
//	exit:  exit at once.
func helperMain(mode string) int {
	in := bufio.NewReader(os.Stdin)
	switch mode {
	case "exit":
		return 0
	case "sleep":
		io.Copy(io.Discard, in)
		return 0
	case "spawn":
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=sleep")
		cmd.Stdin = os.Stdin
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Printf("%d\n", cmd.Process.Pid)
		io.Copy(io.Discard, in)
		cmd.Wait()
		return 0
	case "alloc":
		mb, _ := strconv.Atoi(os.Getenv("MB"))
		steps, _ := strconv.Atoi(os.Getenv("STEPS"))
		stepMs, _ := strconv.Atoi(os.Getenv("STEP_MS"))
		steps = max(steps, 1)
		if _, err := in.ReadByte(); err != nil {
			return 2
		}
		var keep [][]byte
		ps := os.Getpagesize()
		for i := range steps {
			if i > 0 {
				time.Sleep(time.Duration(stepMs) * time.Millisecond)
			}
			b, err := unix.Mmap(-1, 0, mb<<20/steps, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			for j := 0; j < len(b); j += ps {
				b[j] = 1
			}
			keep = append(keep, b)
			fmt.Printf("step %d\n", i+1)
		}
		fmt.Println("done")
		io.Copy(io.Discard, in)
		_ = keep
		return 0
	}
	fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
	return 2
}

// helper is a running helper process.
type helper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// newHelper prepares (but does not start) a helper process in mode.
func newHelper(t *testing.T, mode string, env ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	return &helper{cmd: cmd, in: in, out: bufio.NewReader(out)}
}

// startHelper starts a helper and arranges for it to be ended and reaped.
func startHelper(t *testing.T, mode string, env ...string) *helper {
	t.Helper()
	h := newHelper(t, mode, env...)
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.cleanup(t)
	return h
}

func (h *helper) cleanup(t *testing.T) {
	t.Cleanup(func() {
		h.in.Close()
		if h.cmd.ProcessState == nil {
			h.cmd.Wait()
		}
	})
}

// line reads one line from the helper's stdout.
func (h *helper) line(t *testing.T) string {
	t.Helper()
	s, err := h.out.ReadString('\n')
	if err != nil {
		t.Fatalf("helper output: %v (got %q)", err, s)
	}
	return strings.TrimSpace(s)
}

// waitFor reads lines until want.
func (h *helper) waitFor(t *testing.T, want string) {
	t.Helper()
	for h.line(t) != want {
	}
}

// finish closes the helper's stdin and waits for it to exit.
func (h *helper) finish(t *testing.T) error {
	t.Helper()
	h.in.Close()
	return h.cmd.Wait()
}
