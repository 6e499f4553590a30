package chart

import (
	"math"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/look"
	"github.com/fanbench/fanbench/internal/results"
)

func TestLog2BytesTicks(t *testing.T) {
	var labels []string
	minor := 0
	for _, tk := range (Log2BytesTicks{}).Ticks(MiB, GiB) {
		if tk.Label == "" {
			minor++
			continue
		}
		labels = append(labels, tk.Label)
	}
	if got, want := strings.Join(labels, ","), "1 MiB,4 MiB,16 MiB,64 MiB,256 MiB,1 GiB"; got != want {
		t.Errorf("labels = %s, want %s", got, want)
	}
	if minor != 5 {
		t.Errorf("minor ticks = %d, want 5", minor)
	}
	labels = nil
	for _, tk := range (Log2BytesTicks{MaxLabels: 4}).Ticks(MiB, GiB) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, ","), "1 MiB,16 MiB,256 MiB"; got != want {
		t.Errorf("MaxLabels 4: labels = %s, want %s", got, want)
	}
}

func TestUnitTicks(t *testing.T) {
	var labels []string
	for _, tk := range (UnitTicks{Unit: GiB}).Ticks(0, 2.1*GiB) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if got, want := strings.Join(labels, ","), "0,0.5,1,1.5,2"; got != want {
		t.Errorf("labels = %s, want %s", got, want)
	}
	for _, tk := range (PercentTicks{}).Ticks(0, 1.1) {
		if tk.Value == 0.5 && tk.Label != "50%" {
			t.Errorf("0.5 labelled %q", tk.Label)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{FormatBytes(MiB), "1 MiB"}, {FormatBytes(1.5 * GiB), "1.5 GiB"}, {FormatBytes(300), "300 B"},
		{FormatBytes(18.04 * MiB), "18 MiB"}, {FormatSeconds(0.0688), "68.8 ms"}, {FormatSeconds(1.523), "1.52 s"},
		{FormatSeconds(0.00085), "850 µs"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{5, 1, 4, 2, 3, 6})
	if s.Median != 3.5 || !s.HasCI() || s.Lo != 1 || s.Hi != 6 || s.N != 6 {
		t.Errorf("6 values: %+v", s)
	}
	one := Summarize([]float64{2})
	if one.Median != 2 || one.HasCI() || one.ErrLow() != 0 || one.ErrHigh() != 0 || one.PctRange() != "∞" {
		t.Errorf("1 value: %+v", one)
	}
}

func run(strategy string, size int64, workers int, sec float64) results.Run {
	return results.Run{Experiment: "e", Status: results.StatusOK, ElapsedSec: sec, Bytes: size,
		Cell: results.Cell{Mode: "goroutine", Strategy: strategy, Workload: "count", Size: size, Workers: workers,
			Knobs: map[string]string{"cache": "warm", "buf": "1MiB"}}}
}

func TestNewDataset(t *testing.T) {
	warm := run("mmap", MiB, 1, 1)
	warm.Warmup = true
	failed := run("mmap", MiB, 1, 1)
	failed.Status = results.StatusFailed
	d, err := NewDataset([]results.Run{run("mmap", MiB, 1, 2), run("mmap", MiB, 1, 3), warm, failed}, results.Machine{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Skipped != 2 {
		t.Errorf("skipped = %d", d.Skipped)
	}
	f := Facet{Workload: "count", Mode: "goroutine", Cache: "warm"}
	ss := d.Series(f)
	if len(ss) != 1 || ss[0] != (Series{Strategy: "mmap"}) {
		t.Errorf("series = %+v (a single knob setting is not named)", ss)
	}
	if n := len(d.Runs(f, ss[0], Point{MiB, 1})); n != 2 {
		t.Errorf("runs = %d", n)
	}
	if _, err := NewDataset([]results.Run{warm, failed}, results.Machine{}); err == nil {
		t.Error("no measured runs: want an error")
	}
	other := run("mmap", MiB, 1, 1)
	other.Experiment = "f"
	if _, err := NewDataset([]results.Run{run("mmap", MiB, 1, 1), other}, results.Machine{}); err == nil {
		t.Error("two experiments: want an error")
	}
}

func TestKnobVariantsAreSeparateSeries(t *testing.T) {
	a, b := run("chan", MiB, 1, 1), run("chan", MiB, 1, 2)
	b.Cell.Knobs = map[string]string{"cache": "warm", "buf": "64KiB"}
	d, err := NewDataset([]results.Run{a, b}, results.Machine{})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, s := range d.Series(Facet{Workload: "count", Mode: "goroutine", Cache: "warm"}) {
		labels = append(labels, s.Label())
	}
	if got, want := strings.Join(labels, ";"), "chan (buf=1MiB);chan (buf=64KiB)"; got != want {
		t.Errorf("labels = %s, want %s", got, want)
	}
}

func TestChartsSkipWithoutVariation(t *testing.T) {
	// One size and one worker count: nothing varies, so no line charts.
	var runs []results.Run
	for _, s := range []string{"mmap", "ranges"} {
		for i := 0; i < 6; i++ {
			r := run(s, MiB, 4, 1+float64(i)/100)
			r.Runtime.AllocBytes, r.Runtime.GCCycles = MiB, 2
			runs = append(runs, r)
		}
	}
	d, err := NewDataset(runs, results.Machine{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []Builder{Throughput, Memory, Speedup, Efficiency, Timeline, Modes} {
		figs, err := b(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(figs) != 0 {
			t.Errorf("%s: %d figures from data without variation", figs[0].Name, len(figs))
		}
	}
	// Bars need no variation: allocation per strategy is still shown.
	if figs, err := AllocGC(d); err != nil || len(figs) != 1 {
		t.Errorf("alloc figures = %d, %v", len(figs), err)
	}
}

func TestRepresentative(t *testing.T) {
	var runs []results.Run
	for _, sec := range []float64{5, 1, 3, 2, 4, 6} {
		r := run("mmap", MiB, 1, sec)
		r.Samples = []results.Sample{{TMs: 0, RSS: 1}}
		runs = append(runs, r)
	}
	if r, ok := representative(runs); !ok || r.ElapsedSec != 3 {
		t.Errorf("representative = %v, %v; want the 3 s run", r.ElapsedSec, ok)
	}
	runs[2].Samples = nil // the 3 s run has no timeline: the nearest one with one
	if r, ok := representative(runs); !ok || math.Abs(r.ElapsedSec-3) != 1 {
		t.Errorf("representative = %v, %v; want a neighbour of 3 s", r.ElapsedSec, ok)
	}
}

func TestTreePeakPreference(t *testing.T) {
	r := results.Run{TreePeaks: []results.TreePeak{{Bytes: 9, Source: "sampled-rss"}, {Bytes: 7, Source: "cgroup-v2-memory.peak"}, {Bytes: 8, Source: "sum-vmhwm"}}}
	if v, ok := MetricTreePeak.Of(r); !ok || v != 7 {
		t.Errorf("tree peak = %v, %v; want the cgroup's 7", v, ok)
	}
	if _, ok := MetricTreePeak.Of(results.Run{}); ok {
		t.Error("no tree peaks: want false")
	}
}

func TestStrategyStylesDistinct(t *testing.T) {
	seen := map[string]string{}
	for _, l := range look.Strategies {
		s := l.Name
		st := StrategyStyle(s)
		r, g, b, _ := st.Color.RGBA()
		key := string(rune(r)) + string(rune(g)) + string(rune(b))
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s share a colour", s, other)
		}
		seen[key] = s
	}
	if StrategyStyle("ref:wc").Color != grey {
		t.Error("reference commands must be grey")
	}
	if StrategyStyle("ref:wc") != StrategyStyle("ref:wc") {
		t.Error("styles must be stable")
	}
}
