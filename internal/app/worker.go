package app

import (
	"io"
	"os"

	"github.com/fanbench/fanbench/internal/strategy"
)

func init() {
	register("worker", "(internal) a mode=process worker child, started by fanbench itself", cmdWorker)
}

// cmdWorker runs one process-mode worker: its bytes come from stdin, the
// file or an inherited fd, and its report goes to stdout as one JSON object.
func cmdWorker(stdout, _ io.Writer, args []string) error {
	return strategy.WorkerMain(os.Stdin, stdout, args)
}
