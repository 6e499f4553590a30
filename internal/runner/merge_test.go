package runner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// mergeSpec has four comparison groups (count and parse, goroutine and
// process) and a claim that compares ranges with readall in each.
var mergeSpec = `name = "mg"
repetitions = 2
warmup = 1
seed = 9
` + quick + fourFacets + `
[[claim]]
text = "ranges needs under readall's peak"
metric = "peak-RSS-B"
where = { strategy = "ranges" }
vs = { strategy = "readall" }
op = "<"
ratio = 1.0
`

// writeShards writes, without running anything, the n shard folders of
// the spec src as run would leave them, under root/shard-K: each planned
// run of the shard a successful record (peak RSS 10 MiB for readall, the
// peak of ranges given by rangesPeak(k)), machine labels by machine(k)
// ("" for none), env.json naming CPU "Test CPU" with 4 cores.
func writeShards(t *testing.T, root, src string, n int, machine func(k int) string, rangesPeak func(k int) int64) []string {
	t.Helper()
	var dirs []string
	for k := 1; k <= n; k++ {
		sp, err := spec.Parse("spec.toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		p, err := BuildShardPlan(sp, filepath.Join(root, "fx"), "", true, func() int64 { return 0 }, Shard{K: k, N: n})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "shard-"+string(rune('0'+k)))
		d, err := results.CreateNewDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, SpecCopyName), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := savePlan(dir, sp, p.FixtureDir, len(p.Order)); err != nil {
			t.Fatal(err)
		}
		if err := WriteShardRecord(dir, p.ShardRecordOf(machine(k))); err != nil {
			t.Fatal(err)
		}
		if err := results.WriteEnv(d.EnvPath(), results.Environment{CPUModel: "Test CPU", CPUCores: 4, Experiment: sp.Name}); err != nil {
			t.Fatal(err)
		}
		log, err := results.OpenRunLog(d.RunsPath())
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range p.Order {
			c := p.Cells[o.Cell]
			r := newRun(sp, c, o)
			r.Order, r.Status, r.Verified, r.ElapsedSec, r.ResidencyOK = i, results.StatusOK, true, 0.01, true
			r.Memory.PeakRSS = 10 << 20
			if c.Strategy == "ranges" {
				r.Memory.PeakRSS = rangesPeak(k)
			}
			if err := log.Append(r); err != nil {
				t.Fatal(err)
			}
		}
		log.Close()
		dirs = append(dirs, dir)
	}
	return dirs
}

func noLabel(int) string { return "" }

// mergeInto merges the shard folders dirs into out, failing the test on
// an error, and returns the set and the verdicts.
func mergeInto(t *testing.T, dirs []string, out string) (*MergeSet, []results.ClaimResult) {
	t.Helper()
	m, err := CheckShards(dirs, false)
	if err != nil {
		t.Fatal(err)
	}
	vs, err := m.Write(out)
	if err != nil {
		t.Fatal(err)
	}
	return m, vs
}

func peak(v int64) func(int) int64 { return func(int) int64 { return v } }

