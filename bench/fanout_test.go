// Package bench holds the Go benchmark suites over fanbench's strategies:
//
//	go test -bench . ./bench                          # small default sizes
//	FANBENCH_SIZES=256MiB,1GiB FANBENCH_WORKERS=2 go test -bench . -count 6 ./bench
//
// Each sub-benchmark reports throughput (b.SetBytes), allocations and a
// peak-RSS-B metric: the process's VmHWM after resetting it with
// /proc/self/clear_refs, so the peak belongs to that sub-benchmark
// (internal/gobench, which fanbench.Benchmark shares).
package bench

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/gobench"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

var (
	sizesFlag   = flag.String("fanbench.sizes", envOr("FANBENCH_SIZES", "4MiB,16MiB"), "comma-separated fixture sizes")
	workersFlag = flag.String("fanbench.workers", envOr("FANBENCH_WORKERS", "1,2,4"), "comma-separated worker counts")
	fixtureDir  = flag.String("fanbench.fixtures", envOr("FANBENCH_FIXTURES", filepath.Join("..", fixture.DefaultDir)), "fixture folder")
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func parseList[T any](b *testing.B, name, s string, parse func(string) (T, error)) []T {
	var out []T
	for _, f := range strings.Split(s, ",") {
		v, err := parse(strings.TrimSpace(f))
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		out = append(out, v)
	}
	return out
}

// BenchmarkFanout runs every strategy × workload × size × workers.
func BenchmarkFanout(b *testing.B) {
	sizes := parseList(b, "fanbench.sizes", *sizesFlag, units.ParseSize)
	workers := parseList(b, "fanbench.workers", *workersFlag, strconv.Atoi)
	store, err := fixture.Open(*fixtureDir)
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range sizes {
		f, _, err := store.Ensure(size, fixture.DefaultSeed)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range strategy.All {
			for _, w := range workload.All {
				if w.Name == "none" || !s.Runs(w.Name) {
					continue
				}
				ref, err := store.Reference(f, w)
				if err != nil {
					b.Fatal(err)
				}
				for _, n := range workers {
					name := fmt.Sprintf("strategy=%s/workload=%s/size=%s/workers=%d", s.Name, w.Name, units.FormatSize(size), n)
					b.Run(name, func(b *testing.B) {
						job := strategy.Job{Path: f.Path, Workload: w, Workers: n, Knobs: strategy.DefaultKnobs()}
						scan := gobench.Run(b, s, job, size, func(a workload.Answer) error {
							if a.WithoutText() != ref {
								return fmt.Errorf("wrong answer %v, want %v", a, ref)
							}
							return nil
						})
						if s.Name == "ceiling" {
							// The ceiling's load is untimed inside the strategy: report the scan alone too.
							b.ReportMetric(scan, "scan-sec/op")
						}
					})
				}
			}
		}
	}
}
