package chart_test

import (
	"log"
	"math"
	"testing"

	"gonum.org/v1/plot/cmpimg"

	"github.com/fanbench/fanbench/internal/chart"
	"github.com/fanbench/fanbench/internal/chart/synthetic"
	"github.com/fanbench/fanbench/internal/results"
)

// fixture is the synthetic results folder the golden figures chart,
// written by TestMain (internal/chart/synthetic) before the tests run.
var fixture string

// golden lists the figures compared with references in testdata: the
// builder that draws each, the figure by file name, and the runs it is
// drawn from (nil: the synthetic fixture). go test -regen rewrites the
// testdata/*_golden.* references.
var golden = []struct {
	name  string
	build chart.Builder
	file  string
	runs  func() []results.Run
}{
	// Throughput against file size, one line per strategy, with 95%
	// confidence intervals of the median as error bars.
	{"throughput", chart.Throughput, "throughput_count_goroutine_warm", nil},
	// Peak memory against workers in process mode: each strategy's peak
	// RSS, PSS and whole-tree peak.
	{"memory", chart.Memory, "memory_count_process_warm", nil},
	// Speed-up against workers with the ideal line.
	{"speedup", chart.Speedup, "speedup_count_goroutine_warm", nil},
	// Throughput as a share of the in-memory ceiling.
	{"efficiency", chart.Efficiency, "efficiency_count_process_warm", nil},
	// Memory over one run of each strategy at the largest cell.
	{"timeline", chart.Timeline, "timeline_count_goroutine_warm", nil},
	// Heap bytes allocated and GC cycles per strategy.
	{"alloc", chart.AllocGC, "alloc_count_goroutine_warm", nil},
	// Goroutine mode against process mode, time and peak memory.
	{"modes", chart.Modes, "modes_count_warm", nil},
	{"scale", chart.Scale, "scale_count_goroutine_cold", scaleRuns},
	{"cache", chart.Cache, "cache_count", cacheRuns},
}

func TestGolden(t *testing.T) {
	for _, g := range golden {
		t.Run(g.name, func(t *testing.T) {
			save := func() { saveFigure(g.build, g.runs, g.file) }
			cmpimg.CheckPlot(save, t, g.file+".png", g.file+".svg")
		})
	}
}

// saveFigure builds one kind of chart from runs (nil: from the fixture)
// and saves the figure name as PNG and SVG in testdata.
func saveFigure(build chart.Builder, runs func() []results.Run, name string) {
	var d *chart.Dataset
	if runs == nil {
		res, err := chart.Load(fixture)
		if err != nil {
			log.Fatal(err)
		}
		d = res.Data
	} else {
		var err error
		if d, err = chart.NewDataset(runs(), results.Machine{CPUModel: "synthetic", Cores: 2}); err != nil {
			log.Fatal(err)
		}
	}
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

// scaleRuns, for the cost against file size on log–log axes, cold cache:
// ranges at 1 GB/s (slope 1), mmap growing as size^0.9, readall at half
// ranges' speed and refused by the memory guard at 32 GiB, drawn as
// refused.
func scaleRuns() []results.Run {
	var runs []results.Run
	for _, size := range []int64{16 << 20, 256 << 20, 4 << 30, 32 << 30} {
		gb := float64(size) / 1e9
		runs = append(runs, synthetic.CellRuns("goroutine", "ranges", "cold", size, gb, gb*1.02, gb*0.98)...)
		mm := math.Pow(gb, 0.9)
		runs = append(runs, synthetic.CellRuns("goroutine", "mmap", "cold", size, mm, mm*1.01, mm*0.99)...)
		if size < 32<<30 {
			runs = append(runs, synthetic.CellRuns("goroutine", "readall", "cold", size, 2*gb, 2*gb, 2.1*gb)...)
		}
	}
	return append(runs, results.Run{Experiment: "regimes", Status: results.StatusSkipped,
		Reason: "memory guard: estimated peak 32.0 GiB exceeds 80% of MemAvailable 22.9 GiB", CacheState: "cold",
		Cell: results.Cell{Mode: "goroutine", Strategy: "readall", Workload: "count", Size: 32 << 30, SizeName: "32GiB",
			Workers: 4, Knobs: map[string]string{"cache": "cold"}}})
}

// cacheRuns, for cold against warm page cache, a panel per mode: cold
// ranges and mmap at 0.30 s, readall at 0.60 s; warm 0.05 s, readall
// 0.25 s.
func cacheRuns() []results.Run {
	var runs []results.Run
	for _, mode := range []string{"goroutine", "process"} {
		for _, st := range []struct {
			name       string
			cold, warm float64
		}{{"readall", 0.60, 0.25}, {"ranges", 0.30, 0.05}, {"mmap", 0.30, 0.05}} {
			runs = append(runs, synthetic.CellRuns(mode, st.name, "cold", 1<<30, st.cold, st.cold*1.02, st.cold*0.98)...)
			runs = append(runs, synthetic.CellRuns(mode, st.name, "warm", 1<<30, st.warm, st.warm*1.02, st.warm*0.98)...)
		}
	}
	return runs
}
