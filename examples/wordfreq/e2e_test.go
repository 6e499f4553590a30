package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/testenv"
)

// TestEndToEnd builds this example and runs its tiny spec with the whole
// harness, as its README says: every run of the wordfreq workload, in
// goroutine and process mode, succeeds and is verified by the driver
// against the reference, and the report renders.
func TestEndToEnd(t *testing.T) {
	p := testenv.BuildProgram(t, ".")
	stdout, dir := p.RunSpec(t, filepath.Join("testdata", "tiny.toml"))
	if strings.Contains(stdout, "UNVERIFIED") {
		t.Errorf("a verified workload's summary says UNVERIFIED:\n%s", stdout)
	}
	// The fixture came from the workload's own generator.
	if _, err := os.Stat(filepath.Join(p.Fixtures(), "fixture-wordfreq-256KiB-seed1.txt")); err != nil {
		t.Errorf("no wordfreq fixture: %v", err)
	}
	// The parent's reference is cached in the manifest, under this
	// build's version.
	manifest, err := os.ReadFile(filepath.Join(p.Fixtures(), "manifest.json"))
	if err != nil || !regexp.MustCompile(`"wordfreq@build-[0-9a-f]{16}": \{`).Match(manifest) {
		t.Errorf("the manifest (%v) caches no wordfreq reference under a build version:\n%s", err, manifest)
	}
	runs, _, err := results.ReadRuns(filepath.Join(dir, results.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]int{}
	for _, r := range runs {
		if r.Status != results.StatusOK || !r.Verified || r.Unverified != "" || r.Cell.Workload != "wordfreq" {
			t.Errorf("%s: status %s verified %v unverified %q reason %q", results.BenchName(r.Cell), r.Status, r.Verified, r.Unverified, r.Reason)
		}
		modes[r.Cell.Mode]++
	}
	if modes["goroutine"] != 4 || modes["process"] != 6 {
		t.Errorf("runs per mode %v, want 4 goroutine and 6 process", modes)
	}
	md, err := os.ReadFile(filepath.Join(p.Report(t, dir, "wordfreq-tiny"), "report.md"))
	if err != nil || !bytes.Contains(md, []byte("wordfreq")) || bytes.Contains(md, []byte("Unverified")) {
		t.Errorf("report.md (%v) does not name the workload, or calls it unverified", err)
	}
}
