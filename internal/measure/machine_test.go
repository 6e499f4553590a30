package measure

import (
	"math"
	"strings"
	"testing"
)

// TestMachineCPU reads /proc/stat and /proc/loadavg fixture trees. The
// busy tree's figures, worked out by hand from its cpu line (USER_HZ
// 100): busy = user 10000 + nice 500 + system 3000 + irq 100 + softirq 50
// + steal 250 = 13900 ticks = 139 s; steal 2.5 s; two cpuN lines.
func TestMachineCPU(t *testing.T) {
	m, err := NewFS("testdata/machine/busy").MachineCPU()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(m.Busy-139) > 1e-9 || math.Abs(m.Steal-2.5) > 1e-9 || m.CPUs != 2 {
		t.Errorf("MachineCPU = %+v, want busy 139 s, steal 2.5 s, 2 CPUs", m)
	}
	if l, err := NewFS("testdata/machine/busy").LoadAvg(); err != nil || l != 2.5 {
		t.Errorf("LoadAvg = %v, %v; want 2.5", l, err)
	}
	for _, tt := range []struct{ root, want string }{
		{"testdata/machine/bad", "testdata/machine/bad/stat: cpu line with 3 fields, want at least 8 figures"},
		{"testdata/machine/none", "testdata/machine/none/stat: no such file"},
	} {
		if _, err := NewFS(tt.root).MachineCPU(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: MachineCPU error %v, want %q", tt.root, err, tt.want)
		}
	}
	if _, err := NewFS("testdata/machine/bad").LoadAvg(); err == nil || !strings.Contains(err.Error(), "testdata/machine/bad/loadavg: ") {
		t.Errorf("bad loadavg: error %v", err)
	}
	// The real machine's, where there is one.
	if m, err := NewFS("").MachineCPU(); err != nil || m.CPUs < 1 || m.Busy <= 0 {
		t.Errorf("/proc/stat: %+v, %v", m, err)
	}
}
