package results

import (
	"fmt"
	"math"
)

// Margin is how far the measured value lies from the claim's limit, as a
// fraction of the limit, positive on the side where the claim holds:
// (Value−Limit)/|Limit| for ">=" and ">", (Limit−Value)/|Limit| for "<="
// and "<". It is NaN when the verdict has an error, no comparison or a zero
// limit.
func (v ClaimResult) Margin() float64 {
	if v.Error != "" || v.Limit == 0 || math.IsNaN(v.Value) || math.IsNaN(v.Limit) {
		return math.NaN()
	}
	switch v.Op {
	case ">=", ">":
		return (v.Value - v.Limit) / math.Abs(v.Limit)
	case "<=", "<":
		return (v.Limit - v.Value) / math.Abs(v.Limit)
	}
	return math.NaN()
}

// ClaimGroup is one claim of an experiment with its verdicts, one for each
// cell the claim selects.
type ClaimGroup struct {
	Text     string        // the claim as the spec states it
	Verdicts []ClaimResult // in the order they were judged
}

// Passed counts the cells where the claim held.
func (g ClaimGroup) Passed() int {
	n := 0
	for _, v := range g.Verdicts {
		if v.Pass {
			n++
		}
	}
	return n
}

// Pass reports whether the claim held in every cell it selects (and it
// selected at least one).
func (g ClaimGroup) Pass() bool { return len(g.Verdicts) > 0 && g.Passed() == len(g.Verdicts) }

// Errors counts the cells that could not be judged.
func (g ClaimGroup) Errors() int {
	n := 0
	for _, v := range g.Verdicts {
		if v.Error != "" {
			n++
		}
	}
	return n
}

// Worst is the verdict closest to failing, or furthest past it: the
// smallest margin among the judged cells. ok is false when no cell has a
// margin (every one is an error or has a zero limit).
func (g ClaimGroup) Worst() (v ClaimResult, ok bool) {
	best := math.Inf(1)
	for _, c := range g.Verdicts {
		if m := c.Margin(); !math.IsNaN(m) && m < best {
			v, best, ok = c, m, true
		}
	}
	return v, ok
}

// Failures are the verdicts that did not hold, errors included.
func (g ClaimGroup) Failures() []ClaimResult {
	var out []ClaimResult
	for _, v := range g.Verdicts {
		if !v.Pass {
			out = append(out, v)
		}
	}
	return out
}

// GroupVerdicts groups verdicts by claim: consecutive verdicts with the same
// Text (the order EvaluateClaims writes them in) form one group. A verdict
// without Text (claims.json from before Text existed) is a group of its own,
// named by Claim.
func GroupVerdicts(vs []ClaimResult) []ClaimGroup {
	var out []ClaimGroup
	for _, v := range vs {
		text := v.Text
		if text == "" {
			out = append(out, ClaimGroup{Text: v.Claim, Verdicts: []ClaimResult{v}})
			continue
		}
		if n := len(out); n > 0 && out[n-1].Text == text && out[n-1].Verdicts[0].Text != "" {
			out[n-1].Verdicts = append(out[n-1].Verdicts, v)
			continue
		}
		out = append(out, ClaimGroup{Text: text, Verdicts: []ClaimResult{v}})
	}
	return out
}

// FormatMargin prints a margin as a signed percentage: "+35%", "-10%",
// "+0.4%" (one decimal where it rounds below 10%), "n/a" for NaN.
func FormatMargin(m float64) string {
	pct := 100 * m
	switch {
	case math.IsNaN(m):
		return "n/a"
	case math.Abs(pct) < 9.95:
		return fmt.Sprintf("%+.1f%%", pct)
	}
	return fmt.Sprintf("%+.0f%%", pct)
}
