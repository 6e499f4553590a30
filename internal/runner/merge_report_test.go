package runner

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/fanbench/fanbench/internal/chart"
)

// TestMergedFolderMachines: the report's machines table reads what merge
// writes (merge.json's shards and labels, each shard's env.json under
// shards/), and a merge of two labels charts each machine apart.
func TestMergedFolderMachines(t *testing.T) {
	root := t.TempDir()
	label := func(k int) string { return map[bool]string{true: "big", false: "small"}[k == 1] }
	dirs := writeShards(t, root, mergeSpec, 3, label, peak(5<<20))
	out := filepath.Join(root, "merged")
	mergeInto(t, dirs, out)
	res, err := chart.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Machines) != 2 {
		t.Fatalf("machines %+v, want big and small", res.Machines)
	}
	for i, want := range []struct {
		label  string
		shards []string
	}{{"big", []string{"1/3"}}, {"small", []string{"2/3", "3/3"}}} {
		m := res.Machines[i]
		if m.Label != want.label || !slices.Equal(m.Shards, want.shards) || m.Env == nil || m.Env.CPUModel != "Test CPU" {
			t.Errorf("machine %d: %s on shards %v, env %+v; want %s on %v, env.json's Test CPU", i, m.Label, m.Shards, m.Env, want.label, want.shards)
		}
	}
	var labels []string
	for _, d := range res.Data.Machines() {
		labels = append(labels, d.Label+" "+d.Machine.Hardware())
	}
	if want := []string{"big Test CPU, 4 cores", "small Test CPU, 4 cores"}; !slices.Equal(labels, want) {
		t.Errorf("datasets per machine %q, want %q", labels, want)
	}
	for _, f := range res.Data.Facets() {
		if f.Machine != "big" && f.Machine != "small" {
			t.Errorf("facet %v names no machine of the merge", f)
		}
	}
}
