// Package synthetic writes the made-up but plausible results folder that
// the chart and report tests and the CLI's plot tests draw: every strategy in both
// modes, sizes 1 MiB to 1 GiB, 1 to 8 workers, six repetitions and a
// warm-up, with memory timelines, tree peaks and one failed run, from a
// cost model of an imagined 16-thread machine. It is generated when the
// tests run rather than committed (the runs file is 2.3 MB). For tests only.
package synthetic

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/units"
)

// Experiment and Stamp name the folder as a results root lays it out:
// ROOT/Experiment/Stamp.
const (
	Experiment = "synthetic"
	Stamp      = "20250102T030405Z"
)

const (
	KiB = 1 << 10
	MiB = 1 << 20
	GiB = 1 << 30
)

// model is a made-up but plausible machine: what each strategy costs.
type model struct {
	rng *rand.Rand
}

const (
	base    = 9 * MiB // a Go process's own resident baseline
	childMB = 6 * MiB // a child process's baseline
)

// scanRate is how fast W goroutines scan bytes already in memory (bytes/s).
func scanRate(workload string, w int) float64 {
	per, limit := 7e9, 22e9
	if workload == "parse" {
		per, limit = 0.55e9, 4e9
	}
	return math.Min(per*math.Pow(float64(w), 0.92), limit)
}

// timeOf models the measured time of a cell in seconds.
func (m *model) timeOf(c results.Cell) float64 {
	S, W := float64(c.Size), c.Workers
	scan := S / scanRate(c.Workload, W)
	var t float64
	switch c.Strategy {
	case "ceiling":
		t = scan
	case "readall":
		t = S/2.6e9 + scan
	case "ranges":
		t = math.Max(S/math.Min(3.1e9*math.Pow(float64(W), 0.8), 11e9), scan*1.05)
	case "mmap":
		t = math.Max(S/math.Min(4.2e9*math.Pow(float64(W), 0.85), 16e9), scan*1.1)
	case "chan":
		t = math.Max(S/2.2e9, scan*1.2)
	case "shm":
		t = S/2.4e9 + scan*1.02
	case "ref:wc":
		t = S / 1.9e9
	}
	t += 0.0004 // start-up inside the measured phase
	if c.Mode == "process" && c.Strategy != "ref:wc" {
		t += 0.0025 * float64(W) // fork+exec of the children
		if c.Strategy == "readall" || c.Strategy == "chan" {
			t += S / 5e9 // bytes pushed through pipes
		}
	}
	return t
}

// noise is multiplicative log-normal noise with an occasional slow outlier.
func (m *model) noise(sigma float64) float64 {
	f := math.Exp(m.rng.NormFloat64() * sigma)
	if m.rng.Float64() < 0.04 {
		f *= 1.12
	}
	return f
}

// memOf models a run's own memory, its tree peak, and Go allocation.
func (m *model) memOf(c results.Cell) (mem results.Memory, tree int64, alloc int64) {
	S, W := c.Size, int64(c.Workers)
	proc := c.Mode == "process"
	var rssAnon, rssFile, shm int64
	switch c.Strategy {
	case "ceiling", "readall":
		rssAnon, alloc = S, S+W*64*KiB
		if proc {
			tree = 2*S + W*childMB + base
		}
	case "ranges":
		rssAnon, alloc = W*MiB, W*MiB+W*16*KiB
		if proc {
			rssAnon, alloc = 64*KiB, 64*KiB
			tree = base + W*(childMB+MiB)
		}
	case "mmap":
		rssFile, alloc = S, W*8*KiB
		if proc {
			rssFile, alloc = 0, 32*KiB
			tree = base + W*childMB + S/8
		}
	case "chan":
		rssAnon, alloc = (W+8)*MiB, S+W*32*KiB
		if proc {
			rssAnon = 4 * MiB
			tree = base + 4*MiB + W*(childMB+2*MiB)
		}
	case "shm":
		shm, alloc = S, W*8*KiB
		if proc {
			tree = base + S + W*childMB
		}
	case "ref:wc":
		return results.Memory{PeakRSS: 2 * MiB, RSSAnon: 512 * KiB, RSSFile: 1536 * KiB, PSS: 1 * MiB}, 0, 0
	}
	j := func(v int64) int64 { return int64(float64(v) * (1 + 0.004*m.rng.NormFloat64())) }
	mem = results.Memory{
		RSSAnon: j(rssAnon + base/2), RSSFile: j(rssFile + base/2), RSSShm: shm,
		PSSAnon: j(rssAnon + base/2), PSSFile: j(rssFile/max(1, int64(1)) + base/4), PSSShm: shm,
	}
	mem.PeakRSS = mem.RSSAnon + mem.RSSFile + mem.RSSShm + j(MiB)
	mem.PSS = mem.PSSAnon + mem.PSSFile + mem.PSSShm
	if proc && tree > 0 {
		tree = j(tree)
	}
	return mem, tree, alloc
}

