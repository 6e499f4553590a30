package fanbench

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLibraryIsLight: a program that uses only this package's types and
// Benchmark (testdata/light) imports neither the command line
// (internal/app) nor the report and its charts (internal/report,
// internal/chart, gonum.org/v1/plot), which cmd/fanbench does import (so
// the check can fail). Before the command line moved to package cmdline, the light
// program's dependencies were cmd/fanbench's: 325 packages, gonum's
// included; now 147.
func TestLibraryIsLight(t *testing.T) {
	deps := func(pkg string) string {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return string(out)
	}
	heavy := []string{"github.com/fanbench/fanbench/internal/app\n", "github.com/fanbench/fanbench/internal/report\n",
		"github.com/fanbench/fanbench/internal/chart\n", "gonum.org/v1/plot\n"}
	light, full := deps("./testdata/light"), deps("./cmd/fanbench")
	if !strings.Contains(light, "github.com/fanbench/fanbench\n") {
		t.Fatalf("testdata/light does not import package fanbench:\n%s", light)
	}
	for _, h := range heavy {
		if strings.Contains(light, h) {
			t.Errorf("testdata/light links %s", strings.TrimSpace(h))
		}
		if !strings.Contains(full, h) {
			t.Errorf("cmd/fanbench does not link %s: the check proves nothing", strings.TrimSpace(h))
		}
	}
}
