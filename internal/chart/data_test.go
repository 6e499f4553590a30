package chart

import (
	"math"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

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
	warm := run("mmap", plotkit.MiB, 1, 1)
	warm.Warmup = true
	failed := run("mmap", plotkit.MiB, 1, 1)
	failed.Status = results.StatusFailed
	d, err := NewDataset([]results.Run{run("mmap", plotkit.MiB, 1, 2), run("mmap", plotkit.MiB, 1, 3), warm, failed}, results.Machine{})
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
	if n := len(d.Runs(f, ss[0], Point{plotkit.MiB, 1})); n != 2 {
		t.Errorf("runs = %d", n)
	}
	if _, err := NewDataset([]results.Run{warm, failed}, results.Machine{}); err == nil {
		t.Error("no measured runs: want an error")
	}
	other := run("mmap", plotkit.MiB, 1, 1)
	other.Experiment = "f"
	if _, err := NewDataset([]results.Run{run("mmap", plotkit.MiB, 1, 1), other}, results.Machine{}); err == nil {
		t.Error("two experiments: want an error")
	}
}

func TestKnobVariantsAreSeparateSeries(t *testing.T) {
	a, b := run("chan", plotkit.MiB, 1, 1), run("chan", plotkit.MiB, 1, 2)
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
			r := run(s, plotkit.MiB, 4, 1+float64(i)/100)
			r.Runtime.AllocBytes, r.Runtime.GCCycles = plotkit.MiB, 2
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
		r := run("mmap", plotkit.MiB, 1, sec)
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
