package workload

import (
	"testing"

	"github.com/fanbench/fanbench/internal/oracle"
)

// names whose orders by bytes and by UTF-16 units differ, or which hold
// invalid UTF-8 around the first difference.
var orderSeeds = [][2]string{
	{"Ａ", "😀"}, {"\uE000", "😀"}, {"\uD7FF", "😀"}, {"😀", "😁"}, {"a", "\xff"},
	{"\xc3", "é"}, {"Z\xc3", "Zü"}, {"ab", "a"}, {"\x80\x80\x80\x80a", "\x80\x80\x80\x80b"},
	{"é\xa9", "éé"}, {"\xf0\x9f\x98", "\xf0\x9f\x98\x80"}, {"x\xef\xbc", "x\xef\xbc\xa1"},
}

// oracleCompare is oracle.Less as a three-way comparison.
func oracleCompare(a, b string) int {
	switch {
	case oracle.Less(a, b):
		return -1
	case oracle.Less(b, a):
		return 1
	}
	return 0
}

func sign(n int) int { return min(max(n, -1), 1) }

func FuzzUTF16Compare(f *testing.F) {
	for _, s := range orderSeeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := sign(utf16Compare(a, b)), oracleCompare(a, b); got != want {
			t.Fatalf("utf16Compare(%q, %q) = %d, oracle says %d", a, b, got, want)
		}
	})
}