// samples models a whole-tree RSS timeline for a run of t seconds.
func (m *model) samples(c results.Cell, t float64, peak int64) []results.Sample {
	const n = 40
	var out []results.Sample
	for i := 0; i <= n; i++ {
		frac := float64(i) / n
		var level float64
		switch c.Strategy {
		case "readall", "shm", "ceiling":
			level = math.Min(1, frac/0.55)
		case "mmap":
			level = math.Min(1, frac*1.05)
		case "chan":
			level = 0.6 + 0.4*math.Abs(math.Sin(frac*25))
		case "ranges":
			level = math.Min(1, frac*12)
		default:
			level = 1
		}
		rss := float64(base) + (float64(peak)-base)*level*(1+0.01*m.rng.NormFloat64())
		out = append(out, results.Sample{TMs: math.Round(frac*t*1e4) / 10, RSS: int64(rss)})
	}
	return out
}

// Write writes the synthetic results folder (runs.jsonl, env.json,
// claims.json) into dir, creating it. The output depends on nothing but this
// code: the same bytes on every machine and every call.
func Write(dir string) error {
	m := &model{rng: rand.New(rand.NewPCG(1, 2))}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("synthetic results: %w", err)
	}
	if err := writeRuns(filepath.Join(dir, "runs.jsonl"), m.runs()); err != nil {
		return fmt.Errorf("synthetic results: %w", err)
	}
	if err := results.WriteEnv(filepath.Join(dir, "env.json"), environment()); err != nil {
		return fmt.Errorf("synthetic results: %w", err)
	}
	claims := []results.ClaimResult{
		{Claim: "ranges peak RSS at 1GiB/8 workers < 0.1 × readall", Pass: true, Measured: "ranges 17 MiB vs readall 1.0 GiB (ratio 0.016)", Value: 0.016, Limit: 0.1},
		{Claim: "mmap PSS in process mode < readall tree peak / 4", Pass: true, Measured: "mmap tree 185 MiB vs readall 2.1 GiB", Value: 0.086, Limit: 0.25},
		{Claim: "chan throughput ≥ 80% of ceiling at 1GiB/8 workers", Pass: false, Measured: "chan 2.2 GB/s vs ceiling 14.3 GB/s (15%)", Value: 0.15, Limit: 0.8},
	}
	if err := results.WriteClaims(filepath.Join(dir, "claims.json"), claims); err != nil {
		return fmt.Errorf("synthetic results: %w", err)
	}
	return nil
}

// start is when the synthetic experiment started.
var start = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// runs are the synthetic experiment's runs, a warm-up and six repetitions
// of each cell, in order.
func (m *model) runs() []results.Run {
	sizes := []int64{1 * MiB, 4 * MiB, 16 * MiB, 64 * MiB, 256 * MiB, 1 * GiB}
	workers := []int{1, 2, 4, 8}
	type plan struct {
		workload, mode string
		strategies     []string
		sizes          []int64
	}
	plans := []plan{
		{"count", "goroutine", []string{"readall", "ranges", "mmap", "chan", "shm", "ceiling"}, sizes},
		{"count", "process", []string{"readall", "ranges", "mmap", "chan", "shm", "ref:wc"}, sizes},
		{"parse", "goroutine", []string{"readall", "ranges", "mmap", "ceiling"}, []int64{16 * MiB, 256 * MiB, 1 * GiB}},
	}
	var runs []results.Run
	for _, p := range plans {
		for _, strat := range p.strategies {
			for _, size := range p.sizes {
				for _, w := range workers {
					if strat == "ref:wc" && w != 1 {
						continue
					}
					c := results.Cell{Mode: p.mode, Strategy: strat, Workload: p.workload, Size: size,
						SizeName: units.FormatSize(size), Workers: w,
						Knobs: map[string]string{"cache": "warm", "GOGC": "100"}}
					if strat == "ranges" || strat == "chan" {
						c.Knobs["buf"] = "1MiB"
					}
					for rep := -1; rep < 6; rep++ {
						runs = append(runs, m.run(c, rep, len(runs)))
					}
				}
			}
		}
	}
	return runs
}

