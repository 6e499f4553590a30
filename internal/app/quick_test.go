package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestRunQuickUsageErrors: quick mode's mistakes (a spec mixed with data
// files, a data-file flag given with a spec, a data file that is missing,
// a folder or empty, a bad list) exit 2 with one line naming the file or
// the flag, and write nothing.
func TestRunQuickUsageErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(data, []byte("a;1.0\nb;2.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join("..", "..", "experiments", "ci.toml")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"spec and data", []string{spec, data}, "fanbench run: " + spec + " is a spec (.toml) and " + data + " a data file: give one spec, or data files alone\n"},
		{"two specs", []string{spec, spec}, "fanbench run: want one spec file (.toml), data files, or --resume RESULTS_DIR alone\n"},
		{"data-file flag with a spec", []string{"--workers", "1", spec}, "fanbench run: flag -workers: for data files, not a spec (a spec's [[matrix]] lists them)\n"},
		{"missing", []string{filepath.Join(dir, "absent.txt")}, "fanbench run: data file " + filepath.Join(dir, "absent.txt") + ": no such file or directory\n"},
		{"folder", []string{dir}, "fanbench run: data file " + dir + ": a directory (give files; a results folder is resumed with --resume)\n"},
		{"empty", []string{empty}, "fanbench run: data file " + empty + ": empty\n"},
		{"strategy", []string{"--strategies", "readall,bogus", data}, `fanbench run: flag -strategies: unknown strategy "bogus" (want one of readall, ranges, mmap, chan, shm, ceiling, pread)` + "\n"},
		{"workers not a number", []string{"--workers", "2,many", data}, `fanbench run: flag -workers: "many" is not a whole number` + "\n"},
		{"no workers", []string{"--workers", "0", data}, "fanbench run: flag -workers: 0, want at least 1\n"},
		{"mode", []string{"--modes", "thread", data}, `fanbench run: flag -modes: "thread", want goroutine or process` + "\n"},
		{"workload", []string{"--workloads", "cnt", data}, `fanbench run: flag -workloads: unknown workload "cnt" (want one of count, none, parse)` + "\n"},
		{"reps", []string{"--reps", "99999", data}, "fanbench run: flag -reps: 99999, want at most 10000 per cell\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{"run", "--results", root, "--fixtures", filepath.Join(root, "fx")}, tt.args...)
			if status := Run(&stdout, &stderr, args); status != 2 {
				t.Errorf("exit status %d, want 2", status)
			}
			if stderr.String() != tt.stderr || stdout.Len() != 0 {
				t.Errorf("stderr\n got %q\nwant %q (stdout %q)", stderr.String(), tt.stderr, stdout.String())
			}
			if ents, _ := os.ReadDir(root); len(ents) != 0 {
				t.Errorf("results root not empty: %v", ents)
			}
		})
	}
}
