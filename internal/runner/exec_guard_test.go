package runner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/strategy"
)

// TestExecMemoryGuard: Exec judges a run with the strategy table's
// estimate (the one run's guard uses) before allocating: refused on a
// machine with too little MemAvailable, run with Force.
func TestExecMemoryGuard(t *testing.T) {
	file := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(file, []byte("a;1.0\nb;2.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// readall, 2 workers: 64MiB + 2 × 256KiB + 12 bytes > 80% of 64MiB.
	o := ExecOptions{Path: file, Mode: "goroutine", Strategy: "readall", Workload: "count", Workers: 2,
		Knobs: strategy.DefaultKnobs(), MemAvailable: func() int64 { return 64 << 20 }}
	_, err := Exec(o)
	if err == nil || !strings.HasPrefix(err.Error(), "memory guard: estimated peak 64.5 MiB = 64MiB + workers 2 × 256KiB + file 12B exceeds 80% of MemAvailable 64 MiB (use --force to run it)") {
		t.Errorf("error %v, want the guard's refusal", err)
	}
	o.Force = true
	if rep, err := Exec(o); err != nil || rep.Answer.Lines != 2 {
		t.Errorf("forced: %v, %v", rep.Answer, err)
	}
}
