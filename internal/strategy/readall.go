package strategy

import (
	"fmt"
	"os"
	"time"
)

// readAll reads the whole file into one buffer, then scans it in parallel:
// peak memory is at least the file size.
func readAll(j Job) (Result, error) {
	start := time.Now()
	data, err := os.ReadFile(j.Path)
	if err != nil {
		return Result{}, fmt.Errorf("readall: %w", err)
	}
	a, extra, err := scanParallel("readall", data, j, map[string]float64{"copy-B": float64(len(data))})
	if err != nil {
		return Result{}, err
	}
	elapsed := time.Since(start)
	j.atPeak()
	return Result{Answer: a, Elapsed: elapsed, Extra: extra}, nil
}

// ceiling loads the file untimed, then times only the parallel scan over
// memory: what the workload costs when delivery is free.
func ceiling(j Job) (Result, error) {
	data, err := os.ReadFile(j.Path)
	if err != nil {
		return Result{}, fmt.Errorf("ceiling: %w", err)
	}
	start := time.Now()
	a, extra, err := scanParallel("ceiling", data, j, nil)
	if err != nil {
		return Result{}, err
	}
	elapsed := time.Since(start)
	j.atPeak()
	return Result{Answer: a, Elapsed: elapsed, Extra: extra}, nil
}
