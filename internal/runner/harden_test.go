package runner

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunNameStaysInRoot: a Spec whose name would put its results folder
// outside the results root (or straight into it) is refused before anything
// is written, however the Spec was made (LoadSpec refuses such names too:
// TestParseSpecErrors).
func TestRunNameStaysInRoot(t *testing.T) {
	for _, name := range []string{"..", ".", "../escape", "a/../..", ""} {
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			root := filepath.Join(tmp, "nest", "results")
			if err := os.MkdirAll(root, 0o755); err != nil {
				t.Fatal(err)
			}
			spec, err := ParseSpec("s.toml", []byte("name = \"ok\"\n"+matrix))
			if err != nil {
				t.Fatal(err)
			}
			spec.Name = name
			_, err = Run(context.Background(), Options{Spec: spec, ResultsRoot: root, FixtureDir: filepath.Join(tmp, "fx"),
				Self: "/bin/false", Progress: io.Discard})
			if err == nil || !strings.Contains(err.Error(), "experiment name") {
				t.Errorf("Run: %v, want an error naming the experiment name", err)
			}
			for _, d := range []string{tmp, filepath.Join(tmp, "nest"), root} {
				ents, _ := os.ReadDir(d)
				if len(ents) != 1 && d != root || d == root && len(ents) != 0 {
					t.Errorf("%s holds %v after the refusal", d, ents)
				}
			}
		})
	}
}
