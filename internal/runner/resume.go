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
}

// savePlan writes the spec's plan settings and the fixture folder into the
// results folder dir.
func savePlan(dir string, s *Spec, fixtureDir string) error {
	abs, err := filepath.Abs(fixtureDir)
	if err != nil {
		return fmt.Errorf("save plan settings: %w", err)
	}
	b, _ := json.Marshal(planSettings{Repetitions: s.Repetitions, Warmup: s.Warmup, Seed: s.Seed, FixtureDir: abs})
	if err := os.WriteFile(filepath.Join(dir, PlanFileName), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save plan settings: %w", err)
	}
	return nil
}

// loadPlan applies the plan settings recorded in dir to s, and returns the
// fixture folder to use (the recorded one, else fixtureDir) and lines
// saying which settings differ from s's or fixtureDir. A folder from before
// plan.json keeps s's settings and fixtureDir.
func loadPlan(dir string, s *Spec, fixtureDir string) (useDir string, changed []string, err error) {
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

// commandLines lists the external commands (reference commands) a spec
// runs, one per line, as they are written in it.
func commandLines(s *Spec) []string {
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
