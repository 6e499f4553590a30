package chart

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/fanbench/fanbench/internal/results"
)

// The files of a merged folder (fanbench merge) that name each shard's
// machine: merge.json lists the shards and their labels, and
// shards/shard-K-of-N/env.json keeps each shard's environment.
const (
	mergeFile = "merge.json"
	shardsDir = "shards"
)

// MachineInfo is one machine of a results folder whose runs carry machine
// labels (a merge of shards, results.Run.Machine).
type MachineInfo struct {
	// Label is the label the machine's runs carry.
	Label string
	// Shards are the shards that ran on it ("1/3"), from merge.json;
	// none when the folder does not say.
	Shards []string
	// Env is the environment record of its first shard
	// (shards/shard-K-of-N/env.json); nil when the folder keeps none.
	Env *results.Environment
	// Runs counts its measured runs: successful and not warm-ups.
	Runs int
}

// mergeRecord is the part of merge.json that names each shard's machine.
type mergeRecord struct {
	N      int `json:"n"`
	Shards []struct {
		K       int    `json:"k"`
		Machine string `json:"machine"`
	} `json:"shards"`
}

// readMachines describes the machines the runs of the folder dir name, by
// label; nil when no run carries a label. merge.json and each shard's
// env.json may be absent (the machine's figures are then unknown), but
// not unreadable.
func readMachines(dir string, runs []results.Run) ([]MachineInfo, error) {
	labels := results.Machines(runs)
	if len(labels) == 0 {
		return nil, nil
	}
	slices.Sort(labels)
	out := make([]MachineInfo, len(labels))
	at := map[string]*MachineInfo{}
	for i, label := range labels {
		out[i].Label = label
		at[label] = &out[i]
	}
	for _, r := range runs {
		if r.Status == results.StatusOK && !r.Warmup && r.ElapsedSec > 0 {
			at[r.Machine].Runs++
		}
	}
	path := filepath.Join(dir, mergeFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("results folder %s: %w", dir, err)
	}
	var rec mergeRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, sh := range rec.Shards {
		m := at[sh.Machine]
		if m == nil {
			continue // a shard whose runs are all gone names no machine here
		}
		m.Shards = append(m.Shards, fmt.Sprintf("%d/%d", sh.K, rec.N))
		if m.Env != nil {
			continue
		}
		env, err := results.ReadEnv(filepath.Join(dir, shardsDir, fmt.Sprintf("shard-%d-of-%d", sh.K, rec.N), results.EnvFile))
		switch {
		case err == nil:
			m.Env = &env
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("results folder %s: %w", dir, err)
		}
	}
	return out, nil
}

// setMachines gives each machine's dataset (Dataset.Machines) the machine
// its shard's env.json describes, the zero Machine ("unknown CPU") where
// none does.
func (d *Dataset) setMachines(ms []MachineInfo) {
	for _, sub := range d.machines {
		for _, m := range ms {
			if m.Label == sub.Label && m.Env != nil {
				sub.Machine = results.MachineOf(*m.Env)
			}
		}
	}
}

// allByMachine builds every figure of each machine's dataset, in turn:
// each figure is one machine's, named and titled with its label
// (onMachine).
func allByMachine(subs []*Dataset) ([]*Figure, error) {
	labels := make([]string, len(subs))
	for i, sub := range subs {
		labels[i] = sub.Label
	}
	slugs := machineSlugs(labels)
	var figs []*Figure
	for i, sub := range subs {
		fs, err := All(sub)
		if err != nil {
			return nil, fmt.Errorf("machine %s: %w", sub.Label, err)
		}
		for _, f := range fs {
			onMachine(f, sub, slugs[i])
		}
		figs = append(figs, fs...)
	}
	return figs, nil
}

// onMachine marks a figure drawn from one machine's dataset: its file name
// gains "_machine-SLUG", its subtitle starts with "machine LABEL" (unless
// the label is the hardware the subtitle already ends with) and Machine is
// set.
func onMachine(f *Figure, d *Dataset, slug string) {
	f.Name += "_machine-" + slug
	f.Machine = d.Label
	if d.Label == d.Machine.Hardware() {
		return
	}
	tag := "machine " + d.Label
	if len([]rune(tag)) > maxCPULen {
		tag = string([]rune(tag)[:maxCPULen-1]) + "…"
	}
	if title, sub, ok := strings.Cut(f.Title, "\n"); ok {
		f.Title = title + "\n" + tag + " · " + sub
	} else {
		f.Title += "\n" + tag
	}
}

// machineSlugs are the labels as file-name fragments, made distinct where
// two labels slug alike ("a b" and "a_b"): the later gets "-2", "-3", ….
func machineSlugs(labels []string) []string {
	out := make([]string, len(labels))
	used := map[string]bool{}
	for i, l := range labels {
		s := Slug(l)
		for n := 2; used[s]; n++ {
			s = fmt.Sprintf("%s-%d", Slug(l), n)
		}
		used[s] = true
		out[i] = s
	}
	return out
}

// machineRow is one row of the report's machines table.
type machineRow struct {
	Label, Shards, CPU, Cores, Kernel, Go string
	Runs                                  int
}

