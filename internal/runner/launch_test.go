package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/measure"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/testenv"
)

// toucherReport is what testdata/toucher prints.
type toucherReport struct {
	PID        int    `json:"pid"`
	PGID       int    `json:"pgid"`
	MiB        int    `json:"mib"`
	HWMBefore  int64  `json:"hwm_before"`
	HWMAfter   int64  `json:"hwm_after"`
	RSSAfter   int64  `json:"rss_after"`
	Grandchild int    `json:"grandchild"`
	Cgroup     string `json:"cgroup"`
}

func parseToucher(t *testing.T, out Exit) toucherReport {
	t.Helper()
	var r toucherReport
	line := lastJSONLine(out.Stdout)
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("toucher printed %q (stderr %q): %v", out.Stdout, out.StderrTail, err)
	}
	if r.PID <= 0 || r.HWMBefore <= 0 || r.HWMAfter < r.HWMBefore {
		t.Fatalf("implausible toucher report %+v", r)
	}
	return r
}

func cgroupPeak(out Exit) (results.TreePeak, bool) {
	for _, p := range out.TreePeaks {
		if strings.HasPrefix(p.Source, "cgroup-") {
			return p, true
		}
	}
	return results.TreePeak{}, false
}

// TestLaunchPeakMatchesTouched proves the launcher's figures for a child
// that touches N MiB: the child's own VmHWM grows by N MiB (±5%), and the
// whole-tree cgroup peak is N MiB give or take 5% plus the child's baseline.
func TestLaunchPeakMatchesTouched(t *testing.T) {
	toucher := toucherBin(t)
	for _, n := range []int{64, 256} {
		t.Run(fmt.Sprintf("%dMiB", n), func(t *testing.T) {
			// The child holds its memory for 200ms after touching it, so
			// that the sampler (a lower bound) sees the plateau too.
			l := Launch{Args: []string{toucher, "-mib", strconv.Itoa(n), "-hold", "200ms"}, Timeout: 30 * time.Second,
				SampleEvery: 5 * time.Millisecond, Cgroup: true, Name: "toucher"}
			out := l.Run(context.Background())
			if out.Err != nil {
				t.Fatalf("run: %v (stderr %q)", out.Err, out.StderrTail)
			}
			r := parseToucher(t, out)
			want := float64(n) * mib
			growth := float64(r.HWMAfter - r.HWMBefore)
			t.Logf("N=%d MiB: child VmHWM %s -> %s (growth %s, %+.2f%%); ru_maxrss %s; tree peaks %v; %d samples",
				n, fmtMiB(r.HWMBefore), fmtMiB(r.HWMAfter), fmtMiB(int64(growth)), 100*(growth-want)/want,
				fmtMiB(out.Usage.MaxRSSRU), out.TreePeaks, out.Sampler.Count)
			if !within(growth, want, 0.05*want) {
				t.Errorf("child's own VmHWM grew by %s, want %d MiB ±5%%", fmtMiB(int64(growth)), n)
			}
			// ru_maxrss and VmHWM come from the same counters, read at
			// different times (the kernel's per-CPU RSS counts are
			// approximate): they agree closely, not exactly.
			if out.Usage.WallSec <= 0 || float64(out.Usage.MaxRSSRU) < 0.95*float64(r.HWMAfter) {
				t.Errorf("wait4 usage %+v: want a wall time and ru_maxrss ≈ the child's VmHWM %d or more", out.Usage, r.HWMAfter)
			}
			if out.Sampler.Count == 0 {
				t.Error("the sampler took no sample")
			}
			sampled := false
			for _, p := range out.TreePeaks {
				if p.Source == measure.SourceSampledRSS {
					sampled = true
					// A lower bound of the peak, which it sees during the hold.
					if p.Bytes < int64(0.95*want) || p.Bytes > r.HWMAfter+mib {
						t.Errorf("sampled tree RSS %s, want between 95%% of %d MiB and the child's VmHWM %s", fmtMiB(p.Bytes), n, fmtMiB(r.HWMAfter))
					}
				}
			}
			if !sampled {
				t.Errorf("no sampled-rss tree peak in %v", out.TreePeaks)
			}
			peak, ok := cgroupPeak(out)
			if !ok {
				t.Skipf("no cgroup tree peak on this machine: %s", out.CgroupNote)
			}
			if !strings.Contains(r.Cgroup, "/fanbench-toucher-") {
				t.Errorf("child was not in a fresh run cgroup: %q", r.Cgroup)
			}
			tol := 0.05*want + float64(r.HWMBefore)
			t.Logf("N=%d MiB: cgroup peak (%s) %s, %+.2f%% of N; tolerance ±%s", n, peak.Source, fmtMiB(peak.Bytes),
				100*(float64(peak.Bytes)-want)/want, fmtMiB(int64(tol)))
			if !within(float64(peak.Bytes), want, tol) {
				t.Errorf("cgroup tree peak %s, want %d MiB ± (5%% + baseline %s)", fmtMiB(peak.Bytes), n, fmtMiB(r.HWMBefore))
			}
		})
	}
}

