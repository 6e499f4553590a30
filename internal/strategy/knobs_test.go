package strategy

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/testenv"
	"github.com/fanbench/fanbench/internal/workload"
)

// runWorker starts one worker process (the re-executed test binary) with
// args and stdin, and returns its report, or its stderr as the error.
func runWorker(t *testing.T, args []string, stdin string) (workerReport, string) {
	t.Helper()
	cmd, err := testWorkerCommand(args)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return workerReport{}, strings.TrimSpace(stderr.String()) + " (" + err.Error() + ")"
	}
	var rep workerReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("worker report %q: %v", stdout.String(), err)
	}
	return rep, ""
}

// TestKnobReachesWorker: a knob's text (maxline's, a registry row like
// every knob) is parsed into its typed value, encoded into the worker's
// argv by workerArgs, decoded by a real worker process into its typed
// value (3072 bytes, printed back canonically as 3KiB), refused there
// when bad, and a process form run with it succeeds (the parent checks
// every worker decoded the knobs it sent).
func TestKnobReachesWorker(t *testing.T) {
	count, _ := workload.Lookup("count")
	k := DefaultKnobs()
	if err := k.Set("maxline", "3072"); err != nil {
		t.Fatal(err)
	}
	if k.MaxLine != 3072 {
		t.Fatalf("maxline = %d, want 3072", k.MaxLine)
	}
	if d := DefaultKnobs().MaxLine; d != 1<<20 {
		t.Errorf("default maxline = %d, want 1048576", d)
	}
	j := Job{Workload: count, Workers: 1, Knobs: k, Command: testWorkerCommand}

	rep, failed := runWorker(t, workerArgs(roleStdin, j, 0, "--len", "6"), "a\nbcd\n")
	if failed != "" {
		t.Fatalf("worker: %s", failed)
	}
	if rep.Knobs["maxline"] != "3KiB" || rep.Knobs["buf"] != "1MiB" || rep.Bytes != 6 {
		t.Errorf("worker decoded maxline=%q buf=%q and read %d bytes; want 3KiB, 1MiB, 6", rep.Knobs["maxline"], rep.Knobs["buf"], rep.Bytes)
	}
	// By hand: the worker parses the text itself (3MiB is 3145728 bytes).
	base := []string{"--role", roleStdin, "--workload", "count", "--index", "0", "--len", "2"}
	rep, failed = runWorker(t, append(base, "--knobs", `{"maxline":"3145728"}`), "a\n")
	if failed != "" || rep.Knobs["maxline"] != "3MiB" || rep.Knobs["chancap"] != "4" {
		t.Errorf("worker given maxline=3145728: %v %q; want maxline 3MiB, chancap 4 (the default)", rep.Knobs, failed)
	}
	for doc, want := range map[string]string{
		`{"maxline":"lots"}`: `knobs: knob maxline="lots": size "lots"`,
		`{"maxline":"2GiB"}`: "knobs: knob maxline: 2147483648 bytes is over the maximum of 1GiB",
		`{"turbo":"1"}`:      `knobs: unknown knob "turbo"`,
		`maxline=1`:          "knobs: invalid character",
	} {
		if _, failed := runWorker(t, append(base, "--knobs", doc), "a\n"); !strings.Contains(failed, want) {
			t.Errorf("worker given %s: %q, want an error holding %q", doc, failed, want)
		}
	}

	// The process form: the parent encodes, the workers decode and echo.
	path := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(path, []byte("x\nyy\nzzz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	j.Path, j.Workers = path, 2
	res, err := rangesProcess(j)
	if err != nil || res.Answer.Lines != 3 || res.Answer.Bytes != 9 {
		t.Errorf("ranges process with maxline=3KiB: %+v, %v; want 3 lines, 9 bytes", res.Answer, err)
	}
	noChildren(t)
}

// TestKnobText: each knob's text, parsed and printed back canonically, in
// every form it travels in (Set, exec's flags from Args, the workers'
// document), and its refusals; worked out by hand from the units.
func TestKnobText(t *testing.T) {
	cases := []struct {
		name, text, canonical string
		err                   string
	}{
		{"buf", "65536", "64KiB", ""},
		{"buf", "1GiB", "1GiB", ""},
		{"buf", "1", "", "knob buf: 1 bytes is below the minimum of 64B"},
		{"buf", "1TiB", "", "knob buf: 1099511627776 bytes is over the maximum of 1GiB"},
		{"buf", "big", "", `knob buf="big": size "big"`},
		{"chancap", "0", "0", ""},
		{"chancap", "many", "", `knob chancap="many": strconv.Atoi: parsing "many": invalid syntax`},
		{"chancap", "-1", "", "knob chancap: -1 is negative"},
		{"pool", "false", "false", ""},
		{"pool", "1", "true", ""},
		{"populate", "yes", "", `knob populate="yes"`},
		{"advice", "willneed", "willneed", ""},
		{"advice", "fast", "", `knob advice: "fast" is not one of`},
		{"split", "dynamic", "dynamic", ""},
		{"split", "random", "", `knob split: "random" is not static or dynamic`},
		{"segment", "2097152", "2MiB", ""},
		{"collect", "manager", "manager", ""},
		{"collect", "carrier-pigeon", "", `knob collect: "carrier-pigeon" is not one of`},
		{"batch", "0", "", "knob batch: 0 lines, want at least 1"},
		{"batch", "7", "7", ""},
		{"maxline", "4096", "4KiB", ""},
		{"maxline", "63", "", "knob maxline: 63 bytes is below the minimum of 64B"},
		{"turbo", "1", "", `unknown knob "turbo"`},
	}
	for _, c := range cases {
		k := DefaultKnobs()
		err := k.Set(c.name, c.text)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s=%s: error %v, want %q", c.name, c.text, err, c.err)
			}
			continue
		}
		if err != nil || k.Map()[c.name] != c.canonical {
			t.Errorf("%s=%s: %q, %v; want %q", c.name, c.text, k.Map()[c.name], err, c.canonical)
			continue
		}
		// exec's flags, as the driver hands them to its child.
		fs := flag.NewFlagSet("exec", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		got := DefaultKnobs()
		BindFlags(fs, &got)
		if err := fs.Parse(k.Args()); err != nil || !maps.Equal(got.Map(), k.Map()) {
			t.Errorf("%s=%s through exec's flags %q: %+v, %v; want %+v", c.name, c.text, k.Args(), got, err, k)
		}
		// The workers' document.
		doc, err := k.MarshalText()
		var back Knobs
		if err == nil {
			err = back.UnmarshalText(doc)
		}
		if err != nil || back.Map()[c.name] != c.canonical || back.Validate() != nil {
			t.Errorf("%s=%s through %s: %v, %v", c.name, c.text, doc, back.Map(), err)
		}
	}
	// A bare boolean flag is true, as with flag.Bool.
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	k := DefaultKnobs()
	k.Populate = false
	BindFlags(fs, &k)
	if err := fs.Parse([]string{"--populate"}); err != nil || !k.Populate {
		t.Errorf("--populate: %v, %v", k.Populate, err)
	}
	// --help shows each default as flag.Bool and friends do: a false
	// one not at all.
	var help strings.Builder
	fs = flag.NewFlagSet("exec", flag.ContinueOnError)
	fs.SetOutput(&help)
	k = DefaultKnobs()
	BindFlags(fs, &k)
	fs.PrintDefaults()
	for _, want := range []string{"chan: recycle chunk buffers (default true)", "mmap: MAP_POPULATE\n", "dynamic split: segment size (goroutine mode only) (default 8MiB)"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, help.String())
		}
	}
	if strings.Contains(help.String(), "(default false)") {
		t.Errorf("--help shows a false default:\n%s", help.String())
	}
}

