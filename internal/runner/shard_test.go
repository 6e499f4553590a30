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
	"github.com/fanbench/fanbench/internal/spec"
)

func TestParseShard(t *testing.T) {
	good := []struct {
		in   string
		want Shard
	}{
		{"1/1", Shard{1, 1}},
		{"1/3", Shard{1, 3}},
		{"3/3", Shard{3, 3}},
		{"12/40", Shard{12, 40}},
	}
	for _, tt := range good {
		if got, err := ParseShard(tt.in); err != nil || got != tt.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "0/0", "3/2", "-1/4", "a/b", "1/0", "0/3", "1/-2", "1", "1/2/3", " 1/2", "1/2 "} {
		if got, err := ParseShard(in); err == nil {
			t.Errorf("ParseShard(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), "K/N") {
			t.Errorf("ParseShard(%q): %q does not say K/N", in, err)
		}
	}
}

// shardSpec has four chart facets, each of one cell of its own size: the
// rough model (50 ms + size at 1 GB/s, parse at 0.5 GB/s) gives them, by
// hand, count·goroutine 1MiB 51.05 ms, count·process 100MiB 154.86 ms,
// parse·goroutine 100MiB 259.72 ms, parse·process 1MiB 52.10 ms.
var shardSpec = `name = "sh"
repetitions = 2
warmup = 1
seed = 3
` + quick + facetMatrix("goroutine", "count", "1MiB") + facetMatrix("process", "count", "100MiB") +
	facetMatrix("goroutine", "parse", "100MiB") + facetMatrix("process", "parse", "1MiB")

// facetMatrix is a [[matrix]] block of one ranges cell, one worker.
func facetMatrix(mode, workload, size string) string {
	return fmt.Sprintf("\n[[matrix]]\nmodes = [%q]\nstrategies = [\"ranges\"]\nworkloads = [%q]\nsizes = [%q]\nworkers = [1]\n", mode, workload, size)
}

// TestCompareGroups checks which cells stay together: one facet and size
// (workload, mode, cache, size) with all its strategies and workers; a
// reference with the groups of its workload and size; cells a claim's vs
// connects.
func TestCompareGroups(t *testing.T) {
	twoFacets := `name = "g"
[[matrix]]
modes = ["goroutine", "process"]
strategies = ["readall", "ranges"]
workloads = ["count"]
sizes = ["64KiB", "1MiB"]
workers = [1, 2]
`
	tests := []struct {
		name string
		src  string
		want int // groups
		// together and apart are pairs of cell-name fragments (each
		// naming one cell) that must share a group, or must not.
		together, apart [][2]string
	}{
		{"groups by mode and size", twoFacets, 4,
			[][2]string{{"mode=goroutine/strategy=readall/workload=count/size=64KiB/workers=1", "mode=goroutine/strategy=ranges/workload=count/size=64KiB/workers=2"}},
			[][2]string{{"mode=goroutine/strategy=readall/workload=count/size=64KiB/workers=1", "mode=process/strategy=readall/workload=count/size=64KiB/workers=1"},
				{"mode=goroutine/strategy=readall/workload=count/size=64KiB/workers=1", "mode=goroutine/strategy=ranges/workload=count/size=1MiB/workers=2"}}},
		{"a claim across modes joins them", twoFacets + `
[[claim]]
text = "process is no slower than twice goroutine"
metric = "sec/op"
where = { mode = "process", strategy = "ranges", size = "1MiB", workers = 1 }
vs = { mode = "goroutine" }
op = "<"
ratio = 2.0
`, 3, [][2]string{{"mode=goroutine/strategy=readall/workload=count/size=1MiB/workers=1", "mode=process/strategy=ranges/workload=count/size=1MiB/workers=1"}},
			[][2]string{{"mode=goroutine/strategy=readall/workload=count/size=64KiB/workers=1", "mode=process/strategy=readall/workload=count/size=64KiB/workers=1"}}},
		{"a reference joins its workload's groups of its size", shardSpec + wcRef + `workload = "count"
sizes = ["1MiB"]
workers = [1]
`, 4, [][2]string{{"mode=external/strategy=ref:wc", "mode=goroutine/strategy=ranges/workload=count"}},
			[][2]string{{"mode=external/strategy=ref:wc", "mode=process/strategy=ranges/workload=count"},
				{"mode=goroutine/strategy=ranges/workload=parse", "mode=process/strategy=ranges/workload=parse"}}},
		{"cache states apart", `name = "c"
[[matrix]]
strategies = ["ranges"]
sizes = ["64KiB"]
workers = [1]
[matrix.knobs]
cache = ["warm", "cold"]
`, 2, nil, [][2]string{{"cache=warm", "cache=cold"}}},
		{"a claim across sizes joins them", `name = "s"
[[matrix]]
strategies = ["ranges"]
sizes = ["64KiB", "16MiB"]
workers = [1]
[[claim]]
text = "small is faster"
metric = "sec/op"
where = { size = "64KiB" }
vs = { size = "16MiB" }
op = "<"
ratio = 1.0
`, 1, [][2]string{{"size=64KiB", "size=16MiB"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := mustSpec(t, tt.src)
			cells := sp.Cells()
			group, n := CompareGroups(sp, cells)
			if n != tt.want {
				t.Errorf("%d groups, want %d: %v", n, tt.want, group)
			}
			find := func(frag string) int {
				i := slices.IndexFunc(cells, func(c spec.Cell) bool { return strings.Contains(c.Name(), frag) })
				if i < 0 {
					t.Fatalf("no cell named like %q in %v", frag, cellNames(cells))
				}
				return i
			}
			for _, p := range tt.together {
				if a, b := find(p[0]), find(p[1]); group[a] != group[b] {
					t.Errorf("%s and %s in groups %d and %d, want one", p[0], p[1], group[a], group[b])
				}
			}
			for _, p := range tt.apart {
				if a, b := find(p[0]), find(p[1]); group[a] == group[b] {
					t.Errorf("%s and %s both in group %d, want two", p[0], p[1], group[a])
				}
			}
		})
	}
}

// TestShardCellsByDuration: the groups go longest first into the least
// loaded shard, by the model's duration, not by count. By hand (weights
// in shardSpec): parse·goroutine 259.72 → shard 1; count·process 154.86
// → shard 2; parse·process 52.10 → shard 2 (154.86 < 259.72); then
// count·goroutine 51.05 → shard 2 (206.96 < 259.72). A split by count
// would put two cells in each.
func TestShardCellsByDuration(t *testing.T) {
	sp := mustSpec(t, shardSpec)
	cells := sp.Cells()
	tests := []struct {
		n    int
		want map[string]int // cell name fragment → shard
	}{
		{1, map[string]int{"goroutine/strategy=ranges/workload=count": 1, "process/strategy=ranges/workload=count": 1,
			"goroutine/strategy=ranges/workload=parse": 1, "process/strategy=ranges/workload=parse": 1}},
		{2, map[string]int{"goroutine/strategy=ranges/workload=parse": 1, "process/strategy=ranges/workload=count": 2,
			"process/strategy=ranges/workload=parse": 2, "goroutine/strategy=ranges/workload=count": 2}},
		// 259.72 → 1, 154.86 → 2, 52.10 → 3, then 51.05 → 3 (its load,
		// 52.10, is the least of the three).
		{3, map[string]int{"goroutine/strategy=ranges/workload=parse": 1, "process/strategy=ranges/workload=count": 2,
			"process/strategy=ranges/workload=parse": 3, "goroutine/strategy=ranges/workload=count": 3}},
		{4, map[string]int{"goroutine/strategy=ranges/workload=parse": 1, "process/strategy=ranges/workload=count": 2,
			"process/strategy=ranges/workload=parse": 3, "goroutine/strategy=ranges/workload=count": 4}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			got, err := ShardCells(sp, cells, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cells {
				for frag, k := range tt.want {
					if strings.Contains(c.Name(), frag) && got[i] != k {
						t.Errorf("%s on shard %d, want %d", c.Name(), got[i], k)
					}
				}
			}
		})
	}
	if _, err := ShardCells(sp, cells, 5); err == nil || !strings.Contains(err.Error(), "only 4 comparison groups") {
		t.Errorf("5 shards of 4 groups: %v, want a refusal", err)
	}
}

// TestShardPlansCoverThePlan: the shards' plans hold each run of the whole
// plan exactly once, each in the whole plan's order, with only their own
// cells' fixtures.
func TestShardPlansCoverThePlan(t *testing.T) {
	sp := mustSpec(t, shardSpec)
	fx := filepath.Join(t.TempDir(), "fx")
	all, err := BuildPlan(sp, fx, "", true, func() int64 { return 0 })
	if err != nil {
		t.Fatal(err)
	}
	key := func(p Planned) string { return fmt.Sprintf("%d/%d/%v", p.Cell, p.Rep, p.Warmup) }
	seen := map[string]int{}
	const n = 3
	for k := 1; k <= n; k++ {
		p, err := BuildShardPlan(sp, fx, "", true, func() int64 { return 0 }, Shard{K: k, N: n})
		if err != nil {
			t.Fatal(err)
		}
		last := -1
		for _, o := range p.Order {
			seen[key(o)]++
			at := slices.IndexFunc(all.Order, func(q Planned) bool { return key(q) == key(o) })
			if at <= last {
				t.Errorf("shard %d: run %s at %d of the whole plan, after %d: out of order", k, key(o), at, last)
			}
			last = at
			if p.ShardOf[o.Cell] != k {
				t.Errorf("shard %d plans a run of cell %d of shard %d", k, o.Cell, p.ShardOf[o.Cell])
			}
		}
		for _, f := range p.Fixtures {
			if !slices.ContainsFunc(p.Order, func(o Planned) bool { return p.Cells[o.Cell].Size == f.Size }) {
				t.Errorf("shard %d needs the %d-byte fixture, which none of its runs reads", k, f.Size)
			}
		}
		var b strings.Builder
		p.Write(&b)
		if !strings.Contains(b.String(), fmt.Sprintf("shard: %d/%d of spec sha256:%s", k, n, sp.SHA256())) {
			t.Errorf("shard %d's dry run does not name its shard:\n%s", k, b.String())
		}
	}
	if len(seen) != len(all.Order) {
		t.Errorf("the shards plan %d distinct runs, the whole plan %d", len(seen), len(all.Order))
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("run %s planned by %d shards", k, c)
		}
	}
}

// TestShardFolderAndResume: a shard's folder records its shard (spec
// hash, K, N, machine, cells) and only its runs, and --resume of it runs
// the shard's missing runs, not the whole spec's.
func TestShardFolderAndResume(t *testing.T) {
	src := `name = "shres"
repetitions = 2
warmup = 0
seed = 5
timeout = "1m"
` + quick + `
[[matrix]]
modes = ["goroutine"]
strategies = ["ranges"]
workloads = ["count", "parse"]
sizes = ["64KiB"]
workers = [1]

` + peakClaim("parse stays under 1 GiB", `{ workload = "parse" }`) + peakClaim("count stays under 1 GiB", `{ workload = "count" }`)
	sp := mustSpec(t, src)
	tmp := t.TempDir()
	fx := filepath.Join(tmp, "fx")
	plan, err := BuildShardPlan(sp, fx, "", false, nil, Shard{K: 2, N: 2})
	if err != nil {
		t.Fatal(err)
	}
	dirPath := filepath.Join(tmp, "shard2")
	opts := Options{Spec: sp, Dir: dirPath, FixtureDir: fx, Self: fanbenchBin(t), Progress: io.Discard, RunPlan: plan, Machine: "m1"}
	sum, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// The parse claim is judged where its cells ran, on shard 1.
	if len(sum.Verdicts) != 1 || sum.Verdicts[0].Text != "count stays under 1 GiB" || !sum.Verdicts[0].Pass {
		t.Errorf("shard 2's verdicts %+v: want the count claim alone, passing", sum.Verdicts)
	}
	rec, err := ReadShardRecord(dirPath)
	if err != nil {
		t.Fatal(err)
	}
	// The model has parse (0.5 GB/s) slower than count (1 GB/s): parse's
	// facet goes to shard 1, count's to 2.
	wantCell := "Fanout/mode=goroutine/strategy=ranges/workload=count/size=64KiB/workers=1"
	if rec.Shard != (Shard{2, 2}) || rec.SpecSHA256 != sp.SHA256() || rec.Machine != "m1" || !slices.Equal(rec.Cells, []string{wantCell}) {
		t.Errorf("shard.json: shard %s, spec %s, machine %q, cells %v", rec.Shard, rec.SpecSHA256, rec.Machine, rec.Cells)
	}
	d := results.Dir{Path: dirPath}
	runs, _, err := results.ReadRuns(d.RunsPath())
	if err != nil || len(runs) != 2 {
		t.Fatalf("%d runs (%v), want shard 2's 2", len(runs), err)
	}
	for _, r := range runs {
		if results.BenchName(r.Cell) != wantCell {
			t.Errorf("shard 2 ran %s", results.BenchName(r.Cell))
		}
	}
	if st, err := ReadFolderState(dirPath); err != nil || st.Planned != 2 || st.Incomplete() != "" {
		t.Errorf("folder state %+v, %v: want 2 planned, complete", st, err)
	}
	// Lose the last record, then resume.
	b, _ := os.ReadFile(d.RunsPath())
	first, _, _ := strings.Cut(string(b), "\n")
	if err := os.WriteFile(d.RunsPath(), []byte(first+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(d.ClaimsPath()); err != nil { // as an interrupted run leaves it
		t.Fatal(err)
	}
	if st, err := ReadFolderState(dirPath); err != nil || len(st.Claims) != 1 || st.Claims[0].Text != "count stays under 1 GiB" {
		t.Errorf("incomplete shard's claims so far %+v (%v): want the count claim alone", st.Claims, err)
	}
	resumed, err := spec.Load(filepath.Join(dirPath, SpecCopyName))
	if err != nil {
		t.Fatal(err)
	}
	ropts := Options{Spec: resumed, Dir: dirPath, Resume: true, FixtureDir: fx, Self: fanbenchBin(t), Progress: io.Discard}
	if _, err := Run(context.Background(), ropts); err != nil {
		t.Fatal(err)
	}
	runs, _, err = results.ReadRuns(d.RunsPath())
	if err != nil || len(runs) != 2 {
		t.Fatalf("after resume %d runs (%v), want 2", len(runs), err)
	}
	for _, r := range runs {
		if results.BenchName(r.Cell) != wantCell {
			t.Errorf("resumed shard 2 ran %s", results.BenchName(r.Cell))
		}
	}
}

// fourFacets is a [[matrix]] block of four comparison groups (count and
// parse, goroutine and process), readall and ranges of 64 KiB in each.
const fourFacets = `
[[matrix]]
modes = ["goroutine", "process"]
strategies = ["readall", "ranges"]
workloads = ["count", "parse"]
sizes = ["64KiB"]
workers = [1]
`

// peakClaim is a [[claim]] block: the peak RSS of the cells where (a TOML
// inline table) selects stays under 1 GiB.
func peakClaim(text, where string) string {
	return fmt.Sprintf("\n[[claim]]\ntext = %q\nmetric = \"peak-RSS-B\"\nwhere = %s\nop = \"<\"\nvalue = 1073741824.0\n", text, where)
}

// TestShardWithoutReferenceWorkload: a shard that holds none of a
// reference command's cells runs (its fixtures and references are of its
// own cells only). Before, shard 1 below, parse alone, looked up the
// reference answer of the count cells' fixture, which it never made, and
// failed with "reference : open : no such file or directory".
func TestShardWithoutReferenceWorkload(t *testing.T) {
	src := `name = "shref"
repetitions = 1
warmup = 0
seed = 5
timeout = "1m"
` + quick + facetMatrix("goroutine", "count", "64KiB") + facetMatrix("goroutine", "parse", "128KiB") +
		wcRef + "workload = \"count\"\n"
	sp := mustSpec(t, src)
	tmp := t.TempDir()
	fx := filepath.Join(tmp, "fx")
	for k := 1; k <= 2; k++ {
		plan, err := BuildShardPlan(sp, fx, "", false, nil, Shard{K: k, N: 2})
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Spec: sp, Dir: filepath.Join(tmp, fmt.Sprint("shard", k)), FixtureDir: fx, Self: fanbenchBin(t), Progress: io.Discard, RunPlan: plan}
		sum, err := Run(context.Background(), opts)
		if err != nil {
			t.Fatalf("shard %d/2: %v", k, err)
		}
		if sum.Runs == 0 || sum.Failed != 0 {
			t.Errorf("shard %d/2: %d runs, %d failed", k, sum.Runs, sum.Failed)
		}
	}
}
