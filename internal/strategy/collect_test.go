package strategy

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/workload"
)

// TestCollectMatchesReference: every collect value, per record and per
// batch, gives the reference answer for every workload, edge input and
// worker count, in each mode it applies to; values that do not apply to a
// mode are refused, naming the mode.
//
// Each mode/strategy/workload/input/collect/batch is a subtest, so a part
// can be selected with -run. Under -short, process mode (which starts
// children on every run) covers every workload, collect value and both
// of its forms on the inputs of processShortInputs, with one worker count
// per case in rotation; make test-long runs the whole matrix.
func TestCollectMatchesReference(t *testing.T) {
	paths := writeInputs(t)
	// Process mode starts children on every run: a pull form per record
	// and a push form per batch (the message framing is the same for all).
	procStrategies := map[string]int{"mmap": 1, "chan": 7}
	allWorkers := []int{1, 2, 8}
	inputs := slices.Sorted(maps.Keys(paths))
	rotate := 0
	for _, mode := range Modes {
		for _, s := range All {
			if s.Name == "pread" {
				continue // a yardstick keeping per-worker totals only (TestPread)
			}
			for _, w := range workload.All {
				for _, input := range inputs {
					path := paths[input]
					if mode == "process" && testing.Short() && !slices.Contains(processShortInputs, input) {
						continue
					}
					for _, how := range collect.Names {
						for _, batch := range []int{1, 7, 1024} {
							if mode == "process" && procStrategies[s.Name] != batch {
								continue
							}
							workers := allWorkers
							if mode == "process" && testing.Short() {
								workers = allWorkers[rotate%len(allWorkers) : rotate%len(allWorkers)+1]
								rotate++
							}
							name := strings.Join([]string{mode.String(), s.Name, w.Name, input, string(how), fmt.Sprint("batch", batch)}, "/")
							t.Run(name, func(t *testing.T) {
								collectCase(t, s, mode, w, path, how, batch, workers)
							})
						}
					}
				}
			}
		}
	}
	noChildren(t)
}

// processShortInputs are the edge inputs TestCollectMatchesReference runs
// in process mode under -short: no data, a last line without its newline,
// fewer lines than workers, and data spanning several buffers.
var processShortInputs = []string{"empty", "no trailing nl", "fewer lines than workers", "fixture"}

// collectCase runs one collect case of TestCollectMatchesReference at each
// worker count and checks its answer and message figures.
func collectCase(t *testing.T, s Strategy, mode Mode, w workload.Workload, path string, how collect.How, batch int, workers []int) {
	ref, err := fixture.ReferenceOf(path, w)
	if err != nil {
		t.Fatal(err)
	}
	run, _ := s.Form(mode)
	for _, workers := range workers {
		k := DefaultKnobs()
		k.Collect, k.Batch, k.BufSize, k.ChanCap = how, batch, 4096, 1
		res, err := run(Job{Path: path, Workload: w, Workers: workers, Knobs: k, Command: testWorkerCommand})
		if applies := collect.Check(how, modeOf(s, mode)); applies != nil {
			if err == nil || !strings.Contains(err.Error(), "collect "+string(how)+": needs mode=") {
				t.Errorf("error %v, want collect %s refused", err, how)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
		if res.Answer != ref {
			t.Errorf("%d workers: got %v, want %v", workers, res.Answer, ref)
		}
		if how != collect.Partials && ref.Lines > 0 && res.Extra["messages"] < 1 {
			t.Errorf("%d workers: no messages counted: %v", workers, res.Extra)
		}
		if how == collect.Partials && res.Extra["messages"] != 0 {
			t.Errorf("%d workers: partials counted messages: %v", workers, res.Extra)
		}
		if mode == "process" && s.Name != "ceiling" {
			want := workers
			if how == collect.Manager {
				want++ // the manager's own figures
			}
			if len(res.Workers) != want {
				t.Errorf("%d workers: %d children's figures, want %d", workers, len(res.Workers), want)
			}
		}
	}
}

// modeOf is the mode a strategy's form really runs in: ceiling's process
// form is its goroutine form.
func modeOf(s Strategy, mode Mode) string {
	if s.Name == "ceiling" {
		return "goroutine"
	}
	return mode.String()
}

// TestCollectMessageCounts: per-record updates send one message per line,
// batches of 7 one per 7 lines of each worker (rounded up).
func TestCollectMessageCounts(t *testing.T) {
	paths := writeInputs(t)
	w, _ := workload.Lookup("parse")
	ref, _ := fixture.ReferenceOf(paths["many lines"], w)
	for _, c := range []struct {
		mode Mode
		how  collect.How
	}{{"goroutine", "mutex"}, {"goroutine", "channel"}, {"process", "channel"}, {"process", "manager"}} {
		s, _ := Lookup("mmap")
		run, _ := s.Form(c.mode)
		for _, batch := range []int{1, 7} {
			k := DefaultKnobs()
			k.Collect, k.Batch = c.how, batch
			res, err := run(Job{Path: paths["many lines"], Workload: w, Workers: 1, Knobs: k, Command: testWorkerCommand})
			if err != nil {
				t.Fatal(err)
			}
			if want := float64((ref.Lines + int64(batch) - 1) / int64(batch)); res.Extra["messages"] != want {
				t.Errorf("%s/%s/batch %d: %v messages, want %v", c.mode, c.how, batch, res.Extra["messages"], want)
			}
			if ipc := res.Extra["ipc-B"]; (c.mode == "process") != (ipc > 0) {
				t.Errorf("%s/%s: ipc-B %v", c.mode, c.how, ipc)
			}
		}
	}
	noChildren(t)
}

// TestNonUTF8NamesProcess: names that are not valid UTF-8 cross process
// boundaries as bytes: \xff and \xfe stay two stations in every process
// form and every process collect value (the partial a worker reports, the
// messages of channel and manager, the manager's own report).
func TestNonUTF8NamesProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "names.txt")
	if err := os.WriteFile(path, []byte("\xff;1.0\n\xfe;2.0\nA;3.0\n\xff;-1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	parse, _ := workload.Lookup("parse")
	// Worked out by hand: \xff -1.0/0.0/1.0, \xfe 2.0, A 3.0.
	ref, err := fixture.ReferenceOf(path, parse)
	if err != nil || ref.Stations != 3 || ref.Records != 4 {
		t.Fatalf("reference %v, %v: want 3 stations, 4 records", ref, err)
	}
	for _, s := range processStrategies() {
		for _, how := range collect.Names {
			if collect.Check(how, "process") != nil {
				continue
			}
			k := DefaultKnobs()
			k.Collect, k.Batch = how, 1
			res, err := s.Process(Job{Path: path, Workload: parse, Workers: 2, Knobs: k, Command: testWorkerCommand})
			if err != nil || res.Answer != ref {
				t.Errorf("process/%s/collect %s: %v, %v; want %v", s.Name, how, res.Answer, err, ref)
			}
		}
	}
	noChildren(t)
}