// TestDefaultKnobs: the registry's defaults, as docs/reference.md states them.
func TestDefaultKnobs(t *testing.T) {
	want := Knobs{BufSize: 1 << 20, ChanCap: 4, Pool: true, Advice: "normal", Split: "static", Segment: 8 << 20,
		Collect: "partials", Batch: 1024, MaxLine: 1 << 20}
	if got := DefaultKnobs(); got != want {
		t.Errorf("DefaultKnobs() = %+v, want %+v", got, want)
	}
	if err := DefaultKnobs().Validate(); err != nil {
		t.Error(err)
	}
}

// TestREADMEKnobs: the knob table of docs/reference.md (moved there from
// the README) is the registry's (KnobTable).
func TestREADMEKnobs(t *testing.T) {
	table := testenv.READMESection(t, "../../docs/reference.md", "<!-- knobs: generated from the registry by strategy.KnobTable -->\n", "<!-- end of knobs -->\n")
	rows := Registry()
	want := KnobTable(rows)
	if len(rows) != 11 || !strings.Contains(want, "| `maxline` | 1MiB | ranges, chan | ") || !strings.Contains(want, "| `min_time` | 0s | all strategies | ") {
		t.Errorf("KnobTable of %d rows:\n%s", len(rows), want)
	}
	if table != want {
		t.Errorf("docs/reference.md's knob table is not the registry's; put this between the markers:\n%s", want)
	}
}

