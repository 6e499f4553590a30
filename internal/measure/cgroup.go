package measure

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/internal/results"
)

// Sources of a Cgroup.Peak figure, as recorded in results.TreePeak.Source
// (the metric catalogue's names).
const (
	SourceCgroupV2 = results.SourceCgroupV2
	SourceCgroupV1 = results.SourceCgroupV1
)

// closeTimeout bounds how long Close waits for killed processes to leave.
const closeTimeout = 5 * time.Second

// Cgroup is a memory cgroup made for one run, a child of the cgroup the
// current process is in. Every process placed in it (and every process those
// start) is charged to it, so Peak is the peak memory of the whole process
// tree, short peaks included. Close it when the run ends.
type Cgroup struct {
	path    string // the cgroup's directory
	parent  string // the directory of the cgroup we were made under
	version int    // 1 or 2

	mu     sync.Mutex
	fd     int // open dirfd for FD, or -1
	closed bool
}

// NewRunCgroup creates a fresh memory cgroup named name under the current
// process's memory cgroup. cgroup v2 is preferred when its memory controller
// is usable and the kernel has memory.peak (Linux ≥ 5.19); otherwise cgroup v1
// with memory.max_usage_in_bytes. A stale, empty cgroup of the same name (a
// crashed earlier run) is removed first. When neither works the error says,
// for each version, why not: no permission, no memory controller, the
// controller not enabled in the parent's cgroup.subtree_control, no
// memory.peak.
func NewRunCgroup(name string) (*Cgroup, error) {
	return newRunCgroup(NewFS(""), name)
}

func newRunCgroup(p FS, name string) (*Cgroup, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
		return nil, fmt.Errorf("new run cgroup: bad name %q", name)
	}
	cgFile := p.path("self", "cgroup")
	cgData, err := os.ReadFile(cgFile)
	if err != nil {
		return nil, fmt.Errorf("new run cgroup: read %s: %w", cgFile, err)
	}
	miFile := p.path("self", "mountinfo")
	miData, err := os.ReadFile(miFile)
	if err != nil {
		return nil, fmt.Errorf("new run cgroup: read %s: %w", miFile, err)
	}
	v2Dir, v1Dir, v2Why, v1Why := cgroupDirs(cgData, miData)
	if v2Dir != "" {
		cg, err := makeV2(v2Dir, name)
		if err == nil {
			return cg, nil
		}
		v2Why = err.Error()
	}
	if v1Dir != "" {
		cg, err := makeV1(v1Dir, name)
		if err == nil {
			return cg, nil
		}
		v1Why = err.Error()
	}
	return nil, fmt.Errorf("no memory cgroup could be made for %q: cgroup v2: %s; cgroup v1: %s", name, v2Why, v1Why)
}

// cgroupDirs finds the directories of the current process's cgroup v2 and
// v1-memory cgroups from the contents of /proc/self/cgroup and
// /proc/self/mountinfo. An empty dir comes with the reason it is missing.
func cgroupDirs(cgData, miData []byte) (v2Dir, v1Dir, v2Why, v1Why string) {
	v2Path, v1Path, haveV2, haveV1 := parseProcCgroup(cgData)
	mounts := parseMountinfo(miData)
	v2Why, v1Why = "this process has no cgroup v2 membership", "this process is in no v1 memory cgroup"
	if haveV2 {
		v2Why = "no cgroup2 filesystem is mounted"
		for _, m := range mounts {
			if m.fstype != "cgroup2" {
				continue
			}
			if d, ok := m.resolve(v2Path); ok {
				v2Dir, v2Why = d, ""
				break
			}
			v2Why = fmt.Sprintf("cgroup2 mount %s (root %s) does not contain this process's cgroup %s", m.point, m.root, v2Path)
		}
	}
	if haveV1 {
		v1Why = "no cgroup v1 memory hierarchy is mounted"
		for _, m := range mounts {
			if m.fstype != "cgroup" || !slices.Contains(m.superOpts, "memory") {
				continue
			}
			if d, ok := m.resolve(v1Path); ok {
				v1Dir, v1Why = d, ""
				break
			}
			v1Why = fmt.Sprintf("cgroup v1 memory mount %s (root %s) does not contain this process's cgroup %s", m.point, m.root, v1Path)
		}
	}
	return v2Dir, v1Dir, v2Why, v1Why
}

// parseProcCgroup reads /proc/PID/cgroup lines "ID:CONTROLLERS:PATH": the
// unified (v2) entry is "0::PATH"; the v1 memory entry lists "memory" among
// its controllers.
func parseProcCgroup(data []byte) (v2Path, v1Path string, haveV2, haveV1 bool) {
	for _, line := range strings.Split(string(data), "\n") {
		id, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		ctrls, path, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if id == "0" && ctrls == "" {
			v2Path, haveV2 = path, true
			continue
		}
		if slices.Contains(strings.Split(ctrls, ","), "memory") {
			v1Path, haveV1 = path, true
		}
	}
	return
}

