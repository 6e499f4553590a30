package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// MergeFileName records, in a folder fanbench merge wrote, the shards it
// joined and those it was allowed to go without.
const MergeFileName = "merge.json"

// ShardsDir is the folder of a merged folder that keeps each shard's
// env.json, shard.json and plan.json, as shard-K-of-N/.
const ShardsDir = "shards"

// MergeRecord is a merged folder's merge.json.
type MergeRecord struct {
	SpecSHA256 string         `json:"spec_sha256"`
	N          int            `json:"n"`
	Shards     []MergedShard  `json:"shards"`
	Missing    []int          `json:"missing,omitempty"` // shards absent (--allow-missing)
	Incomplete map[int]string `json:"incomplete,omitempty"`
	// AllowMissing is set when merge was told to go without shards or
	// runs (--allow-missing).
	AllowMissing bool `json:"allow_missing,omitempty"`
	// Runs is the number of runs merged, Planned the whole plan's.
	Runs    int `json:"runs"`
	Planned int `json:"planned"`
}

// MergedShard is one shard a merge joined.
type MergedShard struct {
	K       int    `json:"k"`
	Source  string `json:"source"`  // the shard's folder, absolute
	Machine string `json:"machine"` // the label its runs carry
	Runs    int    `json:"runs"`
}

// shardFolder is one shard folder a merge reads.
type shardFolder struct {
	dir     string
	rec     ShardRecord
	spec    []byte
	plan    planSettings
	env     results.Environment
	runs    []results.Run
	machine string
}

// MergeSet is shard folders checked to be one experiment's, ready to be
// written as one results folder.
type MergeSet struct {
	spec    *spec.Spec
	shards  []*shardFolder // by K
	runs    []results.Run  // every run, in the whole plan's order, labelled
	record  MergeRecord
	planned int
}

// CheckShards reads the shard folders dirs and checks that they are the
// shards of one experiment (one spec, by hash; one N; one plan's
// settings), each given once, each holding only its own shard's runs, no
// run in two; that every shard is there and complete, unless
// allowMissing. Each error names the folder and the reason.
func CheckShards(dirs []string, allowMissing bool) (*MergeSet, error) {
	if len(dirs) == 0 {
		return nil, errors.New("no shard folders given")
	}
	var shards []*shardFolder
	for _, d := range dirs {
		sf, err := readShardFolder(d)
		if err != nil {
			return nil, err
		}
		for _, o := range shards {
			if same(o.dir, sf.dir) {
				return nil, fmt.Errorf("%s: given twice (as %s)", d, o.dir)
			}
		}
		shards = append(shards, sf)
	}
	first := shards[0]
	for _, sf := range shards[1:] {
		switch {
		case sf.rec.SpecSHA256 != first.rec.SpecSHA256:
			return nil, fmt.Errorf("%s: a shard of another spec (sha256:%s) than %s's (sha256:%s)",
				sf.dir, short(sf.rec.SpecSHA256), first.dir, short(first.rec.SpecSHA256))
		case sf.rec.N != first.rec.N:
			return nil, fmt.Errorf("%s: shard %s, but %s is shard %s: one experiment has one N", sf.dir, sf.rec.Shard, first.dir, first.rec.Shard)
		case sf.plan.Repetitions != first.plan.Repetitions || sf.plan.Warmup != first.plan.Warmup || sf.plan.Seed != first.plan.Seed:
			return nil, fmt.Errorf("%s: repetitions %d, warm-ups %d, seed %d, but %s has %d, %d, %d (plan.json): the shards planned different runs",
				sf.dir, sf.plan.Repetitions, sf.plan.Warmup, sf.plan.Seed, first.dir, first.plan.Repetitions, first.plan.Warmup, first.plan.Seed)
		}
	}
	byK := map[int]*shardFolder{}
	for _, sf := range shards {
		if o := byK[sf.rec.K]; o != nil {
			return nil, fmt.Errorf("%s and %s are both shard %s", o.dir, sf.dir, sf.rec.Shard)
		}
		byK[sf.rec.K] = sf
	}
	sp, err := spec.Parse(filepath.Join(first.dir, SpecCopyName), first.spec)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", first.dir, err)
	}
	sp.Repetitions, sp.Warmup, sp.Seed = first.plan.Repetitions, first.plan.Warmup, first.plan.Seed
	m := &MergeSet{spec: sp, record: MergeRecord{SpecSHA256: first.rec.SpecSHA256, N: first.rec.N, AllowMissing: allowMissing}}
	if err := m.place(shards, byK, allowMissing); err != nil {
		return nil, err
	}
	return m, nil
}

