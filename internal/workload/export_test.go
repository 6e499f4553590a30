package workload

// EdgeInputs are the hand-made edge inputs of the package's tests, for its
// external tests too.
var EdgeInputs = edgeInputs

// ProbeLengths reports, over the names in a parse partial's table, the mean
// and the longest probe a lookup of the name makes: 1 plus the distance
// from the name's home slot to the slot that holds it. It is the table's
// mechanism, measured without a clock.
func ProbeLengths(p Partial) (mean float64, longest int) {
	pp := p.(*parsePartial)
	mask := uint64(len(pp.slots) - 1)
	var sum, n int
	for i := range pp.slots {
		s := &pp.slots[i]
		if len(s.name) == 0 {
			continue
		}
		probe := int((uint64(i)-s.hash>>pp.shift)&mask) + 1
		sum += probe
		n++
		longest = max(longest, probe)
	}
	if n == 0 {
		return 0, 0
	}
	return float64(sum) / float64(n), longest
}

// CraftedNames are names that shared one hash under parse's old unseeded
// hash: 2^(words-1) names of 8*words bytes.
var CraftedNames = craftedNames
