package strategy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/look"
	"github.com/fanbench/fanbench/internal/workload"
)

// EdgeInputs are the inputs every strategy must get exactly right.
var EdgeInputs = map[string]string{
	"empty":                    "",
	"one byte":                 "x",
	"only newlines":            "\n\n\n\n\n",
	"no trailing nl":           "Hamburg;12.0\nBulawayo;8.9\nHamburg;-3.4",
	"crlf":                     "Hamburg;12.0\r\nBulawayo;8.9\r\nZürich;-1.0\r\n",
	"line longer than buffer":  "Hamburg;12.0\n" + strings.Repeat("Ü", 300) + ";1.0\nBulawayo;8.9\n",
	"fewer lines than workers": "a;1.0\nb;2.0\n",
	"many lines":               strings.Repeat("Hamburg;12.0\nBulawayo;8.9\nPalembang;38.8\n", 500),
}

func writeInputs(t *testing.T) map[string]string {
	dir := t.TempDir()
	paths := map[string]string{}
	for name, in := range EdgeInputs {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(p, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	// A generated fixture spanning several buffers and segments.
	s, err := fixture.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := s.Ensure(300<<10, 1)
	if err != nil {
		t.Fatal(err)
	}
	paths["fixture"] = f.Path
	return paths
}

func knobVariants() map[string]Knobs {
	small := DefaultKnobs()
	small.BufSize = 64
	small.ChanCap = 1
	dyn := DefaultKnobs()
	dyn.Split, dyn.Segment, dyn.BufSize = "dynamic", 4096, 1000
	nopool := DefaultKnobs()
	nopool.Pool, nopool.BufSize = false, 512
	adv := DefaultKnobs()
	adv.Advice, adv.Populate = "sequential", true
	return map[string]Knobs{"default": DefaultKnobs(), "small buffers": small, "dynamic": dyn, "no pool": nopool, "advice": adv}
}

// processKnobVariants are the knob variants that change what a
// strategy's process form does (each run starts up to 8 children, so the
// others are left out); dynamic split is refused in process mode.
func processKnobVariants(strategy string) map[string]Knobs {
	all := knobVariants()
	pick := map[string][]string{
		"readall": {"default"},
		"ranges":  {"default", "small buffers"},            // read buffer
		"mmap":    {"default", "advice"},                   // madvise, populate
		"chan":    {"default", "small buffers", "no pool"}, // chunk size, chancap, pool, across pipes
		"shm":     {"default", "small buffers"},            // memfd copy buffer
		"ceiling": {"default"},
	}[strategy]
	out := map[string]Knobs{}
	for _, n := range pick {
		out[n] = all[n]
	}
	return out
}

func TestStrategiesMatchReference(t *testing.T) {
	paths := writeInputs(t)
	for input, path := range paths {
		for _, w := range workload.All {
			ref, err := fixture.ReferenceOf(path, w)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range All {
				if s.Name == "pread" {
					continue // TestPread
				}
				for _, mode := range Modes {
					run, err := s.Form(mode)
					if err != nil {
						t.Fatal(err)
					}
					variants, workerCounts := knobVariants(), []int{1, 2, 3, 8, 64}
					if mode == "process" {
						variants, workerCounts = processKnobVariants(s.Name), []int{1, 2, 3, 8}
					}
					if len(variants) == 0 {
						t.Fatalf("%s: no knob variants for mode=%s", s.Name, mode)
					}
					for kname, k := range variants {
						for _, workers := range workerCounts {
							res, err := run(Job{Path: path, Workload: w, Workers: workers, Knobs: k, Command: testWorkerCommand})
							if err != nil {
								t.Fatalf("%s/%s/%s/%s/%s/%d: %v", mode, s.Name, w.Name, input, kname, workers, err)
							}
							if res.Answer != ref {
								t.Errorf("%s/%s/%s/%s/%s/%d workers: got %v, want %v", mode, s.Name, w.Name, input, kname, workers, res.Answer, ref)
							}
							if mode == "process" && s.Name != "ceiling" && len(res.Workers) != workers {
								t.Errorf("%s/%s/%s/%s/%s/%d workers: %d worker figures", mode, s.Name, w.Name, input, kname, workers, len(res.Workers))
							}
						}
					}
				}
			}
		}
	}
}

// TestLooks: the rows of the table are look.Strategies, in order, each
// with its own colour and marker, so that the charts' legends list the
// strategies as the table does and no two look alike.
func TestLooks(t *testing.T) {
	if len(All) != len(look.Strategies) {
		t.Fatalf("%d strategies, %d looks", len(All), len(look.Strategies))
	}
	type style struct {
		r, g, b, a uint32
		m          look.Marker
	}
	seen := map[style]string{}
	for i, s := range All {
		if s.Look != look.Strategies[i] {
			t.Errorf("row %d: %s's look %+v, want look.Strategies[%d] %+v", i, s.Name, s.Look, i, look.Strategies[i])
		}
		if s.Color == nil || s.Marker == 0 {
			t.Errorf("%s: colour %v, marker %d: want both", s.Name, s.Color, s.Marker)
			continue
		}
		r, g, b, a := s.Color.RGBA()
		st := style{r, g, b, a, s.Marker}
		if other, dup := seen[st]; dup {
			t.Errorf("strategies %s and %s look alike", other, s.Name)
		}
		seen[st] = s.Name
	}
}

func TestAtPeakCalledOnce(t *testing.T) {
	paths := writeInputs(t)
	w, _ := workload.Lookup("count")
	for _, s := range All {
		calls := 0
		if _, err := s.Goroutine(Job{Path: paths["fixture"], Workload: w, Workers: 2, Knobs: DefaultKnobs(), AtPeak: func() { calls++ }}); err != nil {
			t.Fatal(err)
		}
		if calls != 1 {
			t.Errorf("%s called AtPeak %d times", s.Name, calls)
		}
	}
}

func TestMissingFile(t *testing.T) {
	w, _ := workload.Lookup("count")
	for _, s := range All {
		_, err := s.Goroutine(Job{Path: "/nonexistent/file", Workload: w, Workers: 2, Knobs: DefaultKnobs()})
		if err == nil || !strings.Contains(err.Error(), "/nonexistent/file") {
			t.Errorf("%s: error %v should name the file", s.Name, err)
		}
	}
}

func TestKnobsValidate(t *testing.T) {
	bad := []func(*Knobs){
		func(k *Knobs) { k.BufSize = 1 },
		func(k *Knobs) { k.ChanCap = -1 },
		func(k *Knobs) { k.Split = "diagonal" },
		func(k *Knobs) { k.Advice = "dontcare" },
		func(k *Knobs) { k.Segment = 0 },
	}
	for i, mutate := range bad {
		k := DefaultKnobs()
		mutate(&k)
		if k.Validate() == nil {
			t.Errorf("case %d: %+v accepted", i, k)
		}
	}
	if err := DefaultKnobs().Validate(); err != nil {
		t.Error(err)
	}
}

// TestPread: the pread yardstick gives the count reference on every edge
// input, worker count and buffer size (ranges cut at byte offsets, lines
// straddling them), and refuses clearly what it does not do.
func TestPread(t *testing.T) {
	paths := writeInputs(t)
	s, err := Lookup("pread")
	if err != nil {
		t.Fatal(err)
	}
	count, _ := workload.Lookup("count")
	for input, path := range paths {
		ref, err := fixture.ReferenceOf(path, count)
		if err != nil {
			t.Fatal(err)
		}
		for _, buf := range []int{64, 1000, 1 << 20} {
			for _, workers := range []int{1, 2, 3, 8, 64} {
				k := DefaultKnobs()
				k.BufSize = buf
				res, err := s.Goroutine(Job{Path: path, Workload: count, Workers: workers, Knobs: k})
				if err != nil {
					t.Fatalf("%s/buf %d/%d workers: %v", input, buf, workers, err)
				}
				if res.Answer != ref {
					t.Errorf("%s/buf %d/%d workers: got %v, want %v", input, buf, workers, res.Answer, ref)
				}
			}
		}
	}
	refusals := []struct {
		name, want string
		run        func() error
	}{
		{"parse", "pread: workload parse: pread is a yardstick for the count workload only", func() error {
			w, _ := workload.Lookup("parse")
			_, err := s.Goroutine(Job{Path: paths["fixture"], Workload: w, Workers: 2, Knobs: DefaultKnobs()})
			return err
		}},
		{"process mode", "strategy pread has no mode=process form", func() error {
			_, err := s.Form("process")
			return err
		}},
		{"collect", "pread: collect mutex", func() error {
			k := DefaultKnobs()
			k.Collect = "mutex"
			_, err := s.Goroutine(Job{Path: paths["fixture"], Workload: count, Workers: 2, Knobs: k})
			return err
		}},
	}
	for _, r := range refusals {
		if err := r.run(); err == nil || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: error %v, want %q", r.name, err, r.want)
		}
	}
	if s.Runs("parse") || !s.Runs("count") {
		t.Errorf("pread runs %v", s.Workloads)
	}
}

// TestSupports: the cells a strategy can run, by mode, workload and
// collect value; each refusal names what is impossible.
func TestSupports(t *testing.T) {
	tests := []struct {
		mode     Mode
		strategy string
		workload string
		collect  collect.How
		want     string // "" for supported, else a part of the error
	}{
		{Goroutine, "ranges", "parse", collect.Partials, ""},
		{Goroutine, "ranges", "parse", collect.Mutex, ""},
		{Goroutine, "ranges", "count", collect.Manager, "collect manager: needs mode=process"},
		{Process, "ranges", "parse", collect.Manager, ""},
		{Process, "chan", "count", collect.Sharded, "collect sharded: needs mode=goroutine"},
		{Goroutine, "pread", "count", collect.Partials, ""},
		{Goroutine, "pread", "parse", collect.Partials, "strategy pread runs the count workload only, not parse"},
		{Goroutine, "pread", "count", collect.Mutex, "strategy pread takes collect=partials only, not mutex"},
		{Process, "pread", "count", collect.Partials, "strategy pread has no mode=process form"},
		{Process, "ceiling", "count", collect.Mutex, ""}, // its process form is its goroutine form
		{Process, "ceiling", "count", collect.Manager, "collect manager: needs mode=process"},
	}
	for _, tt := range tests {
		s, err := Lookup(tt.strategy)
		if err != nil {
			t.Fatal(err)
		}
		k := DefaultKnobs()
		k.Collect = tt.collect
		err = s.Supports(tt.mode, tt.workload, k)
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s/%s/%s/collect=%s: %v, want %q", tt.mode, tt.strategy, tt.workload, tt.collect, err, tt.want)
		}
	}
}
