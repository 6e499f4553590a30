package runner

import (
	"fmt"
	"strconv"
	"strings"
)

// Parts of the specs the tests write. A test's spec is its own top-level
// settings, then blocks: what a test varies stands in the test, as TOML;
// what many tests share stands here once.

// quick are the settings of a driver test that measures nothing finely:
// no memory sampling, no run cgroup.
const quick = `sample_every = "0s"
cgroup = false
`

// wcRef is a [[reference]] block: wc -l of the fixture, verified by lines.
const wcRef = `
[[reference]]
name = "wc"
command = ["wc", "-l", "{file}"]
verify = "lines"
`

// matrixOf is a [[matrix]] block of small cells: the strategies given, of
// a 64 KiB fixture, with workers workers.
func matrixOf(workers int, strategies ...string) string {
	quoted := make([]string, len(strategies))
	for i, s := range strategies {
		quoted[i] = strconv.Quote(s)
	}
	return fmt.Sprintf("\n[[matrix]]\nstrategies = [%s]\nsizes = [\"64KiB\"]\nworkers = [%d]\n", strings.Join(quoted, ", "), workers)
}
