package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpExitsZero: "fanbench CMD --help", "fanbench CMD -h" and
// "fanbench help CMD" print the command's usage and exit 0, for every
// public command.
func TestHelpExitsZero(t *testing.T) {
	for name := range commands {
		if name == "worker" { // internal: started by fanbench itself, not by people
			continue
		}
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				if status := Run(&stdout, &stderr, args); status != 0 {
					t.Errorf("exit status %d, want 0; stderr: %s", status, stderr.String())
				}
				if !strings.Contains(stdout.String()+stderr.String(), "usage: fanbench "+name) {
					t.Errorf("no usage of %s printed; stdout %q stderr %q", name, stdout.String(), stderr.String())
				}
				if strings.Contains(stderr.String(), "help requested") {
					t.Errorf("stderr reports help as an error: %q", stderr.String())
				}
			})
		}
	}
}

// TestFlagsAfterArguments: flags may follow the positional arguments.
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.txt")
	// 3 lines, 18 bytes.
	if err := os.WriteFile(file, []byte("a;1.0\nb;2.0\nc;3.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("exec", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		status := Run(&stdout, &stderr, []string{"exec", file, "--strategy", "ranges", "--workers", "2"})
		if status != 0 {
			t.Fatalf("exit status %d; stderr: %s", status, stderr.String())
		}
		var rep struct {
			Workers int
			Answer  struct{ Lines, Bytes int64 }
		}
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("%v: %s", err, stdout.String())
		}
		if rep.Workers != 2 || rep.Answer.Lines != 3 || rep.Answer.Bytes != 18 {
			t.Errorf("workers %d lines %d bytes %d, want 2 3 18; %s", rep.Workers, rep.Answer.Lines, rep.Answer.Bytes, stdout.String())
		}
	})
	t.Run("run", func(t *testing.T) {
		// The spec is rejected for its content, which shows that the flags
		// after it were taken as flags and the spec as the one argument.
		root := t.TempDir()
		var stdout, stderr bytes.Buffer
		status := Run(&stdout, &stderr, []string{"run", filepath.Join("testdata", "run", "bad-size.toml"),
			"--reps", "1", "--results", root, "--fixtures", filepath.Join(root, "fx")})
		want := "fanbench run: testdata/run/bad-size.toml:4: sizes: "
		if status != 2 || !strings.HasPrefix(stderr.String(), want) {
			t.Errorf("exit status %d, stderr %q; want 2 and prefix %q", status, stderr.String(), want)
		}
	})
}
