package chart_test

import (
	"log"
	"path/filepath"

	"github.com/fanbench/fanbench/internal/chart"
)

// fixture is the committed synthetic results folder the examples chart.
var fixture = filepath.Join("testdata", "results", "synthetic", "20250102T030405Z")

// saveFacet builds one kind of chart from the fixture and saves the figure
// for one facet (by file name) as PNG and SVG in testdata.
func saveFacet(build chart.Builder, name string) {
	res, err := chart.Load(fixture)
	if err != nil {
		log.Fatal(err)
	}
	figs, err := build(res.Data)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range figs {
		if f.Name == name {
			if _, err := f.Save("testdata"); err != nil {
				log.Fatal(err)
			}
			return
		}
	}
	log.Fatalf("no figure %s", name)
}

// Throughput against file size, one line per strategy, with 95% confidence
// intervals of the median as error bars.
func Example_throughput() {
	saveFacet(chart.Throughput, "throughput_count_goroutine_warm")
}

// Peak memory against workers in process mode: each strategy's peak RSS,
// PSS and whole-tree peak.
func Example_memory() {
	saveFacet(chart.Memory, "memory_count_process_warm")
}

// Speed-up against workers with the ideal line.
func Example_speedup() {
	saveFacet(chart.Speedup, "speedup_count_goroutine_warm")
}

// Throughput as a share of the in-memory ceiling.
func Example_efficiency() {
	saveFacet(chart.Efficiency, "efficiency_count_process_warm")
}

// Memory over one run of each strategy at the largest cell.
func Example_timeline() {
	saveFacet(chart.Timeline, "timeline_count_goroutine_warm")
}

// Heap bytes allocated and GC cycles per strategy.
func Example_allocGC() {
	saveFacet(chart.AllocGC, "alloc_count_goroutine_warm")
}

// Goroutine mode against process mode, time and peak memory.
func Example_modes() {
	saveFacet(chart.Modes, "modes_count_warm")
}
