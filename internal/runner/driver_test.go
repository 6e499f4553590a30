package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/fanbench/fanbench/internal/results"
)

var e2eSpec = `name = "e2e"
repetitions = 2
warmup = 1
seed = 7
timeout = "1m"
sample_every = "5ms"
` + matrixOf(2, "readall", "ranges") + `
[[claim]]
text = "ranges stays under 1 GiB"
metric = "peak-RSS-B"
where = { strategy = "ranges" }
op = "<"
value = 1073741824.0
`

// gateWriter collects what is written to it; the first Write blocks until
// release is closed, after signalling started.
type gateWriter struct {
	started, release chan struct{}
	once             sync.Once
	mu               sync.Mutex
	buf              bytes.Buffer
}

func newGate() *gateWriter {
	return &gateWriter{started: make(chan struct{}), release: make(chan struct{})}
}

func (g *gateWriter) Write(p []byte) (int, error) {
	g.once.Do(func() { close(g.started); <-g.release })
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.buf.Write(p)
}

func (g *gateWriter) lines() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Split(strings.TrimSpace(g.buf.String()), "\n")
}

func keyOf(r results.Run) string { return runKey(r.Cell, r.Rep, r.Warmup) }

func runKeys(runs []results.Run) []string {
	var keys []string
	for _, r := range runs {
		keys = append(keys, keyOf(r))
	}
	slices.Sort(keys)
	return keys
}

// TestDriverEndToEnd runs a tiny experiment through runner.Run: results
// files, the results-folder lock, and resuming after lost records.
func TestDriverEndToEnd(t *testing.T) {
	sp := mustSpec(t, e2eSpec)
	tmp := t.TempDir()
	dirPath := filepath.Join(tmp, "results", "e2e", "run1")
	opts := Options{Spec: sp, Dir: dirPath, FixtureDir: filepath.Join(tmp, "fixtures"), Self: fanbenchBin(t), Progress: io.Discard}
	cells := sp.Cells()
	plan := Plan(PairGroups(cells), sp.Repetitions, sp.Warmup, sp.Seed)
	if len(cells) != 2 || len(plan) != 6 {
		t.Fatalf("%d cells, %d planned runs; want 2 and 6", len(cells), len(plan))
	}

	sum, logged := runHoldingLock(t, opts)
	t.Logf("summary: %+v", *sum)
	if sum.Dir != dirPath || sum.Runs != 4 || sum.Failed != 0 || sum.Skipped != 0 || len(sum.Verdicts) != 1 || !sum.Verdicts[0].Pass {
		t.Errorf("summary %+v: want 4 measured runs, none failed or skipped, one passing claim", *sum)
	}
	if len(logged) != len(plan) {
		t.Errorf("%d log lines, want %d:\n%s", len(logged), len(plan), strings.Join(logged, "\n"))
	}
	if _, err := os.Stat(filepath.Join(dirPath, ".lock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file left behind: %v", err)
	}

	dir, err := results.OpenDir(dirPath)
	if err != nil {
		t.Fatal(err)
	}
	runs := checkE2ERuns(t, dir, plannedKeys(t, sp), len(cells)*sp.Warmup)
	checkE2EBench(t, dir.BenchPath())
	env, err := results.ReadEnv(dir.EnvPath())
	if err != nil {
		t.Fatalf("env.json: %v", err)
	}
	if env.Experiment != "e2e" || env.Seed == nil || *env.Seed != 7 {
		t.Errorf("env.json: experiment %q seed %v", env.Experiment, env.Seed)
	}
	verdicts, err := results.ReadClaims(dir.ClaimsPath())
	if err != nil || len(verdicts) != 1 || !verdicts[0].Pass {
		t.Errorf("claims.json: %+v, %v", verdicts, err)
	}
	if b, err := os.ReadFile(filepath.Join(dirPath, SpecCopyName)); err != nil || string(b) != e2eSpec {
		t.Errorf("spec copy: %v %q", err, b)
	}
	checkResumeAfterLoss(t, opts, dir, runs)
}

