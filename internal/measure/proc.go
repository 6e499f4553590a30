// Package measure holds fanbench's Linux measurement primitives: /proc
// parsing behind an injectable root (in the style of prometheus/procfs), Go
// runtime/metrics snapshots, wait4 resource usage, per-run memory cgroups for
// whole-tree peaks, an external memory sampler of a process tree, and
// page-cache control (residency, eviction, warming) for warm and cold runs.
//
// Everything here is Linux-specific. See docs/design.md, "Measurement
// rules", for why each figure is taken the way it is.
package measure

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/fanbench/fanbench/internal/results"
)

// DefaultProcRoot is where the proc filesystem is normally mounted.
const DefaultProcRoot = "/proc"

// FS is a view of a proc filesystem rooted at Root. Tests point Root at a
// fixture tree under testdata; production code uses NewFS("") or
// NewFS("/proc"). The zero value reads /proc.
type FS struct {
	// Root is the directory holding the per-process directories ("/proc").
	Root string
}

// NewFS returns an FS reading the proc filesystem at root; an empty root
// means DefaultProcRoot.
func NewFS(root string) FS {
	if root == "" {
		root = DefaultProcRoot
	}
	return FS{Root: root}
}

func (p FS) root() string {
	if p.Root == "" {
		return DefaultProcRoot
	}
	return p.Root
}

// path joins the root, a pid (a number or "self") and a file name.
func (p FS) path(pid string, elem ...string) string {
	return filepath.Join(append([]string{p.root(), pid}, elem...)...)
}

// Status is the memory part of /proc/PID/status, in bytes, plus the parent
// pid. Fields the kernel does not print for a process (kernel threads and
// zombies have no Vm* lines) are left 0.
type Status struct {
	PPid     int   // PPid: the parent's pid
	VmHWM    int64 // VmHWM: peak resident set size ("high-water mark"), reset by ResetPeak
	VmRSS    int64 // VmRSS: current resident set size (RssAnon+RssFile+RssShmem)
	RssAnon  int64 // RssAnon: resident anonymous memory (heap, stacks, private mappings)
	RssFile  int64 // RssFile: resident file-backed mappings (binary, mmapped files)
	RssShmem int64 // RssShmem: resident shared memory (shm, shared anonymous, tmpfs mappings)
}

// Rollup is the proportional part of /proc/PID/smaps_rollup, in bytes. PSS
// divides every shared page by the number of processes mapping it, so PSS
// summed over processes is the real total where RSS double counts. Kernels
// older than 5.7 lack the Pss_Anon/Pss_File/Pss_Shmem lines; those fields are
// then 0.
type Rollup struct {
	Rss      int64 // Rss: resident set size over all mappings
	Pss      int64 // Pss: proportional set size
	PssAnon  int64 // Pss_Anon: proportional anonymous memory
	PssFile  int64 // Pss_File: proportional file-backed memory
	PssShmem int64 // Pss_Shmem: proportional shared memory
}

// Status reads and parses /proc/PID/status; pid may be "self".
func (p FS) Status(pid string) (Status, error) {
	name := p.path(pid, "status")
	data, err := os.ReadFile(name)
	if err != nil {
		return Status{}, fmt.Errorf("read %s: %w", name, err)
	}
	return parseStatus(name, data)
}

// SmapsRollup reads and parses /proc/PID/smaps_rollup; pid may be "self".
// Reading it walks every mapping of the process: at GiB sizes it costs
// milliseconds, so sample it sparingly.
func (p FS) SmapsRollup(pid string) (Rollup, error) {
	name := p.path(pid, "smaps_rollup")
	data, err := os.ReadFile(name)
	if err != nil {
		return Rollup{}, fmt.Errorf("read %s: %w", name, err)
	}
	return parseRollup(name, data)
}

// StatmRSS returns the resident set size in bytes of process pid (a number
// or "self") from /proc/PID/statm: the resident page count times the page
// size. It is the cheapest RSS figure the kernel offers, meant for fast
// sampling.
func (p FS) StatmRSS(pid string) (int64, error) {
	name := p.path(pid, "statm")
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", name, err)
	}
	return parseStatm(name, data, int64(os.Getpagesize()))
}

// ResetPeak resets the peak resident set size (VmHWM) of process pid by
// writing "5" to /proc/PID/clear_refs. Afterwards VmHWM equals the current
// VmRSS.
func (p FS) ResetPeak(pid string) error {
	name := p.path(pid, "clear_refs")
	f, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("reset peak: open %s: %w", name, err)
	}
	_, err = f.Write([]byte("5"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reset peak: write %s: %w", name, err)
	}
	return nil
}

