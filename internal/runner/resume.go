package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/spec"
)

// PlanFileName records, in each results folder, the settings that decide
// the planned runs and their order, as in effect when the experiment began
// (a --reps override included), so that --resume plans the same runs in
// the same order whatever the spec copy or the flags say.
const PlanFileName = "plan.json"

type planSettings struct {
	Repetitions int   `json:"repetitions"`
	Warmup      int   `json:"warmup"`
	Seed        int64 `json:"seed"`
	// FixtureDir is the fixture folder the experiment used, absolute, so
	// that a resume from anywhere, without --fixtures, uses it again.
	FixtureDir string `json:"fixture_dir,omitempty"`
	// Runs is the number of runs the plan holds (warm-ups and skipped
	// runs included), which tells a report whether the experiment
	// finished; 0 when the plan grows as it goes (an A/B comparison's
	// rounds) and in folders written before the field.
	Runs int `json:"runs,omitempty"`
}

// savePlan writes the spec's plan settings, the fixture folder and the
// number of planned runs (0: not fixed) into the results folder dir.
func savePlan(dir string, s *spec.Spec, fixtureDir string, runs int) error {
	abs, err := filepath.Abs(fixtureDir)
	if err != nil {
		return fmt.Errorf("save plan settings: %w", err)
	}
	b, _ := json.Marshal(planSettings{Repetitions: s.Repetitions, Warmup: s.Warmup, Seed: s.Seed, FixtureDir: abs, Runs: runs})
	if err := os.WriteFile(filepath.Join(dir, PlanFileName), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save plan settings: %w", err)
	}
	return nil
}

// loadPlan applies the plan settings recorded in dir to s, and returns the
// fixture folder to use (the recorded one, else fixtureDir) and lines
// saying which settings differ from s's or fixtureDir. A folder from before
// plan.json keeps s's settings and fixtureDir.
func loadPlan(dir string, s *spec.Spec, fixtureDir string) (useDir string, changed []string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return fixtureDir, nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("read plan settings: %w", err)
	}
	var p planSettings
	if err := json.Unmarshal(b, &p); err != nil || p.Repetitions < 1 || p.Warmup < 0 {
		return "", nil, fmt.Errorf("%s: not valid plan settings (%q)", filepath.Join(dir, PlanFileName), b)
	}
	if p.Repetitions != s.Repetitions || p.Warmup != s.Warmup || p.Seed != s.Seed {
		changed = append(changed, fmt.Sprintf("resume: repetitions %d, warm-ups %d, seed %d as recorded (not %d, %d, %d)",
			p.Repetitions, p.Warmup, p.Seed, s.Repetitions, s.Warmup, s.Seed))
	}
	s.Repetitions, s.Warmup, s.Seed = p.Repetitions, p.Warmup, p.Seed
	if p.FixtureDir == "" {
		return fixtureDir, changed, nil
	}
	if abs, err := filepath.Abs(fixtureDir); err != nil || abs != p.FixtureDir {
		changed = append(changed, fmt.Sprintf("resume: fixtures in %s as recorded (not %s)", p.FixtureDir, fixtureDir))
	}
	return p.FixtureDir, changed, nil
}

// FolderState is how far the experiment of a results folder got.
type FolderState struct {
	// Recorded is the number of planned runs runs.jsonl holds (each
	// planned run once, whatever its status).
	Recorded int
	// Planned is the number of runs of the plan; 0 when it is not known
	// (a folder without plan.json, an A/B comparison's folder).
	Planned int
	// Claims are, for an unfinished experiment (which has no claims.json:
	// the driver writes it at the end), the spec's claims judged on the
	// runs recorded so far; nil when the spec has none or it finished.
	Claims []results.ClaimResult
}

// Incomplete is "incomplete: N of M runs" when the folder records fewer
// runs than its plan holds, "" when it is complete or its plan unknown.
func (s FolderState) Incomplete() string {
	if s.Planned == 0 || s.Recorded >= s.Planned {
		return ""
	}
	return fmt.Sprintf("incomplete: %d of %d runs", s.Recorded, s.Planned)
}

// ReadFolderState reads how far the experiment in the results folder dir
// got: the runs runs.jsonl records (none yet when it is absent) against
// the plan's, which plan.json records; for a folder written before
// plan.json held the count, the spec copy's cells times the recorded
// repetitions and warm-ups. An A/B comparison's folder (its runs name an
// arm) plans as it goes: its plan is unknown.
func ReadFolderState(dir string) (FolderState, error) {
	d := results.Dir{Path: dir}
	runs, _, err := results.ReadRuns(d.RunsPath())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return FolderState{}, err
	}
	var st FolderState
	seen := map[string]bool{}
	for _, r := range runs {
		if r.Cell.Arm != "" {
			return FolderState{}, nil
		}
		if k := runKey(r.Cell, r.Rep, r.Warmup); !seen[k] {
			seen[k] = true
			st.Recorded++
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, PlanFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return FolderState{}, fmt.Errorf("read plan settings: %w", err)
	}
	var p planSettings
	if err := json.Unmarshal(b, &p); err != nil {
		return FolderState{}, fmt.Errorf("%s: not valid plan settings: %w", filepath.Join(dir, PlanFileName), err)
	}
	st.Planned = p.Runs
	sp, err := spec.Load(filepath.Join(dir, SpecCopyName))
	if err != nil {
		return st, nil // no spec to count or judge by: the plan's count alone
	}
	if st.Planned == 0 {
		st.Planned = len(sp.Cells()) * (p.Repetitions + p.Warmup)
	}
	_, err = os.Stat(d.ClaimsPath())
	if st.Incomplete() != "" && len(sp.Claims) > 0 && errors.Is(err, fs.ErrNotExist) {
		st.Claims = spec.EvaluateClaims(folderClaims(dir, sp), runs)
	}
	return st, nil
}

// commandLines lists the external commands (reference commands) a spec
// runs, one per line, as they are written in it.
func commandLines(s *spec.Spec) []string {
	var out []string
	for _, r := range s.References {
		args := make([]string, len(r.Command))
		for i, a := range r.Command {
			args[i] = a
			if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`|&;<>()*?[]{}~#") && !isPlaceholder(a) {
				args[i] = strconv.Quote(a)
			}
		}
		out = append(out, r.Name+": "+strings.Join(args, " "))
	}
	return out
}

// isPlaceholder reports whether a is one of the placeholders expand fills.
func isPlaceholder(a string) bool { return a == "{file}" || a == "{size}" || a == "{workers}" }
