package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// Shard is one of N parts of an experiment's planned runs: K counts from
// 1 to N. `fanbench run --shard K/N` runs shard K; `fanbench merge` joins
// the N folders.
type Shard struct {
	K int `json:"k"`
	N int `json:"n"`
}

// String is "K/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// ParseShard parses "K/N" with 1 ≤ K ≤ N.
func ParseShard(text string) (Shard, error) {
	ks, ns, ok := strings.Cut(text, "/")
	k, errK := strconv.Atoi(ks)
	n, errN := strconv.Atoi(ns)
	if !ok || errK != nil || errN != nil || n < 1 || k < 1 || k > n {
		return Shard{}, fmt.Errorf("%q: want K/N with 1 <= K <= N (shard K of N, counted from 1)", text)
	}
	return Shard{K: k, N: n}, nil
}

// ShardFileName records, in a shard's results folder, which shard of which
// spec it holds and the machine it ran on.
const ShardFileName = "shard.json"

// ShardRecord is a shard folder's shard.json.
type ShardRecord struct {
	Shard
	// SpecSHA256 is the SHA-256 of the spec text (hex), which every shard
	// of one experiment shares.
	SpecSHA256 string `json:"spec_sha256"`
	// Machine is the label the run was given (--machine or
	// FANBENCH_MACHINE); "" when none was: merge then labels the shard's
	// runs with its env.json's hardware (CPU model and cores).
	Machine string `json:"machine,omitempty"`
	// Cells are the benchmark names of the shard's cells, in spec order.
	Cells []string `json:"cells"`
}

// WriteShardRecord writes dir's shard.json.
func WriteShardRecord(dir string, rec ShardRecord) error {
	b, _ := json.MarshalIndent(rec, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, ShardFileName), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save shard record: %w", err)
	}
	return nil
}

// ReadShardRecord reads dir's shard.json; the error wraps fs.ErrNotExist
// for a folder that is no shard's.
func ReadShardRecord(dir string) (ShardRecord, error) {
	path := filepath.Join(dir, ShardFileName)
	b, err := os.ReadFile(path)
	if err != nil {
		return ShardRecord{}, fmt.Errorf("read shard record: %w", err)
	}
	var rec ShardRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return ShardRecord{}, fmt.Errorf("%s: not a valid shard record: %w", path, err)
	}
	if rec.N < 1 || rec.K < 1 || rec.K > rec.N || rec.SpecSHA256 == "" {
		return ShardRecord{}, fmt.Errorf("%s: not a valid shard record (shard %s, spec hash %q)", path, rec.Shard, rec.SpecSHA256)
	}
	return rec, nil
}

// readShardIfAny is dir's shard record, or nil when dir has none.
func readShardIfAny(dir string) (*ShardRecord, error) {
	rec, err := ReadShardRecord(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &rec, nil
}

// CompareGroups partitions the cells into comparison groups: the cells a
// chart, a verdict or a claim compares on one machine, which a shard keeps
// together. Cells of one facet and size (workload, mode, page-cache state,
// size: every strategy, worker count and knob) form a group, as the
// verdict compares strategies within a size; a reference command's cells
// join every goroutine and process group of their workload, cache state
// and size (the tables set them beside those); and any two cells a
// claim's where and vs connect are joined, with their groups (a claim
// across sizes keeps them on one shard). It returns
// each cell's group number, groups numbered from 0 in order of their first
// cell, and the number of groups.
func CompareGroups(sp *spec.Spec, cells []spec.Cell) (group []int, n int) {
	parent := make([]int, len(cells))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	union := func(a, b int) {
		if ra, rb := find(a), find(b); ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	facet := func(c spec.Cell) string {
		r := c.Record()
		return r.Workload + "\x00" + r.Mode + "\x00" + c.Cache.String() + "\x00" + strconv.FormatInt(c.Size, 10)
	}
	first := map[string]int{}
	for i, c := range cells {
		if j, ok := first[facet(c)]; ok {
			union(i, j)
		} else {
			first[facet(c)] = i
		}
	}
	for i, ref := range cells {
		if ref.Ref == nil {
			continue
		}
		for j, c := range cells {
			if c.Ref == nil && c.Workload.Name == ref.Workload.Name && c.Cache == ref.Cache && c.Size == ref.Size {
				union(i, j)
			}
		}
	}
	records := make([]results.Cell, len(cells))
	for i, c := range cells {
		records[i] = c.Record()
	}
	for _, cl := range sp.Claims {
		for i, r := range records {
			if !cl.Selects(r) {
				continue
			}
			for _, j := range cl.Compared(r, records) {
				union(i, j)
			}
		}
	}
	group = make([]int, len(cells))
	number := map[int]int{}
	for i := range cells {
		r := find(i)
		if _, ok := number[r]; !ok {
			number[r] = len(number)
		}
		group[i] = number[r]
	}
	return group, len(number)
}

// modelRun is the rough model's duration of one run of cell c (see
// RoughModel): what shards are balanced by, since it depends on the spec
// alone, so that every machine splits a spec the same way.
func modelRun(sp *spec.Spec, c spec.Cell) time.Duration {
	rate := modelWarmRate
	if c.Cache == spec.Cold {
		rate = modelColdRate
	}
	if c.Workload.Name == "parse" {
		rate = min(rate, modelParseRate)
	}
	return modelRunFixed + time.Duration(float64(c.Size)/rate*float64(time.Second))
}

// ShardCells assigns each cell to a shard from 1 to n: comparison groups
// (CompareGroups) whole, balanced by the rough model's estimated duration
// of one run of each of their cells (every cell has the same repetitions),
// the longest group first into the least loaded shard (the lowest-numbered
// among equals; groups of equal weight in order of their first cell). It
// depends on the spec alone, not on the machine or past results, so every
// runner of a shard computes the same split. It refuses more shards than
// groups: a shard would have nothing to run.
func ShardCells(sp *spec.Spec, cells []spec.Cell, n int) ([]int, error) {
	group, ngroups := CompareGroups(sp, cells)
	if n > ngroups {
		return nil, fmt.Errorf("%d shards, but the spec has only %d comparison groups (the cells one chart or claim compares stay on one shard): give at most %d", n, ngroups, ngroups)
	}
	weight := make([]time.Duration, ngroups)
	for i, c := range cells {
		weight[group[i]] += modelRun(sp, c)
	}
	order := make([]int, ngroups)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case weight[a] > weight[b]:
			return -1
		case weight[a] < weight[b]:
			return 1
		}
		return 0
	})
	load := make([]time.Duration, n)
	shardOf := make([]int, ngroups)
	for _, g := range order {
		least := 0
		for k := 1; k < n; k++ {
			if load[k] < load[least] {
				least = k
			}
		}
		load[least] += weight[g]
		shardOf[g] = least + 1
	}
	out := make([]int, len(cells))
	for i := range cells {
		out[i] = shardOf[group[i]]
	}
	return out, nil
}

