package measure

import (
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Residency returns the fraction (0..1) of path's pages that are in the page
// cache now. It maps the file PROT_READ (which faults nothing in) and asks
// mincore. An empty file counts as fully resident (1.0).
func Residency(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("residency: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("residency: stat %s: %w", path, err)
	}
	size := fi.Size()
	if size == 0 {
		return 1, nil
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("residency: %s is not a regular file", path)
	}
	if int64(int(size)) != size {
		return 0, fmt.Errorf("residency: %s: size %d too large to map", path, size)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return 0, fmt.Errorf("residency: mmap %s: %w", path, err)
	}
	defer unix.Munmap(data)
	ps := int64(os.Getpagesize())
	pages := (size + ps - 1) / ps
	vec := make([]byte, pages)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE,
		uintptr(unsafe.Pointer(&data[0])), uintptr(len(data)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		return 0, fmt.Errorf("residency: mincore %s: %w", path, errno)
	}
	resident := 0
	for _, v := range vec {
		resident += int(v & 1)
	}
	return float64(resident) / float64(pages), nil
}

// Evict drops path's pages from the page cache for a cold run: it writes back
// dirty pages (fdatasync) and then advises the kernel it will not need the
// file (posix_fadvise FADV_DONTNEED over the whole file). Pages that other
// processes have mapped, or files on tmpfs, may stay resident: check with
// Residency.
func Evict(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("evict: %w", err)
	}
	defer f.Close()
	fd := int(f.Fd())
	if err := unix.Fdatasync(fd); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("evict: fdatasync %s: %w", path, err)
	}
	if err := unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("evict: fadvise DONTNEED %s: %w", path, err)
	}
	return nil
}

// Warm loads path into the page cache for a warm run: it advises
// FADV_WILLNEED (starting readahead) and then reads the whole file through a
// 1 MiB buffer, so on return every page has been read once.
func Warm(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("warm: %w", err)
	}
	defer f.Close()
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_WILLNEED); err != nil {
		return fmt.Errorf("warm: fadvise WILLNEED %s: %w", path, err)
	}
	buf := make([]byte, 1<<20)
	for {
		_, err := f.Read(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("warm: read %s: %w", path, err)
		}
	}
}

// IsTmpfs reports whether path lives on tmpfs, where page-cache pages are the
// file's only copy and Evict cannot drop them.
func IsTmpfs(path string) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false, fmt.Errorf("statfs %s: %w", path, err)
	}
	return st.Type == unix.TMPFS_MAGIC, nil
}
