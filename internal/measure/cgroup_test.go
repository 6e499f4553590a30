package measure

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
)

var cgSeq atomic.Int64

// newTestCgroup makes a run cgroup or skips the test, saying why.
func newTestCgroup(t *testing.T) *Cgroup {
	t.Helper()
	name := fmt.Sprintf("fanbench-measure-test-%d-%d", os.Getpid(), cgSeq.Add(1))
	cg, err := NewRunCgroup(name)
	if err != nil {
		t.Skipf("skipping: cannot make a memory cgroup here: %v", err)
	}
	t.Cleanup(func() {
		if err := cg.Close(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	t.Logf("cgroup v%d at %s", cg.Version(), cg.Path())
	return cg
}

const mib = 1 << 20

func TestCgroupPeak(t *testing.T) {
	for _, how := range []string{"AddPID", "Start"} {
		t.Run(how, func(t *testing.T) {
			cg := newTestCgroup(t)
			h := newHelper(t, "alloc", "MB=64", "STEPS=1")
			if how == "Start" {
				if err := cg.Start(h.cmd); err != nil {
					t.Fatal(err)
				}
				h.cleanup(t)
			} else {
				if err := h.cmd.Start(); err != nil {
					t.Fatal(err)
				}
				h.cleanup(t)
				if err := cg.AddPID(h.cmd.Process.Pid); err != nil {
					t.Fatal(err)
				}
			}
			pids, err := cg.Pids()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pids, []int{h.cmd.Process.Pid}) {
				t.Fatalf("cgroup.procs = %v, want [%d]", pids, h.cmd.Process.Pid)
			}
			h.in.Write([]byte("g"))
			h.waitFor(t, "done")
			peak, src, err := cg.Peak()
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]string{1: SourceCgroupV1, 2: SourceCgroupV2}[cg.Version()]
			if src != want {
				t.Errorf("source %q, want %q", src, want)
			}
			t.Logf("peak %.1f MiB (%s)", float64(peak)/mib, src)
			if peak < 64*mib || peak > 84*mib {
				t.Errorf("peak = %.1f MiB, want 64..84 MiB", float64(peak)/mib)
			}
			if err := h.finish(t); err != nil {
				t.Fatal(err)
			}
			path := cg.Path()
			if err := cg.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("cgroup dir still there after Close: %v", err)
			}
			if err := cg.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

func TestCgroupCloseKills(t *testing.T) {
	cg := newTestCgroup(t)
	h := newHelper(t, "spawn")
	// Born inside, so the grandchild it starts at once is inside too.
	if err := cg.Start(h.cmd); err != nil {
		t.Fatal(err)
	}
	h.cleanup(t)
	grand, err := strconv.Atoi(h.line(t))
	if err != nil {
		t.Fatal(err)
	}
	pids, err := cg.Pids()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pids, grand) || !slices.Contains(pids, h.cmd.Process.Pid) {
		t.Fatalf("cgroup.procs = %v, want child %d and grandchild %d", pids, h.cmd.Process.Pid, grand)
	}
	waited := make(chan error, 1)
	go func() { waited <- h.cmd.Wait() }()
	path := cg.Path()
	if err := cg.Close(); err != nil {
		t.Fatal(err)
	}
	err = <-waited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("helper ended with %v, want SIGKILL", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cgroup dir still there after Close: %v", err)
	}
}

func TestCgroupLimitOOM(t *testing.T) {
	cg := newTestCgroup(t)
	if err := cg.SetLimit(32 * mib); err != nil {
		t.Fatal(err)
	}
	h := newHelper(t, "alloc", "MB=128", "STEPS=1")
	if err := cg.Start(h.cmd); err != nil {
		t.Fatal(err)
	}
	h.cleanup(t)
	h.in.Write([]byte("g"))
	err := h.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper over its limit ended with %v, want SIGKILL by the OOM killer", err)
	}
	n, err := cg.OOMKills()
	if err != nil {
		t.Fatal(err)
	}
	if n < 1 {
		t.Errorf("OOMKills = %d, want ≥ 1", n)
	}
	peak, _, _ := cg.Peak()
	if peak > 33*mib {
		t.Errorf("peak %d above the 32 MiB limit", peak)
	}
	if err := cg.SetLimit(0); err != nil {
		t.Errorf("SetLimit(0): %v", err)
	}
}

func TestCgroupFD(t *testing.T) {
	cg := newTestCgroup(t)
	fd, err := cg.FD()
	switch cg.Version() {
	case 1:
		if err == nil {
			t.Errorf("FD on v1 = %d, want an error", fd)
		} else {
			t.Logf("v1: %v", err)
		}
	case 2:
		if err != nil || fd < 0 {
			t.Fatalf("FD on v2 = %d, %v", fd, err)
		}
	}
}

func TestCgroupSelfRefused(t *testing.T) {
	cg := newTestCgroup(t)
	if err := cg.AddPID(os.Getpid()); err == nil {
		t.Error("AddPID(self): no error")
	}
}

func TestNewRunCgroupBadName(t *testing.T) {
	for _, name := range []string{"", ".", "..", "a/b"} {
		if cg, err := NewRunCgroup(name); err == nil {
			cg.Close()
			t.Errorf("NewRunCgroup(%q): no error", name)
		}
	}
}

func TestCgroupDirs(t *testing.T) {
	hybridCg := "4:memory:/process_api/abc\n3:cpuset:/\n0::/\n"
	hybridMi := `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
	v2Cg := "0::/user.slice/app.scope\n"
	v2Mi := "30 24 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
	containerCg := "0::/kubepods/pod1/c1\n"
	containerMi := "30 24 0:26 /kubepods/pod1/c1 /sys/fs/cgroup ro - cgroup2 cgroup rw\n"
	multiV1Cg := "5:memory,hugetlb:/a b\n"
	multiV1Mi := `35 31 0:32 / /sys/fs/cgroup/mem\040ory rw - cgroup cgroup rw,memory,hugetlb` + "\n"
	tests := []struct {
		name         string
		cg, mi       string
		v2, v1       string
		v2Why, v1Why bool
	}{
		{"hybrid", hybridCg, hybridMi, "/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory/process_api/abc", false, false},
		{"unified", v2Cg, v2Mi, "/sys/fs/cgroup/user.slice/app.scope", "", false, true},
		{"container", containerCg, containerMi, "/sys/fs/cgroup", "", false, true},
		{"outside", "0::/elsewhere\n", containerMi, "", "", true, true},
		{"v1 multi", multiV1Cg, multiV1Mi, "", "/sys/fs/cgroup/mem ory/a b", true, false},
		{"nothing", "", "", "", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v2, v1, v2Why, v1Why := cgroupDirs([]byte(tt.cg), []byte(tt.mi))
			if v2 != tt.v2 || v1 != tt.v1 || (v2Why != "") != tt.v2Why || (v1Why != "") != tt.v1Why {
				t.Errorf("cgroupDirs = %q, %q, %q, %q", v2, v1, v2Why, v1Why)
			}
		})
	}
}
