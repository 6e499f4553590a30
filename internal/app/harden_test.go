package app

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestRunEverySkipped: an experiment whose every cell the memory guard
// refuses (4096 process workers, an estimated 256 GiB) measured nothing:
// it says so plainly and exits 1, without any claim to fail.
func TestRunEverySkipped(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "skip.toml")
	if err := os.WriteFile(spec, []byte("name = \"skip\"\nrepetitions = 1\n[[matrix]]\nmodes = [\"process\"]\nstrategies = [\"ranges\"]\nsizes = [\"1MiB\"]\nworkers = [4096]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	status := Run(&stdout, &stderr, []string{"run", "--results", filepath.Join(tmp, "r"), "--fixtures", filepath.Join(tmp, "fx"), spec})
	if status != 1 {
		t.Errorf("exit status %d, want 1\nstdout %s\nstderr %s", status, stdout.String(), stderr.String())
	}
	want := regexp.MustCompile(`(?m)^fanbench run: every run was skipped \(1\): nothing was measured \(reasons in \S+/runs\.jsonl; --force runs what the memory guard refuses\)$`)
	if !want.MatchString(stderr.String()) {
		t.Errorf("stderr does not say that nothing was measured:\n%s", stderr.String())
	}
}

// TestResumeRefusesOtherFolders: run --resume of a folder another command
// made (an A/B comparison's, with ab.json; a calibration's, whose
// comparisons are NAME-NNN/ab.json) is refused in one line, exit 2, and
// changes nothing in it. Before, it appended a run without an arm to the
// ab folder's runs.jsonl, rewrote its results.bench and exited 0 or 1.
func TestResumeRefusesOtherFolders(t *testing.T) {
	// A spec whose one cell the memory guard refuses: a resume that did
	// go ahead would record a skipped run without running anything.
	const spec = "name = \"other\"\nrepetitions = 1\n[[matrix]]\nmodes = [\"process\"]\nstrategies = [\"ranges\"]\nsizes = [\"1MiB\"]\nworkers = [4096]\n"
	const runs = `{"experiment":"other","cell":{"mode":"process","strategy":"ranges","workload":"count","size":1048576,"size_name":"1MiB","workers":4096,"arm":"base"},"rep":0,"order":0,"status":"skipped","reason":"memory guard"}` + "\n"
	tmp := t.TempDir()
	abDir := filepath.Join(tmp, "ab-other", "T")
	calDir := filepath.Join(tmp, "calibrate-other")
	for _, tc := range []struct {
		name, dir, folder, want string
	}{
		{"ab", abDir, abDir, "fanbench run: resume " + abDir + ": a fanbench ab folder, not a run's (use fanbench ab --resume " + abDir + ")\n"},
		{"calibrate", calDir, filepath.Join(calDir, "aa-001"), "fanbench run: resume " + calDir +
			": a fanbench calibrate folder, not a run's (finish a comparison in it with fanbench ab --resume " + filepath.Join(calDir, "aa-001") + ")\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"spec.toml": spec, "ab.json": "{}\n", "runs.jsonl": runs, "results.bench": "BenchmarkX 1 1 sec/op\n"}
			for name, text := range files {
				dir := tc.folder
				if name == "spec.toml" && tc.dir != tc.folder {
					dir = tc.dir // a calibration folder's spec is its comparisons'; give it one to be sure
				}
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			status := Run(&stdout, &stderr, []string{"run", "--resume", tc.dir, "--fixtures", filepath.Join(tmp, "fx")})
			if status != 2 || stderr.String() != tc.want {
				t.Errorf("exit status %d, stderr %q; want 2, %q", status, stderr.String(), tc.want)
			}
			for _, name := range []string{"runs.jsonl", "results.bench"} {
				if b, err := os.ReadFile(filepath.Join(tc.folder, name)); err != nil || string(b) != files[name] {
					t.Errorf("%s after the refusal: %q, %v; want it unchanged", name, b, err)
				}
			}
			if _, err := os.Stat(filepath.Join(tc.dir, "runs.jsonl")); tc.dir != tc.folder && err == nil {
				t.Errorf("runs.jsonl written in the calibration folder")
			}
		})
	}
}
