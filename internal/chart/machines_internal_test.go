package chart

import (
	"slices"
	"testing"
)

// TestMachineSlugs: labels that a file name would spell alike get
// distinct fragments, so that no machine's chart overwrites another's.
func TestMachineSlugs(t *testing.T) {
	for _, tc := range []struct{ labels, want []string }{
		{[]string{"alpha", "beta"}, []string{"alpha", "beta"}},
		// Slug turns the space into "-", so "a b" and "a-b" collide.
		{[]string{"a b", "a_b", "a-b", "a/b"}, []string{"a-b", "a_b", "a-b-2", "a_per_b"}},
		{[]string{"x y", "x.y", "x-y", "x?y"}, []string{"x-y", "x.y", "x-y-2", "x-y-3"}},
	} {
		if got := machineSlugs(tc.labels); !slices.Equal(got, tc.want) {
			t.Errorf("machineSlugs(%q) = %q, want %q", tc.labels, got, tc.want)
		}
	}
}