// place checks each shard's runs against the whole plan and the shard
// split, and orders them all by the whole plan.
func (m *MergeSet) place(shards []*shardFolder, byK map[int]*shardFolder, allowMissing bool) error {
	sp, n := m.spec, m.record.N
	cells := sp.Cells()
	shardOf, err := ShardCells(sp, cells, n)
	if err != nil {
		return fmt.Errorf("%s: %w", shards[0].dir, err)
	}
	order := Plan(PairGroups(cells), sp.Repetitions, sp.Warmup, sp.Seed)
	m.planned = len(order)
	position := map[string]int{}
	plannedOf := make([]int, n+1)
	for i, p := range order {
		position[runKey(cells[p.Cell].Record(), p.Rep, p.Warmup)] = i
		plannedOf[shardOf[p.Cell]]++
	}
	at := map[int]results.Run{}
	from := map[int]string{}
	for k := 1; k <= n; k++ {
		sf := byK[k]
		if sf == nil {
			m.record.Missing = append(m.record.Missing, k)
			continue
		}
		m.shards = append(m.shards, sf)
		for _, r := range sf.runs {
			key := runKey(r.Cell, r.Rep, r.Warmup)
			i, ok := position[key]
			if !ok {
				return fmt.Errorf("%s: run %s (rep %d) is not a run of the spec's plan", sf.dir, results.BenchName(r.Cell), r.Rep)
			}
			if got := shardOf[order[i].Cell]; got != k {
				return fmt.Errorf("%s: run %s (rep %d) belongs to shard %d/%d, not to this folder's %s", sf.dir, results.BenchName(r.Cell), r.Rep, got, n, sf.rec.Shard)
			}
			if o, dup := from[i]; dup {
				return fmt.Errorf("overlapping runs: %s and %s both hold run %s (rep %d)", o, sf.dir, results.BenchName(r.Cell), r.Rep)
			}
			r.Order, r.Machine = i, sf.machine
			at[i], from[i] = r, sf.dir
		}
		m.record.Shards = append(m.record.Shards, MergedShard{K: k, Source: sf.dir, Machine: sf.machine, Runs: len(sf.runs)})
	}
	// Whether each shard is complete, once every run is known to be its
	// own shard's.
	for _, sf := range m.shards {
		k, recorded := sf.rec.K, len(sf.runs)
		if recorded < plannedOf[k] {
			why := fmt.Sprintf("incomplete: %d of %d runs", recorded, plannedOf[k])
			if !allowMissing {
				return fmt.Errorf("%s: shard %s is %s (finish it with fanbench run --resume %s, or give --allow-missing)", sf.dir, sf.rec.Shard, why, sf.dir)
			}
			if m.record.Incomplete == nil {
				m.record.Incomplete = map[int]string{}
			}
			m.record.Incomplete[k] = why
		}
	}
	if len(m.record.Missing) > 0 && !allowMissing {
		return fmt.Errorf("missing shards: %s (give every shard's folder, or --allow-missing)", joinShards(m.record.Missing, n))
	}
	keys := make([]int, 0, len(at))
	for i := range at {
		keys = append(keys, i)
	}
	sort.Ints(keys)
	for _, i := range keys {
		m.runs = append(m.runs, at[i])
	}
	m.record.Runs, m.record.Planned = len(m.runs), m.planned
	return nil
}

// readShardFolder reads one shard folder, refusing one that is no
// fanbench results folder, or no shard's.
func readShardFolder(dir string) (*shardFolder, error) {
	notResults := func(why string) error { return fmt.Errorf("%s: not a fanbench results folder (%s)", dir, why) }
	st, err := os.Stat(dir)
	if err != nil {
		return nil, notResults(errors.Unwrap(err).Error())
	}
	if !st.IsDir() {
		return nil, notResults("not a directory")
	}
	sf := &shardFolder{dir: dir}
	if sf.spec, err = os.ReadFile(filepath.Join(dir, SpecCopyName)); err != nil {
		return nil, notResults("no readable " + SpecCopyName)
	}
	if _, err := os.Stat(filepath.Join(dir, results.RunsFile)); err != nil {
		return nil, notResults("no " + results.RunsFile)
	}
	rec, err := ReadShardRecord(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: a results folder, but not a shard's (no %s: run the spec with --shard K/N)", dir, ShardFileName)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	sf.rec = rec
	if got := spec.SourceSHA256(sf.spec); got != rec.SpecSHA256 {
		return nil, fmt.Errorf("%s: %s (sha256:%s) is not the spec %s names (sha256:%s)", dir, SpecCopyName, short(got), ShardFileName, short(rec.SpecSHA256))
	}
	b, err := os.ReadFile(filepath.Join(dir, PlanFileName))
	if err != nil {
		return nil, notResults("no readable " + PlanFileName)
	}
	if err := json.Unmarshal(b, &sf.plan); err != nil || sf.plan.Repetitions < 1 || sf.plan.Warmup < 0 {
		return nil, fmt.Errorf("%s: not valid plan settings", filepath.Join(dir, PlanFileName))
	}
	d := results.Dir{Path: dir}
	if sf.env, err = results.ReadEnv(d.EnvPath()); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if sf.runs, _, err = results.ReadRuns(d.RunsPath()); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	for _, r := range sf.runs {
		if r.Cell.Arm != "" {
			return nil, fmt.Errorf("%s: its runs name arms: an A/B comparison's, not a shard's", dir)
		}
	}
	sf.machine = rec.Machine
	if sf.machine == "" {
		sf.machine = results.MachineOf(sf.env).Hardware()
	}
	return sf, nil
}

// same reports whether the folders a and b are one.
func same(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

func short(hash string) string { return hash[:min(12, len(hash))] }

// joinShards lists shards ks of n: "2/3, 3/3".
func joinShards(ks []int, n int) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = Shard{K: k, N: n}.String()
	}
	return strings.Join(s, ", ")
}