// TestMergeShards: merging the shards gives the whole plan's runs once
// each, in its order, labelled by machine; results.bench has no
// /machine= key for one machine, and one per line for two; the claims
// are judged per machine.
func TestMergeShards(t *testing.T) {
	sp := mustSpec(t, mergeSpec)
	whole := Plan(PairGroups(sp.Cells()), sp.Repetitions, sp.Warmup, sp.Seed)
	t.Run("one machine", func(t *testing.T) {
		root := t.TempDir()
		dirs := writeShards(t, root, mergeSpec, 3, noLabel, peak(5<<20))
		slices.Reverse(dirs) // the order given does not matter
		out := filepath.Join(root, "merged")
		_, vs := mergeInto(t, dirs, out)
		runs, _, err := results.ReadRuns(filepath.Join(out, results.RunsFile))
		if err != nil || len(runs) != len(whole) {
			t.Fatalf("%d merged runs (%v), want the plan's %d", len(runs), err, len(whole))
		}
		cells := sp.Cells()
		for i, r := range runs {
			p := whole[i]
			if r.Order != i || runKey(r.Cell, r.Rep, r.Warmup) != runKey(cells[p.Cell].Record(), p.Rep, p.Warmup) {
				t.Errorf("merged run %d is %s rep %d (order %d), want the plan's %s rep %d", i, results.BenchName(r.Cell), r.Rep, r.Order, cells[p.Cell].Name(), p.Rep)
			}
			if r.Machine != "Test CPU, 4 cores" {
				t.Errorf("run %d machine %q, want env.json's hardware", i, r.Machine)
			}
		}
		bench, _ := os.ReadFile(filepath.Join(out, results.BenchFile))
		if strings.Contains(string(bench), "/machine=") {
			t.Errorf("one machine's results.bench names machines:\n%s", bench)
		}
		// 4 ranges cells (2 workloads × 2 modes), each 5 MiB < 10 MiB.
		if len(vs) != 4 || slices.ContainsFunc(vs, func(v results.ClaimResult) bool { return !v.Pass || strings.Contains(v.Cell, "machine=") }) {
			t.Errorf("verdicts %+v: want 4 passing, no machine in their cells", vs)
		}
		for _, f := range []string{SpecCopyName, PlanFileName, MergeFileName, results.EnvFile, results.ClaimsFile,
			filepath.Join(ShardsDir, "shard-2-of-3", results.EnvFile), filepath.Join(ShardsDir, "shard-3-of-3", ShardFileName)} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Errorf("merged folder: %v", err)
			}
		}
		if st, err := ReadFolderState(out); err != nil || st.Incomplete() != "" || st.Planned != len(whole) {
			t.Errorf("merged folder state %+v, %v: want complete, %d planned", st, err, len(whole))
		}
	})
	t.Run("two machines", func(t *testing.T) {
		root := t.TempDir()
		label := func(k int) string { return map[bool]string{true: "big", false: "small"}[k == 1] }
		// Shard 1 (machine big) measures ranges at 20 MiB, over readall's
		// 10 MiB: its claim fails there, and holds on small's shards.
		dirs := writeShards(t, root, mergeSpec, 3, label, func(k int) int64 { return map[bool]int64{true: 20 << 20, false: 5 << 20}[k == 1] })
		m, vs := mergeInto(t, dirs, filepath.Join(root, "merged"))
		bench, _ := os.ReadFile(filepath.Join(root, "merged", results.BenchFile))
		lines := strings.Count(string(bench), "\nBenchmark")
		if lines == 0 || strings.Count(string(bench), "/machine=big ")+strings.Count(string(bench), "/machine=small ") != lines {
			t.Errorf("every result line of two machines names its machine:\n%s", bench)
		}
		if got := m.Machines(); len(got) != 2 {
			t.Errorf("machines %v, want two", got)
		}
		groups := results.GroupVerdicts(vs)
		if len(groups) != 1 || len(vs) != 4 {
			t.Fatalf("verdicts %+v: want one claim over 4 cells", vs)
		}
		for _, v := range vs {
			big := strings.HasSuffix(v.Cell, "/machine=big")
			if !big && !strings.HasSuffix(v.Cell, "/machine=small") {
				t.Errorf("verdict cell %q names no machine", v.Cell)
			}
			if v.Pass == big {
				t.Errorf("verdict %s pass=%v (%s): want a failure on big only", v.Cell, v.Pass, v.Measured)
			}
		}
	})
}

