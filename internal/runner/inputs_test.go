package runner

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// The user files of testdata/inputs, with figures worked out by hand
// (wc -lc, sha256sum): weather.txt is five parse records of three
// stations; notes.csv is a CSV header and three rows, none a record.
const (
	weatherSHA = "sha256:48e60667f95a73a871e280a248dba1dcf7480dd5581a5071f42f01483b9472c6"
	notesSHA   = "sha256:26914a07ca2718eb605c5901f2172de41c5a26d0203fb55dda4494e91ada47e6"
)

func inputPath(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "inputs", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInputsEndToEnd: a spec naming the user's files beside a generated
// size runs through the CLI; cells carry input=NAME beside size=; env.json
// records each file's size and checksum; count works on both files; parse
// on the CSV fails its runs with the reason, not a crash; a claim about an
// input holds; the report shows the inputs.
func TestInputsEndToEnd(t *testing.T) {
	tmp := t.TempDir()
	weather, notes := inputPath(t, "weather.txt"), inputPath(t, "notes.csv")
	sp := writeFile(t, filepath.Join(tmp, "mine.toml"), `name = "mine"
repetitions = 2
`+quick+`[[matrix]]
strategies = ["ranges", "mmap"]
workloads = ["count", "parse"]
files = ["`+weather+`", "`+notes+`"]
workers = [2]

[[claim]]
text = "mmap on my weather file stays under 1 GiB"
metric = "peak-RSS-B"
where = { strategy = "mmap", input = "weather.txt", workload = "parse" }
op = "<"
value = 1073741824.0
`)
	res := filepath.Join(tmp, "res")
	out := runCLI(t, nil, "run", "--results", res, "--fixtures", filepath.Join(tmp, "fx"), sp)
	if out.code != 1 || !strings.Contains(out.stderr, "4 runs failed") {
		t.Fatalf("exit %d, stderr %q: want 1 with the 4 parse runs over notes.csv failed", out.code, out.stderr)
	}
	dir := onlyFolder(t, res, "mine")
	verdicts, err := results.ReadClaims(filepath.Join(dir, results.ClaimsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(verdicts) != 1 || !verdicts[0].Pass || verdicts[0].Cell != "Fanout/mode=goroutine/strategy=mmap/workload=parse/size=68B/workers=2/input=weather.txt" {
		t.Errorf("claim about an input: %+v, want one PASS on the weather.txt cell", verdicts)
	}
	runs, _ := readRunsOK(t, dir)
	if len(runs) != 16 {
		t.Fatalf("%d runs, want 16", len(runs))
	}
	wantLines := map[string]int64{"weather.txt": 5, "notes.csv": 4}
	for _, r := range runs {
		in := r.Cell.Knobs[spec.InputKnob]
		name := results.BenchName(r.Cell)
		if !strings.HasSuffix(name, "/input="+in) || !strings.Contains(name, "/size=") {
			t.Errorf("bench name %s lacks size= and input=%s", name, in)
		}
		if in == "notes.csv" && r.Cell.Workload == "parse" {
			if r.Status != results.StatusFailed || r.Reason != "input notes.csv is not in parse's format (name;-12.3 per line): 0 records and 4 bad lines among 4 lines" {
				t.Errorf("%s: %s %q, want failed as not in parse's format", name, r.Status, r.Reason)
			}
			continue
		}
		var a struct{ Lines int64 }
		if r.Status != results.StatusOK || json.Unmarshal(r.Answer, &a) != nil || a.Lines != wantLines[in] {
			t.Errorf("%s: %s %q, answer %s: want ok with %d lines", name, r.Status, r.Reason, r.Answer, wantLines[in])
		}
	}
	checkInputsEnv(t, dir, weather, notes)
	if _, err := os.Stat(filepath.Join(tmp, "fx")); err == nil {
		t.Errorf("a fixture folder was made for a spec with files only")
	}
	rep := runCLI(t, nil, "report", "--out", filepath.Join(tmp, "plots"), dir)
	if rep.code != 0 {
		t.Fatalf("report: exit %d, %s", rep.code, rep.stderr)
	}
	md := string(mustRead(t, filepath.Join(tmp, "plots", "mine", "report.md")))
	for _, want := range []string{"input=weather.txt", "input=notes.csv"} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md does not show %s", want)
		}
	}
}

// checkInputsEnv checks the env.json of TestInputsEndToEnd: it records
// each of the user's files (paths weather and notes) with its size and
// checksum, and no generated fixture.
func checkInputsEnv(t *testing.T, dir, weather, notes string) {
	t.Helper()
	env, err := results.ReadEnv(filepath.Join(dir, results.EnvFile))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]results.FixtureEnv{}
	for _, f := range env.Fixtures {
		got[f.Input] = f
	}
	for name, want := range map[string]results.FixtureEnv{
		"weather.txt": {Path: weather, Size: 68, Checksum: weatherSHA, Input: "weather.txt"},
		"notes.csv":   {Path: notes, Size: 48, Checksum: notesSHA, Input: "notes.csv"},
	} {
		g := got[name]
		g.FSType = ""
		if g != want {
			t.Errorf("env.json input %s: %+v, want %+v", name, g, want)
		}
	}
	if len(env.Fixtures) != 2 {
		t.Errorf("env.json lists %d files, want the 2 inputs (no generated fixture)", len(env.Fixtures))
	}
}

