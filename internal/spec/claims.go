package spec

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fanbench/fanbench/internal/paired"
	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/units"
)

// cellRuns is one cell's measured runs: the successful ones, and a count
// of the others.
type cellRuns struct {
	cell  results.Cell
	runs  []results.Run
	notOK int    // measured runs that failed or were skipped
	why   string // the first one's status and reason
}

// A cell whose every measured run failed or was skipped is a group without
// runs, so that a claim about it fails instead of passing on the cells that
// remain.
func groupRuns(runs []results.Run) []*cellRuns {
	var groups []*cellRuns
	byName := map[string]*cellRuns{}
	for _, r := range runs {
		if r.Warmup {
			continue
		}
		n := results.BenchName(r.Cell)
		g := byName[n]
		if g == nil {
			g = &cellRuns{cell: r.Cell}
			byName[n] = g
			groups = append(groups, g)
		}
		if r.Status != results.StatusOK {
			if g.notOK++; g.why == "" {
				g.why = r.Status + ": " + r.Reason
			}
			continue
		}
		g.runs = append(g.runs, r)
	}
	return groups
}

// noRuns says why a group has no successful run ("" when it has some).
func (g *cellRuns) noRuns() string {
	if len(g.runs) > 0 {
		return ""
	}
	return fmt.Sprintf("no successful run of %s (%d failed or skipped; the first %s)", results.BenchName(g.cell), g.notOK, oneLine(g.why))
}

// field returns a cell's value for a claim field or knob, as text.
func field(c results.Cell, key string) string {
	switch key {
	case "mode":
		return c.Mode
	case "strategy":
		return c.Strategy
	case "workload":
		return c.Workload
	case "size":
		return c.SizeName
	case "workers":
		return strconv.Itoa(c.Workers)
	}
	return canonKnob(key, c.Knobs[key])
}

// normalize renders a claim value the way field does (sizes and knobs
// canonically).
func normalize(key string, v any) string {
	s := knobText(v)
	if key == "size" {
		if n, err := units.ParseSize(s); err == nil {
			return units.FormatSize(n)
		}
	}
	return canonKnob(key, s)
}

func matches(c results.Cell, where map[string]any) bool {
	for k, v := range where {
		if !matchesValue(c, k, v) {
			return false
		}
	}
	return true
}

// matchesValue reports whether cell c's k is v, or one of v's values when
// v is a list (where = { strategy = ["ranges", "mmap"] }); "*" is any.
func matchesValue(c results.Cell, k string, v any) bool {
	if list, ok := v.([]any); ok {
		return slices.ContainsFunc(list, func(e any) bool { return matchesValue(c, k, e) })
	}
	s := normalize(k, v)
	return s == "*" || field(c, k) == s
}

func (g *cellRuns) stat(metric, stat string) (float64, int, bool) {
	var vals []float64
	for _, r := range g.runs {
		if v, ok := results.Metrics(r)[metric]; ok {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return 0, 0, false
	}
	sort.Float64s(vals)
	switch stat {
	case "min":
		return vals[0], len(vals), true
	case "max":
		return vals[len(vals)-1], len(vals), true
	}
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2], n, true
	}
	return (vals[n/2-1] + vals[n/2]) / 2, n, true
}

// EvaluateClaims judges each claim against the runs: a claim holds when it
// holds for every cell its Where selects, and fails when it selects none.
func EvaluateClaims(claims []Claim, runs []results.Run) []results.ClaimResult {
	groups := groupRuns(runs)
	var out []results.ClaimResult
	for _, c := range claims {
		out = append(out, evaluate(c, groups)...)
	}
	return out
}

func evaluate(c Claim, groups []*cellRuns) []results.ClaimResult {
	out := judgeAll(c, groups)
	if len(out) == 0 {
		out = append(out, noCell(c))
	}
	return out
}

// judgeAll is claim c's verdict on each cell of groups its where selects.
func judgeAll(c Claim, groups []*cellRuns) []results.ClaimResult {
	var out []results.ClaimResult
	for _, g := range groups {
		if matches(g.cell, c.Where) {
			out = append(out, judge(c, g, groups))
		}
	}
	return out
}

// noCell is the verdict of a claim that selects no measured cell.
func noCell(c Claim) results.ClaimResult {
	return results.ClaimResult{Claim: c.Text, Text: c.Text, Op: c.Op, Error: "no measured cell matches its where clause",
		Measured: "no measured cell matches its where clause", Summary: c.Finding}
}

