package app

import (
	"bytes"
	"testing"

	"github.com/fanbench/fanbench/internal/results"
)

// TestClaimSummary checks the terminal summary: one line per claim, the
// failed cells under a claim that failed, nothing more.
func TestClaimSummary(t *testing.T) {
	vs := []results.ClaimResult{
		{Text: "readall holds the file", Cell: "Fanout/size=4MiB", Op: ">=", Pass: true, Value: 5, Limit: 4, Measured: "m1"},
		{Text: "readall holds the file", Cell: "Fanout/size=16MiB", Op: ">=", Pass: true, Value: 17, Limit: 16, Measured: "m2"},
		{Text: "ranges is lean", Cell: "Fanout/size=4MiB", Op: "<", Pass: true, Value: 1, Limit: 2, Measured: "m3"},
		{Text: "ranges is lean", Cell: "Fanout/size=16MiB", Op: "<", Pass: false, Value: 3, Limit: 2, Measured: "median 3 < 2"},
		{Text: "ranges is lean", Cell: "Fanout/size=64MiB", Op: "<", Error: "no peak-RSS-B figure", Measured: "no peak-RSS-B figure"},
		{Text: "nothing matches", Op: "<", Error: "no measured cell", Measured: "no measured cell"},
	}
	// Margins by hand: 5/4-1 = +25%, 17/16-1 = +6.25%: worst +6.2%; (2-3)/2 = -50%.
	want := `claims: 1 of 3 hold
  PASS  2/2 cells  worst margin +6.2%   readall holds the file
  FAIL  1/3 cells  worst margin -50%    ranges is lean
        FAIL Fanout/size=16MiB: median 3 < 2
        FAIL Fanout/size=64MiB: no peak-RSS-B figure
  FAIL  0/1 cells  worst margin n/a     nothing matches
        FAIL no cell: no measured cell
`
	var buf bytes.Buffer
	if n := writeClaimSummary(&buf, results.GroupVerdicts(vs)); n != 2 {
		t.Errorf("failed claims = %d, want 2", n)
	}
	if buf.String() != want {
		t.Errorf("summary:\n%s\nwant:\n%s", buf.String(), want)
	}
	buf.Reset()
	if n := writeClaimSummary(&buf, nil); n != 0 || buf.Len() != 0 {
		t.Errorf("no claims: %d, %q", n, buf.String())
	}
}
