package app

import (
	"bytes"
	"flag"
	"path/filepath"
	"strings"
	"testing"
)

var updateCompare = flag.Bool("update-compare", false, "rewrite testdata/compare/*.stdout")

// TestCompareCommand drives "fanbench compare" through run, checking exit
// statuses and, for reports, golden stdout files.
func TestCompareCommand(t *testing.T) {
	dir := filepath.Join("testdata", "compare")
	old, new := filepath.Join(dir, "old.bench"), filepath.Join(dir, "new.bench")
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string // substring of stderr; stdout is compared with NAME.stdout when stderr is ""
	}{
		{"pass", []string{"compare", old, old, "--gate", "sec/op:+10%,peak-RSS-B:+5%"}, 0, ""},
		{"fail", []string{"compare", old, new, "--gate", "sec/op:+10%,peak-RSS-B:+5%"}, 1, ""},
		{"fail-markdown", []string{"compare", "--format", "markdown", old, new, "--gate", "B/s:-10%"}, 1, ""},
		{"report-only", []string{"compare", "--report-only", old, new, "--gate", "sec/op:+10%"}, 0, ""},
		{"bad-gate", []string{"compare", old, new, "--gate", "sec/op:+10"}, 2, `fanbench compare: --gate: bad token "sec/op:+10": tolerance "+10" is not a percentage like +10%` + "\n"},
		{"missing-file", []string{"compare", old, filepath.Join(dir, "absent.bench")}, 2, "fanbench compare: NEW: stat "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := Run(&stdout, &stderr, tt.args); got != tt.status {
				t.Errorf("exit status %d, want %d; stderr: %s", got, tt.status, stderr.String())
			}
			if tt.stderr != "" {
				if !strings.Contains(stderr.String(), tt.stderr) || strings.Count(stderr.String(), "\n") != 1 {
					t.Errorf("stderr = %q, want one line containing %q", stderr.String(), tt.stderr)
				}
				return
			}
			if stderr.Len() != 0 {
				t.Errorf("unexpected stderr: %s", stderr.String())
			}
			checkGolden(t, filepath.Join(dir, tt.name+".stdout"), stdout.Bytes(), *updateCompare, "update-compare")
		})
	}
}

// TestCompareGateMissing: NEW lacking a gated cell (here: every readall
// run failed, so readall is gone from missing.bench) fails the gate with
// exit 1 and lists the cell; --allow-missing passes it.
func TestCompareGateMissing(t *testing.T) {
	dir := filepath.Join("testdata", "compare")
	old, missing := filepath.Join(dir, "old.bench"), filepath.Join(dir, "missing.bench")
	readall := "Fanout/mode=process/strategy=readall/workload=count/size=1GiB/workers=4"
	for _, tt := range []struct {
		args    []string
		status  int
		verdict string
	}{
		{[]string{"compare", old, missing, "--gate", "sec/op:+10%"}, 1,
			"verdict: FAIL (1 gated figure missing: sec/op " + readall + ": not in NEW; 1 cell missing in NEW)"},
		{[]string{"compare", missing, old, "--gate", "sec/op:+10%"}, 1,
			"verdict: FAIL (1 gated figure missing: sec/op " + readall + ": not in OLD; 1 cell new in NEW)"},
		{[]string{"compare", "--allow-missing", old, missing, "--gate", "sec/op:+10%"}, 0,
			"verdict: PASS (no significant regression beyond tolerance in 1 gated metric; 1 cell missing in NEW)"},
	} {
		var stdout, stderr bytes.Buffer
		if got := Run(&stdout, &stderr, tt.args); got != tt.status {
			t.Errorf("%v: exit status %d, want %d; stderr: %s", tt.args, got, tt.status, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
		if last := lines[len(lines)-1]; last != tt.verdict {
			t.Errorf("%v: verdict\n got %s\nwant %s", tt.args, last, tt.verdict)
		}
		if !strings.Contains(stdout.String(), "\n  sec/op "+readall+": not in ") {
			t.Errorf("%v: the missing cell is not listed:\n%s", tt.args, stdout.String())
		}
	}
}
