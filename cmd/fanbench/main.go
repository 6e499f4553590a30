// Command fanbench measures how the bytes of one large file should reach
// many workers: see docs/reference.md for the subcommands. It is cmdline.Main
// with the built-in workloads only.
package main

import "github.com/fanbench/fanbench/cmdline"

func main() { cmdline.Main() }
