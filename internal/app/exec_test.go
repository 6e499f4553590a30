package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestExecRefusals: exec refuses, before allocating anything, in one line
// naming the flag, what would exhaust memory (bounds of the knobs and the
// worker count; the memory guard's estimate over 80% of MemAvailable,
// values chosen to exceed any machine this runs on), and what the input
// policy does not measure (a FIFO, with --verify, never blocks).
func TestExecRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(file, []byte("a;1.0\nb;2.0\nc;3.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	guard := "fanbench exec: memory guard: estimated peak "
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string // prefix of the one line
		names  string // what the line must name
	}{
		{"workers", []string{"--strategy", "ranges", "--workers", "100000", file}, 2, "fanbench exec: flag -workers: 100000, want at most 4096", ""},
		{"buf", []string{"--strategy", "ranges", "--buf", "1TiB", file}, 2, "fanbench exec: knob buf: 1099511627776 bytes is over the maximum of 1GiB", ""},
		{"chancap", []string{"--strategy", "chan", "--chancap", "100000000000", file}, 2, "fanbench exec: knob chancap: 100000000000 is over the maximum of 1048576", ""},
		{"spike", []string{"--strategy", "mmap", "--spike", "4TiB", file}, 1, guard, "spike 4TiB"},
		{"workers × buf", []string{"--strategy", "ranges", "--workers", "4096", "--buf", "1GiB", file}, 1, guard, "workers 4096 × (buf 1GiB + maxline 1MiB)"},
		{"chancap × buf", []string{"--strategy", "chan", "--chancap", "1048576", "--buf", "1GiB", file}, 1, guard, "chancap 1048576"},
		{"process workers", []string{"--mode", "process", "--strategy", "mmap", "--workers", "4096", "--buf", "1GiB", file}, 1, guard, "(workers 4096 + 1) × 64MiB"},
		{"knob of the other mode", []string{"--mode", "process", "--strategy", "ranges", "--segment", "1MiB", file}, 2, "fanbench exec: flag -segment: knob segment does not apply to mode=process (it applies to goroutine mode only)", ""},
		{"negative min_time", []string{"--strategy", "mmap", "--min_time", "-1s", file}, 2, "fanbench exec: knob min_time: -1s is negative", ""},
		{"absurd min_time", []string{"--strategy", "mmap", "--min_time", "1000h", file}, 2, "fanbench exec: knob min_time: 1000h0m0s is over the maximum of 1m0s", ""},
		{"fifo", []string{"--strategy", "readall", "--verify", fifo}, 1, "fanbench exec: file " + fifo + ": a named pipe (FIFO): fanbench measures regular files only", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := Run(&stdout, &stderr, append([]string{"exec"}, tt.args...))
			line := stderr.String()
			if status != tt.status || !strings.HasPrefix(line, tt.stderr) || !strings.Contains(line, tt.names) || strings.Count(line, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d, one line %q… naming %q", status, line, tt.status, tt.stderr, tt.names)
			}
			if tt.status == 1 && tt.names != "" && !strings.Contains(line, "(use --force to run it)") {
				t.Errorf("stderr %q does not name --force", line)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

// TestExecOutputIsInput: an --answer-out or --profile output that is the
// input file (its own path, another path to it, a symlink or a hard link
// to it) is refused before the run, in one line naming the flag, exit 2,
// and the input is left whole; an output elsewhere is written.
func TestExecOutputIsInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "in.cpu.pprof") // a name --profile in would write
	data := strings.Repeat("a;1.0\nb;2.0\n", 1000)
	if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard")
	if err := os.Link(file, hard); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "answer.txt")
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string // the line's prefix ("": no line)
	}{
		{"answer-out the input", []string{"--answer-out", file}, 2, "fanbench exec: flag -answer-out: " + file + " is the input file " + file},
		{"answer-out another path to it", []string{"--answer-out", filepath.Join(dir, ".", "x", "..", "in.cpu.pprof")}, 2, "fanbench exec: flag -answer-out: "},
		{"answer-out a symlink to it", []string{"--answer-out", link}, 2, "fanbench exec: flag -answer-out: " + link + " is the input file " + file},
		{"answer-out a hard link to it", []string{"--answer-out", hard}, 2, "fanbench exec: flag -answer-out: " + hard + " is the input file " + file},
		{"profile writes the input", []string{"--profile", filepath.Join(dir, "in")}, 2, "fanbench exec: flag -profile: " + file + " is the input file " + file},
		{"answer-out elsewhere", []string{"--answer-out", other}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "answer-out another path to it" {
				if err := os.Mkdir(filepath.Join(dir, "x"), 0o755); err != nil && !os.IsExist(err) {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			status := Run(&stdout, &stderr, append(append([]string{"exec", "--strategy", "ranges", "--workload", "count"}, tt.args...), file))
			line := stderr.String()
			if status != tt.status || !strings.HasPrefix(line, tt.stderr) || (tt.stderr != "") != (strings.Count(line, "\n") == 1) || (tt.stderr == "" && line != "") {
				t.Errorf("exit %d, stderr %q; want exit %d, %q…", status, line, tt.status, tt.stderr)
			}
			if got, err := os.ReadFile(file); err != nil || string(got) != data {
				t.Errorf("input now %d bytes (%v), want its %d bytes unchanged", len(got), err, len(data))
			}
		})
	}
	if got, err := os.ReadFile(other); err != nil || string(got) != "2000 12000\n" {
		t.Errorf("answer-out elsewhere: %q, %v; want the count answer 2000 12000 and a newline", got, err)
	}
}
