package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// machineRow is one row of the report's machines table.
type machineRow struct {
	Label, Shards, CPU, Cores, Kernel, Go string
	Runs                                  int
}

// machineRows are the machines table's rows; "—" marks a figure no
// env.json gives.
func machineRows(ms []chart.MachineInfo) []machineRow {
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
func machinesNote(ms []chart.MachineInfo) string {
	if len(ms) == 1 {
		return "Every measured run carries this machine's label."
	}
	return fmt.Sprintf("The runs were measured on %d machines. The verdict, the recommendation, the charts and the results tables "+
		"are per machine: each compares strategies on one machine's runs alone, and no test compares one machine with another. "+
		"Across machines, below, sets the cells measured on more than one machine side by side.", len(ms))
}

// machineLabels is "alpha, beta".
func machineLabels(ms []chart.MachineInfo) string {
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
func crossMachines(d *chart.Dataset, ms []chart.MachineInfo) *crossTable {
	t := &crossTable{}
	for _, m := range ms {
		t.Machines = append(t.Machines, m.Label)
	}
	t.Base, t.Others = t.Machines[0], t.Machines[1:]
	type key struct {
		f     chart.Facet // without the machine
		bench string
	}
	type cell struct {
		f       chart.Facet
		s       chart.Series
		p       chart.Point
		medians map[string]results.Summary
	}
	cells := map[key]*cell{}
	var order []*cell
	for _, f := range d.Facets() {
		f0 := f
		f0.Machine = ""
		for _, s := range d.Series(f) {
			for _, p := range d.Points(f, s) {
				v := chart.MetricTime.Values(d.Runs(f, s, p))
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
				c.medians[f.Machine] = chart.Summarize(v)
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
			return plotkit.LessStrategy(a.s.Strategy, b.s.Strategy)
		}
		return a.s.Knobs < b.s.Knobs
	})
	for _, c := range order {
		if len(c.medians) < 2 {
			continue
		}
		row := crossRow{Where: facetWords(c.f), Strategy: c.s.Label(), Size: plotkit.FormatBytes(float64(c.p.Size)), Workers: c.p.Workers}
		for _, m := range t.Machines {
			if sum, ok := c.medians[m]; ok {
				row.Medians = append(row.Medians, formatSummary(sum, plotkit.FormatSeconds))
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
		"within one machine.", 100*chart.Confidence, t.Base)
	if len(t.Rows) == 0 {
		t.Note = "No cell was measured on more than one machine: each cell of a spec belongs to one shard, so a merge of its " +
			"shards measures it on one machine only, and there is nothing to set side by side."
	}
	return t
}
