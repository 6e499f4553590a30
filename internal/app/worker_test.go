package app

import (
	"testing"

	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/testenv"
)

// TestMain: the test binary started by the name fanbench (testenv.Main:
// the scripts' fanbench, and the exec and worker children it starts) runs
// Run; a process-mode worker started from it without a test's Command
// (strategy.SelfCommand) exits at once with a message
// (testenv.ServeWorker) instead of running the tests again.
func TestMain(m *testing.M) {
	testenv.Main(m, Run, strategy.Worker{}, nil)
}
