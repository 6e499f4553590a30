// Package oracletest holds test inputs of the parse workload with their
// canonical answers worked out by hand from how they are made, shared by
// the oracle's tests and the harness's.
package oracletest

import (
	"fmt"
	"strings"
)

// ManyNames is an input of 10,000 distinct names (the One Billion Row
// Challenge's maximum), "s0000".."s9999" so that their order is their
// number's; name i has the records +v and -v with v = (i mod 1000)/10, so
// its min is -v, its mean 0.0 (v + -v is exactly 0) and its max v. want is
// the canonical answer text, in which -0.0 prints as 0.0.
func ManyNames() (input, want string) {
	var in, w strings.Builder
	w.WriteString("{")
	for i := range 10000 {
		v := i % 1000
		fmt.Fprintf(&in, "s%04d;%d.%d\ns%04d;-%d.%d\n", i, v/10, v%10, i, v/10, v%10)
		if i > 0 {
			w.WriteString(", ")
		}
		neg := "-"
		if v == 0 {
			neg = "" // -0.0 prints 0.0
		}
		fmt.Fprintf(&w, "s%04d=%s%d.%d/0.0/%d.%d", i, neg, v/10, v%10, v/10, v%10)
	}
	w.WriteString("}\n")
	return in.String(), w.String()
}