// TestMergeRefuses: merge names the folder and the reason for each input
// that is not one experiment's complete set of shards.
func TestMergeRefuses(t *testing.T) {
	other := strings.Replace(mergeSpec, "seed = 9", "seed = 10", 1)
	tests := []struct {
		name  string
		dirs  func(t *testing.T, root string, shards []string) []string
		allow bool
		want  string // the error holds it; "" for no error
	}{
		{"all three", func(t *testing.T, root string, s []string) []string { return s }, false, ""},
		{"a shard missing", func(t *testing.T, root string, s []string) []string { return s[:2] }, false, "missing shards: 3/3 (give every shard's folder, or --allow-missing)"},
		{"a shard missing, allowed", func(t *testing.T, root string, s []string) []string { return s[:2] }, true, ""},
		{"a shard given twice", func(t *testing.T, root string, s []string) []string { return append(s, s[1]) }, false, s1(2) + ": given twice"},
		{"two copies of one shard", func(t *testing.T, root string, s []string) []string {
			cp := filepath.Join(root, "copy")
			copyDir(t, s[0], cp)
			return append(s, cp)
		}, false, "are both shard 1/3"},
		{"another spec", func(t *testing.T, root string, s []string) []string {
			o := writeShards(t, filepath.Join(root, "other"), other, 3, noLabel, peak(1))
			return []string{s[0], s[1], o[2]}
		}, false, "a shard of another spec"},
		{"another N", func(t *testing.T, root string, s []string) []string {
			o := writeShards(t, filepath.Join(root, "two"), mergeSpec, 2, noLabel, peak(1))
			return []string{s[0], o[1]}
		}, false, "one experiment has one N"},
		{"a run of another shard", func(t *testing.T, root string, s []string) []string {
			moveFirstRun(t, s[0], s[1])
			return s
		}, false, "belongs to shard 1/3, not to this folder's 2/3"},
		{"a run recorded twice", func(t *testing.T, root string, s []string) []string {
			b, _ := os.ReadFile(filepath.Join(s[2], results.RunsFile))
			first, _, _ := strings.Cut(string(b), "\n")
			appendFile(t, filepath.Join(s[2], results.RunsFile), first+"\n")
			return s
		}, false, "overlapping runs"},
		{"an incomplete shard", func(t *testing.T, root string, s []string) []string {
			b, _ := os.ReadFile(filepath.Join(s[2], results.RunsFile))
			first, _, _ := strings.Cut(string(b), "\n")
			writeFile(t, filepath.Join(s[2], results.RunsFile), first+"\n")
			return s
		}, false, "shard 3/3 is incomplete: 1 of"},
		{"an edited spec copy", func(t *testing.T, root string, s []string) []string {
			appendFile(t, filepath.Join(s[1], SpecCopyName), "# edited\n")
			return s
		}, false, s1(2) + ": spec.toml (sha256:"},
		{"an unsharded results folder", func(t *testing.T, root string, s []string) []string {
			os.Remove(filepath.Join(s[1], ShardFileName))
			return s
		}, false, s1(2) + ": a results folder, but not a shard's (no shard.json"},
		{"an empty folder", func(t *testing.T, root string, s []string) []string {
			e := filepath.Join(root, "empty")
			os.Mkdir(e, 0o755)
			return append(s, e)
		}, false, "empty: not a fanbench results folder (no readable spec.toml)"},
		{"no such folder", func(t *testing.T, root string, s []string) []string { return append(s, filepath.Join(root, "absent")) },
			false, "absent: not a fanbench results folder (no such file or directory)"},
		{"a file", func(t *testing.T, root string, s []string) []string {
			return append(s, filepath.Join(s[0], results.RunsFile))
		}, false, "runs.jsonl: not a fanbench results folder (not a directory)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			shards := writeShards(t, root, mergeSpec, 3, noLabel, peak(1))
			dirs := tt.dirs(t, root, shards)
			m, err := CheckShards(dirs, tt.allow)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "":
				if tt.allow && !slices.Equal(m.Record().Missing, []int{3}) {
					t.Errorf("record %+v: want shard 3 missing", m.Record())
				}
			case err == nil:
				t.Fatalf("merged, want an error holding %q", tt.want)
			case !strings.Contains(oneLineErr(t, err), tt.want):
				t.Errorf("error %q, want it to hold %q", err, tt.want)
			}
		})
	}
}

// s1 is the folder name writeShards gives shard k, as errors name it.
func s1(k int) string { return "shard-" + string(rune('0'+k)) }

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b)+text)
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

// moveFirstRun moves the first record of from's runs.jsonl to the end
// of to's.
func moveFirstRun(t *testing.T, from, to string) {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(from, results.RunsFile))
	first, rest, _ := strings.Cut(string(b), "\n")
	var r results.Run
	if err := json.Unmarshal([]byte(first), &r); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(from, results.RunsFile), rest)
	appendFile(t, filepath.Join(to, results.RunsFile), first+"\n")
}
