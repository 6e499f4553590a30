package app

import (
	"errors"
	"io"

	"github.com/fanbench/fanbench/internal/compare"
)

func init() {
	register("compare", "compare two results with a per-metric regression gate", cmdCompare)
}

// cmdCompare is "fanbench compare OLD NEW [flags]": a benchstat-like
// comparison of two results folders or .bench files that exits 1 when a
// gated metric regressed beyond its tolerance, and 2 on bad input. Its
// flags are parsed by compare.Command (flag.ContinueOnError, help to stderr).
func cmdCompare(stdout, stderr io.Writer, args []string) error {
	err := compare.Command(stdout, stderr, args)
	var ue *compare.UsageError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ue):
		return usagef("%s", ue.Msg)
	case errors.Is(err, compare.ErrRegression):
		// The report's last line already states the verdict.
		return &exitError{code: 1}
	default:
		return err
	}
}