// EvaluateClaimsByMachine is EvaluateClaims for runs of several machines
// (results.Machines: a merge of shards): each claim is judged on each
// machine's runs alone, a cell and the cell its vs names both of that
// machine, and each verdict names its cell with /machine=LABEL
// (results.MachineName), the verdicts of one claim together. A machine
// whose runs the claim selects no cell of adds no verdict (its shard held
// other cells); a claim that selects none on any machine fails as
// EvaluateClaims's does. Runs of at most one machine are judged by
// EvaluateClaims, unchanged.
func EvaluateClaimsByMachine(claims []Claim, runs []results.Run) []results.ClaimResult {
	machines := results.Machines(runs)
	if len(machines) <= 1 {
		return EvaluateClaims(claims, runs)
	}
	groups := map[string][]*cellRuns{}
	for _, m := range machines {
		var mine []results.Run
		for _, r := range runs {
			if r.Machine == m {
				mine = append(mine, r)
			}
		}
		groups[m] = groupRuns(mine)
	}
	var out []results.ClaimResult
	for _, c := range claims {
		n := len(out)
		for _, m := range machines {
			for _, v := range judgeAll(c, groups[m]) {
				v.Cell = results.MachineName(v.Cell, m)
				v.Claim = c.Text + " [" + v.Cell + "]"
				out = append(out, v)
			}
		}
		if len(out) == n {
			out = append(out, noCell(c))
		}
	}
	return out
}

// judge is the verdict of claim c on the cell of g.
func judge(c Claim, g *cellRuns, groups []*cellRuns) results.ClaimResult {
	cell := results.BenchName(g.cell)
	v := results.ClaimResult{Claim: c.Text + " [" + cell + "]", Text: c.Text, Cell: cell, Op: c.Op, Summary: c.Finding}
	if pv, ok := judgePaired(c, g, groups); ok {
		pv.Claim, pv.Text, pv.Cell, pv.Op, pv.Summary = v.Claim, v.Text, v.Cell, v.Op, v.Summary
		return pv
	}
	val, n, err := g.figure(c.Metric, c.Stat, "this cell")
	var boundText string
	if err == nil {
		v.Value = val
		v.Limit, boundText, err = limit(c, g, groups)
	}
	if err != nil {
		v.Error, v.Measured = err.Error(), err.Error()
		return v
	}
	v.Pass = compareOp(val, c.Op, v.Limit)
	v.Measured = fmt.Sprintf("%s %s = %s (n=%d) %s %s", c.Stat, c.Metric, formatMetric(c.Metric, val), n, c.Op, boundText)
	return v
}

// judgePaired judges a claim that compares g's median with a ratio of
// another cell's, when the two cells ran in blocks (every run of both has
// one) and share at least paired.MinPairs of them: the claim's ratio is then
// compared with the median over the shared blocks of the per-block ratio
// (g's figure over the other cell's, each block's two runs moments
// apart), so load that comes and goes slows both sides of each ratio
// alike. The verdict's Value is that median ratio and its Limit the
// claim's. ok is false when the claim or the runs do not pair.
func judgePaired(c Claim, g *cellRuns, groups []*cellRuns) (results.ClaimResult, bool) {
	if c.Value != nil || c.Of == "size" || c.sameCell || c.Stat != "median" || g.noRuns() != "" {
		return results.ClaimResult{}, false
	}
	other, err := vsCell(g.cell, c.Vs, groups)
	if err != nil || other.noRuns() != "" {
		return results.ClaimResult{}, false
	}
	pairs, ok := results.PairByBlock(other.runs, g.runs)
	if !ok {
		return results.ClaimResult{}, false
	}
	var ratios []float64
	for _, pr := range pairs {
		b, okb := results.Metrics(pr[0])[c.VsMetric]
		v, okv := results.Metrics(pr[1])[c.Metric]
		if okb && okv && b > 0 && !math.IsInf(b, 0) && !math.IsNaN(v) && !math.IsInf(v, 0) {
			ratios = append(ratios, v/b)
		}
	}
	n := len(ratios)
	if n < paired.MinPairs {
		return results.ClaimResult{}, false
	}
	rho := results.Median(ratios)
	v := results.ClaimResult{Value: rho, Limit: c.Ratio, Pass: compareOp(rho, c.Op, c.Ratio)}
	v.Measured = fmt.Sprintf("median of %d paired ratios %s / %s of %s = %.3g (adjacent runs, per block) %s %g",
		n, c.Metric, c.VsMetric, results.BenchName(other.cell), rho, c.Op, c.Ratio)
	return v, true
}

