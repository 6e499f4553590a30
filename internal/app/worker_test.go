package app

import (
	"os"
	"testing"

	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/testenv"
)

// TestMain: a process-mode worker started from this test binary without a
// test's Command (strategy.SelfCommand) exits at once with a message
// (testenv.ServeWorker) instead of running the tests again.
func TestMain(m *testing.M) {
	testenv.ServeWorker(strategy.Worker{})
	os.Exit(m.Run())
}