// Runs are the merged runs, in the whole plan's order, each labelled with
// its machine.
func (m *MergeSet) Runs() []results.Run { return m.runs }

// Spec is the experiment's spec, with the shards' plan settings.
func (m *MergeSet) Spec() *spec.Spec { return m.spec }

// Record is what merge.json records.
func (m *MergeSet) Record() MergeRecord { return m.record }

// Write writes the merged results folder out, which must not exist:
// runs.jsonl (every shard's runs in the whole plan's order, Run.Order
// their position in it, each labelled with its machine), spec.toml,
// plan.json (counting the whole plan's runs, so that a merge with shards
// missing reads as incomplete), env.json (the first shard's) and each
// shard's env.json, shard.json and plan.json under shards/, merge.json,
// results.bench and claims.json (judged per machine). It returns the
// verdicts.
func (m *MergeSet) Write(out string) ([]results.ClaimResult, error) {
	d, err := results.CreateNewDir(out)
	if err != nil {
		return nil, err
	}
	first := m.shards[0]
	if err := os.WriteFile(filepath.Join(out, SpecCopyName), first.spec, 0o644); err != nil {
		return nil, fmt.Errorf("save spec copy: %w", err)
	}
	if err := savePlan(out, m.spec, first.plan.FixtureDir, m.planned); err != nil {
		return nil, err
	}
	for _, sf := range m.shards {
		sub := filepath.Join(out, ShardsDir, fmt.Sprintf("shard-%d-of-%d", sf.rec.K, sf.rec.N))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return nil, fmt.Errorf("merge: %w", err)
		}
		for _, name := range []string{results.EnvFile, ShardFileName, PlanFileName} {
			b, err := os.ReadFile(filepath.Join(sf.dir, name))
			if err != nil {
				return nil, fmt.Errorf("merge: %w", err)
			}
			if err := os.WriteFile(filepath.Join(sub, name), b, 0o644); err != nil {
				return nil, fmt.Errorf("merge: %w", err)
			}
		}
	}
	b, _ := json.MarshalIndent(m.record, "", "  ")
	if err := os.WriteFile(filepath.Join(out, MergeFileName), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if err := results.WriteEnv(d.EnvPath(), first.env); err != nil {
		return nil, err
	}
	log, err := results.OpenRunLog(d.RunsPath())
	if err != nil {
		return nil, err
	}
	for _, r := range m.runs {
		if err := log.Append(r); err != nil {
			log.Close()
			return nil, fmt.Errorf("merge: %w", err)
		}
	}
	if err := log.Close(); err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if err := d.WriteBench(first.env, m.runs); err != nil {
		return nil, err
	}
	verdicts := spec.EvaluateClaimsByMachine(m.spec.Claims, m.runs)
	if err := results.WriteClaims(d.ClaimsPath(), verdicts); err != nil {
		return nil, err
	}
	return verdicts, nil
}

// Machines are the machine labels of the merged runs, in order.
func (m *MergeSet) Machines() []string {
	return results.Machines(m.runs)
}

// Gaps lists the shards a merge went without and the incomplete ones:
// "3/3; shard 1/3 incomplete: 4 of 8 runs" ("none" before the incomplete
// ones when no shard is absent).
func (r MergeRecord) Gaps() string {
	s := "none"
	if len(r.Missing) > 0 {
		s = joinShards(r.Missing, r.N)
	}
	for _, k := range slices.Sorted(maps.Keys(r.Incomplete)) {
		s += fmt.Sprintf("; shard %d/%d %s", k, r.N, r.Incomplete[k])
	}
	return s
}
