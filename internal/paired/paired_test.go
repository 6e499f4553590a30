package paired

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteSignedRankP enumerates all 2^n sign assignments: an implementation
// independent of SignedRankP's distribution (it ranks by counting).
func bruteSignedRankP(x []float64) float64 {
	var a []float64
	for _, v := range x {
		if v != 0 {
			a = append(a, v)
		}
	}
	n := len(a)
	if n == 0 {
		return 1
	}
	rank := make([]float64, n)
	for i := range a {
		less, eq := 0, 0
		for j := range a {
			switch {
			case math.Abs(a[j]) < math.Abs(a[i]):
				less++
			case math.Abs(a[j]) == math.Abs(a[i]):
				eq++
			}
		}
		rank[i] = float64(less) + float64(eq+1)/2
	}
	obs := 0.0
	for i, v := range a {
		if v > 0 {
			obs += rank[i]
		}
	}
	hits := 0
	for mask := 0; mask < 1<<n; mask++ {
		s := 0.0
		for i := 0; i < n; i++ {
			if mask&(1<<i) != 0 {
				s += rank[i]
			}
		}
		if s >= obs-1e-9 {
			hits++
		}
	}
	return float64(hits) / float64(int(1)<<n)
}

func TestSignedRankP(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		want float64 // worked out by hand
	}{
		{"all three positive", []float64{1, 2, 3}, 1.0 / 8},
		{"all negative", []float64{-1, -2, -3}, 1},
		{"zeros dropped", []float64{0, 0, 1, 2, 3}, 1.0 / 8},
		{"only zeros", []float64{0, 0}, 1},
		// ranks 1,2,3 with rank 1 negative: W+ = 5; subsets of {1,2,3} with sum ≥ 5: {2,3},{1,2,3}.
		{"one small negative", []float64{-1, 2, 3}, 2.0 / 8},
		// six positives: 2^-6.
		{"six positive", []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, 1.0 / 64},
		// ties: |1|,|1| share rank 1.5; W+ = 1.5 (one +1); sign sets with sum ≥ 1.5: any with a member: 3/4.
		{"tied pair", []float64{1, -1}, 3.0 / 4},
	}
	for _, tc := range tests {
		if got := SignedRankP(tc.x); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: SignedRankP(%v) = %v, want %v", tc.name, tc.x, got, tc.want)
		}
	}
}

func TestSignedRankPMatchesEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(12)
		x := make([]float64, n)
		for i := range x {
			// Rounded so that ties and zeros occur.
			x[i] = math.Round(rng.NormFloat64()*3+0.5) / 2
		}
		got, want := SignedRankP(x), bruteSignedRankP(x)
		if math.Abs(got-want) > 1e-12 {
			t.Fatalf("SignedRankP(%v) = %v, enumeration says %v", x, got, want)
		}
	}
}

func TestSignedRankPNormalApproximation(t *testing.T) {
	// Above normalAbove the normal approximation takes over; just below
	// it the exact distribution is used: the two must agree closely.
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float64, normalAbove+1)
	for i := range x {
		x[i] = rng.NormFloat64() + 0.1
	}
	approx := SignedRankP(x)
	exact := SignedRankP(x[:normalAbove])
	if math.Abs(approx-exact) > 0.03 {
		t.Errorf("normal approximation p=%v vs exact p=%v on nearly the same data", approx, exact)
	}
}

