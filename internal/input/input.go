// Package input is the input policy every strategy applies, in both modes,
// in the public fanout package and in `fanbench exec`, and the line-aligned
// readers (RangeReader, Chunker) and whole-file loaders (ReadAll, Map) the
// strategies share.
package input

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The input policy, in one place for every strategy, both modes and
// `fanbench exec` (its --verify included), and the fanout package: fanbench measures regular files
// whose size is known before the run. The size fstat reports when the file
// is opened is the byte count every strategy plans with (the cut points,
// the buffer of readall, the mapping of mmap, the bytes chan streams), and
// a read at that size must find the end of the file. Refused, with one line
// naming the file and what it is: named pipes, character and block devices
// (/dev/zero), sockets, directories, and files on pseudo file systems
// (proc, sysfs and the like) whose sizes are not their contents. A file is
// opened with O_NONBLOCK, so that a FIFO put in a file's place between the
// check and the open cannot block the run.
//
// A file that changes during a run fails the run with one line naming the
// file and what changed (size, modification time, inode: Input.Check),
// whatever the strategy: a read that ends short of the planned size, a
// byte found past it, or a fault (SIGBUS) reading a mapping of a file that
// shrank under it.

// Input is a run's file, opened once, and what it was when opened.
type Input struct {
	Path string
	File *os.File
	Size int64 // the planned size: fstat's size at open
	at   fileStamp
}

// fileStamp is what Check compares: any write, truncation or replacement
// changes one of these.
type fileStamp struct {
	dev, ino     uint64
	size         int64
	mtime, ctime unix.Timespec
}

func stampOf(st *unix.Stat_t) fileStamp {
	return fileStamp{dev: uint64(st.Dev), ino: st.Ino, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}
}

// pseudoFS are the file systems whose files' sizes say nothing of what a
// read returns (0 or 4096 bytes for any content).
var pseudoFS = map[int64]string{
	unix.PROC_SUPER_MAGIC: "proc", unix.SYSFS_MAGIC: "sysfs", unix.DEBUGFS_MAGIC: "debugfs",
	unix.TRACEFS_MAGIC: "tracefs", unix.SECURITYFS_MAGIC: "securityfs", unix.CGROUP_SUPER_MAGIC: "cgroup",
	unix.CGROUP2_SUPER_MAGIC: "cgroup2", unix.PSTOREFS_MAGIC: "pstore", unix.EFIVARFS_MAGIC: "efivarfs",
	unix.BPF_FS_MAGIC: "bpf", unix.SELINUX_MAGIC: "selinuxfs", unix.BINFMTFS_MAGIC: "binfmt_misc",
}

// Policy is the reason every refusal gives.
const Policy = "fanbench measures regular files only, whose size is known before the run"

// Open opens path for a run under the input policy, or returns one
// line naming the file and why it cannot be measured.
func Open(path string) (*Input, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return nil, fmt.Errorf("file %s: %w", path, &os.PathError{Op: "stat", Path: path, Err: err})
	}
	if err := regular(path, &st); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", path, err)
	}
	in, err := openedInput(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return in, nil
}

// openedInput checks the opened file f under the policy.
func openedInput(path string, f *os.File) (*Input, error) {
	fd := int(f.Fd()) // Fd puts the descriptor back in blocking mode
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("file %s: fstat: %w", path, err)
	}
	if err := regular(path, &st); err != nil {
		return nil, err
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		return nil, fmt.Errorf("file %s: fstatfs: %w", path, err)
	}
	if name, ok := pseudoFS[int64(sfs.Type)]; ok {
		return nil, fmt.Errorf("file %s: on a %s file system, whose file sizes are not their contents: %s", path, name, Policy)
	}
	in := &Input{Path: path, File: f, Size: st.Size, at: stampOf(&st)}
	if err := in.pastEnd(); err != nil {
		return nil, fmt.Errorf("file %s: %w: %s", path, err, Policy)
	}
	return in, nil
}

// regular refuses what is not a regular file, naming what it is.
func regular(path string, st *unix.Stat_t) error {
	kind := ""
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		return nil
	case unix.S_IFIFO:
		kind = "a named pipe (FIFO)"
	case unix.S_IFCHR:
		kind = "a character device"
	case unix.S_IFBLK:
		kind = "a block device"
	case unix.S_IFSOCK:
		kind = "a socket"
	case unix.S_IFDIR:
		kind = "a directory"
	default:
		kind = fmt.Sprintf("not a regular file (mode %#o)", st.Mode&unix.S_IFMT)
	}
	return fmt.Errorf("file %s: %s: %s", path, kind, Policy)
}