// TestLaunchParentPeakNotInherited proves that a launcher which has itself
// touched 1 GiB does not pass that peak on to the child's own VmHWM (which
// is what results report), while wait4's ru_maxrss may carry it.
func TestLaunchParentPeakNotInherited(t *testing.T) {
	toucher := toucherBin(t)
	const size = 1 << 30
	// mmap rather than make: under -race, touching a Go heap slice would
	// also touch its shadow memory; the kernel sees the same 1 GiB either way.
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap 1 GiB: %v", err)
	}
	defer syscall.Munmap(mem)
	for i := 0; i < len(mem); i += os.Getpagesize() {
		mem[i] = 1
	}
	self, err := measure.NewFS("").Status("self")
	if err != nil {
		t.Fatal(err)
	}
	if self.VmHWM < size {
		t.Fatalf("the test process's VmHWM is %s after touching 1 GiB", fmtMiB(self.VmHWM))
	}

	l := Launch{Args: []string{toucher, "-mib", "16"}, Timeout: 30 * time.Second, SampleEvery: 5 * time.Millisecond,
		Cgroup: true, Name: "inherit"}
	out := l.Run(context.Background())
	runtime.KeepAlive(mem)
	if out.Err != nil {
		t.Fatalf("run: %v (stderr %q)", out.Err, out.StderrTail)
	}
	r := parseToucher(t, out)
	t.Logf("launcher VmHWM %s; child VmHWM %s (growth %s); child wait4 ru_maxrss %s (cross-check only); tree peaks %v",
		fmtMiB(self.VmHWM), fmtMiB(r.HWMAfter), fmtMiB(r.HWMAfter-r.HWMBefore), fmtMiB(out.Usage.MaxRSSRU), out.TreePeaks)
	if r.HWMAfter >= 100*mib {
		t.Errorf("child's own VmHWM is %s: the launcher's 1 GiB leaked into it", fmtMiB(r.HWMAfter))
	}
	if g := float64(r.HWMAfter - r.HWMBefore); !within(g, 16*mib, 0.05*16*mib) {
		t.Errorf("child's VmHWM grew by %s, want 16 MiB ±5%%", fmtMiB(int64(g)))
	}
	if float64(out.Usage.MaxRSSRU) < 0.95*float64(r.HWMAfter) {
		t.Errorf("ru_maxrss %s below the child's own VmHWM %s", fmtMiB(out.Usage.MaxRSSRU), fmtMiB(r.HWMAfter))
	}
	if out.Usage.MaxRSSRU >= size {
		t.Logf("ru_maxrss carries the launcher's peak (%s): it is a cross-check only, as docs/design.md says", fmtMiB(out.Usage.MaxRSSRU))
	}
	if peak, ok := cgroupPeak(out); ok && peak.Bytes >= 100*mib {
		t.Errorf("cgroup tree peak %s: the launcher's memory was charged to the run", fmtMiB(peak.Bytes))
	}
}

// gone reports whether pid no longer runs: it does not exist, or it is a
// zombie waiting for a parent (such as a container's init) to reap it.
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] == 'Z' || b[i+2] == 'X'
	}
	return false
}

