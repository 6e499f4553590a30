package strategy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/fanbench/fanbench/internal/input"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/split"
	"golang.org/x/sys/unix"
)

// shmProcess is shm's process form: the parent copies the file once into a
// memfd (read into a buf-sized buffer, write into the memfd, so the parent
// never maps the pages and its RSS stays small), seals it against writes
// and size changes, and passes it to every child as fd 3 (ExtraFiles). Each
// child maps it PROT_READ, MAP_SHARED and scans its newline-aligned range.
// One copy in RAM however many workers: the pages are shmem, in the
// children's RssShmem as they touch them and split between them by PSS.
// The parent holds the memfd until after AtPeak.
func shmProcess(j Job) (Result, error) {
	const name = "shm"
	in, start, err := openProcessInput(name, j)
	if err != nil {
		return Result{}, err
	}
	defer in.Close()
	mf, err := inputToMemfd(in, j.Knobs.BufSize)
	if err != nil {
		return Result{}, in.End(name, fmt.Errorf("%s: %w", name, err))
	}
	defer mf.Close()
	size := in.Size
	rs, err := split.File(mf, size, j.Workers)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", name, err)
	}
	specs := make([]childSpec, j.Workers)
	for i, r := range rs {
		specs[i] = childSpec{files: []*os.File{mf}, args: workerArgs(roleMemfd, j, i, "--fd", "3",
			"--size", itoa64(size), "--off", itoa64(r.Off), "--len", itoa64(r.Len))}
	}
	pr, err := runCollected(name, j, specs, nil, size, map[string]float64{results.UnitCopyB: float64(size)})
	return pr.result(name, j, in, time.Since(start), err) // mf is closed after AtPeak
}

// inputToMemfd copies the input (its planned size) into a new sealed
// memfd through a buffer of bufSize bytes and returns the memfd
// (close-on-exec; ExtraFiles clears that in the children).
func inputToMemfd(in *input.Input, bufSize int) (*os.File, error) {
	fd, err := unix.MemfdCreate("fanbench-shm", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	mf := os.NewFile(uintptr(fd), "memfd:fanbench-shm")
	// Plain Read/Write loops: io.Copy would try copy_file_range and
	// sendfile, whose behaviour into tmpfs varies by kernel.
	src := in.Reader()
	buf := make([]byte, bufSize)
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, err := mf.Write(buf[:n]); err != nil {
				mf.Close()
				return nil, fmt.Errorf("write memfd: %w", err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			mf.Close()
			return nil, rerr
		}
	}
	seals := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(mf.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		mf.Close()
		return nil, fmt.Errorf("seal memfd: %w", err)
	}
	return mf, nil
}

// mapMemfd maps size bytes of fd read-only and shared; size 0 maps nothing.
func mapMemfd(fd int, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, nil, fmt.Errorf("fstat fd %d: %w", fd, err)
	}
	if st.Size != size {
		return nil, nil, fmt.Errorf("fd %d holds %d bytes, want %d", fd, st.Size, size)
	}
	data, err := unix.Mmap(fd, 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("mmap fd %d (%s bytes): %w", fd, strconv.FormatInt(size, 10), err)
	}
	return data, func() error { return unix.Munmap(data) }, nil
}