// machineRows are the machines table's rows; "—" marks a figure no
// env.json gives.
func machineRows(ms []MachineInfo) []machineRow {
	var out []machineRow
	for _, m := range ms {
		row := machineRow{Label: m.Label, Shards: "—", CPU: "—", Cores: "—", Kernel: "—", Go: "—", Runs: m.Runs}
		if len(m.Shards) > 0 {
			row.Shards = strings.Join(m.Shards, ", ")
		}
		if e := m.Env; e != nil {
			hw := results.MachineOf(*e)
			row.CPU, row.Kernel, row.Go = orDash(strings.Join(strings.Fields(e.CPUModel), " ")), orDash(e.Kernel), orDash(e.GoVersion)
			if hw.Cores > 0 {
				row.Cores = fmt.Sprint(hw.Cores)
			}
			if hw.CPULimit > 0 {
				row.Cores += fmt.Sprintf(" (%d usable)", hw.CPULimit)
			}
		}
		out = append(out, row)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// machinesNote is the sentence under the machines table.
func machinesNote(ms []MachineInfo) string {
	if len(ms) == 1 {
		return "Every measured run carries this machine's label."
	}
	return fmt.Sprintf("The runs were measured on %d machines. The verdict, the recommendation, the charts and the results tables "+
		"are per machine: each compares strategies on one machine's runs alone, and no test compares one machine with another. "+
		"Across machines, below, sets the cells measured on more than one machine side by side.", len(ms))
}

// machineLabels is "alpha, beta".
func machineLabels(ms []MachineInfo) string {
	labels := make([]string, len(ms))
	for i, m := range ms {
		labels[i] = m.Label
	}
	return strings.Join(labels, ", ")
}

// machineHeadline is the verdict's headline, one per machine where the
// facets name machines: "On machine alpha: Use mmap …. On machine beta: …".
func machineHeadline(vs []FacetVerdict) string {
	if len(vs) == 0 || vs[0].Facet.Machine == "" {
		return headline(vs)
	}
	var parts []string
	for i := 0; i < len(vs); {
		j := i
		for j < len(vs) && vs[j].Facet.Machine == vs[i].Facet.Machine {
			j++
		}
		parts = append(parts, "On machine "+vs[i].Facet.Machine+": "+headline(vs[i:j]))
		i = j
	}
	return strings.Join(parts, " ")
}

// crossTable is the report's view across machines: each cell measured on
// two or more machines, its median time on each side by side, and each
// machine's median over the first machine's. Nothing in it is tested.
type crossTable struct {
	Machines []string // the column heads, by label
	Base     string   // the first machine: the ratios' denominator
	Others   []string // the machines after the first, one ratio column each
	Rows     []crossRow
	// Note says what the table shows, or why it has no rows.
	Note string
}

// crossRow is one cell of the cross-machine table.
type crossRow struct {
	Where, Strategy, Size string
	Workers               int
	Medians               []string // per machine: median ±CI, "—" where not measured
	Ratios                []string // per other machine: its median over Base's, "—" where either lacks one
}

// crossMachines builds the cross-machine table of a dataset whose facets
// name machines: a row for every cell (facet without the machine, and
// benchmark name) with a median time on two or more of the machines.
func crossMachines(d *Dataset, ms []MachineInfo) *crossTable {
	t := &crossTable{}
	for _, m := range ms {
		t.Machines = append(t.Machines, m.Label)
	}
	t.Base, t.Others = t.Machines[0], t.Machines[1:]
	type key struct {
		f     Facet // without the machine
		bench string
	}
	type cell struct {
		f       Facet
		s       Series
		p       Point
		medians map[string]results.Summary
	}
	cells := map[key]*cell{}
	var order []*cell
	for _, f := range d.Facets() {
		f0 := f
		f0.Machine = ""
		for _, s := range d.Series(f) {
			for _, p := range d.Points(f, s) {
				v := MetricTime.Values(d.Runs(f, s, p))
				if len(v) == 0 {
					continue
				}
				k := key{f0, results.BenchName(d.Runs(f, s, p)[0].Cell)}
				c := cells[k]
				if c == nil {
					c = &cell{f: f0, s: s, p: p, medians: map[string]results.Summary{}}
					cells[k] = c
					order = append(order, c)
				}
				c.medians[f.Machine] = Summarize(v)
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		switch {
		case a.f != b.f:
			return facetWords(a.f) < facetWords(b.f)
		case a.p.Size != b.p.Size:
			return a.p.Size < b.p.Size
		case a.p.Workers != b.p.Workers:
			return a.p.Workers < b.p.Workers
		case a.s.Strategy != b.s.Strategy:
			return LessStrategy(a.s.Strategy, b.s.Strategy)
		}
		return a.s.Knobs < b.s.Knobs
	})
	for _, c := range order {
		if len(c.medians) < 2 {
			continue
		}
		row := crossRow{Where: facetWords(c.f), Strategy: c.s.Label(), Size: FormatBytes(float64(c.p.Size)), Workers: c.p.Workers}
		for _, m := range t.Machines {
			if sum, ok := c.medians[m]; ok {
				row.Medians = append(row.Medians, formatSummary(sum, FormatSeconds))
			} else {
				row.Medians = append(row.Medians, "—")
			}
		}
		base, hasBase := c.medians[t.Base]
		for _, m := range t.Others {
			sum, ok := c.medians[m]
			if !ok || !hasBase || base.Median <= 0 {
				row.Ratios = append(row.Ratios, "—")
				continue
			}
			row.Ratios = append(row.Ratios, formatRatio(sum.Median/base.Median))
		}
		t.Rows = append(t.Rows, row)
	}
	t.Note = fmt.Sprintf("Each cell measured on more than one machine: its median time (sec/op) with its %.0f%% interval on each, "+
		"and each machine's median over %s's (above 1: slower there). The machines differ in hardware and load and their runs "+
		"were not interleaved, so a ratio here compares the machines, not the strategies; the verdicts compare strategies "+
		"within one machine.", 100*Confidence, t.Base)
	if len(t.Rows) == 0 {
		t.Note = "No cell was measured on more than one machine: each cell of a spec belongs to one shard, so a merge of its " +
			"shards measures it on one machine only, and there is nothing to set side by side."
	}
	return t
}
