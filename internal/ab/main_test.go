package ab_test

import (
	"testing"

	"github.com/fanbench/fanbench/internal/app"
	"github.com/fanbench/fanbench/internal/testenv"
)

// TestMain: the test binary started by the name fanbench (testenv.Main)
// is fanbench, app.Run: the binary of both arms in the comparisons the
// tests run (fanbenchBin), and the exec children of those runs, so no
// test builds it (build_test.go builds its own tiny module's revisions:
// that is what it tests). No goroutine outlives the tests (goleak).
func TestMain(m *testing.M) {
	testenv.Main(m, app.Run, nil, testenv.NoLeaks)
}