// writeShard prints which shard the plan holds and its cells, and returns
// the number of its cells.
func (p *RunPlan) writeShard(w io.Writer) int {
	group, ngroups := CompareGroups(p.Spec, p.Cells)
	var names []string
	groups := map[int]bool{}
	for i, c := range p.Cells {
		if p.InShard(i) {
			names = append(names, c.Name())
			groups[group[i]] = true
		}
	}
	fmt.Fprintf(w, "shard: %s of spec sha256:%s: %d of %d comparison groups, %d of %d cells:\n",
		p.Shard, p.Spec.SHA256(), len(groups), ngroups, len(names), len(p.Cells))
	for _, n := range names {
		fmt.Fprintf(w, "  %s\n", n)
	}
	return len(names)
}

// ShardRecordOf is the shard record of a plan built by BuildShardPlan,
// labelled with machine ("" for none).
func (p *RunPlan) ShardRecordOf(machine string) ShardRecord {
	rec := ShardRecord{Shard: *p.Shard, SpecSHA256: p.Spec.SHA256(), Machine: machine, Cells: []string{}}
	for i, c := range p.Cells {
		if p.InShard(i) {
			rec.Cells = append(rec.Cells, c.Name())
		}
	}
	return rec
}

// claimsOn are the claims whose where selects one of cells: a shard's
// folder judges those alone, and merge judges every claim over all the
// shards' runs.
func claimsOn(claims []spec.Claim, cells []results.Cell) []spec.Claim {
	var out []spec.Claim
	for _, c := range claims {
		if slices.ContainsFunc(cells, func(cell results.Cell) bool { return c.Selects(cell) }) {
			out = append(out, c)
		}
	}
	return out
}

// shardClaims are the spec's claims a shard's folder judges (claimsOn its
// cells); every claim when the plan is not a shard's.
func (p *RunPlan) shardClaims() []spec.Claim {
	if p.Shard == nil {
		return p.Spec.Claims
	}
	var cells []results.Cell
	for i, c := range p.Cells {
		if p.InShard(i) {
			cells = append(cells, c.Record())
		}
	}
	return claimsOn(p.Spec.Claims, cells)
}

// folderClaims are the claims of spec a results folder judges: for a
// shard's folder (shard.json), those on its recorded cells.
func folderClaims(dir string, sp *spec.Spec) []spec.Claim {
	rec, err := readShardIfAny(dir)
	if err != nil || rec == nil {
		return sp.Claims
	}
	var cells []results.Cell
	for _, c := range sp.Cells() {
		if slices.Contains(rec.Cells, c.Name()) {
			cells = append(cells, c.Record())
		}
	}
	return claimsOn(sp.Claims, cells)
}
