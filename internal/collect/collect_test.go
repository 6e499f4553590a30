package collect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/runner"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/testenv"
	"github.com/fanbench/fanbench/internal/workload"
)

// TestMain doubles as a process-mode worker (FANBENCH_WORKER=1) and as a
// `fanbench exec` (FANBENCH_COLLECT_EXEC holding runner.ExecOptions as
// JSON), both honouring FANBENCH_COLLECT_FAULT (specFaults): the faults
// are injected only in this test binary.
func TestMain(m *testing.M) {
	injected := faults(os.Getenv("FANBENCH_COLLECT_FAULT"))
	testenv.ServeWorker(strategy.Worker{Collect: injected})
	if opts := os.Getenv("FANBENCH_COLLECT_EXEC"); opts != "" {
		var o runner.ExecOptions
		if err := json.Unmarshal([]byte(opts), &o); err != nil {
			fmt.Fprintln(os.Stderr, "exec:", err)
			os.Exit(2)
		}
		o.Command, o.Faults = workerCommand, injected
		rep, err := runner.Exec(o)
		json.NewEncoder(os.Stdout).Encode(rep)
		if err != nil {
			fmt.Fprintln(os.Stderr, "exec:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// workerCommand re-executes this test binary as a worker.
var workerCommand = testenv.WorkerCommand

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		how       collect.How
		mode, err string
	}{
		{"partials", "goroutine", ""}, {"partials", "process", ""},
		{"mutex", "goroutine", ""}, {"mutex", "process", "collect mutex: needs mode=goroutine"},
		{"sharded", "goroutine", ""}, {"sharded", "process", "collect sharded: needs mode=goroutine"},
		{"channel", "goroutine", ""}, {"channel", "process", ""},
		{"manager", "goroutine", "collect manager: needs mode=process"}, {"manager", "process", ""},
		{"carrier-pigeon", "goroutine", `collect "carrier-pigeon": want one of partials, mutex, sharded, channel, manager`},
	} {
		err := collect.Check(c.how, c.mode)
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("Check(%s, %s) = %v, want %q", c.how, c.mode, err, c.err)
		}
	}
	w, _ := workload.Lookup("count")
	if _, err := collect.New(collect.Config{How: "mutex", Workload: w, Workers: 2, Batch: 0}); err == nil {
		t.Error("batch 0 accepted")
	}
	if _, err := collect.New(collect.Config{How: "manager", Workload: w, Workers: 2, Batch: 1}); err == nil {
		t.Error("goroutine manager accepted")
	}
}

func TestCutLines(t *testing.T) {
	in := []byte(strings.Repeat("ab;1.0\n", 5000) + "tail")
	for _, n := range []int{1, 2, 7, 100, 1000, 4999, 5000, 5001, 9999} {
		end, lines := collect.CutLines(in, n)
		want, wantLines := 0, 0
		for wantLines < n && want < len(in) {
			if k := bytes.IndexByte(in[want:], '\n'); k >= 0 {
				want += k + 1
			} else {
				want = len(in)
			}
			wantLines++
		}
		if end != want || lines != wantLines {
			t.Errorf("n=%d: (%d, %d), want (%d, %d)", n, end, lines, want, wantLines)
		}
	}
}

// TestSinksMatchReference feeds every goroutine collector from concurrent
// sinks in odd-sized pieces: the answer is the reference.
func TestSinksMatchReference(t *testing.T) {
	var buf bytes.Buffer
	if _, err := fixture.Generate(&buf, 256<<10, 3); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	for _, w := range workload.All {
		ref, _ := w.Reference(bytes.NewReader(data))
		for _, how := range []collect.How{"partials", "mutex", "sharded", "channel"} {
			for _, batch := range []int{1, 5, 1024} {
				for _, workers := range []int{1, 2, 8} {
					c, err := collect.New(collect.Config{How: how, Workload: w, Workers: workers, Batch: batch, Queue: 1})
					if err != nil {
						t.Fatal(err)
					}
					var wg sync.WaitGroup
					for i := range workers {
						s := c.Sink(i)
						wg.Go(func() {
							defer s.Close()
							// Worker i takes every workers-th 4 KiB piece, cut at a line end.
							for off, k := 0, 0; off < len(data); k++ {
								end := min(len(data), off+4096)
								if j := bytes.IndexByte(data[end:], '\n'); j >= 0 {
									end += j + 1
								} else {
									end = len(data)
								}
								if k%workers == i {
									s.Add(data[off:end])
								}
								off = end
							}
						})
					}
					wg.Wait()
					p, st, err := c.Finish()
					if err != nil {
						t.Fatal(err)
					}
					if got := p.Answer(); got != ref {
						t.Errorf("%s/%s/batch %d/%d workers: %v, want %v", w.Name, how, batch, workers, got, ref)
					}
					if how != "partials" && st.Messages == 0 {
						t.Errorf("%s/%s: no messages", w.Name, how)
					}
				}
			}
		}
	}
}

func fixturePath(t *testing.T) string {
	t.Helper()
	s, err := fixture.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := s.Ensure(512<<10, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f.Path
}

// TestPanicHoldingLock: a worker that panics inside the critical section
// (mutex, sharded) fails the run with a reason; the lock is released, so
// the other workers finish instead of hanging.
func TestPanicHoldingLock(t *testing.T) {
	path := fixturePath(t)
	w, _ := workload.Lookup("parse")
	for _, how := range []collect.How{"mutex", "sharded"} {
		for _, st := range []string{"mmap", "ranges", "chan"} {
			s, _ := strategy.Lookup(st)
			k := strategy.DefaultKnobs()
			k.Collect, k.Batch, k.BufSize = how, 16, 4096
			done := make(chan error, 1)
			go func() {
				_, err := s.Goroutine(strategy.Job{Path: path, Workload: w, Workers: 3, Knobs: k, Faults: faults("panic-locked:1")})
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "worker 1 panicked while updating the shared result") {
					t.Errorf("%s/%s: error %v, want worker 1's panic", how, st, err)
				}
				t.Logf("%s/%s: %v", how, st, err)
			case <-time.After(20 * time.Second):
				t.Fatalf("%s/%s: hung after a worker panicked holding the lock", how, st)
			}
		}
	}
}

// launchExec runs this test binary as `fanbench exec` with o through
// runner.Launch, with the fault injected and a timeout.
func launchExec(t *testing.T, o runner.ExecOptions, fault string, timeout time.Duration) runner.Exit {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	l := runner.Launch{Args: []string{os.Args[0]}, Timeout: timeout, Name: "collect-fault",
		Env: []string{"FANBENCH_COLLECT_EXEC=" + string(b), "FANBENCH_COLLECT_FAULT=" + fault}}
	return l.Run(context.Background())
}

// TestStalledConsumerTimesOut: the collector stops consuming, the bounded
// queue (a Go channel, or pipes, or the manager's acknowledgements) fills
// and the workers block on it. The run must not hang the driver: it times
// out with a clear reason and leaves no process behind.
func TestStalledConsumerTimesOut(t *testing.T) {
	path := fixturePath(t)
	for _, c := range []struct {
		mode strategy.Mode
		how  collect.How
	}{{"goroutine", "channel"}, {"process", "channel"}, {"process", "manager"}} {
		t.Run(c.mode.String()+"/"+string(c.how), func(t *testing.T) {
			k := strategy.DefaultKnobs()
			k.Collect, k.Batch, k.ChanCap = c.how, 1, 1
			o := runner.ExecOptions{Path: path, Mode: c.mode, Strategy: "mmap", Workload: "parse", Workers: 2, Knobs: k}
			start := time.Now()
			out := launchExec(t, o, "stall", 3*time.Second)
			if took := time.Since(start); took > 15*time.Second {
				t.Errorf("took %v to give up", took)
			}
			if out.Err == nil || !strings.Contains(out.Err.Error(), "timed out after 3s") {
				t.Fatalf("error %v, want a timeout; stderr: %s", out.Err, out.StderrTail)
			}
			t.Logf("reason: %v", out.Err)
			noChildren(t)
		})
	}
	// Without the fault the same runs finish with the right answer.
	for _, c := range []struct {
		mode strategy.Mode
		how  collect.How
	}{{"goroutine", "channel"}, {"process", "channel"}, {"process", "manager"}} {
		k := strategy.DefaultKnobs()
		k.Collect, k.Batch, k.ChanCap = c.how, 1, 1
		o := runner.ExecOptions{Path: path, Mode: c.mode, Strategy: "mmap", Workload: "parse", Workers: 2, Knobs: k, Verify: true}
		if out := launchExec(t, o, "", time.Minute); out.Err != nil {
			t.Errorf("%s/%s without fault: %v; stderr: %s", c.mode, c.how, out.Err, out.StderrTail)
		}
	}
}

// TestKilledMidMessage: a worker process SIGKILLed halfway through writing
// a message fails the run with a reason, quickly, leaving no child.
func TestKilledMidMessage(t *testing.T) {
	path := fixturePath(t)
	w, _ := workload.Lookup("parse")
	t.Setenv("FANBENCH_COLLECT_FAULT", "kill-mid-message:1")
	for _, how := range []collect.How{"channel", "manager"} {
		for _, batch := range []int{1, 64} {
			s, _ := strategy.Lookup("ranges")
			k := strategy.DefaultKnobs()
			k.Collect, k.Batch = how, batch
			start := time.Now()
			_, err := s.Process(strategy.Job{Path: path, Workload: w, Workers: 3, Knobs: k, Command: workerCommand})
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("%s/%d: failure took %v", how, batch, took)
			}
			if err == nil {
				t.Fatalf("%s/%d: run succeeded despite the kill", how, batch)
			}
			if msg := err.Error(); !strings.Contains(msg, "worker 1") || !strings.Contains(msg, "killed") && !strings.Contains(msg, "cut short") {
				t.Errorf("%s/%d: error %v, want worker 1 killed or its message cut short", how, batch, err)
			}
			t.Logf("%s/%d: %v", how, batch, err)
			noChildren(t)
		}
	}
}

func noChildren(t *testing.T) {
	t.Helper()
	kids, err := measure.NewFS("").Children(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) > 0 {
		t.Fatalf("child processes left: %v", kids)
	}
}
