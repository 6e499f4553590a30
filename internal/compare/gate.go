package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/fanbench/fanbench/internal/results"
)

// Gate is a per-metric regression limit: a change of Unit's median beyond
// Tolerance in the worse direction, when statistically significant, is a
// regression.
type Gate struct {
	// Unit is the metric's unit as written in results files, e.g. "sec/op".
	Unit string
	// Tolerance is the largest acceptable worsening, as a fraction of the
	// old median (0.10 for 10%).
	Tolerance float64
}

// String writes the gate as it is given on the command line, with the sign
// of the worse direction: "sec/op:+10%", "B/s:-10%".
func (g Gate) String() string {
	sign := "+"
	if results.IsHigherBetter(g.Unit) {
		sign = "-"
	}
	// Rounded to 1e-9 so that 0.07 (7%) prints as 7, not 7.000000000000001.
	return g.Unit + ":" + sign + strconv.FormatFloat(math.Round(g.Tolerance*100*1e9)/1e9, 'f', -1, 64) + "%"
}

// ParseGates parses a comma-separated list of gates, each UNIT:±N% (for
// example "sec/op:+10%,peak-RSS-B:+5%,B/s:-10%"). The sign may be left out;
// if present it must point in the unit's worse direction (+ for times,
// sizes and counts, - for rates). The empty string means no gates.
func ParseGates(s string) ([]Gate, error) {
	var gates []Gate
	seen := map[string]bool{}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		g, err := parseGate(tok)
		if err != nil {
			return nil, fmt.Errorf("bad token %q: %w", tok, err)
		}
		if seen[g.Unit] {
			return nil, fmt.Errorf("bad token %q: unit %s gated twice", tok, g.Unit)
		}
		seen[g.Unit] = true
		gates = append(gates, g)
	}
	return gates, nil
}

func parseGate(tok string) (Gate, error) {
	i := strings.LastIndexByte(tok, ':')
	if i <= 0 {
		return Gate{}, fmt.Errorf("want UNIT:±N%%")
	}
	unit, lim := strings.TrimSpace(tok[:i]), strings.TrimSpace(tok[i+1:])
	if strings.ContainsAny(unit, " \t") {
		return Gate{}, fmt.Errorf("unit %q has white space", unit)
	}
	if !strings.HasSuffix(lim, "%") {
		return Gate{}, fmt.Errorf("tolerance %q is not a percentage like +10%%", lim)
	}
	num := strings.TrimSuffix(lim, "%")
	var sign byte
	if num != "" && (num[0] == '+' || num[0] == '-') {
		sign, num = num[0], num[1:]
	}
	pct, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || num[0] == '+' || num[0] == '-' || math.IsInf(pct, 0) || math.IsNaN(pct) {
		return Gate{}, fmt.Errorf("tolerance %q is not a number", lim)
	}
	lowerWorse := results.IsHigherBetter(unit)
	switch {
	case sign == '+' && lowerWorse:
		return Gate{}, fmt.Errorf("%s is worse when lower: write %s:-%s%%", unit, unit, num)
	case sign == '-' && !lowerWorse:
		return Gate{}, fmt.Errorf("%s is worse when higher: write %s:+%s%%", unit, unit, num)
	}
	return Gate{Unit: unit, Tolerance: pct / 100}, nil
}
