package fanout_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/testenv"
)

// externalMain is a program outside this module that imports fanout and
// counts the lines of the file named by its argument with every strategy.
const externalMain = `package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/fanbench/fanbench/fanout"
)

func main() {
	for _, s := range fanout.Strategies() {
		var lines atomic.Int64
		_, err := fanout.Run(context.Background(), os.Args[1], fanout.Options{Strategy: s, Workers: 3, BufSize: 64},
			func(c fanout.Chunk) error {
				n := bytes.Count(c.Data, []byte{'\n'})
				if c.Data[len(c.Data)-1] != '\n' {
					n++
				}
				lines.Add(int64(n))
				return nil
			})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(s, lines.Load())
	}
}
`

// TestExternalModule: a Go module outside this one, which requires it
// through a replace directive, builds against the public package and gets
// the right line count from every strategy. It needs the module cache
// this module's build filled (GOPROXY=off: no network), and a build of
// its own: -short leaves it out; make test-long (CI) runs it.
func TestExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go module (seconds); make test-long runs it")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// 1000 lines of 8 bytes and a last one without a newline: 1001 lines.
	input := strings.Repeat("1234567\n", 1000) + "tail"
	dir, goBin, env := testenv.ExternalModule(t, root, "example.com/counter", map[string]string{"main.go": externalMain, "input.txt": input})
	cmd := exec.Command(goBin, "run", ".", filepath.Join(dir, "input.txt"))
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	want := "readall 1001\nranges 1001\nmmap 1001\nchan 1001\nshm 1001\n"
	if string(out) != want {
		t.Errorf("the external program printed\n%s\nwant\n%s", out, want)
	}
}