// Memory returns process pid's own memory figures (a number or "self"):
// VmHWM, RssAnon, RssFile, RssShmem from status and Pss, Pss_Anon, Pss_File,
// Pss_Shmem from smaps_rollup.
func (p FS) Memory(pid string) (results.Memory, error) {
	st, err := p.Status(pid)
	if err != nil {
		return results.Memory{}, err
	}
	ro, err := p.SmapsRollup(pid)
	if err != nil {
		return results.Memory{}, err
	}
	return results.Memory{
		PeakRSS: st.VmHWM,
		RSSAnon: st.RssAnon,
		RSSFile: st.RssFile,
		RSSShm:  st.RssShmem,
		PSS:     ro.Pss,
		PSSAnon: ro.PssAnon,
		PSSFile: ro.PssFile,
		PSSShm:  ro.PssShmem,
	}, nil
}

// SelfMemory returns the calling process's own memory figures: Memory("self").
// Call it at the end of the measured work.
func (p FS) SelfMemory() (results.Memory, error) {
	return p.Memory("self")
}

// Children returns the pids of process pid's direct children, ascending. It
// reads /proc/PID/task/*/children (the union over all threads). Kernels
// built without CONFIG_PROC_CHILDREN have no such files; Children then finds
// the children by scanning the PPid of every process in /proc/*/stat. An
// error wrapping fs.ErrNotExist means the process is gone.
func (p FS) Children(pid int) ([]int, error) {
	kids, ok, err := p.childrenFiles(pid)
	if err != nil {
		return nil, err
	}
	if ok {
		return kids, nil
	}
	parents, err := p.parentMap()
	if err != nil {
		return nil, err
	}
	return parents[pid], nil
}

// Tree returns pid followed by all its descendants (children, grandchildren,
// ...) in breadth-first order. Descendants that exit while the tree is being
// walked are silently dropped; an error wrapping fs.ErrNotExist means pid
// itself does not exist.
func (p FS) Tree(pid int) ([]int, error) {
	kids, ok, err := p.childrenFiles(pid)
	if err != nil {
		return nil, err
	}
	out := []int{pid}
	if !ok {
		parents, err := p.parentMap()
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(out); i++ {
			for _, c := range parents[out[i]] {
				if !slices.Contains(out, c) { // guard against pid reuse loops
					out = append(out, c)
				}
			}
		}
		return out, nil
	}
	queue := kids
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if slices.Contains(out, c) {
			continue
		}
		out = append(out, c)
		grand, _, err := p.childrenFiles(c)
		if err != nil {
			continue // exited meanwhile
		}
		queue = append(queue, grand...)
	}
	return out, nil
}

// childrenFiles reads /proc/PID/task/*/children. ok is false when no thread
// has a children file (kernel without CONFIG_PROC_CHILDREN).
func (p FS) childrenFiles(pid int) (kids []int, ok bool, err error) {
	dir := p.path(strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", dir, err)
	}
	for _, t := range tasks {
		name := filepath.Join(dir, t.Name(), "children")
		data, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue // thread exited, or no CONFIG_PROC_CHILDREN
		}
		if err != nil {
			return nil, false, fmt.Errorf("read %s: %w", name, err)
		}
		ok = true
		for _, f := range strings.Fields(string(data)) {
			c, err := strconv.Atoi(f)
			if err != nil || c <= 0 {
				return nil, false, fmt.Errorf("parse %s: bad pid %q", name, f)
			}
			if !slices.Contains(kids, c) {
				kids = append(kids, c)
			}
		}
	}
	if !ok {
		// Tell "no children files" from "process gone while reading".
		if _, err := os.Stat(dir); err != nil {
			return nil, false, fmt.Errorf("read %s: %w", dir, err)
		}
	}
	slices.Sort(kids)
	return kids, ok, nil
}

// parentMap scans /proc/*/stat and maps each parent pid to its children,
// ascending. Processes that vanish during the scan are skipped.
func (p FS) parentMap() (map[int][]int, error) {
	ents, err := os.ReadDir(p.root())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p.root(), err)
	}
	m := make(map[int][]int)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		name := p.path(e.Name(), "stat")
		data, err := os.ReadFile(name)
		if err != nil {
			continue // exited, or a kernel thread we may not read
		}
		ppid, err := parseStatPPid(name, data)
		if err != nil {
			return nil, err
		}
		m[ppid] = append(m[ppid], pid)
	}
	for _, v := range m {
		slices.Sort(v)
	}
	return m, nil
}

