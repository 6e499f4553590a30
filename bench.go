package fanbench

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/gobench"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

// BenchOptions says what Benchmark measures. The zero value measures a
// 16 MiB fixture with every strategy at 1, 2 and 4 workers.
type BenchOptions struct {
	// File is the input file; "" means a fixture of Size bytes and Seed
	// made by the workload's Generator (or, without one, the built-in
	// One-Billion-Row-style generator) and kept in FixtureDir.
	File string
	// Size is the fixture's size in bytes (default 16 MiB).
	Size int64
	// Seed is the fixture's seed (default 1).
	Seed uint64
	// FixtureDir is where fixtures are made and kept, verified by
	// checksum on reuse (default: fanbench-fixtures in os.TempDir()).
	FixtureDir string
	// Strategies are the strategies to run, by name (default: every one
	// with a goroutine form, the in-memory ceiling included).
	Strategies []string
	// Workers are the worker counts to run (default 1, 2 and 4).
	Workers []int
}

// defaultBenchSize is BenchOptions.Size's default.
const defaultBenchSize = 16 << 20

// Benchmark runs w under `go test -bench` with each strategy's goroutine
// form and each worker count as a sub-benchmark named
// strategy=NAME/workers=N (so `benchstat -col /strategy` compares
// strategies), each reporting MB/s, allocations and peak-RSS-B: the
// process's peak RSS within that sub-benchmark (Linux resets it through
// /proc/self/clear_refs; where it cannot, the sub-benchmarks are
// skipped). Every answer is checked against w's reference when w is a
// Referencer (computed once), and otherwise for having seen every byte
// of the input. Bad options fail the benchmark.
func Benchmark(b *testing.B, w Workload, o BenchOptions) {
	b.Helper()
	if w == nil {
		b.Fatal("fanbench.Benchmark: a nil Workload")
	}
	if err := workload.CheckName(w.Name()); err != nil {
		b.Fatalf("fanbench.Benchmark: %v", err)
	}
	iw := internalWorkload(w)
	strategies, err := benchStrategies(o.Strategies, iw.Name)
	if err != nil {
		b.Fatalf("fanbench.Benchmark: %v", err)
	}
	workers := o.Workers
	if len(workers) == 0 {
		workers = []int{1, 2, 4}
	}
	for _, n := range workers {
		if err := strategy.CheckWorkers(n); err != nil {
			b.Fatalf("fanbench.Benchmark: %v", err)
		}
	}
	path, size, want, err := benchInput(o, iw)
	if err != nil {
		b.Fatalf("fanbench.Benchmark: %v", err)
	}
	check := func(a workload.Answer) error {
		if a.WithoutText() != want.WithoutText() {
			return fmt.Errorf("wrong answer: %v, want %v", a.WithoutText(), want.WithoutText())
		}
		return nil
	}
	if !iw.Verifiable() {
		check = func(a workload.Answer) error {
			if a.Bytes != size {
				return fmt.Errorf("workload %s saw %d bytes of %s, which has %d", iw.Name, a.Bytes, path, size)
			}
			return nil
		}
	}
	for _, s := range strategies {
		for _, n := range workers {
			b.Run(fmt.Sprintf("strategy=%s/workers=%d", s.Name, n), func(b *testing.B) {
				job := strategy.Job{Path: path, Workload: iw, Workers: n, Knobs: strategy.DefaultKnobs()}
				gobench.Run(b, s, job, size, check)
			})
		}
	}
}

// benchStrategies looks up the named strategies (default: every one with
// a goroutine form that runs the workload).
func benchStrategies(names []string, wname string) ([]strategy.Strategy, error) {
	var out []strategy.Strategy
	if len(names) == 0 {
		for _, s := range strategy.All {
			if s.Goroutine != nil && s.Runs(wname) {
				out = append(out, s)
			}
		}
		return out, nil
	}
	for _, name := range names {
		s, err := strategy.Lookup(name)
		if err != nil {
			return nil, err
		}
		if s.Goroutine == nil || !s.Runs(wname) {
			return nil, fmt.Errorf("strategy %s does not run workload %s in goroutine mode", name, wname)
		}
		out = append(out, s)
	}
	return out, nil
}

// benchInput is the file Benchmark reads (o.File, or the fixture it makes),
// its size, and the reference answer over it (when w has a reference).
func benchInput(o BenchOptions, w workload.Workload) (path string, size int64, ref workload.Answer, err error) {
	if o.File != "" {
		st, err := os.Stat(o.File)
		if err != nil {
			return "", 0, ref, fmt.Errorf("input: %w", err)
		}
		if w.Verifiable() {
			ref, err = fixture.ReferenceOf(o.File, w)
		}
		return o.File, st.Size(), ref, err
	}
	size, seed, dir := o.Size, o.Seed, o.FixtureDir
	if size == 0 {
		size = defaultBenchSize
	}
	if size < 0 {
		return "", 0, ref, fmt.Errorf("size %d: want a positive size", size)
	}
	if seed == 0 {
		seed = fixture.DefaultSeed
	}
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "fanbench-fixtures")
	}
	store, err := fixture.Open(dir)
	if err != nil {
		return "", 0, ref, err
	}
	f, _, err := store.EnsureFrom(fixture.GeneratorOf(w), size, seed)
	if err != nil {
		return "", 0, ref, fmt.Errorf("fixture %s: %w", units.FormatSize(size), err)
	}
	if w.Verifiable() {
		ref, err = store.Reference(f, w)
	}
	return f.Path, size, ref, err
}
