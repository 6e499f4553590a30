package results

import "fmt"

// LoadSummary is how busy the machine was over an experiment's measured
// runs (Load of each).
type LoadSummary struct {
	Measured  int     // runs with a load figure
	Disturbed int     // of them, disturbed (Load.Disturbed)
	Rerun     int     // runs launched again because they were disturbed
	MaxLoad   float64 // the highest 1-minute load average seen at a run's start or end
	CPUs      int
}

// Add counts run r (a measured run) in the summary.
func (s *LoadSummary) Add(r Run) {
	if r.Attempts > 1 {
		s.Rerun++
	}
	if r.Load == nil {
		return
	}
	s.Measured++
	if r.Load.Disturbed {
		s.Disturbed++
	}
	s.MaxLoad = max(s.MaxLoad, r.Load.LoadStart, r.Load.LoadEnd)
	s.CPUs = max(s.CPUs, r.Load.CPUs)
}

// Busy reports whether more than a quarter of the runs were disturbed:
// then the summary says the times carry the machine's load.
func (s LoadSummary) Busy() bool { return s.Disturbed*4 > s.Measured }

// Line is the summary's lines about the machine's load (each under 80
// columns), or "" when no run has a load figure: how many runs other work
// disturbed, how many were run again, and the highest load average.
func (s LoadSummary) Line() string {
	if s.Measured == 0 {
		return ""
	}
	line := fmt.Sprintf("machine: %d of %d runs disturbed (others took >%.0f%% of the CPUs)", s.Disturbed, s.Measured, 100*DisturbedOtherShare)
	if s.Rerun > 0 {
		line += fmt.Sprintf(", %d re-run", s.Rerun)
	}
	line += fmt.Sprintf("\nmachine: load average up to %.1f on %d CPUs", s.MaxLoad, s.CPUs)
	if s.Busy() {
		line += "; busy: times carry its load"
	}
	return line
}

// Sentence is the summary as the report's opening states it, or "" when
// no run has a load figure: "The machine was busy while it ran: 244 of
// 252 measured runs were disturbed (…)".
func (s LoadSummary) Sentence() string {
	if s.Measured == 0 {
		return ""
	}
	out := "Machine load: "
	if s.Busy() {
		out = "The machine was busy while it ran, so times carry its load: "
	}
	out += fmt.Sprintf("%d of %d measured runs were disturbed (other processes took more than %.0f%% of the CPUs' time during them)",
		s.Disturbed, s.Measured, 100*DisturbedOtherShare)
	switch {
	case s.Rerun == 1:
		out += ", 1 was run again"
	case s.Rerun > 1:
		out += fmt.Sprintf(", %d were run again", s.Rerun)
	}
	return out + fmt.Sprintf("; the load average reached %.1f on %d CPUs.", s.MaxLoad, s.CPUs)
}
