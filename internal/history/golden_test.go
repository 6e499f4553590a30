package history

import (
	"flag"
	"log"
	"math"
	"testing"
	"time"

	"gonum.org/v1/plot/cmpimg"

	"github.com/fanbench/fanbench/internal/results"
)

// update is the package's one flag for its golden files: go test -update
// rewrites testdata/*_golden.* (it sets cmpimg's -regen, which gonum
// registers and which does the same).
var update = flag.Bool("update", false, "rewrite testdata/*_golden.* (as cmpimg's -regen)")

// goldenEntries is a hand-made history of eight commits of two cells on
// one machine: cell ranges slows down by 30% at the fifth commit (where its
// gate fires) and recovers; mmap has too few samples for an interval once.
func goldenEntries() []Entry {
	const (
		ranges = "Fanout/mode=goroutine/strategy=ranges/workload=count/size=16MiB/workers=2"
		mmap   = "Fanout/mode=goroutine/strategy=mmap/workload=count/size=16MiB/workers=2"
		parse  = "Fanout/mode=goroutine/strategy=ranges/workload=parse/size=16MiB/workers=2"
	)
	stat := func(median, spread float64, n int) results.Summary {
		if n < 6 {
			return results.Summary{Median: median, Lo: math.Inf(-1), Hi: math.Inf(1), N: n}
		}
		return results.Summary{Median: median, Lo: median * (1 - spread), Hi: median * (1 + spread), N: n}
	}
	commits := []string{"0a1b2c3d4e", "1b2c3d4e5f", "2c3d4e5f60", "3d4e5f6071", "4e5f607182", "5f60718293", "60718293a4", "718293a4b5-dirty"}
	slow := []float64{1, 1.02, 0.98, 1, 1.3, 1.01, 0.99, 1}
	var ents []Entry
	for i, c := range commits {
		n := 8
		if i == 2 {
			n = 4
		}
		e := Entry{
			Commit: c, Time: time.Date(2026, 3, 1+i, 12, 0, 0, 0, time.UTC),
			Machine:    results.Machine{Hostname: "runner-1", CPUModel: "AMD EPYC 7B13 64-Core Processor", Cores: 8},
			Experiment: "ci", Results: "results/ci/" + c,
			Cells: map[string]map[string]results.Summary{
				ranges: {"sec/op": stat(0.0023*slow[i], 0.06, 8)},
				mmap:   {"sec/op": stat(0.0012*(1+0.01*float64(i%3)), 0.08, n)},
				parse:  {"sec/op": stat(0.0031, 0.05, 8)},
			},
		}
		if i == 4 {
			e.Gate = "sec/op:+10%"
			e.GateFired = []string{firedLine("sec/op", ranges, "+30.0%", "p=0.000")}
		}
		ents = append(ents, e)
	}
	return ents
}

// saveGolden draws the sec/op chart of goldenEntries into testdata.
func saveGolden() {
	figs, err := Figures(goldenEntries(), PlotOptions{Metrics: []string{"sec/op"}})
	if err != nil {
		log.Fatal(err)
	}
	if len(figs) != 1 {
		log.Fatalf("%d figures, want 1", len(figs))
	}
	if _, err := figs[0].Save("testdata"); err != nil {
		log.Fatal(err)
	}
}

// TestGolden compares the chart with the committed reference; go test
// -update rewrites testdata/*_golden.*.
func TestGolden(t *testing.T) {
	if *update {
		*cmpimg.GenerateTestData = true
	}
	cmpimg.CheckPlot(saveGolden, t, "ci_sec_per_op.png", "ci_sec_per_op.svg")
}
