package measure

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const kB = 1024

func TestNewFS(t *testing.T) {
	if got := NewFS("").Root; got != "/proc" {
		t.Errorf(`NewFS("").Root = %q, want /proc`, got)
	}
	if got := NewFS("testdata/proc").Root; got != "testdata/proc" {
		t.Errorf("Root = %q", got)
	}
}

func TestStatus(t *testing.T) {
	p := NewFS("testdata/proc")
	tests := []struct {
		pid  string
		want Status
	}{
		// Copied from this machine's /proc/self/status.
		{"4242", Status{PPid: 11534, VmHWM: 1684 * kB, VmRSS: 1684 * kB, RssAnon: 108 * kB, RssFile: 1576 * kB}},
		{"self", Status{PPid: 11534, VmHWM: 1684 * kB, VmRSS: 1684 * kB, RssAnon: 108 * kB, RssFile: 1576 * kB}},
		// A kernel thread: no Vm*/Rss* lines.
		{"4243", Status{PPid: 0}},
		{"103", Status{PPid: 101}},
	}
	for _, tt := range tests {
		t.Run(tt.pid, func(t *testing.T) {
			got, err := p.Status(tt.pid)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Status(%s) = %+v, want %+v", tt.pid, got, tt.want)
			}
		})
	}
}

func TestSmapsRollup(t *testing.T) {
	p := NewFS("testdata/proc")
	tests := []struct {
		pid  string
		want Rollup
	}{
		{"4242", Rollup{Rss: 1684 * kB, Pss: 422 * kB, PssAnon: 108 * kB, PssFile: 314 * kB}},
		{"self", Rollup{Rss: 1684 * kB, Pss: 422 * kB, PssAnon: 108 * kB, PssFile: 314 * kB}},
		// Pre-5.7 kernel: no Pss_Anon/Pss_File/Pss_Shmem.
		{"4243", Rollup{Rss: 2048 * kB, Pss: 1024 * kB}},
		{"100", Rollup{Rss: 400 * kB, Pss: 200 * kB}},
	}
	for _, tt := range tests {
		t.Run(tt.pid, func(t *testing.T) {
			got, err := p.SmapsRollup(tt.pid)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("SmapsRollup(%s) = %+v, want %+v", tt.pid, got, tt.want)
			}
		})
	}
}

func TestStatmRSS(t *testing.T) {
	p := NewFS("testdata/proc")
	ps := int64(os.Getpagesize())
	for pid, pages := range map[string]int64{"4242": 421, "self": 421, "100": 100, "103": 30} {
		got, err := p.StatmRSS(pid)
		if err != nil {
			t.Fatal(err)
		}
		if got != pages*ps {
			t.Errorf("StatmRSS(%s) = %d, want %d", pid, got, pages*ps)
		}
	}
}

func TestMemoryFixture(t *testing.T) {
	m, err := NewFS("testdata/proc").SelfMemory()
	if err != nil {
		t.Fatal(err)
	}
	if m.PeakRSS != 1684*kB || m.RSSAnon != 108*kB || m.RSSFile != 1576*kB || m.PSS != 422*kB || m.PSSAnon != 108*kB || m.PSSFile != 314*kB {
		t.Errorf("SelfMemory = %+v", m)
	}
}

func TestChildrenTree(t *testing.T) {
	for _, root := range []string{"testdata/proc", "testdata/proc-nochildren"} {
		t.Run(filepath.Base(root), func(t *testing.T) {
			p := NewFS(root)
			for pid, want := range map[int][]int{100: {101, 102}, 101: {103}, 102: nil, 103: nil} {
				got, err := p.Children(pid)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("Children(%d) = %v, want %v", pid, got, want)
				}
			}
			for pid, want := range map[int][]int{100: {100, 101, 102, 103}, 101: {101, 103}, 103: {103}} {
				got, err := p.Tree(pid)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("Tree(%d) = %v, want %v", pid, got, want)
				}
			}
			if _, err := p.Tree(999); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Tree(999) err = %v, want ErrNotExist", err)
			}
			if _, err := p.Children(999); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Children(999) err = %v, want ErrNotExist", err)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	p := NewFS("testdata/proc-bad")
	tests := []struct {
		name string
		file string // the file the error must name
		call func() error
	}{
		{"status bad number", "1/status", func() error { _, err := p.Status("1"); return err }},
		{"status garbage", "2/status", func() error { _, err := p.Status("2"); return err }},
		{"status no PPid", "8/status", func() error { _, err := p.Status("8"); return err }},
		{"status bad unit", "9/status", func() error { _, err := p.Status("9"); return err }},
		{"rollup negative", "3/smaps_rollup", func() error { _, err := p.SmapsRollup("3"); return err }},
		{"rollup not rollup", "4/smaps_rollup", func() error { _, err := p.SmapsRollup("4"); return err }},
		{"statm short", "5/statm", func() error { _, err := p.StatmRSS("5"); return err }},
		{"statm bad number", "6/statm", func() error { _, err := p.StatmRSS("6"); return err }},
		{"children bad pid", "7/task/7/children", func() error { _, err := p.Children(7); return err }},
		{"tree bad pid", "7/task/7/children", func() error { _, err := p.Tree(7); return err }},
		{"memory on bad status", "1/status", func() error { _, err := p.Memory("1"); return err }},
		{"status missing", "404/status", func() error { _, err := p.Status("404"); return err }},
		{"rollup missing", "404/smaps_rollup", func() error { _, err := p.SmapsRollup("404"); return err }},
		{"statm missing", "404/statm", func() error { _, err := p.StatmRSS("404"); return err }},
		{"clear_refs missing", "404/clear_refs", func() error { return p.ResetPeak("404") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if want := filepath.Join("testdata/proc-bad", tt.file); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		})
	}
}

