package runner

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// TestNewDirNeverReused: a fresh results folder is made exclusively; when
// its name is taken (an experiment of the same name started in the same
// second) the next free name of base, base-002, base-003, ... is used, and
// the names sort in the order they were made.
func TestNewDirNeverReused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		taken []string // folders that exist beforehand
		want  string
	}{
		{"free", nil, "T"},
		{"taken", []string{"T"}, "T-002"},
		{"two taken", []string{"T", "T-002"}, "T-003"},
		{"the first free name", []string{"T", "T-003"}, "T-002"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "exp")
			for _, d := range tc.taken {
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			d, err := newDir(filepath.Join(root, "T"))
			if err != nil {
				t.Fatal(err)
			}
			if got := filepath.Base(d.Path); got != tc.want {
				t.Errorf("newDir: %s, want %s", got, tc.want)
			}
		})
	}
	names := []string{"20260102T030405Z-010", "20260102T030405Z", "20260102T030406Z", "20260102T030405Z-002"}
	slices.Sort(names)
	if want := []string{"20260102T030405Z", "20260102T030405Z-002", "20260102T030405Z-010", "20260102T030406Z"}; !slices.Equal(names, want) {
		t.Errorf("sorted names %v, want %v", names, want)
	}
}

// TestRunsOfOneSecondGetTwoFolders: two runs of one experiment whose clock
// reads the same second end in two results folders, each holding its own
// run, spec copy and plan; the second never appends to the first's
// runs.jsonl.
func TestRunsOfOneSecondGetTwoFolders(t *testing.T) {
	sp := mustSpec(t, "name = \"twice\"\nrepetitions = 1\n"+quick+matrixOf(1, "readall"))
	tmp := t.TempDir()
	root := filepath.Join(tmp, "results")
	clock := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	var dirs []string
	for i := 0; i < 2; i++ {
		o := Options{Spec: sp, ResultsRoot: root, FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard, now: clock}
		sum, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		dirs = append(dirs, sum.Dir)
	}
	want := []string{filepath.Join(root, "twice", "20260102T030405Z"), filepath.Join(root, "twice", "20260102T030405Z-002")}
	if !slices.Equal(dirs, want) {
		t.Fatalf("results folders %v, want %v", dirs, want)
	}
	for _, d := range dirs {
		runs, dropped := readRunsOK(t, d)
		if len(runs) != 1 || dropped != 0 || runs[0].Order != 0 {
			t.Errorf("%s: %d runs (%d dropped), want its own one run", d, len(runs), dropped)
		}
		for _, f := range []string{SpecCopyName, PlanFileName, results.EnvFile, results.BenchFile} {
			if _, err := os.Stat(filepath.Join(d, f)); err != nil {
				t.Errorf("%s: %v", d, err)
			}
		}
	}
}

// TestResumeRefusesDamagedRunLog: --resume of a folder whose runs.jsonl
// ends in a complete line that is not a record, or is a symbolic link to
// a file outside the folder, fails naming the file (and the line) and
// changes nothing. Before, the complete line was taken for torn and cut,
// through the link too.
func TestResumeRefusesDamagedRunLog(t *testing.T) {
	sp := mustSpec(t, "name = \"damage\"\nrepetitions = 1\n"+quick+matrixOf(1, "readall"))
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "results")
	o := Options{Spec: sp, Dir: dir, FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	runsPath := filepath.Join(dir, results.RunsFile)
	good := string(mustRead(t, runsPath))
	// The one record with a one-character typo, newline and all.
	typo := strings.Replace(good, `"rep":`, `"rep";`, 1)
	outside := filepath.Join(tmp, "elsewhere.jsonl")
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T) (check string, want string)
	}{
		{"complete garbage last line", func(t *testing.T) (string, string) {
			writeFile(t, runsPath, good+typo)
			return runsPath, "resume " + dir + ": " + runsPath + ":2: invalid character ';' after object key"
		}},
		{"symbolic link out of the folder", func(t *testing.T) (string, string) {
			// What would be a torn last line in the target: cut if written through.
			writeFile(t, outside, good+good[:30])
			if err := os.Remove(runsPath); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, runsPath); err != nil {
				t.Fatal(err)
			}
			return outside, "resume " + dir + ": " + runsPath + " is a symbolic link (to " + outside + ")"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check, want := tc.prepare(t)
			before := string(mustRead(t, check))
			again, err := spec.Load(filepath.Join(dir, SpecCopyName))
			if err != nil {
				t.Fatal(err)
			}
			ro := o
			ro.Spec, ro.Resume = again, true
			_, err = Run(context.Background(), ro)
			if err == nil || !strings.HasPrefix(oneLineErr(t, err), want) {
				t.Errorf("resume: %v, want %q...", err, want)
			}
			if after := string(mustRead(t, check)); after != before {
				t.Errorf("%s changed: %d bytes, was %d", check, len(after), len(before))
			}
		})
	}
}

// TestReadFolderState: an experiment interrupted after 3 of its 6 planned
// runs is "incomplete: 3 of 6 runs", by plan.json's count and, for a
// folder written before plan.json held it, by the spec copy's cells and
// the recorded repetitions; its claim, which the driver judges only at
// the end, is judged on the runs recorded so far. Finished, it is
// complete and leaves the claims to claims.json.
func TestReadFolderState(t *testing.T) {
	sp := mustSpec(t, "name = \"part\"\nrepetitions = 3\nseed = 5\n"+quick+wcReadall+`
[[claim]]
text = "readall holds the file"
metric = "peak-RSS-B"
where = { strategy = "readall" }
op = ">="
value = 1
`)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "results")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := Options{Spec: sp, Dir: dir, FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard,
		beforeRun: func(order int) {
			if order == 3 {
				cancel()
			}
		}}
	if _, err := Run(ctx, o); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("run: %v, want interrupted", err)
	}
	check := func(what, want string, claims int) {
		t.Helper()
		st, err := ReadFolderState(dir)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if st.Incomplete() != want || len(st.Claims) != claims {
			t.Errorf("%s: %+v: %q, %d claims; want %q, %d", what, st, st.Incomplete(), len(st.Claims), want, claims)
		}
	}
	check("interrupted", "incomplete: 3 of 6 runs", 1)
	// A duplicate record (as two runs sharing a folder wrote) counts once.
	runsPath := filepath.Join(dir, results.RunsFile)
	raw := mustRead(t, runsPath)
	writeFile(t, runsPath, string(raw)+string(raw[:bytes.IndexByte(raw, '\n')+1]))
	check("a duplicate record", "incomplete: 3 of 6 runs", 1)
	// A folder from before plan.json counted its runs.
	planPath := filepath.Join(dir, PlanFileName)
	writeFile(t, planPath, `{"repetitions":3,"warmup":0,"seed":5}`+"\n")
	check("plan.json without runs", "incomplete: 3 of 6 runs", 1)

	writeFile(t, runsPath, string(raw))
	again, err := spec.Load(filepath.Join(dir, SpecCopyName))
	if err != nil {
		t.Fatal(err)
	}
	o.Spec, o.Resume, o.beforeRun = again, true, nil
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	check("finished", "", 0)
}
