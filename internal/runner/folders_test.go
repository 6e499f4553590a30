package runner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/results"
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
	spec := mustSpec(t, "name = \"twice\"\nrepetitions = 1\n"+quick+matrixOf(1, "readall"))
	tmp := t.TempDir()
	root := filepath.Join(tmp, "results")
	clock := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	var dirs []string
	for i := 0; i < 2; i++ {
		o := Options{Spec: spec, ResultsRoot: root, FixtureDir: filepath.Join(tmp, "fx"), Self: fanbenchBin(t), Progress: io.Discard, now: clock}
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
