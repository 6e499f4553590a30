package app

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fanbench/fanbench/internal/runner"
)

// TestEveryCommandListsFlags: CMD --help prints, on stdout alone, the
// command's usage and every one of its flags, for every command.
func TestEveryCommandListsFlags(t *testing.T) {
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if status := Run(&stdout, &stderr, []string{name, "--help"}); status != 0 {
				t.Errorf("exit status %d, want 0", status)
			}
			out := stdout.String()
			if !strings.HasPrefix(out, "usage: fanbench "+name) || stderr.Len() != 0 {
				t.Errorf("stdout %q, stderr %q; want the usage on stdout alone", out, stderr.String())
			}
			if name != "version" && !strings.Contains(out, "\n  -") {
				t.Errorf("no flag listed:\n%s", out)
			}
		})
	}
}

// TestVersion: version and --version print one line with the module's
// version and VCS revision from the build information.
func TestVersion(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	settings := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "72245b8c0ffee"},
		{Key: "vcs.time", Value: "2026-12-06T20:00:00Z"}, {Key: "vcs.modified", Value: "true"}}
	tests := []struct {
		name string
		prog string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"fanbench at a revision", "fanbench", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Path: fanbenchModule, Version: "(devel)"}, Settings: settings},
			true, "fanbench, github.com/fanbench/fanbench (devel), revision 72245b8c0ffee (2026-12-06T20:00:00Z, modified), go1.99 " + platform},
		{"a release without VCS", "fanbench", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Path: fanbenchModule, Version: "v1.2.3"}},
			true, "fanbench, github.com/fanbench/fanbench v1.2.3, no VCS revision, go1.99 " + platform},
		{"a user's program", "wordfreq", &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Path: "example.com/wordfreq", Version: "v0.1.0"},
			Deps:     []*debug.Module{{Path: "golang.org/x/sys", Version: "v0.49.0"}, {Path: fanbenchModule, Version: "v1.2.3"}},
			Settings: settings[:2]},
			true, "wordfreq, example.com/wordfreq v0.1.0, on github.com/fanbench/fanbench v1.2.3, revision 72245b8c0ffee, go1.99 " + platform},
		{"no build information", "fanbench", nil, false,
			"fanbench: no build information (built without module support) " + runtime.Version() + " " + platform},
	}
	for _, tt := range tests {
		if got := versionLine(tt.prog, tt.bi, tt.ok); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	saved := readBuildInfo
	defer func() { readBuildInfo = saved }()
	readBuildInfo = func() (*debug.BuildInfo, bool) { return tests[0].bi, true }
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var stdout, stderr bytes.Buffer
		if status := Run(&stdout, &stderr, args); status != 0 || stdout.String() != tests[0].want+"\n" || stderr.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 0, %q", args, status, stdout.String(), stderr.String(), tests[0].want)
		}
	}
}

// TestPrintedCommandsQuoted: the commands fanbench prints for pasting (the
// benchstat hint, the resume hints) quote a path with a space.
func TestPrintedCommandsQuoted(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my results", "x")
	var stdout bytes.Buffer
	if err := runOutcome(&stdout, &runner.Totals{Dir: dir, Runs: 1}, false, false); err != nil {
		t.Fatal(err)
	}
	want := "compare strategies: go run golang.org/x/perf/cmd/benchstat -col /strategy '" + filepath.Join(dir, "results.bench") + "'\n"
	if !strings.HasSuffix(stdout.String(), want) {
		t.Errorf("benchstat hint:\n%s\nwant the last line %s", stdout.String(), want)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ab.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := notARunFolder(dir)
	if want := "(use fanbench ab --resume '" + dir + "')"; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("resume hint %v, want it to end %s", err, want)
	}
}

// TestExecBadLinesWarning: exec --workload parse warns on stderr, with
// the count, when more than 1% of the lines are not NAME;VALUE records,
// and says nothing at 1% or below or for another workload.
func TestExecBadLinesWarning(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, good, bad int) string {
		p := filepath.Join(dir, name)
		text := strings.Repeat("Oslo;1.5\n", good) + strings.Repeat("not a record\n", bad)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one, two := write("one.txt", 99, 1), write("two.txt", 98, 2) // 1 and 2 bad of 100
	tests := []struct {
		workload, file, stderr string
	}{
		{"parse", one, ""},
		{"parse", two, "fanbench exec: warning: " + two + ": 2 of 100 lines (2.0%) are not NAME;VALUE records, which parse skips (more than 1%)\n"},
		{"count", two, ""},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if status := Run(&stdout, &stderr, []string{"exec", "--strategy", "readall", "--workload", tt.workload, tt.file}); status != 0 {
			t.Errorf("%s %s: exit %d: %s", tt.workload, tt.file, status, stderr.String())
		}
		if stderr.String() != tt.stderr {
			t.Errorf("%s %s: stderr\n got %q\nwant %q", tt.workload, tt.file, stderr.String(), tt.stderr)
		}
	}
}

// TestHelpWidth: the command list fits an 80-column terminal.
func TestHelpWidth(t *testing.T) {
	var stdout, stderr bytes.Buffer
	Run(&stdout, &stderr, []string{"help"})
	for _, l := range strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("%d columns: %s", n, l)
		}
	}
}
