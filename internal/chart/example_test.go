package chart_test

import (
	"log"
	"math"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/units"
)

// fixture is the synthetic results folder the examples chart, written by
// TestMain (internal/chart/synthetic) before the tests run.
var fixture string

// saveFacet builds one kind of chart from the fixture and saves the figure
// for one facet (by file name) as PNG and SVG in testdata.
func saveFacet(build chart.Builder, name string) {
	res, err := chart.Load(fixture)
	if err != nil {
		log.Fatal(err)
	}
	saveFigure(build, res.Data, name)
}

// saveFigure builds one kind of chart from d and saves the figure name as
// PNG and SVG in testdata.
func saveFigure(build chart.Builder, d *chart.Dataset, name string) {
	figs, err := build(d)
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

// regimeRuns makes one run per time in secs of a count cell.
func regimeRuns(mode, strategy, cache string, size int64, secs ...float64) []results.Run {
	var out []results.Run
	for i, s := range secs {
		c := results.Cell{Mode: mode, Strategy: strategy, Workload: "count", Size: size, SizeName: units.FormatSize(size),
			Workers: 4, Knobs: map[string]string{"cache": cache}}
		out = append(out, results.Run{Experiment: "regimes", Cell: c, Rep: i, Status: results.StatusOK, ElapsedSec: s,
			Bytes: size, CacheState: cache, Memory: results.Memory{PeakRSS: 12 << 20}})
	}
	return out
}

// saveBuilt builds one kind of chart from runs and saves the figure name.
func saveBuilt(build chart.Builder, runs []results.Run, name string) {
	d, err := chart.NewDataset(runs, results.Machine{CPUModel: "synthetic", Cores: 2})
	if err != nil {
		log.Fatal(err)
	}
	saveFigure(build, d, name)
}

// Cost against file size on log–log axes, cold cache: ranges at 1 GB/s
// (slope 1), mmap growing as size^0.9, readall at half ranges' speed and
// refused by the memory guard at 32 GiB, drawn as refused.
func Example_scale() {
	var runs []results.Run
	for _, size := range []int64{16 << 20, 256 << 20, 4 << 30, 32 << 30} {
		gb := float64(size) / 1e9
		runs = append(runs, regimeRuns("goroutine", "ranges", "cold", size, gb, gb*1.02, gb*0.98)...)
		mm := math.Pow(gb, 0.9)
		runs = append(runs, regimeRuns("goroutine", "mmap", "cold", size, mm, mm*1.01, mm*0.99)...)
		if size < 32<<30 {
			runs = append(runs, regimeRuns("goroutine", "readall", "cold", size, 2*gb, 2*gb, 2.1*gb)...)
		}
	}
	runs = append(runs, results.Run{Experiment: "regimes", Status: results.StatusSkipped,
		Reason: "memory guard: estimated peak 32.0 GiB exceeds 80% of MemAvailable 22.9 GiB", CacheState: "cold",
		Cell: results.Cell{Mode: "goroutine", Strategy: "readall", Workload: "count", Size: 32 << 30, SizeName: "32GiB",
			Workers: 4, Knobs: map[string]string{"cache": "cold"}}})
	saveBuilt(chart.Scale, runs, "scale_count_goroutine_cold")
}

// Cold against warm page cache, a panel per mode: cold ranges and mmap at
// 0.30 s, readall at 0.60 s; warm 0.05 s, readall 0.25 s.
func Example_cache() {
	var runs []results.Run
	for _, mode := range []string{"goroutine", "process"} {
		for _, st := range []struct {
			name       string
			cold, warm float64
		}{{"readall", 0.60, 0.25}, {"ranges", 0.30, 0.05}, {"mmap", 0.30, 0.05}} {
			runs = append(runs, regimeRuns(mode, st.name, "cold", 1<<30, st.cold, st.cold*1.02, st.cold*0.98)...)
			runs = append(runs, regimeRuns(mode, st.name, "warm", 1<<30, st.warm, st.warm*1.02, st.warm*0.98)...)
		}
	}
	saveBuilt(chart.Cache, runs, "cache_count")
}