// limit is the bound claim c sets for the cell of g, and how it was worked
// out: a value, a ratio of the cell's size, or a ratio of a figure of the
// cell its vs names (g itself when the claim compares two metrics of one
// cell).
func limit(c Claim, g *cellRuns, groups []*cellRuns) (float64, string, error) {
	switch {
	case c.Value != nil:
		return *c.Value, formatMetric(c.Metric, *c.Value), nil
	case c.Of == "size":
		bound := c.Ratio * float64(g.cell.Size)
		return bound, fmt.Sprintf("%g × size %s = %s", c.Ratio, g.cell.SizeName, formatMetric(c.Metric, bound)), nil
	}
	other := g
	if !c.sameCell {
		var err error
		if other, err = vsCell(g.cell, c.Vs, groups); err != nil {
			return 0, "", err
		}
	}
	name := results.BenchName(other.cell)
	ov, _, err := other.figure(c.VsMetric, c.Stat, name)
	if err != nil {
		return 0, "", err
	}
	bound := c.Ratio * ov
	return bound, fmt.Sprintf("%g × %s of %s (%s) = %s", c.Ratio, c.VsMetric, name,
		formatMetric(c.VsMetric, ov), formatMetric(c.Metric, bound)), nil
}

// figure is the stat of a metric over g's successful runs and their count,
// or why there is none: no successful run, or no such figure for where (the
// cell as a verdict names it).
func (g *cellRuns) figure(metric, stat, where string) (float64, int, error) {
	if why := g.noRuns(); why != "" {
		return 0, 0, errors.New(why)
	}
	val, n, ok := g.stat(metric, stat)
	if !ok {
		return 0, 0, fmt.Errorf("no %s figure for %s", metric, where)
	}
	return val, n, nil
}

// vsCell finds the single cell equal to base with the overrides applied.
// The base fields (mode, strategy, workload, size, workers) always take part;
// knobs only when named in vs; "*" matches anything.
func vsCell(base results.Cell, vs map[string]any, groups []*cellRuns) (*cellRuns, error) {
	want := vsWant(base, vs)
	found := vsCandidates(base, vs, groups)
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no measured cell to compare with (%s)", describe(want))
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%d cells match the comparison (%s): narrow vs", len(found), describe(want))
}

// vsWant is the fields of the cell a claim's vs compares base with.
func vsWant(base results.Cell, vs map[string]any) map[string]string {
	want := map[string]string{}
	for _, k := range claimFields {
		want[k] = field(base, k)
	}
	for k, v := range vs {
		want[k] = normalize(k, v)
	}
	return want
}

// vsCandidates are the groups whose cells match base with vs's overrides
// applied (vsCell wants exactly one).
func vsCandidates(base results.Cell, vs map[string]any, groups []*cellRuns) []*cellRuns {
	want := vsWant(base, vs)
	var found []*cellRuns
	for _, g := range groups {
		ok := true
		for k, v := range want {
			if v != "*" && field(g.cell, k) != v {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, g)
		}
	}
	return found
}

func describe(m map[string]string) string {
	var parts []string
	for k, v := range m {
		if v != "" { // a field the cells lack (input, cache) says nothing
			parts = append(parts, k+"="+v)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func compareOp(a float64, op string, b float64) bool {
	switch op {
	case ">=":
		return a >= b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case "<":
		return a < b
	}
	return false
}

// formatMetric prints a value in the human form of its metric's kind
// (results.KindOf).
func formatMetric(metric string, v float64) string {
	switch results.KindOf(metric) {
	case results.KindBytes:
		return units.HumanSize(v)
	case results.KindRate:
		return fmt.Sprintf("%.2f GB/s", v/1e9)
	case results.KindTime:
		return fmt.Sprintf("%.4gs", v)
	}
	switch {
	case math.Abs(v) >= 1e6:
		return fmt.Sprintf("%.4g", v)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Selects reports whether the claim's where clause selects cell c.
func (c Claim) Selects(cell results.Cell) bool { return matches(cell, c.Where) }

// Compared are the indices of the cells of cells that the claim's vs
// compares base with (one, in a spec that loaded; none without vs).
func (c Claim) Compared(base results.Cell, cells []results.Cell) []int {
	if len(c.Vs) == 0 {
		return nil
	}
	groups := make([]*cellRuns, len(cells))
	index := map[*cellRuns]int{}
	for i, cell := range cells {
		groups[i] = &cellRuns{cell: cell}
		index[groups[i]] = i
	}
	var out []int
	for _, g := range vsCandidates(base, c.Vs, groups) {
		out = append(out, index[g])
	}
	return out
}