// runHoldingLock runs the experiment of opts; while it holds the folder
// (blocked in its first log line), a second run on the same folder must
// fail. It returns the first run's summary and log lines.
func runHoldingLock(t *testing.T, opts Options) (*Totals, []string) {
	t.Helper()
	log1 := newGate()
	o1 := opts
	o1.Log = log1
	type result struct {
		sum *Totals
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := Run(context.Background(), o1)
		done <- result{sum, err}
	}()
	select {
	case <-log1.started:
	case r := <-done:
		t.Fatalf("first run ended before logging a run: %+v %v", r.sum, r.err)
	case <-time.After(60 * time.Second):
		t.Fatal("first run logged nothing in 60s")
	}
	o2 := opts
	o2.Log = io.Discard
	_, err2 := Run(context.Background(), o2)
	close(log1.release)
	if err2 == nil || !strings.Contains(err2.Error(), "in use") {
		t.Errorf("second run on a folder in use: err = %v, want \"in use\"", err2)
	}
	r1 := <-done
	if r1.err != nil {
		t.Fatalf("first run: %v", r1.err)
	}
	return r1.sum, log1.lines()
}

// checkE2ERuns checks the runs.jsonl of TestDriverEndToEnd: exactly the
// planned runs (wantKeys), each ok, verified and with figures, the warm-ups
// first, some memory sampled. It returns the runs.
func checkE2ERuns(t *testing.T, dir results.Dir, wantKeys []string, warmups int) []results.Run {
	t.Helper()
	runs, dropped, err := results.ReadRuns(dir.RunsPath())
	if err != nil || dropped != 0 {
		t.Fatalf("runs.jsonl: %v, %d dropped", err, dropped)
	}
	if len(runs) != len(wantKeys) {
		t.Fatalf("runs.jsonl has %d records, want %d", len(runs), len(wantKeys))
	}
	if got := runKeys(runs); !slices.Equal(got, wantKeys) {
		t.Errorf("recorded runs:\n%s\nwant the plan:\n%s", strings.Join(got, "\n"), strings.Join(wantKeys, "\n"))
	}
	sampled := 0
	for i, r := range runs {
		if r.Status != results.StatusOK || !r.Verified {
			t.Errorf("run %d %s: status %s, verified %v, reason %q", i, keyOf(r), r.Status, r.Verified, r.Reason)
		}
		if r.Order != i || r.Experiment != "e2e" || r.Bytes != 64<<10 || r.SampleEveryMs != 5 {
			t.Errorf("run %d: order %d experiment %q bytes %d sample_every_ms %g", i, r.Order, r.Experiment, r.Bytes, r.SampleEveryMs)
		}
		if r.Memory.PeakRSS <= 0 || r.Usage.WallSec <= 0 || r.ElapsedSec <= 0 {
			t.Errorf("run %d: no figures: memory %+v usage %+v elapsed %g", i, r.Memory, r.Usage, r.ElapsedSec)
		}
		// A run of 64KiB can end before the sampler's first look (more so
		// on a loaded machine), and a sample of an exited, not yet reaped
		// child reads RSS 0: the timelines are checked for order, and the
		// experiment as a whole for having seen some memory.
		for j, smp := range r.Samples {
			if smp.RSS < 0 || smp.TMs < 0 || j > 0 && smp.TMs < r.Samples[j-1].TMs {
				t.Errorf("run %d sample %d: %+v", i, j, smp)
			}
			if smp.RSS > 0 && j == 0 {
				sampled++
			}
		}
	}
	t.Logf("%d of %d runs have a first memory sample above 0", sampled, len(runs))
	if sampled == 0 {
		t.Error("no run of the experiment has a non-zero memory sample with sample_every = 5ms")
	}
	for i, r := range runs[:warmups] {
		if !r.Warmup {
			t.Errorf("run %d is not a warm-up: warm-ups come first", i)
		}
	}
	return runs
}

// checkE2EBench checks the results.bench of TestDriverEndToEnd: valid
// benchmark format, one result a measured run, with the expected units.
func checkE2EBench(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := benchfmt.NewReader(f, path)
	units := map[string]bool{}
	nres := 0
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Errorf("results.bench: %v", rec)
		case *benchfmt.Result:
			nres++
			for _, v := range rec.Values {
				units[v.Unit] = true
			}
			if !strings.HasPrefix(string(rec.Name), "Fanout/mode=goroutine/strategy=r") {
				t.Errorf("results.bench: unexpected name %s", rec.Name)
			}
		}
	}
	if err := br.Err(); err != nil {
		t.Fatal(err)
	}
	if nres != 4 {
		t.Errorf("results.bench has %d results, want the 4 measured runs", nres)
	}
	for _, u := range []string{"sec/op", "B/s", "peak-RSS-B", "alloc-B"} {
		if !units[u] {
			t.Errorf("results.bench lacks unit %s (has %v)", u, units)
		}
	}
}

