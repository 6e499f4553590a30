package fanbench

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/testenv"
)

// TestUnverifiedEndToEnd: a program with a user workload that has no
// reference (testdata/noref) runs it in both modes on the built-in
// generator's fixture; the runs succeed and are recorded as unverified,
// and the run summary and the report say so plainly.
func TestUnverifiedEndToEnd(t *testing.T) {
	p := testenv.BuildProgram(t, "./testdata/noref")
	spec := filepath.Join(p.Tmp, "noref.toml")
	if err := os.WriteFile(spec, []byte(`name = "noref"
repetitions = 1
sample_every = "0s"
[[matrix]]
modes = ["goroutine", "process"]
strategies = ["readall", "ranges"]
workloads = ["bytesum"]
sizes = ["64KiB"]
workers = [2]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, dir := p.RunSpec(t, spec)
	want := "UNVERIFIED: 4 of 4 runs (workload bytesum: no reference implementation, so their answers were not checked; only that every byte reached the workload once)\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("the summary does not say the runs are unverified:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(p.Fixtures(), "fixture-64KiB-seed1.txt")); err != nil {
		t.Errorf("a workload without a generator did not get the built-in fixture: %v", err)
	}
	// exec --verify has nothing to verify against: one line, exit 1, naming
	// the program by its own name (testenv builds it as "program").
	fx := filepath.Join(p.Fixtures(), "fixture-64KiB-seed1.txt")
	execOut, err := exec.Command(p.Bin, "exec", "--workload", "bytesum", "--strategy", "ranges", "--verify", fx).CombinedOutput()
	if code := exitCode(err); code != 1 || !strings.Contains(string(execOut), "program exec: workload bytesum has no reference implementation\n") {
		t.Errorf("exec --verify: exit %d, output %q; want 1 and the reason", code, execOut)
	}
	runs, _, err := results.ReadRuns(filepath.Join(dir, results.RunsFile))
	if err != nil || len(runs) != 4 {
		t.Fatalf("%d runs, %v", len(runs), err)
	}
	for _, r := range runs {
		if r.Status != results.StatusOK || r.Verified || !strings.HasPrefix(r.Unverified, "workload bytesum has no reference implementation") {
			t.Errorf("%s: status %s verified %v unverified %q reason %q", results.BenchName(r.Cell), r.Status, r.Verified, r.Unverified, r.Reason)
		}
	}
	out := p.Report(t, dir, "noref")
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("**Unverified: 4 of 4 measured runs (workload bytesum) have no reference implementation")) {
		t.Errorf("report.md does not say the runs are unverified:\n%.600s", md)
	}
	html, _ := os.ReadFile(filepath.Join(out, "index.html"))
	if !bytes.Contains(html, []byte("Unverified: 4 of 4 measured runs")) {
		t.Error("index.html does not say the runs are unverified")
	}
}

// exitCode is the exit status err reports (0 for nil, -1 if it is not an
// exit).
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}
