package results

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
)

// Confidence is the level of fanbench's confidence intervals unless a
// caller asks for another.
const Confidence = 0.95

// Summary is a sample of one metric summarized as benchstat does
// (benchmath.AssumeNothing): its median with a distribution-free
// confidence interval. The charts, the report, fanbench compare and the
// history all summarize with it.
type Summary struct {
	// Median is the sample's median; NaN for an empty sample.
	Median float64
	// Lo and Hi bound the confidence interval around Median. They are -Inf
	// and +Inf when the sample is too small for an interval at Confidence
	// (benchstat prints "±∞"); NaN for an empty sample.
	Lo, Hi float64
	// N is the number of measurements.
	N int
	// Confidence is the interval's level (0.95).
	Confidence float64
}

// Summarize summarizes values at the given confidence level (0.95);
// values is not modified.
func Summarize(values []float64, confidence float64) Summary {
	if len(values) == 0 {
		return Summary{Median: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), Confidence: confidence}
	}
	s, _ := SummarizeSample(benchmath.NewSample(slices.Clone(values), &benchmath.DefaultThresholds), confidence)
	return s
}

// SummarizeSample summarizes a benchmath sample at the given confidence
// level, with benchmath's warnings about it (too few values for an
// interval, ...).
func SummarizeSample(s *benchmath.Sample, confidence float64) (Summary, []error) {
	sum := benchmath.AssumeNothing.Summary(s, confidence)
	return Summary{Median: sum.Center, Lo: sum.Lo, Hi: sum.Hi, N: len(s.Values), Confidence: confidence}, sum.Warnings
}

// HasCI reports whether the interval is finite.
func (s Summary) HasCI() bool {
	return !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) && !math.IsNaN(s.Lo) && !math.IsNaN(s.Hi)
}

// ErrLow and ErrHigh are the distances from the median to the interval's
// ends, 0 when the interval is not finite (no error bar is drawn then).
func (s Summary) ErrLow() float64 {
	if !s.HasCI() {
		return 0
	}
	return s.Median - s.Lo
}

// ErrHigh: see ErrLow.
func (s Summary) ErrHigh() float64 {
	if !s.HasCI() {
		return 0
	}
	return s.Hi - s.Median
}

// PctRange is the interval's half-width as a percentage of the median in the
// benchstat style: "3%", "∞" without an interval, "?" when it spans zero.
func (s Summary) PctRange() string {
	return benchmath.Summary{Center: s.Median, Lo: s.Lo, Hi: s.Hi}.PctRangeString()
}

// summaryJSON is Summary's JSON form (history.jsonl): an infinite bound is
// null, since JSON has no infinity.
type summaryJSON struct {
	Median     float64  `json:"median"`
	Lo         *float64 `json:"lo"`
	Hi         *float64 `json:"hi"`
	N          int      `json:"n"`
	Confidence float64  `json:"confidence,omitempty"`
}

// MarshalJSON implements json.Marshaler: an infinite bound is written as
// null. A median that is not a finite number is an error.
func (s Summary) MarshalJSON() ([]byte, error) {
	finite := func(v float64) *float64 {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil
		}
		return &v
	}
	if math.IsInf(s.Median, 0) || math.IsNaN(s.Median) {
		return nil, fmt.Errorf("median %v is not a finite number", s.Median)
	}
	return json.Marshal(summaryJSON{Median: s.Median, Lo: finite(s.Lo), Hi: finite(s.Hi), N: s.N, Confidence: s.Confidence})
}

// UnmarshalJSON implements json.Unmarshaler: a null bound reads as the
// infinity on its side, and a summary written without its level (before
// the level was recorded, always 95%) reads as Confidence.
func (s *Summary) UnmarshalJSON(data []byte) error {
	var j summaryJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*s = Summary{Median: j.Median, Lo: math.Inf(-1), Hi: math.Inf(1), N: j.N, Confidence: j.Confidence}
	if j.Lo != nil {
		s.Lo = *j.Lo
	}
	if j.Hi != nil {
		s.Hi = *j.Hi
	}
	if s.Confidence == 0 {
		s.Confidence = Confidence
	}
	return nil
}

// RelHalfWidth is the larger distance from the median to an end of its
// interval, as a share of the median: +Inf without an interval (or for a
// zero median with an interval of some width), 0 for a zero-width
// interval.
func (s Summary) RelHalfWidth() float64 {
	if math.IsInf(s.Lo, 0) || math.IsInf(s.Hi, 0) || math.IsNaN(s.Lo) || math.IsNaN(s.Hi) {
		return math.Inf(1)
	}
	h := math.Max(s.Hi-s.Median, s.Median-s.Lo)
	if h == 0 {
		return 0
	}
	if s.Median == 0 {
		return math.Inf(1)
	}
	return h / math.Abs(s.Median)
}

// MannWhitneyP is the two-sided Mann–Whitney U p-value of two unpaired
// samples, as benchstat computes it (benchmath.AssumeNothing); a and b
// are not modified. Paired samples have their own test (internal/paired).
func MannWhitneyP(a, b []float64) float64 {
	th := &benchmath.DefaultThresholds
	return benchmath.AssumeNothing.Compare(benchmath.NewSample(slices.Clone(a), th), benchmath.NewSample(slices.Clone(b), th)).P
}
