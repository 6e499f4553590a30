package runner

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/oracle/oracletest"
	"github.com/fanbench/fanbench/internal/strategy"
)

// TestCanonicalAnswers: every strategy, in both modes, with every collect
// value that applies, writes with `fanbench exec --answer-out` exactly the
// answer worked out by hand in testdata/answers (README.md there shows the
// arithmetic): the One Billion Row Challenge baseline's line for parse,
// LINES BYTES for count.
func TestCanonicalAnswers(t *testing.T) {
	bin := fanbenchBin(t)
	input := filepath.Join("testdata", "answers", "rules.txt")
	for _, w := range []string{"parse", "count"} {
		want, err := os.ReadFile(filepath.Join("testdata", "answers", "rules."+w+".want"))
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range strategy.Modes {
			for _, s := range strategy.All {
				if !s.Runs(w) {
					continue
				}
				for _, how := range collect.Names {
					name := strings.Join([]string{w, mode.String(), s.Name, string(how)}, "/")
					got, out, err := execAnswer(t, bin, input, "--workload", w, "--mode", mode.String(), "--strategy", s.Name,
						"--workers", "3", "--collect", string(how), "--batch", "2", "--buf", "256")
					switch {
					case err != nil && strings.Contains(out, "needs mode="):
						continue // a collect value or a form this mode does not have
					case err != nil && (strings.Contains(out, "has no mode=") || strings.Contains(out, "per-worker totals only")):
						continue // no such form; pread's fixed collect
					case err != nil:
						t.Errorf("%s: %v: %s", name, err, out)
					case !bytes.Equal(got, want):
						t.Errorf("%s: answer\n%q\nwant\n%q", name, got, want)
					}
				}
			}
		}
	}
}

// TestCanonicalAnswersManyNames: 10,000 distinct names
// (oracletest.ManyNames), through every strategy and mode.
func TestCanonicalAnswersManyNames(t *testing.T) {
	bin := fanbenchBin(t)
	in, want := oracletest.ManyNames()
	input := filepath.Join(t.TempDir(), "many.txt")
	if err := os.WriteFile(input, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range strategy.Modes {
		for _, s := range strategy.All {
			if !s.Runs("parse") {
				continue
			}
			got, out, err := execAnswer(t, bin, input, "--workload", "parse", "--mode", mode.String(), "--strategy", s.Name, "--workers", "3")
			if err != nil && strings.Contains(out, "has no mode=") {
				continue
			}
			if err != nil || string(got) != want {
				t.Errorf("%s/%s: %v %s; answer starts %.60q, want %.60q", mode, s.Name, err, out, got, want)
			}
		}
	}
}

// execAnswer runs `fanbench exec --answer-out` on input and returns the
// answer it wrote, and its output when it failed.
func execAnswer(t *testing.T, bin, input string, args ...string) ([]byte, string, error) {
	t.Helper()
	answer := filepath.Join(t.TempDir(), "answer.txt")
	cmd := exec.Command(bin, append(append([]string{"exec", "--answer-out", answer}, args...), input)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, string(out), err
	}
	got, err := os.ReadFile(answer)
	return got, string(out), err
}
