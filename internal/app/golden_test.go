package app

import (
	"os"
	"testing"
)

// checkGolden fails the test unless got equals the golden file's bytes;
// with update (the go test flag named updateFlag) it first rewrites the
// file with got.
func checkGolden(t *testing.T, golden string, got []byte, update bool, updateFlag string) {
	t.Helper()
	if update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -%s)", err, updateFlag)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s:\n got %s\nwant %s", golden, got, want)
	}
}