// pastEnd reads one byte at the planned size: the file must end there.
func (in *Input) pastEnd() error {
	var b [1]byte
	n, err := in.File.ReadAt(b[:], in.Size)
	if n > 0 {
		return fmt.Errorf("holds more than the %d bytes its size says", in.Size)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read at %d: %w", in.Size, err)
	}
	return nil
}

// Close closes the file.
func (in *Input) Close() error { return in.File.Close() }

// Check reports, in one line naming the file, what has changed since it
// was opened: its size, its modification or change time, the file at its
// path (replaced), or bytes past the planned size; nil if nothing has.
func (in *Input) Check() error {
	var st unix.Stat_t
	if err := unix.Fstat(int(in.File.Fd()), &st); err != nil {
		return fmt.Errorf("file %s: fstat: %w", in.Path, err)
	}
	now := stampOf(&st)
	changed := func(what string, args ...any) error {
		return fmt.Errorf("file %s changed during the run: %s", in.Path, fmt.Sprintf(what, args...))
	}
	var pst unix.Stat_t
	if err := unix.Stat(in.Path, &pst); err != nil {
		return changed("%v", &os.PathError{Op: "stat", Path: in.Path, Err: err})
	}
	switch p := stampOf(&pst); {
	case p.dev != in.at.dev || p.ino != in.at.ino:
		return changed("replaced (inode %d → %d)", in.at.ino, p.ino)
	case now.size != in.at.size:
		return changed("size %d → %d bytes", in.at.size, now.size)
	case now.mtime != in.at.mtime:
		return changed("modified (mtime %s → %s)", timespec(in.at.mtime), timespec(now.mtime))
	case now.ctime != in.at.ctime:
		return changed("inode changed (ctime %s → %s)", timespec(in.at.ctime), timespec(now.ctime))
	}
	if err := in.pastEnd(); err != nil {
		return changed("%v", err)
	}
	return nil
}

func timespec(t unix.Timespec) string { return fmt.Sprintf("%d.%09d", t.Sec, t.Nsec) }

// End is the last step of every strategy: if the file changed during the
// run, that is the run's error (it explains a failure too: a short read,
// a fault); else err, which may be nil.
func (in *Input) End(name string, err error) error {
	if cerr := in.Check(); cerr != nil {
		if err != nil && !strings.Contains(oneLine(err), "changed during the run") {
			return fmt.Errorf("%s: %w (%s)", name, cerr, oneLine(err))
		}
		return fmt.Errorf("%s: %w", name, cerr)
	}
	return err
}

// oneLine is err's message on one line: a worker's failure (child.failure)
// with the last line of its stderr tail only.
func oneLine(err error) string {
	head, tail, _ := strings.Cut(err.Error(), "\n")
	if h, ok := strings.CutSuffix(head, "; stderr tail:"); ok {
		lines := strings.Split(strings.TrimSpace(tail), "\n")
		return h + ": " + lines[len(lines)-1]
	}
	return head
}

// Reader reads the file sequentially from its start, exactly Size bytes:
// io.EOF at the planned size, and an error naming the file if it ends
// before.
func (in *Input) Reader() io.Reader { return &plannedReader{in: in} }

type plannedReader struct {
	in  *Input
	off int64
}

func (r *plannedReader) Read(p []byte) (int, error) {
	left := r.in.Size - r.off
	if left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), left)]
	n, err := r.in.File.ReadAt(p, r.off)
	r.off += int64(n)
	if n < len(p) {
		if err == nil || errors.Is(err, io.EOF) {
			return n, fmt.Errorf("file %s: read ended at byte %d of the planned %d", r.in.Path, r.off, r.in.Size)
		}
		return n, fmt.Errorf("file %s: read at %d: %w", r.in.Path, r.off, err)
	}
	return n, nil
}

// OnFault runs f with faults on memory (SIGBUS on a mapping whose file
// shrank, SIGSEGV) turned into an error naming what (a mapping of the
// file, or memory) was being read, instead of a crash. It may be used on
// any goroutine: debug.SetPanicOnFault is per goroutine, and is restored.
func OnFault(what string, data []byte, f func()) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		fe, ok := r.(interface{ Addr() uintptr })
		if !ok {
			panic(r)
		}
		err = faultError(what, fe.Addr(), data)
	}()
	f()
	return nil
}

// faultError names a fault at addr: inside data (a read-only mapping of a
// file, where only a page past the file's end faults) it is a SIGBUS at a
// byte of data; elsewhere a SIGSEGV or SIGBUS at an address.
func faultError(what string, addr uintptr, data []byte) error {
	if len(data) > 0 {
		base := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		if addr >= base && addr < base+uintptr(len(data)) {
			return fmt.Errorf("SIGBUS reading %s at byte %d", what, addr-base)
		}
	}
	return fmt.Errorf("memory fault (SIGSEGV or SIGBUS) reading %s at address %#x", what, addr)
}
