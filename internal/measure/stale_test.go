package measure

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// TestRunCgroupName: the name carries its maker's pid, which
// runCgroupOwner reads back; names of other shapes have no owner.
func TestRunCgroupName(t *testing.T) {
	n := RunCgroupName("a/b c-d")
	if pid, ok := runCgroupOwner(n); !ok || pid != os.Getpid() {
		t.Errorf("runCgroupOwner(%q) = %d, %v; want %d", n, pid, ok, os.Getpid())
	}
	for _, name := range []string{"fanbench-x-123", "fanbench-x-1-p", "fanbench-x-1-p12x", "fanbench-x-1-p012", "other-1-p12", "fanbench-x-1-p-5"} {
		if pid, ok := runCgroupOwner(name); ok {
			t.Errorf("runCgroupOwner(%q) = %d, want no owner", name, pid)
		}
	}
}

// TestRemoveStaleRunCgroups, on a fixture tree (a cgroup2 mount under a
// temporary folder): the run cgroup of a process that is gone is removed;
// this process's, an old-style name without an owner, and other folders
// are kept.
func TestRemoveStaleRunCgroups(t *testing.T) {
	tmp := t.TempDir()
	proc := filepath.Join(tmp, "proc")
	mount := filepath.Join(tmp, "cg")
	writeTree(t, proc, map[string]string{
		"self/cgroup":    "0::/user.slice/me\n",
		"self/mountinfo": "30 1 0:26 / " + mount + " rw,nosuid - cgroup2 cgroup2 rw\n",
	})
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	parent := filepath.Join(mount, "user.slice", "me")
	gone := "fanbench-ranges-1-p" + strconv.Itoa(dead.Process.Pid)
	kept := []string{"fanbench-mmap-2-p" + strconv.Itoa(os.Getpid()), "fanbench-old-3", "other"}
	for _, d := range append([]string{gone}, kept...) {
		if err := os.MkdirAll(filepath.Join(parent, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := removeStaleRunCgroups(NewFS(proc))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(parent, gone)}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	ents, _ := os.ReadDir(parent)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	slices.Sort(kept)
	if !slices.Equal(left, kept) {
		t.Errorf("left %v, want %v", left, kept)
	}
}

// writeTree writes files (path relative to root → content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
