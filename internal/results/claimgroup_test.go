package results

import (
	"math"
	"testing"
)

func TestVerdictMargin(t *testing.T) {
	tests := []struct {
		name string
		v    ClaimResult
		want float64 // worked out by hand
	}{
		{"at least, with slack", ClaimResult{Op: ">=", Value: 12, Limit: 10}, 0.2},
		{"at least, short", ClaimResult{Op: ">", Value: 9, Limit: 10}, -0.1},
		{"at most, with slack", ClaimResult{Op: "<=", Value: 6, Limit: 8}, 0.25},
		{"at most, over", ClaimResult{Op: "<", Value: 10, Limit: 8}, -0.25},
		{"negative limit", ClaimResult{Op: ">=", Value: -1, Limit: -2}, 0.5},
		{"zero limit", ClaimResult{Op: ">=", Value: 1, Limit: 0}, math.NaN()},
		{"error", ClaimResult{Op: ">=", Value: 1, Limit: 1, Error: "no figure"}, math.NaN()},
		{"no op", ClaimResult{Value: 1, Limit: 2}, math.NaN()},
	}
	for _, tt := range tests {
		got := tt.v.Margin()
		if math.IsNaN(tt.want) != math.IsNaN(got) || (!math.IsNaN(got) && math.Abs(got-tt.want) > 1e-12) {
			t.Errorf("%s: margin = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestGroupVerdicts(t *testing.T) {
	vs := []ClaimResult{
		{Text: "a", Cell: "c1", Op: ">=", Pass: true, Value: 15, Limit: 10},
		{Text: "a", Cell: "c2", Op: ">=", Pass: true, Value: 11, Limit: 10},
		{Text: "b", Cell: "c1", Op: "<", Pass: false, Value: 12, Limit: 10},
		{Text: "b", Cell: "c2", Op: "<", Pass: true, Value: 5, Limit: 10},
		{Text: "b", Cell: "c3", Op: "<", Error: "no figure"},
		{Claim: "old [c1]", Pass: true},
		{Claim: "old [c2]", Pass: true},
		{Text: "a", Cell: "c9", Op: ">=", Pass: true, Value: 10, Limit: 10},
	}
	gs := GroupVerdicts(vs)
	type want struct {
		text          string
		n, passed     int
		errors        int
		pass          bool
		worst         string
		worstMargin   float64
		failuresCells []string
	}
	wants := []want{
		{"a", 2, 2, 0, true, "c2", 0.1, nil},
		{"b", 3, 1, 1, false, "c1", -0.2, []string{"c1", "c3"}},
		{"old [c1]", 1, 1, 0, true, "", math.NaN(), nil},
		{"old [c2]", 1, 1, 0, true, "", math.NaN(), nil},
		{"a", 1, 1, 0, true, "c9", 0, nil}, // not adjacent: its own group
	}
	if len(gs) != len(wants) {
		t.Fatalf("%d groups, want %d: %+v", len(gs), len(wants), gs)
	}
	for i, w := range wants {
		g := gs[i]
		if g.Text != w.text || len(g.Verdicts) != w.n || g.Passed() != w.passed || g.Errors() != w.errors || g.Pass() != w.pass {
			t.Errorf("group %d = %q n=%d passed=%d errors=%d pass=%v, want %+v", i, g.Text, len(g.Verdicts), g.Passed(), g.Errors(), g.Pass(), w)
		}
		worst, ok := g.Worst()
		if ok != !math.IsNaN(w.worstMargin) || worst.Cell != w.worst || (ok && math.Abs(worst.Margin()-w.worstMargin) > 1e-12) {
			t.Errorf("group %d worst = %q (%v, ok %v), want %q (%v)", i, worst.Cell, worst.Margin(), ok, w.worst, w.worstMargin)
		}
		var cells []string
		for _, f := range g.Failures() {
			cells = append(cells, f.Cell)
		}
		if len(cells) != len(w.failuresCells) {
			t.Errorf("group %d failures = %v, want %v", i, cells, w.failuresCells)
			continue
		}
		for j := range cells {
			if cells[j] != w.failuresCells[j] {
				t.Errorf("group %d failures = %v, want %v", i, cells, w.failuresCells)
			}
		}
	}
	if (ClaimGroup{}).Pass() {
		t.Error("an empty group passes")
	}
}

func TestFormatMargin(t *testing.T) {
	for _, tt := range []struct {
		m    float64
		want string
	}{{0.35, "+35%"}, {-0.084, "-8.4%"}, {(1.8 - 2) / 2.0, "-10%"}, {0.0996, "+10%"}, {0.004, "+0.4%"}, {2.17, "+217%"}, {-0.25, "-25%"}, {math.NaN(), "n/a"}} {
		if got := FormatMargin(tt.m); got != tt.want {
			t.Errorf("FormatMargin(%v) = %q, want %q", tt.m, got, tt.want)
		}
	}
}