func TestHodgesLehmann(t *testing.T) {
	tests := []struct {
		name           string
		d              []float64
		conf           float64
		est, lo, hi, c float64 // worked out by hand (see comments)
	}{
		// Walsh averages of 1,2,3: 1,1.5,2,2,2.5,3; median 2; too few for 95%.
		{"three", []float64{3, 1, 2}, 0.95, 2, math.Inf(-1), math.Inf(1), 1},
		// n=6: P(T ≤ 0) = 1/64 ≤ 0.025 < P(T ≤ 1) = 2/64, so C = 1: [min, max]; coverage 62/64.
		{"six", []float64{1, 2, 3, 4, 5, 6}, 0.95, 3.5, 1, 6, 62.0 / 64},
		// n=8: P(T ≤ 3) = 5/256 ≤ 0.025 < P(T ≤ 4) = 7/256, so C = 4: the 4th smallest
		// Walsh average (1, 1.5, 2, 2 → 2) and the 4th largest (7); coverage 1 - 10/256.
		{"eight", []float64{8, 7, 6, 5, 4, 3, 2, 1}, 0.95, 4.5, 2, 7, 1 - 10.0/256},
	}
	for _, tc := range tests {
		est, lo, hi, c := HodgesLehmann(tc.d, tc.conf)
		if est != tc.est || lo != tc.lo || hi != tc.hi || math.Abs(c-tc.c) > 1e-12 {
			t.Errorf("%s: HodgesLehmann = %v [%v, %v] cover %v, want %v [%v, %v] cover %v",
				tc.name, est, lo, hi, c, tc.est, tc.lo, tc.hi, tc.c)
		}
	}
}

func TestHolm(t *testing.T) {
	// Sorted 0.005, 0.01, 0.03, 0.04 with m = 4: ×4, ×3, ×2, ×1 = 0.02,
	// 0.03, 0.06, 0.04 → monotone 0.02, 0.03, 0.06, 0.06.
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("Holm = %v, want %v", got, want)
		}
	}
	if got := Holm([]float64{0.5, 0.9}); got[0] != 1 || got[1] != 1 {
		t.Errorf("Holm caps at 1: got %v", got)
	}
}

// synth makes n pairs of a metric whose base drifts (a slow trend of
// drift over the run, as a machine's load changes) and whose head is
// shift times the base, each run with independent lognormal noise.
func synth(rng *rand.Rand, n int, shift, noise, drift float64) (base, head []float64) {
	for i := 0; i < n; i++ {
		level := 100 * (1 + drift*float64(i)/float64(n))
		base = append(base, level*math.Exp(noise*rng.NormFloat64()))
		head = append(head, level*shift*math.Exp(noise*rng.NormFloat64()))
	}
	return base, head
}

