package app

import (
	"fmt"
	"io"
	"os"

	"github.com/fanbench/fanbench/internal/cli"
	"github.com/fanbench/fanbench/internal/strategy"
)

func init() {
	register("worker", "(internal) a process-mode worker, started by fanbench itself", cmdWorker)
}

// workerUsage is the usage text of the internal worker command.
const workerUsage = "usage: fanbench worker --role R --workload W --index I [flags]\n" +
	"A process-mode worker child: fanbench starts it itself, one per worker, and reads its one JSON report on stdout."

// cmdWorker runs one process-mode worker: its bytes come from stdin, the
// file or an inherited fd, and its report goes to stdout as one JSON object.
// -h or --help lists its flags on stdout.
func cmdWorker(stdout, _ io.Writer, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fmt.Fprintln(stdout, cli.Named(workerUsage))
			fmt.Fprintln(stdout, "flags:")
			strategy.PrintWorkerFlags(stdout)
			return cli.ErrHelp
		}
	}
	return strategy.WorkerMain(os.Stdin, stdout, args)
}
