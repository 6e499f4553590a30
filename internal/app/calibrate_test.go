package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mmapSpec is a spec whose only cells are goroutine-mode mmap cells (and
// process-mode chan cells, where calibration injects nothing).
const mmapSpec = "name = \"cal\"\nrepetitions = 2\n[[matrix]]\nmodes = [\"goroutine\"]\nstrategies = [\"mmap\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n" +
	"[[matrix]]\nmodes = [\"process\"]\nstrategies = [\"chan\"]\nsizes = [\"1MiB\"]\nworkers = [1]\n"

// TestCalibrateRefusesUnmeasured: calibrate refuses, before anything runs
// or is written, in one line with exit 2, what would report results it
// never measured: a --strategy that no goroutine-mode cell of the spec
// uses (nothing would be injected; a process-mode cell takes no extra
// work), naming the flag and the spec's strategies; and a --dir whose
// comparisons ran another spec (recorded by a sitting in calibration.json,
// or in a comparison's spec.toml), naming the folder. The same spec text
// is accepted again.
func TestCalibrateRefusesUnmeasured(t *testing.T) {
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "cal.toml")
	other := filepath.Join(tmp, "other.toml")
	same := filepath.Join(tmp, "same.toml")
	for p, text := range map[string]string{spec: mmapSpec, other: strings.Replace(mmapSpec, "repetitions = 2", "repetitions = 3", 1), same: mmapSpec} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	calibrate := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		status := Run(&stdout, &stderr, append([]string{"calibrate", "--results", filepath.Join(tmp, "results"), "--fixtures", filepath.Join(tmp, "fx")}, args...))
		return status, stderr.String()
	}
	oneLine := func(name string, status int, line string, want string) {
		t.Helper()
		if status != 2 || !strings.HasPrefix(line, want) || strings.Count(line, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want exit 2, one line %q…", name, status, line, want)
		}
	}

	for _, s := range []string{"ranges", "chan"} {
		dir := filepath.Join(tmp, "cal-"+s)
		status, line := calibrate("--strategy", s, "--slowdowns", "5", "--budget", "2s", "--dir", dir, spec) // bounded, were it to run
		oneLine("--strategy "+s, status, line, "fanbench calibrate: flag -strategy: "+s+": no goroutine-mode cell of "+spec+" uses it (its goroutine-mode strategies: mmap)")
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("--strategy %s: the calibration folder was made", s)
		}
	}

	// A sitting records the spec (report only here: no comparison to add).
	dir := filepath.Join(tmp, "cal")
	calibrate("--comparisons", "0", "--dir", dir, spec)
	status, line := calibrate("--comparisons", "0", "--dir", dir, other)
	oneLine("another spec", status, line, "fanbench calibrate: calibration folder "+dir+": its comparisons ran "+spec+" (sha256 ")
	if status, line := calibrate("--comparisons", "0", "--dir", dir, same); status == 2 || strings.Contains(line, "its comparisons ran") {
		t.Errorf("the same spec text: exit %d, stderr %q; want no refusal", status, line)
	}

	// A folder of comparisons made before the record: their spec.toml.
	legacy := filepath.Join(tmp, "legacy")
	if err := os.MkdirAll(filepath.Join(legacy, "aa-001"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(legacy, "aa-001", "spec.toml"), []byte(mmapSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	status, line = calibrate("--comparisons", "0", "--dir", legacy, other)
	oneLine("another spec than a comparison's", status, line, "fanbench calibrate: calibration folder "+legacy+": its comparisons ran "+filepath.Join(legacy, "aa-001", "spec.toml")+" (sha256 ")
}
