package runner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// TestDriverArms runs an A/B plan: each planned run names an arm, runs that
// arm's binary with that arm's environment, and its record and
// results.bench name carry the arm.
func TestDriverArms(t *testing.T) {
	self := fanbenchBin(t)
	sp := mustSpec(t, "name = \"arms\"\nrepetitions = 1\nseed = 1\ntimeout = \"1m\"\n"+matrixOf(1, "ranges"))
	tmp := t.TempDir()
	// The head arm's binary is a wrapper that notes each start in the
	// file its arm's environment names, then runs fanbench.
	mark := filepath.Join(tmp, "head-starts")
	wrapper := filepath.Join(tmp, "head-fanbench")
	script := "#!/bin/sh\necho start >> \"$ARM_MARK\"\nexec " + self + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	arms := map[string]Arm{"base": {Binary: self}, "head": {Binary: wrapper, Env: []string{"ARM_MARK=" + mark}}}
	plan := func(cells []spec.Cell) []Planned {
		var p []Planned
		for rep := 0; rep < 3; rep++ {
			p = append(p, Planned{Cell: 0, Rep: rep, Arm: "head"}, Planned{Cell: 0, Rep: rep, Arm: "base"})
		}
		return p
	}
	dirPath := filepath.Join(tmp, "res")
	o := Options{Spec: sp, Dir: dirPath, FixtureDir: filepath.Join(tmp, "fixtures"), Self: "/nonexistent",
		Progress: io.Discard, Arms: arms, Plan: plan}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Runs != 6 || sum.Failed != 0 {
		t.Fatalf("summary %+v: want 6 runs, none failed", *sum)
	}
	b, err := os.ReadFile(mark)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "start"); n != 3 {
		t.Errorf("head binary started %d times, want 3", n)
	}
	dir, _ := results.OpenDir(dirPath)
	runs, _, err := results.ReadRuns(dir.RunsPath())
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range runs {
		count[r.Cell.Arm]++
	}
	if count["base"] != 3 || count["head"] != 3 {
		t.Errorf("records by arm: %v, want 3 base and 3 head", count)
	}
	bench, _ := os.ReadFile(filepath.Join(dirPath, "results.bench"))
	for _, arm := range []string{"base", "head"} {
		want := "BenchmarkFanout/mode=goroutine/strategy=ranges/workload=count/size=64KiB/workers=1/arm=" + arm + " "
		if n := strings.Count(string(bench), want); n != 3 {
			t.Errorf("results.bench has %d lines %q, want 3", n, want)
		}
	}

	// A plan naming an arm without a build is refused before any run.
	o.Dir, o.Plan = filepath.Join(tmp, "res2"), func([]spec.Cell) []Planned { return []Planned{{Cell: 0, Arm: "nope"}} }
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), `arm "nope"`) {
		t.Errorf("unknown arm: err = %v", err)
	}
}
