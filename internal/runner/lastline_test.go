package runner

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLastLineNamesSignal: the reason recorded for a child that crashed
// names the signal: a Go runtime fault (testdata/sigbus.stderr is the
// stderr of a real SIGBUS under mmap, before exec caught it) keeps the
// runtime's signal line beside "fatal error: fault".
func TestLastLineNamesSignal(t *testing.T) {
	sigbus, err := os.ReadFile(filepath.Join("testdata", "sigbus.stderr"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, stderr, want string }{
		{"sigbus", string(sigbus), ": fatal error: fault [signal SIGBUS: bus error code=0x2 addr=0x7fd251550000 pc=0x5c125f]"},
		{"nil pointer", "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a]\n\ngoroutine 1 [running]:\nmain.main()\n",
			": panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a]"},
		{"panic", "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n", ": panic: boom"},
		{"one line", "fanbench exec: mmap: file f changed during the run: size 10 → 0 bytes\n", ": fanbench exec: mmap: file f changed during the run: size 10 → 0 bytes"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		if got := lastLine(c.stderr); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
