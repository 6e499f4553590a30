package fanbench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/testenv"
)

// BenchmarkTinyLineLengths is Benchmark over the test workload, tiny: what
// TestBenchmarkOutput runs in a `go test -bench` of its own.
func BenchmarkTinyLineLengths(b *testing.B) {
	dir := os.Getenv("FANBENCH_TEST_FIXTURES")
	if dir == "" {
		dir = b.TempDir()
	}
	Benchmark(b, checkedLengths{lineLengths{"lens"}}, BenchOptions{Size: 64 << 10, FixtureDir: dir,
		Strategies: []string{"ranges", "mmap"}, Workers: []int{1, 2}})
}

// TestBenchmarkOutput runs BenchmarkTinyLineLengths with `go test -bench`
// (not under -short: it builds a test binary) and reads the output as
// benchstat does: one result per strategy and worker count, named
// strategy=NAME/workers=N, each with B/s and peak-RSS-B; then benchstat
// -col /strategy itself accepts it.
func TestBenchmarkOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a test binary and benchstat")
	}
	goBin := testenv.LookPath(t, "the Go toolchain", "go")
	cmd := exec.Command(goBin, "test", "-run", "^$", "-bench", "^BenchmarkTinyLineLengths$", "-benchtime", "2x", "-count", "2", ".")
	cmd.Env = append(os.Environ(), "FANBENCH_TEST_FIXTURES="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test -bench: %v\n%s", err, out)
	}
	r := benchfmt.NewReader(bytes.NewReader(out), "bench.txt")
	names := map[string]int{}
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		base, parts := res.Name.Parts()
		name := string(base)
		for _, p := range parts {
			if p[0] == '/' { // not the -GOMAXPROCS suffix
				name += string(p)
			}
		}
		names[name]++
		for _, unit := range []string{"sec/op", "B/s", "peak-RSS-B", "B/op", "allocs/op"} {
			if v, ok := res.Value(unit); !ok || (v <= 0 && unit != "B/op" && unit != "allocs/op") {
				t.Errorf("%s: %s = %v, %v; want a positive value", name, unit, v, ok)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for n, c := range names {
		got = append(got, n+"×"+string(rune('0'+c)))
	}
	slices.Sort(got)
	want := []string{"TinyLineLengths/strategy=mmap/workers=1×2", "TinyLineLengths/strategy=mmap/workers=2×2",
		"TinyLineLengths/strategy=ranges/workers=1×2", "TinyLineLengths/strategy=ranges/workers=2×2"}
	if !slices.Equal(got, want) {
		t.Errorf("results %v, want %v (name×count)", got, want)
	}
	file := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	stat, err := exec.Command(goBin, "run", "golang.org/x/perf/cmd/benchstat", "-col", "/strategy", file).CombinedOutput()
	if err != nil {
		testenv.Missing(t, "benchstat: %v\n%s", err, stat)
	}
	for _, want := range []string{"ranges", "mmap", "peak-RSS-B", "B/s", "vs base"} {
		if !strings.Contains(string(stat), want) {
			t.Errorf("benchstat -col /strategy output lacks %q:\n%s", want, stat)
		}
	}
}

// TestBenchOptionsErrors: bad strategies and inputs are errors that name
// them.
func TestBenchOptionsErrors(t *testing.T) {
	if _, err := benchStrategies([]string{"nosuch"}, "lens"); err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("unknown strategy: %v", err)
	}
	if _, err := benchStrategies([]string{"pread"}, "lens"); err == nil || !strings.Contains(err.Error(), "strategy pread does not run workload lens") {
		t.Errorf("a count-only strategy: %v", err)
	}
	all, err := benchStrategies(nil, "lens")
	if err != nil || len(all) == 0 || slices.ContainsFunc(all, func(s strategy.Strategy) bool { return s.Name == "pread" }) {
		t.Errorf("default strategies %v, %v: want every goroutine strategy but the count-only pread", all, err)
	}
	w := internalWorkload(lineLengths{"lens"})
	if _, _, _, err := benchInput(BenchOptions{File: filepath.Join(t.TempDir(), "absent")}, w); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("a missing file: %v", err)
	}
	if _, _, _, err := benchInput(BenchOptions{Size: -1, FixtureDir: t.TempDir()}, w); err == nil || !strings.Contains(err.Error(), "size -1") {
		t.Errorf("a negative size: %v", err)
	}
	path, size, _, err := benchInput(BenchOptions{Size: 4096, FixtureDir: t.TempDir()}, w)
	if err != nil || size != 4096 || filepath.Base(path) != "fixture-4KiB-seed1.txt" {
		t.Errorf("a workload without a generator: %s %d %v; want the built-in 4KiB fixture", path, size, err)
	}
}
