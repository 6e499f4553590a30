package strategy

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/internal/input"
	"github.com/fanbench/fanbench/internal/workload"
)

// forms calls f with every strategy's form in every mode it has (ceiling's
// process form is its goroutine form: once is enough).
func forms(f func(name string, run Func)) {
	for _, s := range All {
		for _, mode := range Modes {
			run, err := s.Form(mode)
			if err != nil || (s.Name == "ceiling" && mode == "process") {
				continue
			}
			f(mode.String()+"/"+s.Name, run)
		}
	}
}

// TestInputPolicy: what is not a regular file of known size is refused by
// every strategy in both modes, at once, in one line naming the file and
// what it is; a FIFO with no writer blocks nothing.
func TestInputPolicy(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cases := []struct{ path, want string }{
		{fifo, "a named pipe (FIFO)"},
		{"/dev/zero", "a character device"},
		{"/dev/null", "a character device"},
		{sock, "a socket"},
		{dir, "a directory"},
		{"/proc/self/status", "on a proc file system"},
		{"/proc/cpuinfo", "on a proc file system"},
		{"/sys/kernel/mm/transparent_hugepage/enabled", "on a sysfs file system"},
	}
	count, _ := workload.Lookup("count")
	forms(func(name string, run Func) {
		for _, c := range cases {
			if _, err := os.Stat(c.path); err != nil {
				t.Fatalf("%s: %v", c.path, err) // every case exists on Linux
			}
			start := time.Now()
			_, err := run(Job{Path: c.path, Workload: count, Workers: 2, Knobs: DefaultKnobs(), Command: testWorkerCommand})
			if err == nil || !strings.Contains(err.Error(), "file "+c.path+": "+c.want) || !strings.HasSuffix(err.Error(), input.Policy) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s on %s: error %v, want one line naming the file and %q", name, c.path, err, c.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s on %s: took %v to refuse", name, c.path, d)
			}
		}
	})
	noChildren(t)
}

// TestFileChangesDuringRun: a file that shrinks, grows, is rewritten in
// place or replaced between the moment a run opens it and the end fails
// the run, in every strategy and mode, with one line naming the file and
// what changed. A file truncated under a mapping faults (SIGBUS): the
// error names the signal instead of a crash.
func TestFileChangesDuringRun(t *testing.T) {
	data := []byte(strings.Repeat("Hamburg;12.0\nBulawayo;8.9\nPalembang;38.8\n", 4000)) // 164000 bytes: pages and buffers
	changes := []struct {
		name, want string
		change     func(path string) error
	}{
		{"truncated to half", "size 164000 → 80000 bytes", func(p string) error { return os.Truncate(p, 80000) }},
		{"truncated to 0", "size 164000 → 0 bytes", func(p string) error { return os.Truncate(p, 0) }},
		{"grown", "size 164000 → 164013 bytes", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("Hamburg;12.0\n")
			return err
		}},
		{"rewritten in place", "modified (mtime", func(p string) error {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(strings.ToUpper(string(data))), 0o644); err != nil {
				return err
			}
			return os.Chtimes(p, st.ModTime().Add(time.Second), st.ModTime().Add(time.Second))
		}},
		{"replaced", "replaced (inode", func(p string) error {
			tmp := p + ".new"
			if err := os.WriteFile(tmp, data, 0o644); err != nil {
				return err
			}
			return os.Rename(tmp, p)
		}},
	}
	parse, _ := workload.Lookup("parse")
	count, _ := workload.Lookup("count")
	k := DefaultKnobs()
	k.BufSize = 4096
	forms(func(name string, run Func) {
		for _, c := range changes {
			path := filepath.Join(t.TempDir(), "input.txt")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			var once sync.Once // the run's first open only
			opened := func(path string) {
				once.Do(func() {
					if err := c.change(path); err != nil {
						t.Error(err)
					}
				})
			}
			w := parse
			if strings.HasSuffix(name, "/pread") {
				w = count // pread's only workload
			}
			res, err := run(Job{Path: path, Workload: w, Workers: 3, Knobs: k, Command: testWorkerCommand, opened: opened})
			want := "file " + path + " changed during the run: " + c.want
			if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s, %s: answer %v, error %v; want one line with %q", name, c.name, res.Answer, err, want)
				continue
			}
			if name == "goroutine/mmap" && strings.HasPrefix(c.name, "truncated") && !strings.Contains(err.Error(), "SIGBUS reading the mapping of "+path+" at byte ") {
				t.Errorf("%s, %s: error %v does not name the SIGBUS", name, c.name, err)
			}
		}
	})
	noChildren(t)
}

// TestInputUnchanged: an untouched file passes Check, and Reader gives
// exactly its bytes.
func TestInputUnchanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("a;1.0\nb;2.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := input.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if in.Size != 12 {
		t.Errorf("size %d", in.Size)
	}
	if err := in.Check(); err != nil {
		t.Error(err)
	}
}

// TestProcessWorkerSIGBUS: a file truncated under a worker child's mapping
// (the child truncates it itself, after mapping, before reading) faults
// with SIGBUS in the child; the run fails in one line naming the file,
// what changed and the signal, instead of a crashed child's traceback.
func TestProcessWorkerSIGBUS(t *testing.T) {
	path := filepath.Join(t.TempDir(), "input.txt")
	data := strings.Repeat("Hamburg;12.0\n", 10000) // 130000 bytes: 32 pages
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FANBENCH_WORKER_FAULT", "truncate:0")
	count, _ := workload.Lookup("count")
	_, err := mmapProcess(Job{Path: path, Workload: count, Workers: 1, Knobs: DefaultKnobs(), Command: testWorkerCommand})
	for _, want := range []string{"mmap: file " + path + " changed during the run: size 130000 → 0 bytes", "SIGBUS reading the mapping of " + path + " at byte 0"} {
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line with %q", err, want)
		}
	}
	noChildren(t)
}
