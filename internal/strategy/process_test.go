package strategy

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/look"
	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/testenv"
	"github.com/fanbench/fanbench/internal/workload"
)

// TestMain doubles as the process-mode worker: process-mode tests
// re-execute this test binary with FANBENCH_WORKER=1, and it then runs
// a Worker instead of the tests. FANBENCH_WORKER_FAULT injects a fault
// (see specFaults). After the tests it fails if goroutines or child
// processes (running or zombie) are left over.
func TestMain(m *testing.M) {
	testenv.ServeWorker(Worker{Faults: workerFaults(os.Getenv("FANBENCH_WORKER_FAULT"))})
	if path := os.Getenv("FANBENCH_TEST_PARENT"); path != "" {
		os.Exit(parentMain(path))
	}
	code := m.Run()
	if code == 0 {
		if kids, err := childProcesses(); err != nil || len(kids) > 0 {
			fmt.Fprintf(os.Stderr, "child processes left after the tests: %v (%v)\n", kids, err)
			code = 1
		}
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// testWorkerCommand re-executes the test binary as a worker.
var testWorkerCommand = testenv.WorkerCommand

// childProcesses lists this process's children, zombies included.
func childProcesses() ([]int, error) {
	return measure.NewFS("").Children(os.Getpid())
}

// noChildren fails the test if this process has any child left.
func noChildren(t *testing.T) {
	t.Helper()
	kids, err := childProcesses()
	if err != nil {
		t.Fatal(err)
	}
	if len(kids) > 0 {
		t.Fatalf("child processes left: %v", kids)
	}
}

// processStrategies are the strategies whose process form starts children.
func processStrategies() []Strategy {
	var ss []Strategy
	for _, s := range All {
		if s.Name != "ceiling" && s.Process != nil {
			ss = append(ss, s)
		}
	}
	return ss
}

func TestForm(t *testing.T) {
	for _, s := range All {
		for _, mode := range Modes {
			if s.Name == "pread" && mode == "process" {
				if _, err := s.Form(mode); err == nil || !strings.Contains(err.Error(), "pread has no mode=process form") {
					t.Errorf("pread mode=process: error %v", err)
				}
				continue
			}
			if f, err := s.Form(mode); err != nil || f == nil {
				t.Errorf("%s mode=%s: %v", s.Name, mode, err)
			}
		}
	}
	noProc := Strategy{Look: look.Look{Name: "goroutine-only"}, Goroutine: All[0].Goroutine}
	if _, err := noProc.Form("process"); err == nil || !strings.Contains(err.Error(), "goroutine-only has no mode=process form") {
		t.Errorf("missing process form: error %v", err)
	}
	if _, err := All[0].Form("thread"); err == nil || !strings.Contains(err.Error(), `mode "thread"`) {
		t.Errorf("unknown mode: error %v", err)
	}
}

func TestProcessWorkerMemory(t *testing.T) {
	paths := writeInputs(t)
	w, _ := workload.Lookup("count")
	for _, s := range All {
		if s.Process == nil {
			continue
		}
		calls := 0
		res, err := s.Process(Job{Path: paths["fixture"], Workload: w, Workers: 3, Knobs: DefaultKnobs(), Command: testWorkerCommand, AtPeak: func() { calls++ }})
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if calls != 1 {
			t.Errorf("%s called AtPeak %d times", s.Name, calls)
		}
		if s.Name == "ceiling" {
			if res.Workers != nil {
				t.Errorf("ceiling reported worker children: %v", res.Workers)
			}
			continue
		}
		if len(res.Workers) != 3 || res.MemoryErr != "" {
			t.Fatalf("%s: %d worker figures (%s), want 3", s.Name, len(res.Workers), res.MemoryErr)
		}
		for i, m := range res.Workers {
			if m.PeakRSS <= 0 || m.PSS <= 0 || m.RSSAnon <= 0 || m.PeakRSS < m.RSSAnon+m.RSSFile+m.RSSShm {
				t.Errorf("%s worker %d: implausible figures %+v", s.Name, i, m)
			}
		}
		if s.Name == "shm" {
			for i, m := range res.Workers {
				if m.RSSShm == 0 {
					t.Errorf("shm worker %d: no shmem pages mapped: %+v", i, m)
				}
			}
		}
	}
	noChildren(t)
}

func TestProcessRejectsDynamicSplit(t *testing.T) {
	paths := writeInputs(t)
	w, _ := workload.Lookup("count")
	k := DefaultKnobs()
	k.Split = "dynamic"
	for _, s := range processStrategies() {
		_, err := s.Process(Job{Path: paths["fixture"], Workload: w, Workers: 2, Knobs: k, Command: testWorkerCommand})
		if err == nil || !strings.Contains(err.Error(), "split=static only") {
			t.Errorf("%s: error %v, want the dynamic split refused", s.Name, err)
		}
	}
}

func TestProcessMissingFile(t *testing.T) {
	w, _ := workload.Lookup("count")
	for _, s := range All {
		if s.Process == nil {
			continue
		}
		_, err := s.Process(Job{Path: "/nonexistent/file", Workload: w, Workers: 2, Knobs: DefaultKnobs(), Command: testWorkerCommand})
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/file") {
			t.Errorf("%s: error %v should name the file", s.Name, err)
		}
	}
	noChildren(t)
}

// TestProcessFaults kills, panics or exits one worker of three mid-run: the
// run must fail quickly, name the worker, carry its stderr tail, and leave
// no child behind, for every strategy.
func TestProcessFaults(t *testing.T) {
	paths := writeInputs(t)
	w, _ := workload.Lookup("parse")
	want := map[string][]string{
		"panic": {"worker 1", "exit status 2", "panic: worker 1: injected fault"},
		"exit":  {"worker 1", "exit status 3", "worker 1: injected exit"},
		"kill":  {"worker 1", "signal: killed", "worker 1: injected SIGKILL"},
	}
	k := DefaultKnobs()
	k.BufSize, k.ChanCap = 4096, 1 // chan: the fault hits while the parent is still streaming
	for _, s := range processStrategies() {
		for kind, frags := range want {
			t.Run(s.Name+"/"+kind, func(t *testing.T) {
				t.Setenv("FANBENCH_WORKER_FAULT", kind+":1")
				start := time.Now()
				_, err := s.Process(Job{Path: paths["fixture"], Workload: w, Workers: 3, Knobs: k, Command: testWorkerCommand})
				if took := time.Since(start); took > 10*time.Second {
					t.Errorf("failure took %v", took)
				}
				if err == nil {
					t.Fatal("run succeeded despite the fault")
				}
				for _, f := range frags {
					if !strings.Contains(err.Error(), f) {
						t.Errorf("error lacks %q:\n%v", f, err)
					}
				}
				noChildren(t)
			})
		}
	}
}

// TestProcessSlowWorker makes one worker slow: every strategy must still
// finish with the right answer, and chan must not deadlock while that
// worker's pipe is full.
func TestProcessSlowWorker(t *testing.T) {
	paths := writeInputs(t)
	w, _ := workload.Lookup("parse")
	ref, err := fixture.ReferenceOf(paths["fixture"], w)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FANBENCH_WORKER_FAULT", "slow:0")
	k := DefaultKnobs()
	k.BufSize, k.ChanCap = 1024, 1
	for _, s := range processStrategies() {
		res, err := s.Process(Job{Path: paths["fixture"], Workload: w, Workers: 3, Knobs: k, Command: testWorkerCommand})
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if res.Answer != ref {
			t.Errorf("%s: got %v, want %v", s.Name, res.Answer, ref)
		}
	}
	noChildren(t)
}

// TestProcessKillsSiblings: when one worker dies while its siblings hang,
// the parent must kill the siblings rather than wait for them, and report
// the worker that died.
func TestProcessKillsSiblings(t *testing.T) {
	paths := writeInputs(t)
	w, _ := workload.Lookup("count")
	k := DefaultKnobs()
	k.BufSize, k.ChanCap = 64, 0
	for _, s := range processStrategies() {
		t.Run(s.Name, func(t *testing.T) {
			t.Setenv("FANBENCH_WORKER_FAULT", "exit:2,hang")
			start := time.Now()
			_, err := s.Process(Job{Path: paths["fixture"], Workload: w, Workers: 4, Knobs: k, Command: testWorkerCommand})
			if err == nil || !strings.Contains(err.Error(), "worker 2: injected exit") {
				t.Fatalf("error %v, want worker 2's exit", err)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("failure took %v", took)
			}
			noChildren(t)
		})
	}
}

func TestTailBuffer(t *testing.T) {
	tb := tailBuffer{max: 8}
	for _, s := range []string{"abc", "defgh", "ijklmnopq", "r"} {
		tb.Write([]byte(s))
	}
	if got := tb.String(); got != "klmnopqr" {
		t.Errorf("tail %q, want %q", got, "klmnopqr")
	}
}

func TestWorkerMainBadArgs(t *testing.T) {
	for _, args := range [][]string{
		{"--role", "stdin", "--workload", "nope", "--index", "0"},
		{"--role", "teleport", "--workload", "count", "--index", "0"},
		{"--role", "stdin", "--workload", "count"},
		{"--role", "range", "--workload", "count", "--index", "0", "--path", "/nonexistent/file", "--len", "10"},
		{"--bogus"},
	} {
		var out strings.Builder
		if err := WorkerMain(strings.NewReader(""), &out, args); err == nil {
			t.Errorf("%q: accepted", args)
		}
		if out.Len() != 0 {
			t.Errorf("%q: wrote a report %q", args, out.String())
		}
	}
	// stdin holding more than announced is an error, not a silent loss.
	var out strings.Builder
	if err := WorkerMain(strings.NewReader("a\nb\n"), &out, []string{"--role", "stdin", "--workload", "count", "--index", "0", "--len", "2"}); err == nil {
		t.Error("extra stdin bytes accepted")
	}
}

// parentMain is a process-mode parent for TestNoOrphans: it runs mmap with
// two workers on path (the test makes them hang) and is killed meanwhile.
func parentMain(path string) int {
	w, _ := workload.Lookup("count")
	mm, _ := Lookup("mmap")
	_, err := mm.Process(Job{Path: path, Workload: w, Workers: 2, Knobs: DefaultKnobs(), Command: testWorkerCommand})
	fmt.Fprintln(os.Stderr, "parent: run ended:", err)
	return 1
}

// TestNoOrphans SIGKILLs a process-mode parent whose workers hang: the
// workers must die with it (Pdeathsig), not live on as orphans.
func TestNoOrphans(t *testing.T) {
	paths := writeInputs(t)
	t.Setenv("FANBENCH_WORKER_FAULT", "hang")
	parent := exec.Command(os.Args[0])
	parent.Env = append(os.Environ(), "FANBENCH_TEST_PARENT="+paths["fixture"])
	var stderr strings.Builder
	parent.Stderr = &stderr
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	proc := measure.NewFS("")
	var workers []int
	for deadline := time.Now().Add(10 * time.Second); len(workers) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			parent.Process.Kill()
			parent.Wait()
			t.Fatalf("parent started %d workers in 10s; stderr: %s", len(workers), stderr.String())
		}
		workers, _ = proc.Children(parent.Process.Pid)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	parent.Wait()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var alive []int
		for _, pid := range workers {
			if st := procState(pid); st != "" && st != "Z" {
				alive = append(alive, pid)
			}
		}
		if len(alive) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, pid := range alive {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Fatalf("workers %v outlived their killed parent", alive)
		}
	}
	noChildren(t)
}

// procState is the state letter of /proc/PID/stat ("R", "S", "Z"...), or ""
// when the process is gone.
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok || rest == "" {
		return ""
	}
	return rest[:1]
}
