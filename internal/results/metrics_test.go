package results

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/fanbench/fanbench/internal/testenv"
)

// TestCatalogueRealRuns writes results.bench for real run records and
// checks it against the catalogue both ways: every unit written has an
// entry that says it is written (Bench), every such entry is written for
// some run, and each entry's value (Metric.Of) is the value written.
//
// testdata/catalogue-runs.jsonl is the runs.jsonl of
// `fanbench run testdata/catalogue-runs.toml` on the development machine
// (cgroup v1, PSS sampled): ranges and chan with collect=channel in both
// modes, which between them measure every results.bench figure.
func TestCatalogueRealRuns(t *testing.T) {
	runs, torn, err := ReadRuns("testdata/catalogue-runs.jsonl")
	if err != nil || torn != 0 || len(runs) != 4 {
		t.Fatalf("read %d runs (torn %d): %v", len(runs), torn, err)
	}
	var buf bytes.Buffer
	if err := WriteBench(&buf, Environment{GOOS: "linux"}, runs); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "# warning:") {
		t.Errorf("warnings for real runs:\n%s", buf.String())
	}
	written := map[string]bool{}
	rd := benchfmt.NewReader(&buf, BenchFile)
	i := 0
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		if i >= len(runs) {
			t.Fatalf("more results than runs")
		}
		for _, v := range res.Values {
			written[v.Unit] = true
			m, ok := Lookup(v.Unit)
			switch {
			case !ok:
				t.Errorf("results.bench unit %q has no catalogue entry", v.Unit)
			case !m.Bench:
				t.Errorf("results.bench unit %q: its entry says results.bench does not carry it", v.Unit)
			default:
				if got, ok := m.Of(runs[i]); !ok || got != v.Value {
					t.Errorf("run %d: %s.Of = %v, %v; results.bench has %v", i, v.Unit, got, ok, v.Value)
				}
			}
		}
		i++
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	for _, u := range Units() {
		if !written[u] {
			t.Errorf("catalogue unit %q is written for none of the real runs", u)
		}
	}
}

// TestDerivedMetrics checks the catalogue's derived figures on hand-built
// runs against values worked out by hand.
func TestDerivedMetrics(t *testing.T) {
	process := Run{Cell: Cell{Mode: "process"}, Memory: Memory{PeakRSS: 50, PSS: 30},
		Workers:   []Memory{{PSS: 5}, {PSS: 7}},
		TreePeaks: []TreePeak{{Bytes: 90, Source: SourceSampledRSS}, {Bytes: 120, Source: SourceSumHWM}},
		Samples:   []Sample{{PSS: 40}}}
	goroutine := Run{Cell: Cell{Mode: "goroutine"}, Memory: Memory{PeakRSS: 50, PSS: 30},
		TreePeaks: []TreePeak{{Bytes: 0, Source: SourceCgroupV2}, {Bytes: 60, Source: SourceCgroupV1}, {Bytes: 45, Source: SourceSampledPSS}}}
	noWorkers := Run{Cell: Cell{Mode: "process"}, Memory: Memory{PSS: 30}}
	tests := []struct {
		metric string
		run    Run
		want   float64 // 0: none
	}{
		{UnitPSS, process, 30},          // the parent's own end-of-run PSS
		{UnitPeakPSS, process, 40},      // the sampled (tree) PSS is larger
		{UnitTreePSSSum, process, 42},   // 30 + 5 + 7
		{UnitPSSSum, process, 42},       // the same in process mode
		{UnitTreePSSSum, goroutine, 30}, // the one process
		{UnitPSSSum, goroutine, 0},      // results.bench has it in process mode only
		{UnitTreePSSSum, noWorkers, 0},  // workers' figures missing
		{UnitTreePeak, process, 120},    // no cgroup: the sum of VmHWM before a sampled total
		{UnitTreePeak, goroutine, 60},   // the cgroup's (v1; the v2 figure is 0)
		{UnitTreeCgroup, goroutine, 60}, // the first positive cgroup figure
		{UnitSumHWM, process, 120},      // the tree's sum of VmHWM
		{UnitSumHWM, goroutine, 50},     // the one process's VmHWM
		{UnitSumHWM, noWorkers, 0},      // no tree-peak-sumhwm-B
		{UnitTreePeak, Run{TreePeaks: []TreePeak{{Bytes: 5, Source: "guess"}}}, 0}, // unknown source: not in results.bench either
	}
	for _, tt := range tests {
		got, ok := MustLookup(tt.metric).Of(tt.run)
		if tt.want == 0 {
			if ok {
				t.Errorf("%s of %s run = %v, want none", tt.metric, tt.run.Cell.Mode, got)
			}
			continue
		}
		if !ok || got != tt.want {
			t.Errorf("%s of %s run = %v, %v; want %v", tt.metric, tt.run.Cell.Mode, got, ok, tt.want)
		}
	}
}

// TestCatalogueEntries checks what every entry must say, and the
// directions and kinds written out by hand here.
func TestCatalogueEntries(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Catalogue {
		if seen[m.Name] {
			t.Errorf("%s: two entries", m.Name)
		}
		seen[m.Name] = true
		if m.Label == "" || m.Source == "" || m.Meaning == "" || m.value == nil {
			t.Errorf("%s: label %q, source %q, meaning %q, value set %v", m.Name, m.Label, m.Source, m.Meaning, m.value != nil)
		}
		if strings.HasSuffix(m.Name, "-B") != (m.Kind == KindBytes) {
			t.Errorf("%s: kind %v; byte units, and only they, end in -B", m.Name, m.Kind)
		}
	}
	for unit, want := range map[string]bool{"B/s": true, "sec/op": false, "peak-RSS-B": false, "allocs": false, "MB/s": true, "ns/op": false} {
		if got := IsHigherBetter(unit); got != want {
			t.Errorf("IsHigherBetter(%q) = %v, want %v", unit, got, want)
		}
	}
	for unit, want := range map[string]Kind{"sec/op": KindTime, "cpu-sec": KindTime, "B/s": KindRate, "copy-B": KindBytes,
		"reads": KindCount, "other-sec": KindTime, "other-B": KindBytes, "ns/op": KindCount} {
		if got := KindOf(unit); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", unit, got, want)
		}
	}
}

// TestREADMEMetrics: the metric table of docs/reference.md (moved there
// from the README) is the catalogue's (MetricTable).
func TestREADMEMetrics(t *testing.T) {
	table := testenv.READMESection(t, "../../docs/reference.md", "<!-- metrics: generated from the catalogue by results.MetricTable -->\n", "<!-- end of metrics -->\n")
	want := MetricTable()
	if !strings.Contains(want, "| `peak-PSS-B` | B | lower | yes | ") || !strings.Contains(want, "| `B/s` | B/s | higher | yes | ") {
		t.Errorf("MetricTable:\n%s", want)
	}
	if table != want {
		t.Errorf("docs/reference.md's metric table is not the catalogue's; put this between the markers:\n%s", want)
	}
}
