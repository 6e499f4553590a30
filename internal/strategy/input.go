package strategy

import (
	"fmt"

	"github.com/fanbench/fanbench/internal/input"
)

// The input policy and the line readers live in internal/input, shared
// with the fanout package (the goroutine forms); these are the names the
// process forms and exec use.

// Input is a run's file, opened under the input policy (internal/input).
type Input = input.Input

// OpenInput opens path for a run under the input policy, or returns one
// line naming the file and why it cannot be measured.
func OpenInput(path string) (*Input, error) { return input.Open(path) }

// RangeReader reads a newline-aligned range through a reusable buffer.
type RangeReader = input.RangeReader

// Chunker reads a stream into newline-aligned chunks.
type Chunker = input.Chunker

// readInput reads the whole input into one buffer (input.ReadAll), the
// error naming the strategy.
func readInput(name string, in *Input) ([]byte, error) {
	data, err := input.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}
