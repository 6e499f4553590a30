// Command wordfreq is fanbench's everyday example: a word-frequency count
// put under the whole fanbench harness by a ten-line main. It has every
// fanbench command (gen, exec, run, plot, report, compare, ...), with the
// workload "wordfreq" selectable in specs beside the built-in ones, in
// goroutine and process mode (process workers are this program again).
// See README.md.
package main

import "github.com/fanbench/fanbench/cmdline"

func main() { cmdline.Main(Workload{}) }
