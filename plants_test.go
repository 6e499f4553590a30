package fanbench_test

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPlantsApply: every planted regression of experiments/plants (the
// real slowdowns scripts/plant-ab builds to measure what the CI gate
// catches) still applies to this tree, so the documented measurement can
// be repeated.
func TestPlantsApply(t *testing.T) {
	patches, err := filepath.Glob("experiments/plants/*.patch")
	if err != nil || len(patches) < 3 {
		t.Fatalf("plants %v, %v: want at least 3", patches, err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git: the plants are git patches")
	}
	if out, err := exec.Command("git", "rev-parse", "--show-toplevel").CombinedOutput(); err != nil {
		t.Skipf("not a git checkout (%v: %s)", err, out)
	}
	for _, p := range patches {
		if out, err := exec.Command("git", "apply", "--check", p).CombinedOutput(); err != nil {
			t.Errorf("%s no longer applies: %v\n%s", p, err, out)
		}
	}
}
