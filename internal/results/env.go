package results

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/mem"
	"golang.org/x/perf/benchfmt"
)

// Environment describes the machine and settings a set of results was
// measured under: env.json, and the configuration lines of results.bench.
// A figure that could not be obtained is left empty and explained in
// Warnings.
type Environment struct {
	// Time is when the environment was recorded.
	Time time.Time `json:"time"`
	// Hostname is the machine's host name.
	Hostname string `json:"hostname"`
	// Experiment names the experiment spec the results belong to, when the
	// caller sets it.
	Experiment string `json:"experiment,omitempty"`
	// Seed is the seed of the shuffled run order, when the caller sets it;
	// nil means the order was not shuffled from a seed.
	Seed *int64 `json:"seed,omitempty"`

	// GoVersion is the Go toolchain that built the recording binary.
	GoVersion string `json:"go_version"`
	// GOOS is the operating system the binary was built for.
	GOOS string `json:"goos"`
	// GOARCH is the architecture the binary was built for.
	GOARCH string `json:"goarch"`
	// GOGC is the GOGC environment variable as set; empty means unset (100).
	GOGC string `json:"gogc,omitempty"`
	// GOMEMLIMIT is the GOMEMLIMIT environment variable as set; empty means
	// unset (no limit).
	GOMEMLIMIT string `json:"gomemlimit,omitempty"`
	// GOMAXPROCSEnv is the GOMAXPROCS environment variable as set; empty
	// means unset.
	GOMAXPROCSEnv string `json:"gomaxprocs_env,omitempty"`
	// GOMAXPROCS is the effective GOMAXPROCS of the recording process, which
	// also reflects CPU affinity and cgroup CPU limits.
	GOMAXPROCS int `json:"gomaxprocs"`
	// NumCPU is the number of CPUs the recording process may run on.
	NumCPU int `json:"num_cpu"`

	// Kernel is the kernel name, release and version (uname -srv).
	Kernel string `json:"kernel"`
	// Machine is the hardware name (uname -m).
	Machine string `json:"machine,omitempty"`
	// CPUModel is the CPU model name.
	CPUModel string `json:"cpu_model"`
	// CPUCores is the number of physical cores.
	CPUCores int `json:"cpu_cores"`
	// CPUThreads is the number of logical CPUs (hardware threads).
	CPUThreads int `json:"cpu_threads"`
	// MemTotal is the machine's physical memory, in bytes.
	MemTotal uint64 `json:"mem_total"`
	// MemAvailable is the memory available for new work when the
	// environment was recorded, in bytes (MemAvailable of /proc/meminfo).
	MemAvailable uint64 `json:"mem_available"`
	// THP is the transparent huge page mode: always, madvise or never.
	THP string `json:"thp,omitempty"`

	// Fixtures describes the fixture files the results were measured on.
	Fixtures []FixtureEnv `json:"fixtures,omitempty"`

	// Commit is the fanbench source revision, with "-dirty" appended when
	// the work tree had uncommitted changes.
	Commit string `json:"commit,omitempty"`
	// CommitSource says where Commit came from: "git" (git rev-parse in the
	// working directory) or "buildinfo" (the binary's embedded VCS stamp).
	CommitSource string `json:"commit_source,omitempty"`

	// Warnings lists the figures that could not be collected, and why.
	Warnings []string `json:"warnings,omitempty"`
}

// FixtureEnv describes one fixture file and the file system it is on.
type FixtureEnv struct {
	// Path is the fixture's path as given.
	Path string `json:"path"`
	// Size is the file's size in bytes.
	Size int64 `json:"size"`
	// FSType is the type of the file system holding the file (ext4, xfs,
	// tmpfs, ...), from statfs.
	FSType string `json:"fs_type"`
	// Checksum is the fixture's checksum as the fixture package records it;
	// CollectEnvironment leaves it for the caller to fill in.
	Checksum string `json:"checksum,omitempty"`
	// Input is the name of a user's own input file (the input=NAME of its
	// cells); empty for a generated fixture.
	Input string `json:"input,omitempty"`
}

