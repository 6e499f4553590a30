// Package fanbench puts a Go program's own per-record work under the
// fanbench harness: implement Workload (a partial result per worker that
// takes whole lines, merges with others and prints a canonical answer),
// and a ten-line main that calls package cmdline's Main gets the whole
// fanbench command line (gen, exec, run, plot, report, compare, history,
// ab, calibrate) with the workload selectable in experiment specs
// (workloads = ["NAME"]), in goroutine and process mode. In process mode
// the program re-executes itself as each worker (`PROGRAM worker ...`),
// which runs Main again and so knows the same workloads.
//
//	func main() { cmdline.Main(wordfreq.Workload{}) }
//
// This package itself is light: a program (or test) that uses only its
// types and Benchmark does not link the command line, the report and its
// charts (cmdline does).
//
// A workload may also implement Generator (its own fixture files; without
// it the built-in One-Billion-Row-style generator makes them) and
// Referencer (an independent, plain implementation that every run's answer
// is checked against; without it runs are recorded as unverified, and the
// summary and report say so). Benchmark runs a workload under `go test
// -bench` across strategies and worker counts. The strategies themselves,
// for use in a program, are package fanout.
package fanbench

import (
	"encoding"
	"io"
)

// Workload is a computation over the lines of a file, split among workers.
type Workload interface {
	// Name names the workload in specs, flags, benchmark names
	// (workload=NAME) and fixture file names: lower-case letters, digits,
	// '-' and '_', starting with a letter, at most 40 bytes, and not the
	// name of a built-in workload (count, none, parse).
	Name() string
	// NewPartial returns an empty partial result. Each worker gets its
	// own; partials are merged into one answer.
	NewPartial() Partial
}

// Partial is one worker's running result over the chunks it was given.
// Its methods are called from one goroutine at a time, but different
// partials are used from different goroutines at once: partials must
// share no mutable state.
type Partial interface {
	// Add takes a chunk of whole lines: it starts at a line start and
	// ends just after a '\n' or at the end of the file (a last line
	// without a newline). Every byte of the file reaches exactly one Add
	// of one partial. The chunk is valid only during the call: copy what
	// must outlive it.
	Add(chunk []byte)
	// Merge adds other's result into this one. other comes from the same
	// workload's NewPartial, holds a disjoint part of the file, and is
	// not used afterwards.
	Merge(other Partial)
	// Answer returns the canonical answer text: the same bytes for the
	// same file however it was split among partials. fanbench compares
	// its SHA-256 with the reference's.
	Answer() []byte
	// MarshalBinary encodes the partial and UnmarshalBinary decodes such
	// an encoding into an empty partial (from NewPartial): the form in
	// which partials cross process boundaries in process mode and some
	// collectors. UnmarshalBinary must copy what it keeps of its data.
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}

// Generator is implemented by a workload that makes its own fixture files
// (fanbench gen --workload NAME, and every spec cell of the workload that
// names a size). Generate writes exactly size bytes to w, the same bytes
// for the same (size, seed). Fixtures are kept in the fixture folder by
// workload, size and seed, and verified by checksum; after changing the
// generator, delete the workload's fixture files to make new ones.
type Generator interface {
	Generate(w io.Writer, size int64, seed uint64) error
}

// Referencer is implemented by a workload with a reference
// implementation: plain, single-threaded code that shares nothing with
// the partials, which fanbench runs in the parent process over the whole
// file. Every run's answer must equal its text byte for byte, or the run
// fails. References are cached per fixture and per build of the program.
type Referencer interface {
	Reference(r io.Reader) ([]byte, error)
}

// Register adds workloads beside fanbench's built-in ones, for the
// command line that package cmdline's Main runs (a program's
// `cmdline.Main(w)` calls it first). An invalid workload name, a built-in
// workload's name, a name given twice or a nil workload is an error, and
// the workloads before it stay registered. Call it before the command line
// runs, never concurrently with it.
func Register(workloads ...Workload) error {
	for _, w := range workloads {
		if err := register(w); err != nil {
			return err
		}
	}
	return nil
}