type mountInfo struct {
	root, point, fstype string
	superOpts           []string
}

// resolve maps a cgroup path as /proc/self/cgroup shows it to a directory
// under this mount.
func (m mountInfo) resolve(cgPath string) (string, bool) {
	if m.root == "/" {
		return filepath.Join(m.point, cgPath), true
	}
	if cgPath == m.root || strings.HasPrefix(cgPath, m.root+"/") {
		return filepath.Join(m.point, strings.TrimPrefix(cgPath, m.root)), true
	}
	return "", false
}

// parseMountinfo parses /proc/PID/mountinfo lines:
// "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS".
func parseMountinfo(data []byte) []mountInfo {
	var out []mountInfo
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		sep := slices.Index(f, "-")
		if sep < 6 || len(f) < sep+4 {
			continue
		}
		out = append(out, mountInfo{
			root:      unescapeMount(f[3]),
			point:     unescapeMount(f[4]),
			fstype:    f[sep+1],
			superOpts: strings.Split(f[sep+3], ","),
		})
	}
	return out
}

// unescapeMount undoes mountinfo's octal escapes (\040 for space etc.).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// mkChild creates dir/name, first removing an empty stale one.
func mkChild(dir, name string) (string, error) {
	child := filepath.Join(dir, name)
	err := os.Mkdir(child, 0o755)
	if errors.Is(err, fs.ErrExist) {
		if rerr := unix.Rmdir(child); rerr != nil {
			return "", fmt.Errorf("%s already exists and cannot be removed (still in use?): %w", child, rerr)
		}
		err = os.Mkdir(child, 0o755)
	}
	if err != nil {
		return "", fmt.Errorf("mkdir %s: %w", child, err)
	}
	return child, nil
}

func makeV2(dir, name string) (*Cgroup, error) {
	ctrlFile := filepath.Join(dir, "cgroup.controllers")
	ctrl, err := os.ReadFile(ctrlFile)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", ctrlFile, err)
	}
	if !slices.Contains(strings.Fields(string(ctrl)), "memory") {
		return nil, fmt.Errorf("the memory controller is not available in %s (cgroup.controllers: %q); it is bound to a v1 hierarchy or not delegated", dir, strings.TrimSpace(string(ctrl)))
	}
	subFile := filepath.Join(dir, "cgroup.subtree_control")
	sub, err := os.ReadFile(subFile)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", subFile, err)
	}
	if !slices.Contains(strings.Fields(string(sub)), "memory") {
		if err := os.WriteFile(subFile, []byte("+memory"), 0); err != nil {
			return nil, fmt.Errorf("the memory controller is not enabled in %s and enabling it failed: %w (a v2 cgroup that holds processes cannot enable controllers for children: run the launcher in a delegated leaf, e.g. systemd-run --user --scope -p Delegate=yes)", subFile, err)
		}
	}
	child, err := mkChild(dir, name)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(child, "memory.peak")); err != nil {
		unix.Rmdir(child)
		return nil, fmt.Errorf("%s has no memory.peak (needs Linux ≥ 5.19): %w", child, err)
	}
	return &Cgroup{path: child, parent: dir, version: 2, fd: -1}, nil
}

func makeV1(dir, name string) (*Cgroup, error) {
	child, err := mkChild(dir, name)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(child, "memory.max_usage_in_bytes")); err != nil {
		unix.Rmdir(child)
		return nil, fmt.Errorf("%s is not a memory cgroup: %w", child, err)
	}
	return &Cgroup{path: child, parent: dir, version: 1, fd: -1}, nil
}

// Path returns the cgroup's directory, e.g.
// /sys/fs/cgroup/memory/parent/NAME.
func (c *Cgroup) Path() string { return c.path }

// Version returns the cgroup version in use: 1 or 2.
func (c *Cgroup) Version() int { return c.version }

// Source returns the label Peak attaches to its figure.
func (c *Cgroup) Source() string {
	if c.version == 2 {
		return SourceCgroupV2
	}
	return SourceCgroupV1
}

func (c *Cgroup) write(file, val string) error {
	name := filepath.Join(c.path, file)
	if err := os.WriteFile(name, []byte(val), 0); err != nil {
		return fmt.Errorf("write %q to %s: %w", val, name, err)
	}
	return nil
}

// AddPID moves process pid into the cgroup (writing cgroup.procs). Processes
// it starts afterwards are born in the cgroup. On v1, memory charged before
// the move stays with the old cgroup, so move a child as soon as it starts,
// or start it with Start.
func (c *Cgroup) AddPID(pid int) error {
	if pid == os.Getpid() {
		return fmt.Errorf("add pid %d to %s: refusing to move the calling process into a run cgroup (Close would kill it)", pid, c.path)
	}
	return c.write("cgroup.procs", strconv.Itoa(pid))
}