// run is repetition rep (-1: the warm-up) of cell c, the order-th run.
func (m *model) run(c results.Cell, rep, order int) results.Run {
	size, w := c.Size, int64(c.Workers)
	tt := m.timeOf(c) * m.noise(0.035)
	mem, tree, alloc := m.memOf(c)
	r := results.Run{
		Experiment: "synthetic", Cell: c, Rep: max(rep, 0), Order: order,
		Warmup: rep < 0, Status: results.StatusOK, Start: start.Add(time.Duration(order) * time.Second),
		ElapsedSec: r7(tt), Bytes: size, Verified: true,
		Memory: mem, CacheState: "warm", Residency: 1, ResidencyOK: true,
		Runtime: results.Runtime{AllocBytes: alloc, AllocObjects: alloc / 4096,
			GCCycles: int64(math.Round(float64(alloc) / float64(mem.PeakRSS+4*MiB) * 1.8)), GCCPUSec: r7(tt * 0.02)},
		Usage: results.Usage{WallSec: r7(tt + 0.004), UserSec: r7(tt * float64(w) * 0.9), SysSec: r7(tt * 0.1),
			MinFlt: size / 4096 / 8, MaxRSSRU: mem.PeakRSS},
	}
	if c.Strategy == "ref:wc" {
		r.Runtime = results.Runtime{}
	}
	switch {
	case tree > 0:
		r.TreePeaks = []results.TreePeak{
			{Bytes: tree, Source: results.SourceCgroupV2},
			{Bytes: tree + w*MiB, Source: results.SourceSumHWM},
		}
		// Each worker's own figures: the tree's PSS beyond the parent's, shared out.
		for range w {
			child := max(tree-mem.PSS, w*MiB) / w
			r.Workers = append(r.Workers, results.Memory{PeakRSS: child + MiB, PSS: child})
		}
	case c.Mode == "goroutine":
		// A goroutine run's cgroup is charged its anonymous and
		// shared memory, not the page cache warmed before it.
		r.TreePeaks = []results.TreePeak{{Bytes: mem.RSSAnon + mem.RSSShm + MiB, Source: results.SourceCgroupV2}}
	}
	if size == 1*GiB && w == 8 && rep >= 0 && c.Workload == "count" {
		peak := mem.PeakRSS
		if tree > 0 {
			peak = tree
		}
		r.SampleEveryMs = 10
		r.Samples = m.samples(c, tt, peak)
	}
	if rep == 2 && size == 64*MiB && w == 4 && c.Strategy == "chan" && c.Mode == "process" {
		r.Status, r.Reason = results.StatusFailed, "answer mismatch: lines 1048575 != 1048576"
	}
	return r
}

// writeRuns writes runs to path, one JSON object a line.
func writeRuns(path string, runs []results.Run) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	for _, r := range runs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// environment is the synthetic experiment's machine and build.
func environment() results.Environment {
	seed := int64(42)
	return results.Environment{
		Time: start, Hostname: "bench-1", Experiment: "synthetic", Seed: &seed,
		GoVersion: "go1.26.8", GOOS: "linux", GOARCH: "amd64", GOMAXPROCS: 16, NumCPU: 16,
		Kernel: "Linux 6.8.0-45-generic #45-Ubuntu SMP", Machine: "x86_64",
		CPUModel: "AMD EPYC 7B13 64-Core Processor", CPUCores: 8, CPUThreads: 16,
		MemTotal: 64 * GiB, MemAvailable: 58 * GiB, THP: "madvise",
		Fixtures: []results.FixtureEnv{{Path: "fixtures/count-1GiB.txt", Size: GiB, FSType: "ext4", Checksum: "sha256:3f1c0d9e"}},
		Commit:   "b2c1c66", CommitSource: "git",
	}
}

// r7 rounds to 7 decimals, to keep the fixture small.
func r7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// CellRuns are one successful run per time in secs (seconds) of a count
// cell with 4 workers in the given mode and page-cache state, each with a
// VmHWM of 12 MiB: the small hand-made results of tests that need no
// whole folder.
func CellRuns(mode, strategy, cache string, size int64, secs ...float64) []results.Run {
	var out []results.Run
	for i, s := range secs {
		c := results.Cell{Mode: mode, Strategy: strategy, Workload: "count", Size: size, SizeName: units.FormatSize(size),
			Workers: 4, Knobs: map[string]string{"cache": cache}}
		out = append(out, results.Run{Experiment: "regimes", Cell: c, Rep: i, Status: results.StatusOK, ElapsedSec: s,
			Bytes: size, CacheState: cache, Memory: results.Memory{PeakRSS: 12 << 20}})
	}
	return out
}

// WriteTemp writes the synthetic results folder into a new temporary
// folder (named after prefix), as DIR/Experiment/Stamp, for a test
// binary's TestMain. It returns the results folder and the function that
// removes the temporary folder.
func WriteTemp(prefix string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, fmt.Errorf("synthetic results: %w", err)
	}
	dir := filepath.Join(tmp, Experiment, Stamp)
	if err := Write(dir); err != nil {
		os.RemoveAll(tmp)
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(tmp) }, nil
}

// RunTests is the TestMain of a package whose tests read the synthetic
// results: it writes them (WriteTemp), sets *fixture to the results
// folder, runs the tests, calls done (when not nil) and removes the
// folder; a passing run that leaves a goroutine behind (of the concurrent
// figure rendering, say) fails. It returns the exit code.
func RunTests(m *testing.M, prefix string, fixture *string, done func()) int {
	dir, remove, err := WriteTemp(prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*fixture = dir
	code := m.Run()
	if done != nil {
		done()
	}
	remove()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutines left after the tests: %v\n", err)
			code = 1
		}
	}
	return code
}