func TestParseStatPPid(t *testing.T) {
	for in, want := range map[string]int{
		"1 (init) S 0 1 1":                0,
		"77 (a) b (c)) R 42 77 1 0":       42,
		"9 (tab\tand space ) S 8 9 9 0 0": 8,
	} {
		got, err := parseStatPPid("stat", []byte(in))
		if err != nil || got != want {
			t.Errorf("parseStatPPid(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1 init S 0", "1 (x) S", "1 (x) S -3"} {
		if _, err := parseStatPPid("stat", []byte(in)); err == nil {
			t.Errorf("parseStatPPid(%q): no error", in)
		}
	}
}

func TestLiveSelf(t *testing.T) {
	p := NewFS("")
	if _, err := os.Stat("/proc/self/smaps_rollup"); err != nil {
		t.Skipf("skipping: /proc/self/smaps_rollup unavailable (kernel < 4.14 or no /proc): %v", err)
	}
	m, err := p.SelfMemory()
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Status("self")
	if err != nil {
		t.Fatal(err)
	}
	// PSS is read after the status figures, and the test binary's other
	// goroutines may touch new pages in between: bound it by the
	// high-water mark read after it (VmHWM only grows).
	if m.PeakRSS <= 0 || m.RSSAnon <= 0 || m.RSSFile <= 0 || m.PSS <= 0 || m.PSS > st.VmHWM+st.RssShmem {
		t.Errorf("implausible SelfMemory: %+v (VmHWM after it %d)", m, st.VmHWM)
	}
	if st.PPid != os.Getppid() {
		t.Errorf("PPid = %d, want %d", st.PPid, os.Getppid())
	}
	rss, err := p.StatmRSS(strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	if rss <= 0 || rss > 2*st.VmHWM {
		t.Errorf("StatmRSS = %d, VmHWM %d", rss, st.VmHWM)
	}
	t.Logf("self: %+v", m)
}

func TestLiveResetPeak(t *testing.T) {
	p := NewFS("")
	const size = 64 << 20
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(b); i += os.Getpagesize() {
		b[i] = 1
	}
	if err := unix.Munmap(b); err != nil {
		t.Fatal(err)
	}
	before, err := p.Status("self")
	if err != nil {
		t.Fatal(err)
	}
	if before.VmHWM < size {
		t.Fatalf("VmHWM %d after touching %d bytes", before.VmHWM, size)
	}
	if err := p.ResetPeak("self"); err != nil {
		t.Fatal(err)
	}
	after, err := p.Status("self")
	if err != nil {
		t.Fatal(err)
	}
	if after.VmHWM > before.VmHWM-size/2 {
		t.Errorf("VmHWM %d → %d after ResetPeak: not reset", before.VmHWM, after.VmHWM)
	}
}

func TestLiveTree(t *testing.T) {
	h := startHelper(t, "spawn")
	grand, err := strconv.Atoi(h.line(t))
	if err != nil {
		t.Fatal(err)
	}
	p := NewFS("")
	child := h.cmd.Process.Pid
	kids, err := p.Children(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(kids, child) {
		t.Errorf("Children(self) = %v, want it to hold %d", kids, child)
	}
	tree, err := p.Tree(child)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tree, []int{child, grand}) {
		t.Errorf("Tree(%d) = %v, want [%d %d]", child, tree, child, grand)
	}
	if err := h.finish(t); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Tree(child); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Tree of reaped pid: err = %v, want ErrNotExist", err)
	}
}

func FuzzParseStatus(f *testing.F) {
	for _, name := range []string{"testdata/proc/4242/status", "testdata/proc/4243/status", "testdata/proc-bad/1/status"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("PPid:\t1\nVmHWM:\t9223372036854775807 kB\n"))
	f.Add([]byte(":\n:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseStatus("status", data)
		if err == nil && (s.VmHWM < 0 || s.VmRSS < 0 || s.PPid < 0) {
			t.Errorf("negative figures without error: %+v", s)
		}
	})
}

func FuzzParseRollup(f *testing.F) {
	for _, name := range []string{"testdata/proc/4242/smaps_rollup", "testdata/proc/4243/smaps_rollup", "testdata/proc-bad/3/smaps_rollup"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("Rss: 1\nPss: 2 kB kB\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseRollup("smaps_rollup", data)
		if err == nil && (r.Rss < 0 || r.Pss < 0 || r.PssAnon < 0) {
			t.Errorf("negative figures without error: %+v", r)
		}
		parseStatm("statm", data, 4096)
	})
}
