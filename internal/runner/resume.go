package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
}

// savePlan writes the spec's plan settings into the results folder dir.
func savePlan(dir string, s *Spec) error {
	b, _ := json.Marshal(planSettings{Repetitions: s.Repetitions, Warmup: s.Warmup, Seed: s.Seed})
	if err := os.WriteFile(filepath.Join(dir, PlanFileName), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save plan settings: %w", err)
	}
	return nil
}

// loadPlan applies the plan settings recorded in dir to s, and says which
// of s's settings it changed. A folder from before plan.json keeps s's.
func loadPlan(dir string, s *Spec) (changed string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read plan settings: %w", err)
	}
	var p planSettings
	if err := json.Unmarshal(b, &p); err != nil || p.Repetitions < 1 || p.Warmup < 0 {
		return "", fmt.Errorf("%s: not valid plan settings (%q)", filepath.Join(dir, PlanFileName), b)
	}
	if p.Repetitions != s.Repetitions || p.Warmup != s.Warmup || p.Seed != s.Seed {
		changed = fmt.Sprintf("resume: repetitions %d, warm-ups %d, seed %d as recorded (not %d, %d, %d)",
			p.Repetitions, p.Warmup, p.Seed, s.Repetitions, s.Warmup, s.Seed)
	}
	s.Repetitions, s.Warmup, s.Seed = p.Repetitions, p.Warmup, p.Seed
	return changed, nil
}