// TestInputChangedDuringRun: a user's file rewritten mid-experiment fails
// the later runs with the reason, as a changed fixture does.
func TestInputChangedDuringRun(t *testing.T) {
	tmp := t.TempDir()
	mine := writeFile(t, filepath.Join(tmp, "data", "my.txt"), "a;1.0\nb;2.0\n")
	sp := mustSpec(t, `name = "changing"
repetitions = 4
`+quick+`[[matrix]]
strategies = ["ranges"]
files = ["`+mine+`"]
workers = [1]
`)
	const changeAt = 2
	o := Options{Spec: sp, Dir: filepath.Join(tmp, "res"), FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard}
	o.beforeRun = func(order int) {
		if order == changeAt {
			writeFile(t, mine, "a;1.0\nb;2.0\nc;3.0\n")
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(mine, later, later); err != nil {
				t.Error(err)
			}
		}
	}
	sum, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Runs != changeAt || sum.Failed != 4-changeAt {
		t.Errorf("summary %+v: want %d ok and %d failed", *sum, changeAt, 4-changeAt)
	}
	runs, _ := readRunsOK(t, o.Dir)
	for _, r := range runs {
		if r.Order >= changeAt && (r.Status != results.StatusFailed || !strings.HasPrefix(r.Reason, "input "+mine+" changed since it was verified: size 18")) {
			t.Errorf("run %d after the change: %s %q", r.Order, r.Status, r.Reason)
		}
	}
}

// TestSpecFilesErrors: files that cannot be inputs are refused when the
// spec is loaded, in one line naming the file.
func TestSpecFilesErrors(t *testing.T) {
	tmp := t.TempDir()
	empty := writeFile(t, filepath.Join(tmp, "empty.txt"), "")
	a := writeFile(t, filepath.Join(tmp, "a", "same.txt"), "x\n")
	b := writeFile(t, filepath.Join(tmp, "b", "same.txt"), "y\n")
	spaced := writeFile(t, filepath.Join(tmp, "a b.txt"), "x\n")
	underscored := writeFile(t, filepath.Join(tmp, "a_b.txt"), "y\n") // the same size: one cell name
	for _, tc := range []struct{ files, want string }{
		{`"` + filepath.Join(tmp, "absent.txt") + `"`, `files: "` + filepath.Join(tmp, "absent.txt") + `": no such file or directory`},
		{`"` + empty + `"`, `files: "` + empty + `": empty file`},
		{`"` + tmp + `"`, `files: "` + tmp + `": not a regular file (d---------)`},
		{`"` + a + `", "` + b + `"`, `files: "` + a + `" and "` + b + `" have the same name "same.txt"`},
		{`"` + spaced + `", "` + underscored + `"`, `files: "` + spaced + `" and "` + underscored +
			`" would both be cell Fanout/mode=goroutine/strategy=ranges/workload=count/size=2B/workers=1/input=a_b.txt (a cell name replaces white space and '/' with '_'): rename one`},
	} {
		_, err := spec.Parse("f.toml", []byte("name = \"f\"\n[[matrix]]\nstrategies = [\"ranges\"]\nworkers = [1]\nfiles = ["+tc.files+"]\n"))
		if err == nil || !strings.Contains(oneLineErr(t, err), tc.want) || !strings.HasPrefix(err.Error(), "f.toml:5: ") {
			t.Errorf("files = [%s]: error %v, want f.toml:5: …%s", tc.files, err, tc.want)
		}
	}
}