// runCgroupParent returns the directory under which Launch makes its run
// cgroups, or "" when no cgroup can be made here.
func runCgroupParent(t *testing.T) string {
	cg, err := measure.NewRunCgroup(fmt.Sprintf("fanbench-probe-%d", os.Getpid()))
	if err != nil {
		t.Logf("no run cgroup: %v", err)
		return ""
	}
	dir := filepath.Dir(cg.Path())
	if err := cg.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLaunchTimeoutKillsTree proves that a run past its timeout is killed
// with everything it started, and leaves no cgroup behind. The child starts
// a sleeping grandchild: in its process group, or (setsid) in a session of
// its own, out of reach of the process-group kill but not of the cgroup.
func TestLaunchTimeoutKillsTree(t *testing.T) {
	toucher := toucherBin(t)
	parent := runCgroupParent(t)
	for _, setsid := range []bool{false, true} {
		name := "pgroup"
		if setsid {
			name = "setsid"
		}
		t.Run(name, func(t *testing.T) {
			if setsid && parent == "" {
				t.Skip("a grandchild in its own session is only reachable through a cgroup, and none can be made here")
			}
			hint := "timeout" + name
			args := []string{toucher, "-spawn", "-hold", "1m"}
			if setsid {
				args = append(args, "-setsid")
			}
			const timeout = 1 * time.Second
			l := Launch{Args: args, Timeout: timeout, SampleEvery: 5 * time.Millisecond, Cgroup: true, Name: hint}
			start := time.Now()
			out := l.Run(context.Background())
			took := time.Since(start)
			if out.Err == nil || !strings.Contains(out.Err.Error(), "timed out after 1s") {
				t.Fatalf("err = %v, want a timeout", out.Err)
			}
			if took > timeout+4*time.Second {
				t.Errorf("Run took %v with a %v timeout", took, timeout)
			}
			r := parseToucher(t, out)
			if r.Grandchild <= 0 {
				t.Fatalf("no grandchild in %+v", r)
			}
			if r.PGID != r.PID {
				t.Errorf("child pid %d is not its process group's leader (pgid %d)", r.PID, r.PGID)
			}
			deadline := time.Now().Add(3 * time.Second)
			for !(gone(r.PID) && gone(r.Grandchild)) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("timeout after %v: Run returned in %v; child %d gone %v, grandchild %d gone %v; %s",
				timeout, took.Round(time.Millisecond), r.PID, gone(r.PID), r.Grandchild, gone(r.Grandchild), out.Err)
			for _, pid := range []int{r.PID, r.Grandchild} {
				if !gone(pid) {
					syscall.Kill(pid, syscall.SIGKILL)
					t.Errorf("pid %d still runs after the timeout", pid)
				}
			}
			if parent == "" {
				t.Logf("no cgroup on this machine: %s", out.CgroupNote)
				return
			}
			if !strings.Contains(r.Cgroup, "/fanbench-"+hint+"-") {
				t.Errorf("child was not in its run cgroup: %q", r.Cgroup)
			}
			left, err := filepath.Glob(filepath.Join(parent, "fanbench-"+hint+"-*"))
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != 0 {
				t.Errorf("run cgroup left behind: %v", left)
			}
		})
	}
}

var maxRSSRE = regexp.MustCompile(`Maximum resident set size \(kbytes\): ([0-9]+)`)

// TestLaunchAgreesWithTimeV checks the child's own VmHWM against GNU time's
// "Maximum resident set size" for the same run.
func TestLaunchAgreesWithTimeV(t *testing.T) {
	gnuTime := testenv.LookPath(t, "apt-get install time", "/usr/bin/time")
	if out, err := exec.Command(gnuTime, "-v", "true").CombinedOutput(); err != nil || !maxRSSRE.Match(out) {
		testenv.Missing(t, "%s is not GNU time with -v (apt-get install time): %v %q", gnuTime, err, out)
	}
	toucher := toucherBin(t)
	l := Launch{Args: []string{gnuTime, "-v", toucher, "-mib", "64"}, Timeout: 30 * time.Second, Cgroup: true, Name: "timev"}
	out := l.Run(context.Background())
	if out.Err != nil {
		t.Fatalf("run: %v (stderr %q)", out.Err, out.StderrTail)
	}
	r := parseToucher(t, out)
	m := maxRSSRE.FindStringSubmatch(out.StderrTail)
	if m == nil {
		t.Fatalf("no maximum RSS in time's output %q", out.StderrTail)
	}
	kb, _ := strconv.ParseInt(m[1], 10, 64)
	timeRSS := kb << 10
	diff := float64(timeRSS-r.HWMAfter) / float64(r.HWMAfter)
	t.Logf("/usr/bin/time -v maximum RSS %s, child's VmHWM %s: %+.2f%%", fmtMiB(timeRSS), fmtMiB(r.HWMAfter), 100*diff)
	if diff < -0.10 || diff > 0.10 {
		t.Errorf("time -v says %s, the child's VmHWM %s: more than 10%% apart", fmtMiB(timeRSS), fmtMiB(r.HWMAfter))
	}
}