// Pids returns the pids of the processes now in the cgroup.
func (c *Cgroup) Pids() ([]int, error) {
	name := filepath.Join(c.path, "cgroup.procs")
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: bad pid %q", name, f)
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// Peak returns the highest memory charge the cgroup has seen since it was
// made, in bytes, and the label of where it came from: SourceCgroupV2
// (memory.peak) or SourceCgroupV1 (memory.max_usage_in_bytes). It counts
// anonymous memory and the page cache first touched by the cgroup's
// processes (v1 charges a file page to the cgroup that first faulted it).
func (c *Cgroup) Peak() (int64, string, error) {
	file := "memory.max_usage_in_bytes"
	if c.version == 2 {
		file = "memory.peak"
	}
	name := filepath.Join(c.path, file)
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, c.Source(), fmt.Errorf("read %s: %w", name, err)
	}
	v, err := strconv.ParseInt(string(bytes.TrimSpace(data)), 10, 64)
	if err != nil {
		return 0, c.Source(), fmt.Errorf("parse %s: %w", name, err)
	}
	return v, c.Source(), nil
}

// Usage returns the cgroup's current memory charge in bytes
// (memory.current on v2, memory.usage_in_bytes on v1).
func (c *Cgroup) Usage() (int64, error) {
	file := "memory.usage_in_bytes"
	if c.version == 2 {
		file = "memory.current"
	}
	name := filepath.Join(c.path, file)
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", name, err)
	}
	v, err := strconv.ParseInt(string(bytes.TrimSpace(data)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("parse %s: %w", name, err)
	}
	return v, nil
}

// SetLimit caps the cgroup's memory at bytes (memory.max on v2,
// memory.limit_in_bytes on v1); the kernel OOM-kills inside the cgroup when
// it cannot reclaim below the cap. bytes ≤ 0 removes the cap.
func (c *Cgroup) SetLimit(bytes int64) error {
	if c.version == 2 {
		v := "max"
		if bytes > 0 {
			v = strconv.FormatInt(bytes, 10)
		}
		return c.write("memory.max", v)
	}
	v := "-1"
	if bytes > 0 {
		v = strconv.FormatInt(bytes, 10)
	}
	return c.write("memory.limit_in_bytes", v)
}

// OOMKills returns how many times the OOM killer killed a process in the
// cgroup (the oom_kill count of memory.events on v2, of memory.oom_control
// on v1, which needs Linux ≥ 4.13).
func (c *Cgroup) OOMKills() (int64, error) {
	file, key := "memory.oom_control", "oom_kill"
	if c.version == 2 {
		file = "memory.events"
	}
	name := filepath.Join(c.path, file)
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", name, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == key {
			v, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse %s: %s: %w", name, key, err)
			}
			return v, nil
		}
	}
	return 0, fmt.Errorf("parse %s: no %s line", name, key)
}

// FD returns an open directory file descriptor of the cgroup, for starting a
// child directly inside it with
// syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd} (clone3
// CLONE_INTO_CGROUP). The Cgroup owns the descriptor and closes it in Close.
// Only cgroup v2 supports this; on v1 FD returns an error and the caller
// should AddPID right after starting the child, or use Start.
func (c *Cgroup) FD() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return -1, fmt.Errorf("cgroup %s: closed", c.path)
	}
	if c.version != 2 {
		return -1, fmt.Errorf("cgroup %s: starting a process directly in a cgroup (CLONE_INTO_CGROUP) needs cgroup v2; this is v1: use AddPID after start, or Start", c.path)
	}
	if c.fd < 0 {
		fd, err := unix.Open(c.path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("open %s: %w", c.path, err)
		}
		c.fd = fd
	}
	return c.fd, nil
}

// Start starts cmd with its process born inside the cgroup, so that all of
// its memory is charged here from the first page. On v2 it uses
// CLONE_INTO_CGROUP (see FD). On v1 it moves a locked OS thread into the
// cgroup (v1 allows per-thread membership), starts cmd from that thread so
// the child inherits the cgroup, and moves the thread back; a thread that
// cannot be moved back is discarded rather than reused. cmd.SysProcAttr is
// created if nil; other fields of it are kept.
func (c *Cgroup) Start(cmd *exec.Cmd) error {
	if c.version == 2 {
		fd, err := c.FD()
		if err != nil {
			return err
		}
		if cmd.SysProcAttr == nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{}
		}
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = fd
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start %s in cgroup %s: %w", cmd.Path, c.path, err)
		}
		return nil
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		tid := strconv.Itoa(unix.Gettid())
		if err := c.write("tasks", tid); err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		err := cmd.Start()
		if err != nil {
			err = fmt.Errorf("start %s in cgroup %s: %w", cmd.Path, c.path, err)
		}
		back := filepath.Join(c.parent, "tasks")
		if berr := os.WriteFile(back, []byte(tid), 0); berr == nil {
			runtime.UnlockOSThread()
		} // else: exit locked, so the runtime destroys this thread.
		errc <- err
	}()
	return <-errc
}

