package results

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Names of the files in a results folder.
const (
	RunsFile   = "runs.jsonl"    // one Run per line, appended as runs finish
	BenchFile  = "results.bench" // Go benchmark format, for benchstat and compare
	EnvFile    = "env.json"      // the Environment
	ClaimsFile = "claims.json"   // the experiment's claim verdicts
)

// Dir is a results folder: the files of one experiment's results.
type Dir struct {
	// Path is the folder's path.
	Path string
}

// OpenDir returns the results folder at path, which must exist.
func OpenDir(path string) (Dir, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Dir{}, fmt.Errorf("open results folder: %w", err)
	}
	if !st.IsDir() {
		return Dir{}, fmt.Errorf("open results folder: %s is not a directory", path)
	}
	return Dir{Path: path}, nil
}

// CreateDir returns the results folder at path, creating it (and its
// parents) if needed.
func CreateDir(path string) (Dir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return Dir{}, fmt.Errorf("create results folder: %w", err)
	}
	return Dir{Path: path}, nil
}

// CreateNewDir creates the results folder at path (and its parents if
// needed) for a fresh experiment. The folder itself must not exist: it is
// made with os.Mkdir, so two experiments never share one folder; when it
// exists the error wraps fs.ErrExist.
func CreateNewDir(path string) (Dir, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return Dir{}, fmt.Errorf("create results folder: %w", err)
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		return Dir{}, fmt.Errorf("create results folder: %w", err)
	}
	return Dir{Path: path}, nil
}

// RunsPath is the path of the folder's runs.jsonl.
func (d Dir) RunsPath() string { return filepath.Join(d.Path, RunsFile) }

// BenchPath is the path of the folder's results.bench.
func (d Dir) BenchPath() string { return filepath.Join(d.Path, BenchFile) }

// EnvPath is the path of the folder's env.json.
func (d Dir) EnvPath() string { return filepath.Join(d.Path, EnvFile) }

// ClaimsPath is the path of the folder's claims.json.
func (d Dir) ClaimsPath() string { return filepath.Join(d.Path, ClaimsFile) }

// WriteBench writes the folder's results.bench from env and runs,
// atomically.
func (d Dir) WriteBench(env Environment, runs []Run) error {
	var b bytes.Buffer
	if err := WriteBench(&b, env, runs); err != nil {
		return err
	}
	if err := writeFileAtomic(d.BenchPath(), b.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", BenchFile, err)
	}
	return nil
}

// RenderBench regenerates results.bench from the folder's runs.jsonl and
// env.json (an absent env.json gives an empty environment). It returns the
// number of torn records dropped from the end of runs.jsonl.
func (d Dir) RenderBench() (dropped int, err error) {
	runs, dropped, err := ReadRuns(d.RunsPath())
	if err != nil {
		return 0, err
	}
	env, err := ReadEnv(d.EnvPath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return dropped, err
	}
	return dropped, d.WriteBench(env, runs)
}
