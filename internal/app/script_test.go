package app

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/testenv"
	"github.com/rogpeppe/go-internal/testscript"
)

// update is the package's one flag for its golden files: go test -update
// rewrites the files the scripts' cmp commands compare with (the sections
// of testdata/script/*.txtar).
var update = flag.Bool("update", false, "rewrite the golden sections of testdata/script/*.txtar")

// TestScripts runs the command line's end-to-end tests,
// testdata/script/*.txtar, with this test binary as fanbench (TestMain).
// Each script's folder holds a copy of testdata/run (specs, no results),
// and $EXPERIMENTS is the repository's experiments folder.
func TestScripts(t *testing.T) {
	specs, err := filepath.Glob(filepath.Join("testdata", "run", "*.toml"))
	if err != nil {
		t.Fatal(err)
	}
	experiments, err := filepath.Abs(filepath.Join("..", "..", "experiments"))
	if err != nil {
		t.Fatal(err)
	}
	testenv.Scripts(t, *update, func(e *testscript.Env) error {
		e.Setenv("EXPERIMENTS", experiments)
		dir := filepath.Join(e.WorkDir, "testdata", "run")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, s := range specs {
			b, err := os.ReadFile(s)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(s)), b, 0o644); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestEverySpecErrorHasAScript: each bad spec of testdata/run has its
// script run_spec_NAME.txtar (dashes as underscores), which checks the
// one line fanbench run writes for it.
func TestEverySpecErrorHasAScript(t *testing.T) {
	specs, err := filepath.Glob(filepath.Join("testdata", "run", "*.toml"))
	if err != nil || len(specs) < 13 {
		t.Fatalf("bad specs in testdata/run: %v %v", specs, err)
	}
	for _, s := range specs {
		name := strings.ReplaceAll(strings.TrimSuffix(filepath.Base(s), ".toml"), "-", "_")
		script := filepath.Join("testdata", "script", "run_spec_"+name+".txtar")
		b, err := os.ReadFile(script)
		if err != nil {
			t.Errorf("%s has no script: %v", s, err)
			continue
		}
		if !strings.Contains(string(b), "fanbench run --results results --fixtures fixtures "+filepath.ToSlash(s)+"\n") {
			t.Errorf("%s does not run %s", script, s)
		}
	}
}
