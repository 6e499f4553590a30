package spec

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/strategy"
)

func mustSpec(t *testing.T, src string) *Spec {
	t.Helper()
	s, err := Parse("cells.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func cellNames(cells []Cell) []string {
	var names []string
	for _, c := range cells {
		names = append(names, c.Name())
	}
	return names
}

func TestCellsExpansion(t *testing.T) {
	s := mustSpec(t, `name = "x"
[[matrix]]
modes = ["goroutine", "process"]
strategies = ["readall", "ceiling"]
workloads = ["count", "parse"]
sizes = ["1MiB", "2MiB"]
workers = [1, 2, 4]
`)
	cells := s.Cells()
	// goroutine: 2 strategies × 2 workloads × 2 sizes × 3 workers = 24;
	// process: ceiling is not expanded, so 1 × 2 × 2 × 3 = 12.
	if len(cells) != 36 {
		t.Fatalf("%d cells, want 36:\n%s", len(cells), strings.Join(cellNames(cells), "\n"))
	}
	count := map[string]int{}
	for _, c := range cells {
		count[c.Mode.String()+"/"+c.Strategy]++
		if c.Mode == "process" && c.Strategy == "ceiling" {
			t.Errorf("ceiling expanded in process mode: %s", c.Name())
		}
		r := c.Record()
		if c.Knobs != strategy.DefaultKnobs() || len(r.Knobs) != 0 || len(c.Env) != 0 {
			t.Errorf("%s: knobs %+v %v env %v, want defaults and none varied", c.Name(), c.Knobs, r.Knobs, c.Env)
		}
		if r.SizeName != "1MiB" && r.SizeName != "2MiB" || (r.SizeName == "1MiB") != (c.Size == 1<<20) {
			t.Errorf("%s: size %d %q", c.Name(), c.Size, r.SizeName)
		}
	}
	want := map[string]int{"goroutine/readall": 12, "goroutine/ceiling": 12, "process/readall": 12}
	if !reflect.DeepEqual(count, want) {
		t.Errorf("cells per mode/strategy %v, want %v", count, want)
	}
	// The order is stable.
	if again := cellNames(s.Cells()); !slices.Equal(again, cellNames(cells)) {
		t.Error("Cells is not stable from one call to the next")
	}
}

func TestCellsKnobCrossProduct(t *testing.T) {
	s := mustSpec(t, `name = "x"
[[matrix]]
strategies = ["chan"]
sizes = ["1MiB"]
workers = [2]
knobs = { buf = ["64KiB", "1MiB"], chancap = [1, 8], GOGC = ["off", 100] }
`)
	cells := s.Cells()
	if len(cells) != 8 {
		t.Fatalf("%d cells, want 2×2×2 = 8:\n%s", len(cells), strings.Join(cellNames(cells), "\n"))
	}
	seen := map[string]bool{}
	for _, c := range cells {
		knobs := c.Record().Knobs
		combo := fmt.Sprintf("buf=%s chancap=%s GOGC=%s", knobs["buf"], knobs["chancap"], knobs["GOGC"])
		seen[combo] = true
		wantBuf := map[string]int{"64KiB": 64 << 10, "1MiB": 1 << 20}[knobs["buf"]]
		if c.Knobs.BufSize != wantBuf || fmt.Sprint(c.Knobs.ChanCap) != knobs["chancap"] {
			t.Errorf("%s: strategy knobs %+v do not match %s", c.Name(), c.Knobs, combo)
		}
		if want := []string{"GOGC=" + knobs["GOGC"]}; !slices.Equal(c.Env, want) {
			t.Errorf("%s: env %v, want %v", c.Name(), c.Env, want)
		}
		if !strings.Contains(c.Name(), "/GOGC="+knobs["GOGC"]) || !strings.Contains(c.Name(), "/buf="+knobs["buf"]) {
			t.Errorf("name %s does not carry its knobs", c.Name())
		}
	}
	if len(seen) != 8 {
		t.Errorf("%d distinct knob combinations, want 8: %v", len(seen), seen)
	}
}

func TestCellsDuplicatesRemoved(t *testing.T) {
	s := mustSpec(t, `name = "x"
[[matrix]]
strategies = ["readall", "ranges"]
sizes = ["1MiB", "2MiB"]
workers = [1]

[[matrix]]
strategies = ["ranges", "mmap"]
sizes = ["1024KiB"]
workers = [1, 2]
`)
	cells := s.Cells()
	// First block: 4 cells. Second: ranges/1MiB/1 duplicates the first
	// block's (1024KiB is 1MiB); the other 3 are new.
	if len(cells) != 7 {
		t.Fatalf("%d cells, want 7:\n%s", len(cells), strings.Join(cellNames(cells), "\n"))
	}
	names := map[string]bool{}
	for _, n := range cellNames(cells) {
		if names[n] {
			t.Errorf("duplicate cell %s", n)
		}
		names[n] = true
	}
	if !names["Fanout/mode=goroutine/strategy=mmap/workload=count/size=1MiB/workers=2"] {
		t.Errorf("missing the second block's cells: %v", names)
	}
}

func TestCellsReferences(t *testing.T) {
	s := mustSpec(t, `name = "x"
[[matrix]]
strategies = ["readall"]
sizes = ["1MiB", "4MiB"]
workers = [1, 2]

[[matrix]]
strategies = ["ranges"]
sizes = ["2MiB", "4MiB"]
workers = [1]

[[reference]]
name = "wc"
command = ["wc", "-l", "{file}"]
verify = "lines"

[[reference]]
name = "par"
command = ["par", "-j{workers}", "--size={size}", "{file}"]
sizes = ["2MiB"]
workers = [1, 3]
`)
	var refs []Cell
	for _, c := range s.Cells() {
		if c.Ref != nil {
			refs = append(refs, c)
		}
	}
	// wc: every size of the matrices (1, 4, 2 MiB) with workers [1];
	// par: its own size × its workers.
	want := []string{
		"Fanout/mode=external/strategy=ref:wc/workload=count/size=1MiB/workers=1",
		"Fanout/mode=external/strategy=ref:wc/workload=count/size=4MiB/workers=1",
		"Fanout/mode=external/strategy=ref:wc/workload=count/size=2MiB/workers=1",
		"Fanout/mode=external/strategy=ref:par/workload=count/size=2MiB/workers=1",
		"Fanout/mode=external/strategy=ref:par/workload=count/size=2MiB/workers=3",
	}
	if got := cellNames(refs); !slices.Equal(got, want) {
		t.Fatalf("reference cells:\n got %q\nwant %q", got, want)
	}
	last := refs[len(refs)-1]
	if got, want := last.Command("/f.txt"), []string{"par", "-j3", "--size=2097152", "/f.txt"}; !slices.Equal(got, want) {
		t.Errorf("expand: got %q, want %q", got, want)
	}
	if refs[0].Ref.Verify != "lines" || refs[0].Ref.Workload != "count" {
		t.Errorf("wc reference: %+v", *refs[0].Ref)
	}
}

// TestCellsTypedKnobs: a spec's knob values are parsed once, into typed
// values in the cell (strategy knobs, sample_every, spike, env), and the
// benchmark name shows each in its knob's canonical text.
func TestCellsTypedKnobs(t *testing.T) {
	s := mustSpec(t, `name = "x"
[[matrix]]
strategies = ["ranges"]
sizes = ["1MiB"]
workers = [2]
knobs = { buf = ["65536"], sample_every = ["7ms"], spike = ["2MiB"], GOMAXPROCS = [3], batch = [5] }
`)
	cells := s.Cells()
	if len(cells) != 1 {
		t.Fatalf("%d cells, want 1: %v", len(cells), cellNames(cells))
	}
	c := cells[0]
	if c.Knobs.BufSize != 65536 || c.Knobs.Batch != 5 || c.SampleEvery == nil || *c.SampleEvery != 7*time.Millisecond ||
		c.Spike != 2<<20 || !slices.Equal(c.Env, []string{"GOMAXPROCS=3"}) {
		t.Errorf("cell: buf %d batch %d sample_every %v spike %d env %v; want 65536, 5, 7ms, 2097152, [GOMAXPROCS=3]",
			c.Knobs.BufSize, c.Knobs.Batch, c.SampleEvery, c.Spike, c.Env)
	}
	want := "Fanout/mode=goroutine/strategy=ranges/workload=count/size=1MiB/workers=2/GOMAXPROCS=3/batch=5/buf=64KiB/sample_every=7ms/spike=2MiB"
	if c.Name() != want {
		t.Errorf("name %s, want %s", c.Name(), want)
	}
	// The exec child is handed the knobs the cell sets, in registry
	// order, and no others.
	if args := c.Knobs.Args(); !slices.Equal(args, []string{"--buf=64KiB", "--batch=5"}) {
		t.Errorf("exec flags %q, want --buf=64KiB and --batch=5 only", args)
	}
	if _, err := Parse("cells.toml", []byte(`name = "x"
[[matrix]]
strategies = ["ranges"]
sizes = ["1MiB"]
workers = [2]
knobs = { batch = [0] }
`)); err == nil || !strings.Contains(err.Error(), "cells.toml:6: batch: knob batch: 0 lines, want at least 1") {
		t.Errorf("batch = 0: %v", err)
	}
}

// TestCellsKnobSpellings: a knob's value is named by its canonical text,
// so that spellings of one value in different matrices are one cell (as
// sizes are), and a claim may name the value in any spelling (#26).
func TestCellsKnobSpellings(t *testing.T) {
	s := mustSpec(t, `name = "x"
[[matrix]]
strategies = ["ranges"]
sizes = ["1MiB"]
workers = [1]
knobs = { buf = ["1024KiB"], GOGC = ["0100"], GOMEMLIMIT = ["1073741824"], spike = ["2048KiB"], sample_every = ["1000us"] }

[[matrix]]
strategies = ["ranges"]
sizes = ["1024KiB"]
workers = [1]
knobs = { buf = [1048576], GOGC = [100], GOMEMLIMIT = ["1GiB"], spike = ["2MiB"], sample_every = ["1ms"] }

[[claim]]
text = "one cell whatever the spelling"
metric = "sec/op"
op = "<"
value = 1.0
where = { buf = "1048576B", GOGC = "100", spike = 2097152 }
`)
	want := []string{"Fanout/mode=goroutine/strategy=ranges/workload=count/size=1MiB/workers=1/GOGC=100/GOMEMLIMIT=1GiB/buf=1MiB/sample_every=1ms/spike=2MiB"}
	cells := s.Cells()
	if got := cellNames(cells); !slices.Equal(got, want) {
		t.Fatalf("cells:\n got %q\nwant %q", got, want)
	}
	if env := cells[0].Env; !slices.Equal(env, []string{"GOGC=100", "GOMEMLIMIT=1GiB"}) {
		t.Errorf("env %q, want the canonical values", env)
	}
}

// TestCellsKnobValuesClash: two values of a knob that differ only in a
// character a cell name replaces would be one cell; the spec is refused,
// naming both (#24). No knob takes such text (each is a size, a number
// or a name, checked), so the two cells are made here, from a spec's
// cell with its GOGC set to "a/b" and to "a b" past the check.
func TestCellsKnobValuesClash(t *testing.T) {
	s := mustSpec(t, "name = \"x\"\n"+matrix)
	a := s.Cells()[0]
	b := a
	a.varied, b.varied = []string{"GOGC"}, []string{"GOGC"}
	a.Env, b.Env = []string{"GOGC=a/b"}, []string{"GOGC=a b"}
	if a.Name() != b.Name() {
		t.Fatalf("cells %s and %s: want one name", a.Name(), b.Name())
	}
	err := (&loader{Spec: s}).clash(a, b, block{"matrix", 0}, b.Name())
	want := `cells.toml:2: GOGC: GOGC="a/b" and GOGC="a b" would both be cell Fanout/mode=goroutine/strategy=readall/workload=count/size=1MiB/workers=1/GOGC=a_b (a cell name replaces white space and '/' with '_'): rename one`
	if err == nil || oneLineErr(t, err) != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
}

// TestReferenceOnFiles: a reference without sizes of its own runs on every
// size and every user file of the matrices, each file once however many
// matrices name it; one with sizes runs on those alone. (It used to get no
// cell at all from a spec of files only, so a peer program added to such a
// spec silently never ran.)
func TestReferenceOnFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := dir+"/a.txt", dir+"/b.txt"
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("x;1.0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := mustSpec(t, `name = "x"
[[matrix]]
strategies = ["mmap"]
workloads = ["parse"]
files = ["`+a+`", "`+b+`"]
workers = [2]
[[matrix]]
strategies = ["ranges"]
workloads = ["parse"]
sizes = ["1MiB"]
files = ["`+a+`"]
workers = [2]
[[reference]]
name = "peer"
command = ["peer", "{file}"]
workload = "parse"
workers = [2]
[[reference]]
name = "sized"
command = ["sized", "{file}"]
workload = "parse"
sizes = ["4MiB"]
`)
	var got []string
	for _, c := range s.Cells() {
		if c.Ref != nil {
			got = append(got, c.Name()+" "+strings.Join(c.Command(c.File()), " "))
		}
	}
	want := []string{
		"Fanout/mode=external/strategy=ref:peer/workload=parse/size=1MiB/workers=2 peer ",
		"Fanout/mode=external/strategy=ref:peer/workload=parse/size=6B/workers=2/input=a.txt peer " + a,
		"Fanout/mode=external/strategy=ref:peer/workload=parse/size=6B/workers=2/input=b.txt peer " + b,
		"Fanout/mode=external/strategy=ref:sized/workload=parse/size=4MiB/workers=1 sized ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("reference cells:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
