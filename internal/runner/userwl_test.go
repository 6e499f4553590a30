package runner

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/workload"
)

// TestPlanFixturesByGenerator: cells of a workload with its own generator
// need that generator's fixture, cells of the built-in workloads the
// built-in one, at each size: one fixture per (generator, size).
func TestPlanFixturesByGenerator(t *testing.T) {
	saved := workload.All
	t.Cleanup(func() { workload.All = saved })
	count, _ := workload.Lookup("count")
	gen := func(w io.Writer, size int64, seed uint64) error { _, err := w.Write(make([]byte, size)); return err }
	if err := workload.Register(workload.Workload{Name: "zeros", New: count.New, Generate: gen}); err != nil {
		t.Fatal(err)
	}
	if err := workload.Register(workload.Workload{Name: "nogen", New: count.New}); err != nil {
		t.Fatal(err)
	}
	sp := mustSpec(t, `name = "gens"
repetitions = 1
[[matrix]]
strategies = ["ranges"]
workloads = ["count", "zeros", "nogen"]
sizes = ["64KiB", "1MiB"]
workers = [1]
`)
	fx := t.TempDir()
	p, err := BuildPlan(sp, fx, "", false, func() int64 { return 8 << 30 })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range p.Fixtures {
		got = append(got, filepath.Base(f.Path))
	}
	want := "fixture-64KiB-seed1.txt fixture-zeros-64KiB-seed1.txt fixture-1MiB-seed1.txt fixture-zeros-1MiB-seed1.txt"
	if strings.Join(got, " ") != want {
		t.Errorf("fixtures %v, want %s", got, want)
	}
	if p.Fixtures[1].Generator.Name != "zeros" || p.Fixtures[0].Generator.Name != fixture.Builtin.Name {
		t.Errorf("generators %q %q", p.Fixtures[0].Generator.Name, p.Fixtures[1].Generator.Name)
	}
}

// TestCheckUnverified: a run of a workload without a reference passes when
// its workload saw the file's bytes (and its text file is removed), and
// fails, keeping the text, when it saw more or fewer or is another workload.
func TestCheckUnverified(t *testing.T) {
	want := workload.Answer{Workload: "wf", Bytes: 100}
	for _, tt := range []struct {
		name     string
		reported workload.Answer
		err      string
	}{
		{"all bytes", workload.UserAnswer("wf", 100, []byte("a 1\n")), ""},
		{"lost bytes", workload.UserAnswer("wf", 90, []byte("a 1\n")), "wrong answer: the run's workload wf saw 90 bytes, the file has 100 (workload wf)"},
		{"doubled bytes", workload.UserAnswer("wf", 200, []byte("a 1\n")), "saw 200 bytes, the file has 100"},
		{"other workload", workload.UserAnswer("count", 100, nil), "the run's workload count saw 100 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := filepath.Join(t.TempDir(), "answer.txt")
			if err := os.WriteFile(text, []byte(tt.reported.Text), 0o644); err != nil {
				t.Fatal(err)
			}
			err := checkUnverified(want, tt.reported, text)
			_, statErr := os.Stat(text)
			switch {
			case tt.err == "" && (err != nil || statErr == nil):
				t.Errorf("err %v, text file kept %v; want nil and removed", err, statErr == nil)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("err %v, want %q", err, tt.err)
			case tt.err != "" && statErr != nil:
				t.Errorf("the text file of a failed run was removed")
			}
		})
	}
}
