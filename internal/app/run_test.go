package app

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
)

var updateRun = flag.Bool("update-run", false, "rewrite testdata/run/*.stderr")

// TestRunSpecErrors drives "fanbench run" over invalid specs: each must exit
// 2 with one line naming the file, the line and the field (golden
// testdata/run/NAME.stderr), and must write nothing under the results root
// or the fixture folder.
func TestRunSpecErrors(t *testing.T) {
	dir := filepath.Join("testdata", "run")
	specs, err := filepath.Glob(filepath.Join(dir, "*.toml"))
	if err != nil || len(specs) < 13 {
		t.Fatalf("bad specs in %s: %v %v", dir, specs, err)
	}
	type tc struct{ name, spec string }
	var tests []tc
	for _, s := range specs {
		tests = append(tests, tc{strings.TrimSuffix(filepath.Base(s), ".toml"), s})
	}
	tests = append(tests, tc{"missing-file", filepath.Join(dir, "absent.toml")})
	located := regexp.MustCompile(`^fanbench run: testdata/run/[a-z-]+\.toml:[1-9][0-9]*: [A-Za-z_.]+: \S`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			resultsRoot, fixtures := filepath.Join(tmp, "results"), filepath.Join(tmp, "fixtures")
			if err := os.Mkdir(resultsRoot, 0o755); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			status := Run(&stdout, &stderr, []string{"run", "--results", resultsRoot, "--fixtures", fixtures, tt.spec})
			if status != 2 {
				t.Errorf("exit status %d, want 2; stderr: %s", status, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q, want nothing", stdout.String())
			}
			got := stderr.String()
			if strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
				t.Errorf("stderr is not one line: %q", got)
			}
			if tt.name == "missing-file" {
				if !strings.HasPrefix(got, "fanbench run: "+tt.spec+": ") {
					t.Errorf("stderr %q does not name the file", got)
				}
			} else if !located.MatchString(got) {
				t.Errorf("stderr %q is not file:line: field: message", got)
			}
			checkGolden(t, filepath.Join(dir, tt.name+".stderr"), []byte(got), *updateRun, "update-run")
			if ents, err := os.ReadDir(resultsRoot); err != nil || len(ents) != 0 {
				t.Errorf("results root after a spec error: %v %v, want it empty", ents, err)
			}
			if _, err := os.Stat(fixtures); !os.IsNotExist(err) {
				t.Errorf("fixture folder created after a spec error (%v)", err)
			}
		})
	}
}

// TestRunUsageErrors checks the command-line mistakes that exit 2 before
// any run.
func TestRunUsageErrors(t *testing.T) {
	good := filepath.Join("..", "..", "experiments", "ci.toml")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no spec", []string{"run"}, "fanbench run: want one spec file (.toml), data files, or --resume RESULTS_DIR alone\n"},
		{"two specs", []string{"run", good, good}, "fanbench run: want one spec file (.toml), data files, or --resume RESULTS_DIR alone\n"},
		{"negative reps", []string{"run", "--reps", "-1", good}, "fanbench run: flag -reps: -1, want at least 1\n"},
		{"reps that would exhaust memory", []string{"run", "--reps", "99999999999", good}, "fanbench run: flag -reps: 99999999999, want at most 10000 per cell\n"},
		{"reps that would exhaust memory, dry run", []string{"run", "--dry-run", "--reps", "1000000000000", good},
			"fanbench run: flag -reps: 1000000000000, want at most 10000 per cell\n"},
		{"resume of a folder without a spec", []string{"run", "--resume", filepath.Join("testdata", "run")},
			"fanbench run: " + filepath.Join("testdata", "run", "spec.toml") + ": cannot read: no such file or directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resultsRoot := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{tt.args[0], "--results", resultsRoot, "--fixtures", filepath.Join(resultsRoot, "fx")}, tt.args[1:]...)
			if status := Run(&stdout, &stderr, args); status != 2 {
				t.Errorf("exit status %d, want 2; stderr: %s", status, stderr.String())
			}
			if stderr.String() != tt.stderr {
				t.Errorf("stderr:\n got %q\nwant %q", stderr.String(), tt.stderr)
			}
			if ents, _ := os.ReadDir(resultsRoot); len(ents) != 0 {
				t.Errorf("results root not empty: %v", ents)
			}
		})
	}
}

// TestClaimSummary checks the terminal summary: one line per claim, the
// failed cells under a claim that failed, nothing more.
func TestClaimSummary(t *testing.T) {
	vs := []results.ClaimResult{
		{Text: "readall holds the file", Cell: "Fanout/size=4MiB", Op: ">=", Pass: true, Value: 5, Limit: 4, Measured: "m1"},
		{Text: "readall holds the file", Cell: "Fanout/size=16MiB", Op: ">=", Pass: true, Value: 17, Limit: 16, Measured: "m2"},
		{Text: "ranges is lean", Cell: "Fanout/size=4MiB", Op: "<", Pass: true, Value: 1, Limit: 2, Measured: "m3"},
		{Text: "ranges is lean", Cell: "Fanout/size=16MiB", Op: "<", Pass: false, Value: 3, Limit: 2, Measured: "median 3 < 2"},
		{Text: "ranges is lean", Cell: "Fanout/size=64MiB", Op: "<", Error: "no peak-RSS-B figure", Measured: "no peak-RSS-B figure"},
		{Text: "nothing matches", Op: "<", Error: "no measured cell", Measured: "no measured cell"},
	}
	// Margins by hand: 5/4-1 = +25%, 17/16-1 = +6.25%: worst +6.2%; (2-3)/2 = -50%.
	want := `claims: 1 of 3 hold
  PASS  2/2 cells  worst margin +6.2%   readall holds the file
  FAIL  1/3 cells  worst margin -50%    ranges is lean
        FAIL Fanout/size=16MiB: median 3 < 2
        FAIL Fanout/size=64MiB: no peak-RSS-B figure
  FAIL  0/1 cells  worst margin n/a     nothing matches
        FAIL no cell: no measured cell
`
	var buf bytes.Buffer
	if n := writeClaimSummary(&buf, results.GroupVerdicts(vs)); n != 2 {
		t.Errorf("failed claims = %d, want 2", n)
	}
	if buf.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	if n := writeClaimSummary(&buf, nil); n != 0 || buf.Len() != 0 {
		t.Errorf("no claims: %d, %q", n, buf.String())
	}
}