// parseStatPPid extracts the parent pid (field 4) from /proc/PID/stat. The
// command name in field 2 may hold spaces and parentheses, so parsing starts
// after the last ')'.
func parseStatPPid(name string, data []byte) (int, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse %s: no ')' after the command name", name)
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 2 {
		return 0, fmt.Errorf("parse %s: too few fields", name)
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil || ppid < 0 {
		return 0, fmt.Errorf("parse %s: bad ppid %q", name, f[1])
	}
	return ppid, nil
}

// parseKB parses the value of a "Key: N kB" line into bytes. A value without
// unit is returned as is.
func parseKB(name, key string, fields []string) (int64, error) {
	if len(fields) < 1 || len(fields) > 2 {
		return 0, fmt.Errorf("parse %s: %s: want \"N kB\", got %q", name, key, strings.Join(fields, " "))
	}
	v, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("parse %s: %s: bad number %q", name, key, fields[0])
	}
	if len(fields) == 1 {
		return v, nil
	}
	if fields[1] != "kB" {
		return 0, fmt.Errorf("parse %s: %s: unknown unit %q", name, key, fields[1])
	}
	if v > math.MaxInt64/1024 {
		return 0, fmt.Errorf("parse %s: %s: %d kB overflows", name, key, v)
	}
	return v * 1024, nil
}

// parseStatus parses the text of a /proc/PID/status file named name.
func parseStatus(name string, data []byte) (Status, error) {
	var s Status
	havePPid := false
	for n, line := range strings.Split(string(data), "\n") {
		if line == "" {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return Status{}, fmt.Errorf("parse %s:%d: no ':' in %q", name, n+1, line)
		}
		var dst *int64
		switch key {
		case "PPid":
			f := strings.Fields(val)
			if len(f) != 1 {
				return Status{}, fmt.Errorf("parse %s:%d: PPid: want one number, got %q", name, n+1, val)
			}
			v, err := strconv.Atoi(f[0])
			if err != nil || v < 0 {
				return Status{}, fmt.Errorf("parse %s:%d: PPid: bad number %q", name, n+1, f[0])
			}
			s.PPid, havePPid = v, true
			continue
		case "VmHWM":
			dst = &s.VmHWM
		case "VmRSS":
			dst = &s.VmRSS
		case "RssAnon":
			dst = &s.RssAnon
		case "RssFile":
			dst = &s.RssFile
		case "RssShmem":
			dst = &s.RssShmem
		default:
			continue
		}
		v, err := parseKB(name, key, strings.Fields(val))
		if err != nil {
			return Status{}, err
		}
		*dst = v
	}
	if !havePPid {
		return Status{}, fmt.Errorf("parse %s: no PPid line: not a status file", name)
	}
	return s, nil
}

// parseRollup parses the text of a /proc/PID/smaps_rollup file named name.
func parseRollup(name string, data []byte) (Rollup, error) {
	var r Rollup
	haveRss, havePss := false, false
	for n, line := range strings.Split(string(data), "\n") {
		if line == "" || (n == 0 && strings.HasSuffix(strings.TrimSpace(line), "[rollup]")) {
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return Rollup{}, fmt.Errorf("parse %s:%d: no ':' in %q", name, n+1, line)
		}
		var dst *int64
		switch key {
		case "Rss":
			dst, haveRss = &r.Rss, true
		case "Pss":
			dst, havePss = &r.Pss, true
		case "Pss_Anon":
			dst = &r.PssAnon
		case "Pss_File":
			dst = &r.PssFile
		case "Pss_Shmem":
			dst = &r.PssShmem
		default:
			continue
		}
		v, err := parseKB(name, key, strings.Fields(val))
		if err != nil {
			return Rollup{}, err
		}
		*dst = v
	}
	if !haveRss || !havePss {
		return Rollup{}, fmt.Errorf("parse %s: no Rss/Pss lines: not a smaps_rollup file", name)
	}
	return r, nil
}

// parseStatm parses /proc/PID/statm ("size resident shared text lib data
// dt", in pages) and returns resident*pageSize.
func parseStatm(name string, data []byte, pageSize int64) (int64, error) {
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0, fmt.Errorf("parse %s: want at least 2 fields, got %d", name, len(f))
	}
	v, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("parse %s: bad resident page count %q", name, f[1])
	}
	if v > math.MaxInt64/pageSize {
		return 0, fmt.Errorf("parse %s: %d pages overflows", name, v)
	}
	return v * pageSize, nil
}
