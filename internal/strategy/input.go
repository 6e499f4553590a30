package strategy

import (
	"fmt"

	"github.com/fanbench/fanbench/internal/input"
)

// readInput reads the whole input into one buffer (input.ReadAll), the
// error naming the strategy.
func readInput(name string, in *input.Input) ([]byte, error) {
	data, err := input.ReadAll(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}
