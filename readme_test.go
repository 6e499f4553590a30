package fanbench

import (
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/testenv"
)

// TestREADMEExample: the workload the README shows under "Your own
// workload", between its markers, is a complete, gofmt'ed program. It is
// built in a module of its own that requires this one through a replace
// directive, and the binary's exec, run on a file whose answer is worked
// out by hand, writes that answer in both modes (with --verify: the
// example's partials agree with its own Reference). The build needs the
// module cache this module's build filled (GOPROXY=off: no network) and
// takes seconds: -short checks the block and its format only; make
// test-long (CI) builds and runs it.
func TestREADMEExample(t *testing.T) {
	block := testenv.READMESection(t, "README.md", "<!-- example: built by TestREADMEExample (readme_test.go) -->\n", "<!-- end of example -->\n")
	src, ok := strings.CutPrefix(block, "```go\n")
	src, ok2 := strings.CutSuffix(src, "```\n")
	if !ok || !ok2 || !strings.Contains(src, "package main") {
		t.Fatalf("README.md's example is not one ```go block of a main package:\n%s", block)
	}
	if formatted, err := format.Source([]byte(src)); err != nil {
		t.Fatalf("README.md's example: %v", err)
	} else if string(formatted) != src {
		t.Errorf("README.md's example is not gofmt'ed; gofmt gives:\n%s", formatted)
	}
	if testing.Short() {
		t.Skip("builds a Go module (seconds); make test-long runs it")
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	// Four lines, the longest 4 bytes, the last without a newline.
	input := "ab\n\ncdef\ng"
	// A user's program in a module of its own: the one test here that
	// needs go build (testenv.Build).
	dir, _, env := testenv.ExternalModule(t, root, "example.com/linelen", map[string]string{"main.go": src, "input.txt": input})
	bin := testenv.Build(t, dir, ".", env, filepath.Join(dir, "linelen"))
	const want = "4 lines, longest 4 bytes\n"
	for _, mode := range []string{"goroutine", "process"} {
		answer := filepath.Join(dir, "answer-"+mode+".txt")
		cmd := exec.Command(bin, "exec", "--strategy", "ranges", "--workload", "linelen", "--workers", "2",
			"--mode", mode, "--verify", "--answer-out", answer, filepath.Join(dir, "input.txt"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s mode: %v: %v\n%s", mode, cmd.Args, err, out)
		}
		got, err := os.ReadFile(answer)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s mode: the example's answer is %q, want %q", mode, got, want)
		}
	}
}