func judgeOne(t *testing.T, ratios []float64, tol float64, lowerIsWorse bool) Result {
	t.Helper()
	r, err := Analyze(ratios, tol, lowerIsWorse, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if err := Judge([]*Result{&r}, 0.05); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name                string
		n                   int
		shift, noise, drift float64
		tol                 float64
		lowerIsWorse        bool
		want                Verdict
	}{
		{"10% slower, 2% noise, 5% tolerance", 20, 1.10, 0.02, 0, 0.05, false, Worse},
		{"no change, 2% noise", 20, 1.00, 0.02, 0, 0.05, false, Same},
		{"20% faster", 20, 0.80, 0.02, 0, 0.05, false, Better},
		{"6% slower in 10% noise: cannot tell", 8, 1.06, 0.10, 0, 0.05, false, Undecided},
		// 4 pairs: p ≥ 2^-4 = 0.0625 can never be below 0.05, and there is no interval.
		{"too few pairs", 4, 1.50, 0.01, 0, 0.05, false, Undecided},
		// A slow drift of +80% over the run: the pairs cancel it.
		{"drift cancelled: 10% slower", 20, 1.10, 0.02, 0.8, 0.05, false, Worse},
		{"drift cancelled: no change", 20, 1.00, 0.02, 0.8, 0.05, false, Same},
		// A rate (B/s): lower is worse; a 10% lower rate is worse.
		{"rate 10% lower", 20, 0.90, 0.02, 0, 0.05, true, Worse},
		{"rate 20% higher", 20, 1.20, 0.02, 0, 0.05, true, Better},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range tests {
		base, head := synth(rng, tc.n, tc.shift, tc.noise, tc.drift)
		r := judgeOne(t, Ratios(base, head), tc.tol, tc.lowerIsWorse)
		if r.Verdict != tc.want {
			t.Errorf("%s: verdict %v (ratio %.3f [%.3f, %.3f], p=%.4g), want %v", tc.name, r.Verdict, r.Ratio, r.Lo, r.Hi, r.P, tc.want)
		}
		if tc.n >= MinPairs && (tc.shift < r.Lo || tc.shift > r.Hi) && tc.want != Undecided {
			t.Errorf("%s: interval [%.3f, %.3f] misses the true ratio %v", tc.name, r.Lo, r.Hi, tc.shift)
		}
	}
}

func TestDriftUnpairedWouldNotDecide(t *testing.T) {
	// The point of pairing: with +80% drift, the per-run spread is huge
	// (so an unpaired comparison cannot resolve 10%), but the per-pair
	// ratios are tight.
	rng := rand.New(rand.NewPCG(7, 8))
	base, head := synth(rng, 20, 1.10, 0.02, 0.8)
	spread := func(x []float64) float64 {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range x {
			lo, hi = min(lo, v), max(hi, v)
		}
		return hi/lo - 1
	}
	if s := spread(base); s < 0.5 {
		t.Fatalf("synthetic drift too small: base spread %.2f", s)
	}
	r := judgeOne(t, Ratios(base, head), 0.05, false)
	if r.Hi/r.Lo-1 > 0.05 {
		t.Errorf("paired interval [%.3f, %.3f] wider than 5%% despite 2%% noise", r.Lo, r.Hi)
	}
}

func TestCountsIdentical(t *testing.T) {
	// Counts that do not move: every ratio exactly 1 → same, p = 1.
	r := judgeOne(t, []float64{1, 1, 1, 1, 1, 1}, 0, false)
	if r.Verdict != Same || r.P != 1 || r.Lo != 1 || r.Hi != 1 {
		t.Errorf("identical counts: %+v, want same with [1, 1]", r)
	}
	// Every pair +1%, zero tolerance, 6 pairs: p = 2^-6 < 0.05 → worse.
	r = judgeOne(t, []float64{1.01, 1.01, 1.01, 1.01, 1.01, 1.01}, 0, false)
	if r.Verdict != Worse || math.Abs(r.P-1.0/64) > 1e-12 {
		t.Errorf("+1%% counts with 0%% tolerance: %v p=%v, want worse p=1/64", r.Verdict, r.P)
	}
}

// TestWorseNeedsSignificanceAndSize: worse is a significant worsening
// whose estimate is beyond the tolerance (5% here), worked by hand:
//   - ratios 1.10, 1.09, 1.08, 1.04, 1.03, 1.02: every pair worse, so the
//     one-sided signed-rank p is 2⁻⁶ = 1/64; the Hodges–Lehmann estimate
//     is the 11th of the 21 Walsh averages of the logs, √(1.09·1.03) =
//     1.0596 > 1.05: worse. (Asking the pairs to clear +5% instead, three
//     of six do, with ranks 3, 5, 6 of the distances from log 1.05: p =
//     P(T ≥ 14) = 18/64 = 0.28, undecided.)
//   - six ratios of 1.03: p = 1/64 again, but +3% is within the tolerance,
//     and so is the interval [1.03, 1.03]: same.
//   - six ratios of 0.94 (6% better): p = 1, the interval below 1/1.05:
//     better.
func TestWorseNeedsSignificanceAndSize(t *testing.T) {
	tests := []struct {
		ratios []float64
		ratio  float64
		want   Verdict
	}{
		{[]float64{1.10, 1.09, 1.08, 1.04, 1.03, 1.02}, math.Sqrt(1.09 * 1.03), Worse},
		{[]float64{1.03, 1.03, 1.03, 1.03, 1.03, 1.03}, 1.03, Same},
		{[]float64{0.94, 0.94, 0.94, 0.94, 0.94, 0.94}, 0.94, Better},
	}
	for _, tt := range tests {
		r := judgeOne(t, tt.ratios, 0.05, false)
		if r.Verdict != tt.want || math.Abs(r.Ratio-tt.ratio) > 1e-9 {
			t.Errorf("%v: %v, ratio %.4f (p=%v); want %v, ratio %.4f", tt.ratios, r.Verdict, r.Ratio, r.P, tt.want, tt.ratio)
		}
		if tt.want != Better && math.Abs(r.P-1.0/64) > 1e-12 {
			t.Errorf("%v: p = %v, want 1/64", tt.ratios, r.P)
		}
	}
}

func TestFamilyCorrection(t *testing.T) {
	// One result with p = 0.02 (and an estimate of +8%, beyond the 5%
	// tolerance) alone is worse; in a family of 10 with otherwise p = 0.5
	// Holm adjusts it to 0.2: not worse.
	mk := func(p float64) *Result { return &Result{N: 10, Lo: 0.9, Hi: 1.2, Ratio: 1.08, Tolerance: 0.05, P: p} }
	alone := mk(0.02)
	if err := Judge([]*Result{alone}, 0.05); err != nil {
		t.Fatal(err)
	}
	if alone.Verdict != Worse {
		t.Fatalf("alone: %v, want worse", alone.Verdict)
	}
	family := []*Result{mk(0.02)}
	for i := 0; i < 9; i++ {
		family = append(family, mk(0.5))
	}
	if err := Judge(family, 0.05); err != nil {
		t.Fatal(err)
	}
	if family[0].Verdict == Worse || math.Abs(family[0].PAdjusted-0.2) > 1e-12 {
		t.Errorf("in a family of 10: %v, adjusted p %v, want not worse and 0.2", family[0].Verdict, family[0].PAdjusted)
	}
	if err := Judge(nil, 0.05); err != ErrNoResults {
		t.Errorf("empty family: %v", err)
	}
}

func TestFalseAlarmRate(t *testing.T) {
	// 300 A/A comparisons of 20 cells each at zero tolerance (the hardest
	// case: the truth sits on the boundary), heavy-tailed noise and drift:
	// the share of comparisons with any "worse" must stay near alpha.
	rng := rand.New(rand.NewPCG(9, 10))
	alarms := 0
	const comparisons = 300
	for c := 0; c < comparisons; c++ {
		var family []*Result
		for cell := 0; cell < 20; cell++ {
			base, head := synth(rng, 10, 1, 0.05, 0.5)
			if cell%4 == 0 { // a long tail: one pair in ten disturbed by 50%
				head[rng.IntN(len(head))] *= 1.5
			}
			r, err := Analyze(Ratios(base, head), 0, false, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			family = append(family, &r)
		}
		if err := Judge(family, 0.05); err != nil {
			t.Fatal(err)
		}
		for _, r := range family {
			if r.Verdict == Worse {
				alarms++
				break
			}
		}
	}
	// Expected at most 5% (15); binomial sd ≈ 3.8: allow 5% + 2 sd.
	if alarms > 23 {
		t.Errorf("%d of %d A/A comparisons raised a false alarm (want ≤ 5%% + noise)", alarms, comparisons)
	}
	t.Logf("A/A families with a false alarm: %d of %d", alarms, comparisons)
}

func TestAnalyzeErrors(t *testing.T) {
	if _, err := Analyze([]float64{1, -1}, 0.05, false, 0.95); err == nil {
		t.Error("a negative ratio was accepted")
	}
	if _, err := Analyze([]float64{1}, -0.1, false, 0.95); err == nil {
		t.Error("a negative tolerance was accepted")
	}
	if _, err := Analyze([]float64{1}, 0.1, false, 1); err == nil {
		t.Error("confidence 1 was accepted")
	}
	if got := Ratios([]float64{1, 0, 2, math.NaN()}, []float64{2, 1, 1, 1}); len(got) != 2 || got[0] != 2 || got[1] != 0.5 {
		t.Errorf("Ratios = %v, want [2 0.5]", got)
	}
}

func TestHidden(t *testing.T) {
	r := Result{Lo: 0.98, Hi: 1.07}
	if h := r.Hidden(); math.Abs(h-0.07) > 1e-12 {
		t.Errorf("Hidden = %v, want 0.07", h)
	}
	r = Result{Lo: 0.8, Hi: 1.02, LowerIsWorse: true}
	if h := r.Hidden(); math.Abs(h-0.25) > 1e-12 {
		t.Errorf("rate Hidden = %v, want 0.25 (1/0.8 - 1)", h)
	}
	if h := (Result{Hi: math.Inf(1)}).Hidden(); !math.IsInf(h, 1) {
		t.Errorf("no interval: Hidden = %v", h)
	}
}
