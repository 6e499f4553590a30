// Command fanbench measures how the bytes of one large file should reach
// many workers: see the README for the subcommands.
package main

import (
	"os"

	"github.com/fanbench/fanbench/internal/app"
)

func main() {
	os.Exit(app.Run(os.Stdout, os.Stderr, os.Args[1:]))
}