// CollectEnvironment records the environment of the current process and
// machine, and the file system of each fixture path. It never fails: what it
// cannot learn it leaves empty and explains in Warnings.
func CollectEnvironment(fixturePaths ...string) Environment {
	e := Environment{
		Time:          time.Now(),
		GoVersion:     runtime.Version(),
		GOOS:          runtime.GOOS,
		GOARCH:        runtime.GOARCH,
		GOGC:          os.Getenv("GOGC"),
		GOMEMLIMIT:    os.Getenv("GOMEMLIMIT"),
		GOMAXPROCSEnv: os.Getenv("GOMAXPROCS"),
		GOMAXPROCS:    runtime.GOMAXPROCS(0),
		NumCPU:        runtime.NumCPU(),
	}
	warn := func(format string, args ...any) { e.Warnings = append(e.Warnings, fmt.Sprintf(format, args...)) }

	var err error
	if e.Hostname, err = os.Hostname(); err != nil {
		warn("hostname: %v", err)
	}
	if e.Kernel, e.Machine, err = uname(); err != nil {
		warn("kernel: %v", err)
	}
	if infos, err := cpu.Info(); err != nil || len(infos) == 0 {
		warn("cpu model: %v", orNone(err, "no CPU reported"))
	} else {
		e.CPUModel = strings.TrimSpace(infos[0].ModelName)
	}
	if e.CPUCores, err = cpu.Counts(false); err != nil {
		warn("cpu cores: %v", err)
	}
	if e.CPUThreads, err = cpu.Counts(true); err != nil {
		warn("cpu threads: %v", err)
	}
	if vm, err := mem.VirtualMemory(); err != nil {
		warn("memory: %v", err)
	} else {
		e.MemTotal, e.MemAvailable = vm.Total, vm.Available
	}
	if e.THP, err = readTHP("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		warn("transparent huge pages: %v", err)
	}
	for _, p := range fixturePaths {
		fx := FixtureEnv{Path: p}
		if st, err := os.Stat(p); err != nil {
			warn("fixture: %v", err)
		} else {
			fx.Size = st.Size()
		}
		if fx.FSType, err = fsType(p); err != nil {
			warn("fixture %s file system: %v", p, err)
		}
		e.Fixtures = append(e.Fixtures, fx)
	}
	e.Commit, e.CommitSource, err = commit()
	if err != nil {
		warn("commit: %v", err)
	}
	return e
}

func orNone(err error, alt string) any {
	if err != nil {
		return err
	}
	return alt
}

// readTHP returns the selected (bracketed) mode of a transparent_hugepage
// setting file such as "always [madvise] never".
func readTHP(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return parseTHP(string(b))
}

func parseTHP(s string) (string, error) {
	i := strings.IndexByte(s, '[')
	j := strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return "", fmt.Errorf("no bracketed mode in %q", strings.TrimSpace(s))
	}
	return s[i+1 : j], nil
}

// commit returns the source revision: from git in the working directory if
// that works, else from the binary's build information.
func commit() (rev, source string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, gitErr := exec.CommandContext(ctx, "git", "rev-parse", "HEAD").Output()
	if gitErr == nil {
		rev = strings.TrimSpace(string(out))
		status, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output()
		if err == nil && len(bytes.TrimSpace(status)) > 0 {
			rev += "-dirty"
		}
		return rev, "git", nil
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" {
			if modified {
				rev += "-dirty"
			}
			return rev, "buildinfo", nil
		}
	}
	return "", "", fmt.Errorf("git rev-parse HEAD failed (%v) and the binary has no vcs.revision", gitErr)
}

// WriteEnv writes env to path as indented JSON, atomically: readers see the
// old file or the new one, never a mix.
func WriteEnv(path string, env Environment) error {
	if err := writeJSONAtomic(path, env); err != nil {
		return fmt.Errorf("write environment: %w", err)
	}
	return nil
}

// ReadEnv reads an environment record written by WriteEnv.
func ReadEnv(path string) (Environment, error) {
	var e Environment
	if err := readJSON(path, &e); err != nil {
		return Environment{}, fmt.Errorf("read environment: %w", err)
	}
	return e, nil
}

// benchConfig returns the environment as results.bench file configuration,
// in a fixed key order. Empty figures are left out.
func (e Environment) benchConfig() []benchfmt.Config {
	var cfg []benchfmt.Config
	add := func(key, val string) {
		val = strings.TrimSpace(oneLine(val))
		if val != "" {
			cfg = append(cfg, benchfmt.Config{Key: key, Value: []byte(val), File: true})
		}
	}
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	add("goos", e.GOOS)
	add("goarch", e.GOARCH)
	add("cpu", e.CPUModel)
	add("cores", num(e.CPUCores))
	add("threads", num(e.CPUThreads))
	add("go", e.GoVersion)
	add("kernel", e.Kernel)
	add("commit", e.Commit)
	add("gogc", e.GOGC)
	add("gomemlimit", e.GOMEMLIMIT)
	add("gomaxprocs", num(e.GOMAXPROCS))
	if e.MemTotal > 0 {
		add("memtotal", strconv.FormatUint(e.MemTotal, 10))
	}
	add("thp", e.THP)
	var fs []string
	for _, f := range e.Fixtures {
		if f.FSType != "" && !slices.Contains(fs, f.FSType) {
			fs = append(fs, f.FSType)
		}
	}
	add("fs", strings.Join(fs, ","))
	add("experiment", e.Experiment)
	if e.Seed != nil {
		add("seed", strconv.FormatInt(*e.Seed, 10))
	}
	if !e.Time.IsZero() {
		add("date", e.Time.UTC().Format(time.RFC3339))
	}
	return cfg
}

// writeJSONAtomic writes v as indented JSON to a temporary file in path's
// directory, syncs it, and renames it over path.
func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	data = append(data, '\n')
	return writeFileAtomic(path, data)
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
