package results

import (
	"strings"
	"testing"
)

// TestLoadSummaryLine: the summary counts disturbed and re-run runs and
// says the machine was busy when over a quarter of the runs were
// disturbed; every line fits 80 columns.
func TestLoadSummaryLine(t *testing.T) {
	run := func(disturbed bool, attempts int, load float64) Run {
		return Run{Attempts: attempts, Load: &Load{LoadStart: load, LoadEnd: load / 2, CPUs: 2, Disturbed: disturbed}}
	}
	var s LoadSummary
	if s.Line() != "" {
		t.Errorf("no load figures: %q, want nothing", s.Line())
	}
	for _, r := range []Run{run(true, 3, 8.5), run(false, 0, 1), run(false, 2, 2), {}} {
		s.Add(r)
	}
	want := "machine: 1 of 3 runs disturbed (others took >25% of the CPUs), 2 re-run\n" +
		"machine: load average up to 8.5 on 2 CPUs; busy: times carry its load"
	if got := s.Line(); got != want {
		t.Errorf("line\n%s\nwant\n%s", got, want)
	}
	wantSentence := "The machine was busy while it ran, so times carry its load: 1 of 3 measured runs were disturbed " +
		"(other processes took more than 25% of the CPUs' time during them), 2 were run again; the load average reached 8.5 on 2 CPUs."
	if got := s.Sentence(); got != wantSentence {
		t.Errorf("sentence\n%s\nwant\n%s", got, wantSentence)
	}
	quiet := LoadSummary{Measured: 612, Disturbed: 39, MaxLoad: 2.3, CPUs: 2}
	if got, want := quiet.Sentence(), "Machine load: 39 of 612 measured runs were disturbed (other processes took more than 25% of the CPUs' time during them); the load average reached 2.3 on 2 CPUs."; got != want {
		t.Errorf("quiet sentence\n%s\nwant\n%s", got, want)
	}
	if (LoadSummary{}).Sentence() != "" {
		t.Error("no load figures: want no sentence")
	}
	for _, l := range strings.Split(s.Line(), "\n") {
		if len(l) > 80 {
			t.Errorf("%d columns: %q", len(l), l)
		}
	}
}
