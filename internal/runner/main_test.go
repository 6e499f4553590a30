package runner_test

import (
	"testing"

	"github.com/fanbench/fanbench/internal/app"
	"github.com/fanbench/fanbench/internal/runner"
	"github.com/fanbench/fanbench/internal/testenv"
)

// TestMain: the test binary started by the name fanbench (testenv.Main)
// is fanbench, app.Run: the tests' Self (fanbenchBin) and the exec
// children of their runs, so no test builds it. The launcher tests'
// child testdata/toucher is built once into a temporary folder, removed
// at the end (runner.RemoveBinDir). Launch, the sampler and the driver
// end every goroutine they start: goleak checks after the tests.
func TestMain(m *testing.M) {
	testenv.Main(m, app.Run, nil, func(code int) int {
		runner.RemoveBinDir()
		return testenv.NoLeaks(code)
	})
}
