package main

import (
	"testing"

	"github.com/fanbench/fanbench"
)

// BenchmarkWordfreq runs the workload with every strategy at 1 and 2
// workers on a 16 MiB fixture from its generator (kept in the temporary
// folder), each answer checked against the reference:
//
//	go test -run '^$' -bench . -count 6 ./examples/wordfreq > wordfreq.bench
//	go run golang.org/x/perf/cmd/benchstat -col /strategy wordfreq.bench
func BenchmarkWordfreq(b *testing.B) {
	fanbench.Benchmark(b, Workload{}, fanbench.BenchOptions{Workers: []int{1, 2}})
}
