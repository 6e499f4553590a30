package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// matrix is a valid [[matrix]] block (lines 2-6 when it follows a one-line
// name).
const matrix = `[[matrix]]
strategies = ["readall"]
sizes = ["1MiB"]
workers = [1]
`

// specErrorTests are invalid specs with the exact one-line error each must
// give: file:line: field: message. Line numbers count from the first line
// of src.
var specErrorTests = []struct {
	name string
	src  string
	want string
}{
	{"unknown top-level key", "name = \"t\"\nbogus = 1\n" + matrix,
		`exp.toml:2: bogus: unknown key`},
	{"unknown key in matrix", "name = \"t\"\n" + matrix + "colour = \"red\"\n",
		`exp.toml:6: matrix.colour: unknown key`},
	{"unknown key in claim", "name = \"t\"\n" + matrix + "[[claim]]\ntext = \"x\"\nmetric = \"sec/op\"\nop = \"<\"\nvalue = 1.0\nflavour = 2\n",
		`exp.toml:11: claim.flavour: unknown key`},
	{"bad size", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"64MiB\", \"1GB\"]\nworkers = [1]\n",
		`exp.toml:4: sizes: size "1GB": want a whole number of B, KiB, MiB, GiB or TiB (e.g. 256MiB)`},
	{"zero workers", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1MiB\"]\nworkers = [1, 0]\n",
		`exp.toml:5: workers: 0, want at least 1`},
	{"zero workers in the second matrix", "name = \"t\"\n" + matrix + "[[matrix]]\nstrategies = [\"ranges\"]\nsizes = [\"1MiB\"]\nworkers = [0]\n",
		`exp.toml:9: workers: 0, want at least 1`},
	{"unknown strategy", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\", \"teleport\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n",
		`exp.toml:3: strategies: unknown strategy "teleport" (want one of readall, ranges, mmap, chan, shm, ceiling, pread)`},
	{"unknown workload", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nworkloads = [\"sort\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n",
		`exp.toml:4: workloads: unknown workload "sort" (want one of count, none, parse)`},
	{"unknown knob", "name = \"t\"\n" + matrix + "knobs = { turbo = [true] }\n",
		`exp.toml:6: turbo: unknown knob (want one of buf, chancap, pool, advice, populate, split, segment, collect, batch, maxline, min_time, GOGC, GOMEMLIMIT, GOMAXPROCS, sample_every, spike, cache)`},
	{"bad knob value", "name = \"t\"\n" + matrix + "knobs = { buf = [\"1\"] }\n",
		`exp.toml:6: buf: knob buf: 1 bytes is below the minimum of 64B`},
	// A file that is no spec (a link to /etc/shadow, a binary): its text
	// (here the user name "root") is not echoed as a field.
	{"not a spec: text", "root:x:19000:0:99999:7:::\ndaemon:*:1\n",
		`exp.toml:1: toml: not a fanbench spec: expected '.' or '=', but got ':' instead`},
	{"not a spec: binary", "\x7fELF\x02\x01",
		`exp.toml:1: toml: not a fanbench spec: TOML files cannot contain control characters: '0x7f'`},
	{"empty file path", "name = \"t\"\n[[matrix]]\nstrategies = [\"mmap\"]\nsizes = [\"1MiB\"]\nworkers = [1]\nfiles = [\"\"]\n",
		`exp.toml:6: files: an empty path: name a file`},
	{"absurd rerun_disturbed", "name = \"t\"\nrerun_disturbed = 1000000000\n" + matrix,
		`exp.toml:2: rerun_disturbed: 1000000000, want 0 to 5`},
	{"negative rerun_disturbed", "name = \"t\"\nrerun_disturbed = -1\n" + matrix,
		`exp.toml:2: rerun_disturbed: -1, want 0 to 5`},
	{"negative min_time", "name = \"t\"\n" + matrix + "knobs = { min_time = [\"-5s\"] }\n",
		`exp.toml:6: min_time: knob min_time: -5s is negative`},
	{"absurd min_time", "name = \"t\"\n" + matrix + "knobs = { min_time = [\"1000h\"] }\n",
		`exp.toml:6: min_time: knob min_time: 1000h0m0s is over the maximum of 1m0s`},
	{"bad knob value in a knobs subtable", "name = \"t\"\n" + matrix + "[matrix.knobs]\nchancap = [\"many\"]\n",
		`exp.toml:7: chancap: knob chancap="many": strconv.Atoi: parsing "many": invalid syntax`},
	{"knob of the other mode", "name = \"t\"\n[[matrix]]\nmodes = [\"goroutine\", \"process\"]\nstrategies = [\"mmap\"]\nsizes = [\"1MiB\"]\nworkers = [1]\nknobs = { split = [\"static\"], segment = [\"1MiB\"] }\n",
		`exp.toml:7: segment: knob segment does not apply to mode=process (it applies to goroutine mode only)`},
	{"bad cache", "name = \"t\"\ncache = \"lukewarm\"\n" + matrix,
		`exp.toml:2: cache: "lukewarm", want warm or cold`},
	{"bad op in the second claim", "name = \"t\"\n" + matrix +
		"[[claim]]\ntext = \"a\"\nmetric = \"sec/op\"\nop = \"<\"\nvalue = 1.0\n" +
		"[[claim]]\ntext = \"b\"\nmetric = \"sec/op\"\nop = \"==\"\nvalue = 1.0\n",
		`exp.toml:14: op: claim "b": "==", want >=, <=, > or <`},
	{"claim with two bounds", "name = \"t\"\n" + matrix + "[[claim]]\ntext = \"x\"\nmetric = \"sec/op\"\nop = \"<\"\nvalue = 1.0\nof = \"size\"\nratio = 2.0\n",
		`exp.toml:6: claim: claim "x": give exactly one of value, of = "size", vs, or vs_metric alone`},
	{"unknown where field", "name = \"t\"\n" + matrix + "[[claim]]\ntext = \"x\"\nmetric = \"sec/op\"\nop = \"<\"\nvalue = 1.0\nwhere = { colour = \"red\" }\n",
		`exp.toml:11: colour: claim "x": unknown field (want mode, strategy, workload, size, workers, input, cache or a knob)`},
	{"missing sizes points at its block", "name = \"t\"\n" + matrix + "[[matrix]]\nstrategies = [\"ranges\"]\nworkers = [1]\n",
		`exp.toml:6: sizes: missing in a [[matrix]] block (give sizes, files or both)`},
	{"TOML syntax error in a value", "name = \"t\"\nseed = 12x\n" + matrix,
		`exp.toml:2: seed: expected a top-level item to end with a newline, comment, or EOF, but got 'x' instead`},
	{"TOML syntax error in a table header", "name = \"t\"\n[[matrix]\nstrategies = [\"readall\"]\n",
		`exp.toml:2: matrix: expected end of table array name delimiter ']', but got '\n' instead`},
	{"TOML type mismatch", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1MiB\"]\nworkers = [\"two\"]\n",
		`exp.toml:5: matrix.workers: incompatible types: TOML value has type string; destination has type integer`},
	{"bad memory limit", "name = \"t\"\nmemory_limit = \"2GB\"\n" + matrix,
		`exp.toml:2: memory_limit: size "2GB": want a whole number of B, KiB, MiB, GiB or TiB (e.g. 256MiB)`},
	{"memory limit too small", "name = \"t\"\nmemory_limit = \"1MiB\"\n" + matrix,
		`exp.toml:2: memory_limit: 1MiB is below the minimum of 16MiB`},
	{"name that leaves the results root", "name = \"..\"\n" + matrix,
		`exp.toml:1: name: ".." names a folder outside the experiment's own: use letters, digits, '.', '_' and '-'`},
	{"name that is the results root", "name = \".\"\n" + matrix,
		`exp.toml:1: name: "." names a folder outside the experiment's own: use letters, digits, '.', '_' and '-'`},
	{"name with a separator", "name = \"a/b\"\n" + matrix,
		`exp.toml:1: name: "a/b": use letters, digits, '.', '_' and '-' only`},
	{"zero repetitions", "name = \"t\"\nrepetitions = 0\n" + matrix,
		`exp.toml:2: repetitions: 0, want at least 1 (leave it out for the default, 6)`},
	{"claim of an unknown metric", "name = \"t\"\n" + matrix + "[[claim]]\ntext = \"x\"\nmetric = \"speed\"\nop = \"<\"\nvalue = 1.0\n",
		`exp.toml:8: metric: claim "x": unknown metric "speed" (want one of sec/op, B/s, cpu-sec, phase-cpu-sec, peak-RSS-B, peak-PSS-B, rss-anon-B, rss-file-B, pss-anon-B, pss-file-B, pss-sum-B, alloc-B, allocs, gc-cycles, lock-wait-sec, messages, ipc-B, reads, copy-B, minflt, majflt, wall-sec, tree-peak-cgroup-B, tree-peak-sampled-pss-B, tree-peak-sampled-rss-B, tree-peak-sumhwm-B)`},
	{"claim of an unknown vs_metric", "name = \"t\"\n" + matrix + "[[claim]]\ntext = \"x\"\nmetric = \"sec/op\"\nvs_metric = \"wall\"\nop = \"<\"\nratio = 1.0\n",
		`exp.toml:9: vs_metric: claim "x": unknown metric "wall" (want one of sec/op, B/s, cpu-sec, phase-cpu-sec, peak-RSS-B, peak-PSS-B, rss-anon-B, rss-file-B, pss-anon-B, pss-file-B, pss-sum-B, alloc-B, allocs, gc-cycles, lock-wait-sec, messages, ipc-B, reads, copy-B, minflt, majflt, wall-sec, tree-peak-cgroup-B, tree-peak-sampled-pss-B, tree-peak-sampled-rss-B, tree-peak-sumhwm-B)`},
	{"claim about a strategy the matrix lacks", "name = \"t\"\n" + matrix + "[[claim]]\ntext = \"x\"\nmetric = \"sec/op\"\nop = \"<\"\nvalue = 1.0\nwhere = { strategy = \"mmap\" }\n",
		`exp.toml:11: where: claim "x": selects no cell of the matrix`},
	{"claim compared with a cell the matrix lacks", "name = \"t\"\n" + matrix + "[[claim]]\ntext = \"x\"\nmetric = \"sec/op\"\nop = \"<\"\nratio = 1.0\nvs = { strategy = \"mmap\" }\n",
		`exp.toml:11: vs: claim "x": for Fanout/mode=goroutine/strategy=readall/workload=count/size=1MiB/workers=1: no measured cell to compare with (mode=goroutine size=1MiB strategy=mmap workers=1 workload=count)`},
	{"two spellings of one knob value", "name = \"t\"\n" + matrix + "knobs = { buf = [\"1MiB\", \"1024KiB\", 1048576] }\n",
		`exp.toml:6: knobs.buf: "1MiB" and "1024KiB" are the same value (1MiB)`},
	{"two spellings of one environment knob value", "name = \"t\"\n" + matrix + "[matrix.knobs]\nsample_every = [\"5ms\", \"1s\", \"5000us\"]\n",
		`exp.toml:7: knobs.sample_every: "5ms" and "5000us" are the same value (5ms)`},
	{"references whose names differ in a character a cell name replaces", "name = \"t\"\n" + matrix +
		"[[reference]]\nname = \"wc_l\"\ncommand = [\"wc\", \"-l\", \"{file}\"]\n[[reference]]\nname = \"wc l\"\ncommand = [\"wc\", \"{file}\"]\n",
		`exp.toml:10: name: references "wc_l" and "wc l" would both be cell Fanout/mode=external/strategy=ref:wc_l/workload=count/size=1MiB/workers=1 (a cell name replaces white space and '/' with '_'): rename one`},
	{"two references of one name", "name = \"t\"\n" + matrix +
		"[[reference]]\nname = \"wc\"\ncommand = [\"wc\", \"-l\", \"{file}\"]\n[[reference]]\nname = \"wc\"\ncommand = [\"wc\", \"{file}\"]\nsizes = [\"2MiB\"]\n",
		`exp.toml:10: name: reference "wc": references 1 and 2 have this name (it names their cells): rename one`},
	{"pread with the parse workload", "name = \"t\"\n[[matrix]]\nstrategies = [\"ranges\", \"pread\"]\nworkloads = [\"count\", \"parse\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n",
		`exp.toml:4: workloads: strategy pread runs the count workload only, not parse`},
	{"collect manager in goroutine mode", "name = \"t\"\n" + matrix + "knobs = { collect = [\"partials\", \"manager\"] }\n",
		`exp.toml:6: collect: strategy readall in mode=goroutine: collect manager: needs mode=process (a manager is a process that owns the aggregate; in mode=goroutine use channel)`},
	{"collect mutex in process mode", "name = \"t\"\n[[matrix]]\nmodes = [\"process\"]\nstrategies = [\"mmap\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n[matrix.knobs]\ncollect = [\"mutex\"]\n",
		`exp.toml:8: collect: strategy mmap in mode=process: collect mutex: needs mode=goroutine (worker processes share no memory for a lock to guard; use channel or manager)`},
	{"pread with a collect other than partials", "name = \"t\"\n[[matrix]]\nstrategies = [\"pread\"]\nsizes = [\"1MiB\"]\nworkers = [1]\nknobs = { collect = [\"channel\"] }\n",
		`exp.toml:6: collect: strategy pread takes collect=partials only, not channel`},
	{"a process-mode matrix of yardsticks only", "name = \"t\"\n" + matrix + "[[matrix]]\nmodes = [\"process\"]\nstrategies = [\"pread\", \"ceiling\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n",
		`exp.toml:8: strategies: matrix 2 makes no cell: pread, ceiling are yardsticks, left out in mode=process (add mode goroutine or a strategy of process mode)`},
	{"repetitions over the maximum", "name = \"t\"\nrepetitions = 10000000\n" + matrix,
		`exp.toml:2: repetitions: 10000000, want at most 10000 per cell`},
	{"repetitions that would exhaust memory", "name = \"t\"\nrepetitions = 99999999999\n" + matrix,
		`exp.toml:2: repetitions: 99999999999, want at most 10000 per cell`},
	{"warm-ups over the maximum", "name = \"t\"\nwarmup = 10001\n" + matrix,
		`exp.toml:2: warmup: 10001, want at most 10000 per cell`},
	{"runs over the maximum", "name = \"t\"\nrepetitions = 10000\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1MiB\"]\nworkers = [" + seq(1, 101, "%d") + "]\n",
		`exp.toml:2: repetitions: 101 cells × (10000 repetitions + 0 warm-ups) = 1010000 runs, over the maximum of 1000000`},
	{"cells over the maximum, not made", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [" + seq(1001, 2001, `"%dB"`) + "]\nworkers = [" + seq(1, 1000, "%d") + "]\n",
		`exp.toml:2: matrix: the matrices and references make up to 1001000 cells (before repeated ones merge), over the maximum of 100000`},
	{"GOMAXPROCS over the maximum", "name = \"t\"\n" + matrix + "knobs = { GOMAXPROCS = [2, 100000] }\n",
		`exp.toml:6: GOMAXPROCS: knob GOMAXPROCS="100000": want at most 1024 (Go sets up every P before main: at 100000 a run had not ended after 20s)`},
	{"size 0", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"0B\", \"1KiB\"]\nworkers = [1]\n",
		`exp.toml:4: sizes: size "0B": want at least 1B`},
	{"size 0 of a reference", "name = \"t\"\n" + matrix + "[[reference]]\nname = \"wc\"\ncommand = [\"wc\", \"{file}\"]\nsizes = [\"0\"]\n",
		`exp.toml:9: sizes: reference "wc": size "0": want at least 1B`},
	{"zero workers of a reference", "name = \"t\"\n" + matrix + "[[reference]]\nname = \"wc\"\ncommand = [\"wc\", \"{file}\"]\nworkers = [0]\n",
		`exp.toml:9: workers: reference "wc": 0, want at least 1`},
	{"workers over the maximum", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1MiB\"]\nworkers = [4097]\n",
		`exp.toml:5: workers: 4097, want at most 4096`},
	// Typed values, refused by the decoder, each at its own block's line
	// (the decoder alone would name the last block's).
	{"bad size in the first of two matrices", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1GB\"]\nworkers = [1]\n[[matrix]]\nstrategies = [\"ranges\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n",
		`exp.toml:4: sizes: size "1GB": want a whole number of B, KiB, MiB, GiB or TiB (e.g. 256MiB)`},
	{"bad size in the second of two matrices", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n[[matrix]]\nstrategies = [\"ranges\"]\nsizes = [\"1GB\"]\nworkers = [1]\n",
		`exp.toml:8: sizes: size "1GB": want a whole number of B, KiB, MiB, GiB or TiB (e.g. 256MiB)`},
	{"TOML type mismatch in the first of two matrices", "name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1MiB\"]\nworkers = [\"two\"]\n[[matrix]]\nstrategies = [\"ranges\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n",
		`exp.toml:5: matrix.workers: incompatible types: TOML value has type string; destination has type integer`},
	{"bad mode", "name = \"t\"\n[[matrix]]\nmodes = [\"thread\"]\nstrategies = [\"readall\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n",
		`exp.toml:3: modes: "thread", want goroutine or process`},
	{"empty cache", "name = \"t\"\ncache = \"\"\n" + matrix,
		`exp.toml:2: cache: "", want warm or cold`},
	{"negative duration", "name = \"t\"\nsample_every = \"-1s\"\n" + matrix,
		`exp.toml:2: sample_every: duration "-1s": negative`},
	{"bad size of a reference", "name = \"t\"\n" + matrix + "[[reference]]\nname = \"wc\"\ncommand = [\"wc\", \"{file}\"]\nsizes = [\"big\"]\n",
		`exp.toml:9: sizes: reference "wc": size "big": want a whole number of B, KiB, MiB, GiB or TiB (e.g. 256MiB)`},
	{"bad duration", "name = \"t\"\ntimeout = \"5 minutes\"\n" + matrix,
		`exp.toml:2: timeout: duration "5 minutes": want e.g. 10ms, 30s, 5m`},
}

// seq is the integers from lo to hi, each formatted by format, as a TOML
// list's items.
func seq(lo, hi int, format string) string {
	var items []string
	for i := lo; i <= hi; i++ {
		items = append(items, fmt.Sprintf(format, i))
	}
	return strings.Join(items, ", ")
}

// specErrRE is the shape every located spec error must have.
var specErrRE = regexp.MustCompile(`^[^:\n]+\.toml:[1-9][0-9]*: [A-Za-z_.]+: \S.*$`)

func TestParseErrors(t *testing.T) {
	for _, tt := range specErrorTests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("exp.toml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse accepted the spec: %+v", s)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error is %T, want *Error: %v", err, err)
			}
			got := oneLineErr(t, err)
			if got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
			if !specErrRE.MatchString(got) {
				t.Errorf("error %q does not have the form file:line: field: msg", got)
			}
			if se.Path != "exp.toml" || se.Line < 1 || se.Field == "" {
				t.Errorf("Error %+v: want path, line and field", *se)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.toml")
	_, err := Load(missing)
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	if got, want := oneLineErr(t, err), missing+": cannot read: no such file or directory"; got != want {
		t.Errorf("missing file:\n got %s\nwant %s", got, want)
	}
	// A file on disk reports its own path.
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("name = \"t\"\n[[matrix]]\nstrategies = [\"readall\"]\nsizes = [\"1GB\"]\nworkers = [1]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if got, want := oneLineErr(t, err), bad+`:4: sizes: size "1GB": want a whole number of B, KiB, MiB, GiB or TiB (e.g. 256MiB)`; got != want {
		t.Errorf("bad size on disk:\n got %s\nwant %s", got, want)
	}
}

func TestLoadDefaults(t *testing.T) {
	s, err := Parse("min.toml", []byte("name = \"min\"\n"+matrix))
	if err != nil {
		t.Fatal(err)
	}
	if s.Repetitions != 6 || s.Warmup != 0 || s.Cache != "warm" || s.Timeout.Duration != 5*time.Minute ||
		s.SampleEvery.Duration != 10*time.Millisecond || s.PSSEvery.Duration != 100*time.Millisecond ||
		s.FixtureSeed != 1 || s.Cgroup == nil || !*s.Cgroup {
		t.Errorf("defaults: %+v", s)
	}
	if m := s.Matrix[0]; len(m.Modes) != 1 || m.Modes[0] != "goroutine" || len(m.Workloads) != 1 || m.Workloads[0] != "count" {
		t.Errorf("matrix defaults: %+v", m)
	}
	if s.MemoryLimit != 0 {
		t.Errorf("default memory limit %d, want none", s.MemoryLimit)
	}
	if s, err := Parse("lim.toml", []byte("name = \"lim\"\nmemory_limit = \"2GiB\"\n"+matrix)); err != nil || s.MemoryLimit != 2<<30 {
		t.Errorf("memory_limit = \"2GiB\": %v, %+v", err, s)
	}
	// sample_every = "0s" given explicitly turns the sampler off.
	s, err = Parse("min.toml", []byte("name = \"min\"\nsample_every = \"0s\"\npss_every = \"0s\"\n"+matrix))
	if err != nil {
		t.Fatal(err)
	}
	if s.SampleEvery.Duration != 0 || s.PSSEvery.Duration != 0 {
		t.Errorf("explicit 0s sampling: sample_every %v pss_every %v", s.SampleEvery, s.PSSEvery)
	}
}

func TestCommittedSpecsLoad(t *testing.T) {
	paths, err := filepath.Glob("../../experiments/*.toml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no experiments: %v", err)
	}
	for _, p := range paths {
		s, err := Load(p)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(s.Cells()) == 0 {
			t.Errorf("%s: no cells", p)
		}
	}
}

// TestSpecErrorOneLine: a quoted TOML key may hold a line break; the error
// naming it stays one line (found by FuzzParse).
func TestSpecErrorOneLine(t *testing.T) {
	tests := []struct{ src, want string }{
		{"name = \"t\"\n" + matrix + "knobs = { \"a\\nb\" = [1] }\n", `exp.toml:2: "a\nb": unknown knob (want one of `},
		{"name = \"t\"\n" + matrix + "[[claim]]\ntext = \"x\"\nmetric = \"sec/op\"\nop = \"<\"\nvalue = 1.0\nwhere = { \"c\\rd\" = 1 }\n",
			`exp.toml:6: "c\rd": claim "x": unknown field`},
	}
	for _, tt := range tests {
		_, err := Parse("exp.toml", []byte(tt.src))
		if err == nil {
			t.Fatalf("accepted %q", tt.src)
		}
		if got := oneLineErr(t, err); !strings.HasPrefix(got, tt.want) {
			t.Errorf("error %q, want it to start with %q", got, tt.want)
		}
	}
}

// TestSpecDefaultsNotTakenFromTables: a key of the same name in a nested
// table (a matrix's knobs, a claim's where) is not the top-level setting,
// so it does not switch the spec-wide default off (#26).
func TestSpecDefaultsNotTakenFromTables(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"knobs subtable", "name = \"t\"\n" + matrix + "[matrix.knobs]\nsample_every = [\"5ms\"]\n" + matrix},
		{"claim where subtable", "name = \"t\"\n" + matrix + "knobs = { sample_every = [\"5ms\"] }\n" +
			"[[claim]]\ntext = \"x\"\nmetric = \"sec/op\"\nop = \"<\"\nvalue = 1.0\n[claim.where]\nsample_every = \"5ms\"\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("exp.toml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if s.SampleEvery.Duration != 10*time.Millisecond {
				t.Errorf("sample_every %v, want the default 10ms", s.SampleEvery)
			}
		})
	}
}

// oneLineErr is err's text, failing the test when it spans lines.
func oneLineErr(t *testing.T, err error) string {
	t.Helper()
	msg := err.Error()
	if i := strings.IndexAny(msg, "\n\r"); i >= 0 {
		t.Errorf("error breaks its line at byte %d: %q", i, msg)
	}
	return msg
}
