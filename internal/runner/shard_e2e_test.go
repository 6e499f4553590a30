package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
)

// e2eShardSpec: four comparison groups (count and parse, goroutine and
// process), 8 cells × 2 repetitions + 1 warm-up = 24 runs, a claim
// within each cell and one across strategies.
var e2eShardSpec = `name = "shardy"
repetitions = 2
warmup = 1
seed = 11
timeout = "1m"
` + quick + fourFacets + peakClaim("ranges stays under 1 GiB", `{ strategy = "ranges" }`) + `
[[claim]]
text = "ranges needs no more than 100x readall's peak"
metric = "peak-RSS-B"
where = { strategy = "ranges" }
vs = { strategy = "readall" }
op = "<"
ratio = 100.0
`

// TestShardMergeEndToEnd runs a small experiment whole, then as 3 shards
// (3 calls of Run, as 3 machines would), merges them, and checks that the
// merged folder holds exactly the whole run's planned runs and the same
// claims; then that shards of two machine labels give results.bench
// /machine= keys and claims per machine.
func TestShardMergeEndToEnd(t *testing.T) {
	tmp := t.TempDir()
	fx := filepath.Join(tmp, "fx")
	run := func(dir string, sh *Shard, machine string) *Totals {
		t.Helper()
		sp := mustSpec(t, e2eShardSpec)
		o := Options{Spec: sp, Dir: dir, FixtureDir: fx, Self: fanbenchBin(t), Progress: io.Discard, Machine: machine}
		if sh != nil {
			p, err := BuildShardPlan(sp, fx, "", false, nil, *sh)
			if err != nil {
				t.Fatal(err)
			}
			o.RunPlan = p
		}
		sum, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	whole := run(filepath.Join(tmp, "whole"), nil, "")
	var shards []string
	for k := 1; k <= 3; k++ {
		dir := filepath.Join(tmp, fmt.Sprintf("shard%d", k))
		run(dir, &Shard{K: k, N: 3}, "")
		shards = append(shards, dir)
	}
	merged := filepath.Join(tmp, "merged")
	_, verdicts := mergeInto(t, shards, merged)
	wholeRuns, _, err := results.ReadRuns(filepath.Join(whole.Dir, results.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	mergedRuns, _, err := results.ReadRuns(filepath.Join(merged, results.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	// 8 cells × (2 repetitions + 1 warm-up).
	if len(wholeRuns) != 24 || !slices.Equal(runKeys(mergedRuns), runKeys(wholeRuns)) {
		t.Errorf("merged runs %v\nwant the whole run's %v", runKeys(mergedRuns), runKeys(wholeRuns))
	}
	// The merged folder's order is the whole plan's, as the whole run's.
	for i := range mergedRuns {
		if i < len(wholeRuns) && keyOf(mergedRuns[i]) != keyOf(wholeRuns[i]) {
			t.Errorf("merged run %d is %s, the whole run's %s", i, keyOf(mergedRuns[i]), keyOf(wholeRuns[i]))
		}
	}
	// 4 ranges cells for each claim.
	if got, want := verdictKeys(verdicts), verdictKeys(whole.Verdicts); len(want) != 8 || !slices.Equal(got, want) {
		t.Errorf("merged claims %v\nwant the whole run's %v", got, want)
	}
	bench, _ := os.ReadFile(filepath.Join(merged, results.BenchFile))
	if strings.Contains(string(bench), "/machine=") {
		t.Errorf("one machine's merged results.bench names machines")
	}

	// Shard 3 again, on "another machine": two labels.
	other := filepath.Join(tmp, "shard3-other")
	run(other, &Shard{K: 3, N: 3}, "other")
	two := filepath.Join(tmp, "merged-two")
	m, verdicts := mergeInto(t, []string{shards[0], shards[1], other}, two)
	if got := m.Machines(); len(got) != 2 || !slices.Contains(got, "other") {
		t.Fatalf("machines %v, want two, one of them other", got)
	}
	bench, _ = os.ReadFile(filepath.Join(two, results.BenchFile))
	for _, label := range m.Machines() {
		if !strings.Contains(string(bench), results.MachineName("", label)+" ") {
			t.Errorf("results.bench has no %s key:\n%s", results.MachineName("", label), bench)
		}
	}
	if n := strings.Count(string(bench), "\nBenchmark"); n != 16 || strings.Count(string(bench), "/machine=") < n {
		t.Errorf("%d result lines, %d /machine= keys: want 16 measured runs, each naming its machine", n, strings.Count(string(bench), "/machine="))
	}
	// The same 8 verdicts, each cell now naming the machine its shard ran on.
	var keys []string // the machines' keys as names carry them
	for _, label := range m.Machines() {
		keys = append(keys, strings.TrimPrefix(results.MachineName("", label), "/machine="))
	}
	var stripped []string
	for _, v := range verdicts {
		cell, label, ok := strings.Cut(v.Cell, "/machine=")
		if !ok || !slices.Contains(keys, label) {
			t.Errorf("verdict cell %q names no machine of the merge", v.Cell)
		}
		stripped = append(stripped, fmt.Sprintf("%s|%s|%v", v.Text, cell, v.Pass))
	}
	slices.Sort(stripped)
	if want := verdictKeys(whole.Verdicts); !slices.Equal(stripped, want) {
		t.Errorf("two machines' claims %v\nwant the whole run's %v", stripped, want)
	}
}

// verdictKeys are the verdicts' claims, cells and outcomes, sorted.
func verdictKeys(vs []results.ClaimResult) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s|%s|%v", v.Text, v.Cell, v.Pass))
	}
	slices.Sort(out)
	return out
}
