package chart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fanbench/fanbench/internal/results"
)

// Results is everything read from one results folder.
type Results struct {
	// Dir is the folder's path.
	Dir string
	// Data is the successful, measured runs, grouped for charts.
	Data *Dataset
	// Env is the environment record (env.json).
	Env results.Environment
	// Machines are the machines the runs name (results.Run.Machine), by
	// label; nil when no run carries a label (a folder not merged from
	// shards).
	Machines []MachineInfo
	// Claims are the experiment's verdicts (claims.json); nil when the folder has none.
	Claims []results.ClaimResult
	// Torn counts torn lines ReadRuns dropped from the end of runs.jsonl.
	Torn int
	// Notice, when set, is shown at the top of the report (e.g. that the
	// experiment is incomplete); the caller sets it.
	Notice string
}

// Load reads a results folder: runs.jsonl and env.json must exist,
// claims.json may be absent.
func Load(dir string) (*Results, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("results folder %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("results folder %s: not a directory", dir)
	}
	runsPath := filepath.Join(dir, results.RunsFile)
	runs, torn, err := results.ReadRuns(runsPath)
	if err != nil {
		return nil, fmt.Errorf("results folder %s: %w", dir, err)
	}
	env, err := results.ReadEnv(filepath.Join(dir, results.EnvFile))
	if err != nil {
		return nil, fmt.Errorf("results folder %s: %w", dir, err)
	}
	d, err := NewDataset(runs, results.MachineOf(env))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", runsPath, err)
	}
	machines, err := readMachines(dir, runs)
	if err != nil {
		return nil, err
	}
	d.setMachines(machines)
	res := &Results{Dir: dir, Data: d, Env: env, Torn: torn, Machines: machines}
	claims, err := results.ReadClaims(filepath.Join(dir, results.ClaimsFile))
	switch {
	case err == nil:
		res.Claims = claims
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("results folder %s: %w", dir, err)
	}
	return res, nil
}