// checkResumeAfterLoss loses the last 3 records of the experiment of opts
// (runs, as recorded) and resumes: exactly those run again, after the
// records kept, which stay as they were.
func checkResumeAfterLoss(t *testing.T, opts Options, dir results.Dir, runs []results.Run) {
	t.Helper()
	raw, err := os.ReadFile(dir.RunsPath())
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	kept := strings.Join(lines[:len(lines)-3], "")
	if err := os.WriteFile(dir.RunsPath(), []byte(kept), 0o644); err != nil {
		t.Fatal(err)
	}
	lost := runKeys(runs[len(runs)-3:])
	log3 := newGate()
	close(log3.release)
	o3 := opts
	o3.Resume, o3.Log = true, log3
	sum3, err := Run(context.Background(), o3)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	relog := log3.lines()
	if len(relog) != 3 {
		t.Errorf("resume ran %d runs, want 3:\n%s", len(relog), strings.Join(relog, "\n"))
	}
	after, _, err := results.ReadRuns(dir.RunsPath())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := runKeys(after), runKeys(runs); !slices.Equal(got, want) {
		t.Errorf("after resume the runs are:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := runKeys(after[len(after)-3:]); !slices.Equal(got, lost) {
		t.Errorf("resume re-ran %v, want the lost %v", got, lost)
	}
	raw2, _ := os.ReadFile(dir.RunsPath())
	if !strings.HasPrefix(string(raw2), kept) {
		t.Error("resume rewrote the records it kept")
	}
	if sum3.Runs != 4 || sum3.Failed != 0 || len(sum3.Verdicts) != 1 {
		t.Errorf("resume summary %+v", *sum3)
	}
}

// TestDriverVerifiesItself: the driver checks each run's answer against its
// own reference, whatever the run says of itself. A child that claims to be
// verified but reports a wrong count, or reports the expected answer (it is
// given it, for its own cross-check) but writes another text, fails with
// both answers in the reason; the wrong text is kept for inspection.
func TestDriverVerifiesItself(t *testing.T) {
	liar := helperBin(t, "./testdata/liar")
	sp := mustSpec(t, `name = "liar"
repetitions = 1
timeout = "1m"

[[matrix]]
strategies = ["readall"]
workloads = ["count", "parse"]
sizes = ["64KiB"]
workers = [1]
`)
	tmp := t.TempDir()
	for _, c := range []struct{ liar, reason string }{
		{"report", "wrong answer: the run reported {\"workload\":\"%s\",\"lines\":"},
		{"text", "wrong answer text: "},
		{"", ""}, // fanbench itself: verified, and no answer text left behind
	} {
		t.Run(c.liar, func(t *testing.T) {
			t.Setenv("LIAR", c.liar)
			dir := filepath.Join(tmp, "honest"+c.liar)
			self := liar
			if c.liar == "" {
				self = fanbenchBin(t)
			}
			_, err := Run(context.Background(), Options{Spec: sp, Dir: dir, FixtureDir: filepath.Join(tmp, "fx"), Self: self, Progress: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			runs, _ := readRunsOK(t, dir)
			if len(runs) != 2 {
				t.Fatalf("%d runs, want 2", len(runs))
			}
			kept, _ := filepath.Glob(filepath.Join(dir, "answer-*.txt"))
			if c.liar == "" {
				for _, r := range runs {
					if r.Status != results.StatusOK || !r.Verified {
						t.Errorf("%s: %s verified=%v %q, want ok and verified", r.Cell.Workload, r.Status, r.Verified, r.Reason)
					}
				}
				if len(kept) != 0 {
					t.Errorf("answer texts left behind: %v", kept)
				}
				return
			}
			for _, r := range runs {
				reason := c.reason
				if strings.Contains(reason, "%s") {
					reason = fmt.Sprintf(reason, r.Cell.Workload)
				}
				if r.Status != results.StatusFailed || r.Verified || !strings.HasPrefix(r.Reason, reason) ||
					!strings.Contains(r.Reason, "the reference") {
					t.Errorf("%s: %s verified=%v %q, want failed %q... naming the reference", r.Cell.Workload, r.Status, r.Verified, r.Reason, reason)
				}
			}
			if len(kept) != 2 {
				t.Errorf("kept answer texts %v, want both wrong ones", kept)
			}
		})
	}
}
