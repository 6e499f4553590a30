package ab

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/workload"
)

// writeComparison writes a finished comparison folder: its state and the
// runs of synthRuns for mmap (its time times shift) and ranges (unchanged).
func writeComparison(t *testing.T, dir string, k float64, rng *rand.Rand, shift float64) {
	writeShifts(t, dir, k, rng, shifts{mmap: shift, ranges: 1, mmapAllocs: 1})
}

// shifts are the head/base ratios of a synthetic comparison: mmap's and
// ranges' times, mmap's allocations.
type shifts struct{ mmap, ranges, mmapAllocs float64 }

func writeShifts(t *testing.T, dir string, k float64, rng *rand.Rand, sh shifts) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	st := &state{Rounds: []round{{Pairs: 12}}, SpentNs: 30e9}
	if k > 0 {
		st.ArmEnv = map[string][]string{ArmHead: {workload.ExtraWorkEnv + "=" + workload.ExtraWork{Strategy: "mmap", Percent: k}.String()}}
	}
	if err := st.save(dir); err != nil {
		t.Fatal(err)
	}
	log, err := results.OpenRunLog(filepath.Join(dir, results.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	runs := append(synthRuns(rng, "mmap", 12, sh.mmap, 0.01, 100, sh.mmapAllocs), synthRuns(rng, "ranges", 12, sh.ranges, 0.01, 100, 1)...)
	for _, r := range runs {
		if err := log.Append(r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCalibrationReport: 4 A/A comparisons and 4 with mmap 20% slower
// (1% noise): at a 5% tolerance no A/A false alarm and every A/A′ flagged
// in mmap only; at 30% the slowdown goes unflagged; +15%, the widest step
// that flags it, is recommended.
func TestCalibrationReport(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 4))
	for i := 1; i <= 4; i++ {
		writeComparison(t, filepath.Join(dir, "aa-00"+string(rune('0'+i))), 0, rng, 1)
		writeComparison(t, filepath.Join(dir, "k20-00"+string(rune('0'+i))), 20, rng, 1.2)
	}
	gates := mustGates(t, "sec/op:+10%,allocs:+0%")
	var b bytes.Buffer
	if err := CalibrationReport(&b, dir, gates, nil, 0.05); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"8 comparisons (4 A/A, 4 A/A′ +20% in mmap), median 30s each",
		"A/A with the gates as given: 0 of 4 comparisons raised a false alarm (0 in counts or memory)",
		"A/A′ +20% with the gates as given: mmap's cells flagged in time in 4 of 4, with no false alarm elsewhere in 4 (by sec/op); false alarms in 0 (0 in counts or memory)",
		"injected +20%: sec/op of mmap's cells measured +20.",
		"\n+5%       0/4                4/4 (4)",
		"\n+30%      0/4                0/4 (0)",
		"smallest injected slowdown flagged (there only) in at least 9 of 10 comparisons at a step with at most 5% A/A false alarms: +20%",
		"recommended sec/op tolerance: +15%, the widest such step that still flags it (from 4 A/A comparisons",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if err := CalibrationReport(&b, t.TempDir(), gates, nil, 0.05); err == nil {
		t.Error("an empty calibration folder gave a report")
	}
}

// TestCalibrationReportUndetectable: when no injected slowdown is ever
// flagged, no tolerance is recommended for the metric: report it only.
func TestCalibrationReportUndetectable(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 1; i <= 3; i++ {
		writeComparison(t, filepath.Join(dir, "aa-00"+string(rune('0'+i))), 0, rng, 1)
		writeComparison(t, filepath.Join(dir, "k10-00"+string(rune('0'+i))), 10, rng, 1) // injected, but nothing measurable
	}
	gates := mustGates(t, "sec/op:+10%")
	var b bytes.Buffer
	if err := CalibrationReport(&b, dir, gates, nil, 0.05); err != nil {
		t.Fatal(err)
	}
	want := "recommended sec/op tolerance: none: at no step with at most 5% A/A false alarms is any injected slowdown flagged (there only) in 9 of 10 comparisons: report sec/op only, do not gate on it"
	if !strings.Contains(b.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, b.String())
	}
}

// TestCalibrationFalseAlarms: in an A/A′ comparison, a flag outside the
// injected strategy's time — another strategy's time, or the injected
// strategy's allocations (the injected work costs time only) — is a false
// alarm, and the comparison's detection is not "there only".
func TestCalibrationFalseAlarms(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(6, 6))
	writeShifts(t, filepath.Join(dir, "k20-001"), 20, rng, shifts{mmap: 1.2, ranges: 1, mmapAllocs: 1})   // detected, only there
	writeShifts(t, filepath.Join(dir, "k20-002"), 20, rng, shifts{mmap: 1.2, ranges: 1.2, mmapAllocs: 1}) // ranges slower too
	writeShifts(t, filepath.Join(dir, "k20-003"), 20, rng, shifts{mmap: 1.2, ranges: 1, mmapAllocs: 1.5}) // mmap allocates more
	writeShifts(t, filepath.Join(dir, "k20-004"), 20, rng, shifts{mmap: 1, ranges: 1, mmapAllocs: 1.5})   // allocations only
	writeShifts(t, filepath.Join(dir, "aa-001"), 0, rng, shifts{mmap: 1, ranges: 1.2, mmapAllocs: 1})     // A/A: ranges slower
	writeShifts(t, filepath.Join(dir, "aa-002"), 0, rng, shifts{mmap: 1, ranges: 1, mmapAllocs: 1})       // A/A: a head run fails
	log, err := results.OpenRunLog(filepath.Join(dir, "aa-002", results.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := log.Append(results.Run{Status: results.StatusFailed, Reason: "exit status 2", Rep: 12,
		Cell: results.Cell{Mode: "goroutine", Strategy: "ranges", Workload: "count", Size: 1 << 20, Workers: 2, Arm: ArmHead}}); err != nil {
		t.Fatal(err)
	}
	log.Close()
	gates := mustGates(t, "sec/op:+5%,allocs:+0%")
	var b bytes.Buffer
	if err := CalibrationReport(&b, dir, gates, nil, 0.05); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"A/A with the gates as given: 2 of 2 comparisons raised a false alarm (0 in counts or memory)",
		"A/A′ +20% with the gates as given: mmap's cells flagged in time in 3 of 4, with no false alarm elsewhere in 1 (by sec/op); false alarms in 3 (2 in counts or memory)",
		"\n+5%       2/2                3/4 (1)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestConditionFolders(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"aa-001", "aa-007", "k10-002", "k2.5-001", "aa-notes"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	tests := []struct {
		k    float64
		name string
		next int
	}{{0, "aa", 8}, {10, "k10", 3}, {2.5, "k2.5", 2}, {5, "k5", 1}}
	for _, tc := range tests {
		if got := conditionName(tc.k); got != tc.name {
			t.Errorf("conditionName(%v) = %q, want %q", tc.k, got, tc.name)
		}
		if n, err := nextIndex(dir, tc.name); err != nil || n != tc.next {
			t.Errorf("nextIndex(%s) = %d, %v; want %d", tc.name, n, err, tc.next)
		}
	}
}
