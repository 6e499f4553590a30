package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// Columns are the metrics of the results table, in order; each column's
// title is the metric's label.
var Columns = []chart.DisplayMetric{chart.MetricTime, chart.MetricThroughput, chart.MetricPeakRSS, chart.MetricPSS, chart.MetricTreePeak, chart.MetricAlloc, chart.MetricGC}

// TableRow is one cell of the results table: a median ± CI per column, "" where
// the cell lacks the metric.
type TableRow struct {
	Strategy string
	Size     string
	Workers  int
	N        int
	Bench    string // the cell's name in results.bench
	Values   []string
}

// Table is the results table of one facet.
type Table struct {
	Facet chart.Facet
	Rows  []TableRow
}

// formatSummary prints a median with its interval in the benchstat style:
// "1.52 s ±3%", "±∞" when there are too few runs for an interval.
func formatSummary(s results.Summary, format func(float64) string) string {
	return format(s.Median) + " ±" + s.PctRange()
}

// Tables builds the results table of every facet: rows by size, workers,
// then strategy.
func Tables(d *chart.Dataset) []Table {
	var out []Table
	for _, f := range d.Facets() {
		t := Table{Facet: f}
		type key struct {
			s chart.Series
			p chart.Point
		}
		var keys []key
		for _, s := range d.Series(f) {
			for _, p := range d.Points(f, s) {
				keys = append(keys, key{s, p})
			}
		}
		sort.SliceStable(keys, func(i, j int) bool {
			a, b := keys[i], keys[j]
			if a.p.Size != b.p.Size {
				return a.p.Size < b.p.Size
			}
			return a.p.Workers < b.p.Workers
		})
		for _, k := range keys {
			runs := d.Runs(f, k.s, k.p)
			bench := results.BenchName(runs[0].Cell)
			if f.Machine != "" {
				bench = results.MachineName(bench, f.Machine) // as results.bench names it
			}
			row := TableRow{Strategy: k.s.Label(), Size: plotkit.FormatBytes(float64(k.p.Size)), Workers: k.p.Workers,
				N: len(runs), Bench: "Benchmark" + bench}
			for _, c := range Columns {
				if sum, ok := d.Summary(f, k.s, k.p, c); ok {
					row.Values = append(row.Values, formatSummary(sum, c.Format))
				} else {
					row.Values = append(row.Values, "")
				}
			}
			t.Rows = append(t.Rows, row)
		}
		out = append(out, t)
	}
	return out
}

// EnvField is one field of the environment record, as JSON text.
type EnvField struct{ Key, Value string }

// EnvFields lists the environment record's fields in their JSON order,
// strings unquoted and other values as compact JSON.
func EnvFields(env results.Environment) ([]EnvField, error) {
	raw, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil, fmt.Errorf("environment: %w", err)
	}
	var out []EnvField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("environment: %w", err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("environment %s: %w", key, err)
		}
		val := string(v)
		var s string
		if json.Unmarshal(v, &s) == nil {
			val = s
		}
		out = append(out, EnvField{Key: key, Value: val})
	}
	return out, nil
}