// Close kills every process left in the cgroup (SIGKILL to each pid in
// cgroup.procs, or cgroup.kill on v2), waits up to 5 s for it to empty, and
// removes the cgroup directory. Killed children of the caller still need
// reaping by the caller (exec.Cmd.Wait). Close is idempotent: later calls
// return nil.
func (c *Cgroup) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
	deadline := time.Now().Add(closeTimeout)
	killedV2 := false
	for {
		pids, err := c.Pids()
		if errors.Is(err, fs.ErrNotExist) {
			c.closed = true // already removed
			return nil
		}
		if err != nil {
			return fmt.Errorf("close cgroup: %w", err)
		}
		if len(pids) == 0 {
			err := unix.Rmdir(c.path)
			if err == nil || errors.Is(err, unix.ENOENT) {
				c.closed = true
				return nil
			}
			if !errors.Is(err, unix.EBUSY) || time.Now().After(deadline) {
				return fmt.Errorf("close cgroup: rmdir %s: %w", c.path, err)
			}
		} else {
			if slices.Contains(pids, os.Getpid()) {
				return fmt.Errorf("close cgroup %s: it holds the calling process %d; not killing it", c.path, os.Getpid())
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("close cgroup %s: %d processes still there %v after SIGKILL and %v", c.path, len(pids), pids, closeTimeout)
			}
			if c.version == 2 && !killedV2 {
				killedV2 = c.write("cgroup.kill", "1") == nil
			}
			if !killedV2 {
				for _, pid := range pids {
					unix.Kill(pid, unix.SIGKILL) // ESRCH: already gone
				}
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// runCgroupPrefix begins the name of every run cgroup RunCgroupName makes.
const runCgroupPrefix = "fanbench-"

// RunCgroupName names a run cgroup: "fanbench-HINT-NANOS-pPID", HINT cut
// to letters, digits and '-', PID the process that makes it (its owner),
// so that RemoveStaleRunCgroups can tell a crashed owner's leftovers from
// a live run's.
func RunCgroupName(hint string) string {
	var b strings.Builder
	b.WriteString(runCgroupPrefix)
	for _, r := range hint {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		}
		if b.Len() > 40 {
			break
		}
	}
	fmt.Fprintf(&b, "-%d-p%d", time.Now().UnixNano(), os.Getpid())
	return b.String()
}

// runCgroupOwner returns the owner pid a RunCgroupName name carries.
func runCgroupOwner(name string) (int, bool) {
	if !strings.HasPrefix(name, runCgroupPrefix) {
		return 0, false
	}
	i := strings.LastIndex(name, "-p")
	if i < 0 {
		return 0, false
	}
	pid, err := strconv.Atoi(name[i+2:])
	if err != nil || pid <= 0 || strconv.Itoa(pid) != name[i+2:] {
		return 0, false
	}
	return pid, true
}

// RemoveStaleRunCgroups removes the run cgroups (named by RunCgroupName)
// under the current process's memory cgroups whose owner process is gone:
// what a driver killed by SIGKILL leaves behind. Only empty ones can be
// removed; it returns the removed directories, and an error for the ones
// that could not be.
func RemoveStaleRunCgroups() ([]string, error) {
	return removeStaleRunCgroups(NewFS(""))
}

func removeStaleRunCgroups(p FS) ([]string, error) {
	cgData, err := os.ReadFile(p.path("self", "cgroup"))
	if err != nil {
		return nil, fmt.Errorf("stale run cgroups: %w", err)
	}
	miData, err := os.ReadFile(p.path("self", "mountinfo"))
	if err != nil {
		return nil, fmt.Errorf("stale run cgroups: %w", err)
	}
	v2Dir, v1Dir, _, _ := cgroupDirs(cgData, miData)
	var removed []string
	var errs []error
	for _, dir := range []string{v2Dir, v1Dir} {
		if dir == "" {
			continue
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue // not readable: nothing of ours can be there
		}
		for _, e := range ents {
			pid, ok := runCgroupOwner(e.Name())
			if !ok || !e.IsDir() || processAlive(pid) {
				continue
			}
			child := filepath.Join(dir, e.Name())
			if err := unix.Rmdir(child); err != nil {
				errs = append(errs, fmt.Errorf("stale run cgroup %s (owner pid %d gone): %w", child, pid, err))
				continue
			}
			removed = append(removed, child)
		}
	}
	return removed, errors.Join(errs...)
}

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