// TestWorkerKnobsChecked: a worker that decodes other knobs than the
// parent sent (here its command line gives buf again, later) fails the
// run, naming the worker.
func TestWorkerKnobsChecked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in")
	if err := os.WriteFile(path, []byte("x\nyy\nzzz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	count, _ := workload.Lookup("count")
	again := func(args []string) (*exec.Cmd, error) {
		return testWorkerCommand(append(args, "--knobs", `{"buf":"64KiB"}`))
	}
	_, err := rangesProcess(Job{Path: path, Workload: count, Workers: 2, Knobs: DefaultKnobs(), Command: again})
	if err == nil || !strings.Contains(err.Error(), "ranges: worker 0 decoded the knobs as map[") || !strings.Contains(err.Error(), "buf:64KiB") {
		t.Errorf("a worker decoding buf=64KiB: %v", err)
	}
	noChildren(t)
}

// FuzzKnobsText: any --knobs document a worker is handed either fails to
// decode or decodes to valid knobs that encode and decode to themselves.
func FuzzKnobsText(f *testing.F) {
	doc, _ := DefaultKnobs().MarshalText()
	f.Add(string(doc))
	f.Add(`{"buf":"64KiB","pool":"false","maxline":"3KiB"}`)
	f.Add(`{"chancap":"-1"}`)
	f.Add(`{"advice":"sequential","maxline":"1GiB"}`)
	f.Add(`{}`)
	f.Add(`maxline=1`)
	f.Fuzz(func(t *testing.T, doc string) {
		var k Knobs
		if k.UnmarshalText([]byte(doc)) != nil {
			return
		}
		if err := k.Validate(); err != nil {
			t.Fatalf("%q decoded to invalid knobs: %v", doc, err)
		}
		again, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Knobs
		if err := back.UnmarshalText(again); err != nil || !maps.Equal(back.Map(), k.Map()) {
			t.Fatalf("%q: %s decodes to %v, %v; want %v", doc, again, back.Map(), err, k.Map())
		}
	})
}

// TestKnobModes: segment (the dynamic split's, which process mode does
// not have) applies to goroutine mode only, and exec's help says so; a
// knob without modes applies to both and its help says nothing.
func TestKnobModes(t *testing.T) {
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	k := DefaultKnobs()
	BindFlags(fs, &k)
	for _, c := range []struct {
		name               string
		goroutine, process bool
		note               bool
	}{
		{"segment", true, false, true},
		{"buf", true, true, false},
		{"split", true, true, false},
	} {
		n, _ := LookupKnob(c.name)
		if n.AppliesToMode("goroutine") != c.goroutine || n.AppliesToMode("process") != c.process {
			t.Errorf("%s applies to goroutine %v, process %v; want %v, %v", c.name, n.AppliesToMode("goroutine"), n.AppliesToMode("process"), c.goroutine, c.process)
		}
		if got := strings.Contains(fs.Lookup(c.name).Usage, "(goroutine mode only)"); got != c.note {
			t.Errorf("%s's help %q: mode note %v, want %v", c.name, fs.Lookup(c.name).Usage, got, c.note)
		}
	}
	// The flags the driver hands exec: the knobs off their defaults only,
	// so none at all for the defaults (a knob of one mode never reaches
	// exec in the other).
	if args := DefaultKnobs().Args(); len(args) != 0 {
		t.Errorf("the defaults' exec flags %q, want none", args)
	}
	seg := DefaultKnobs()
	if err := seg.Set("segment", "1MiB"); err != nil {
		t.Fatal(err)
	}
	if args := seg.Args(); !slices.Equal(args, []string{"--segment=1MiB"}) {
		t.Errorf("segment=1MiB's exec flags %q, want [--segment=1MiB]", args)
	}
}
