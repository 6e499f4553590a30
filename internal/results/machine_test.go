package results

import "testing"

// TestMachineOf: which count a machine is described by, worked out by hand
// for each combination of what the environment could learn.
func TestMachineOf(t *testing.T) {
	tests := []struct {
		name string
		env  Environment
		want string
	}{
		{"SMT machine, nothing limits the run", Environment{Hostname: "h", CPUModel: "AMD  EPYC", CPUCores: 8, CPUThreads: 16, NumCPU: 16, GOMAXPROCS: 16},
			"h: AMD EPYC, 8 cores"},
		{"core count unknown: the logical CPUs", Environment{CPUModel: "X", CPUThreads: 4, NumCPU: 4, GOMAXPROCS: 4}, "X, 4 cores"},
		{"cpuinfo unknown: runtime.NumCPU", Environment{CPUModel: "X", NumCPU: 2, GOMAXPROCS: 2}, "X, 2 cores"},
		{"cgroup CPU quota of 2 (GOMAXPROCS follows it)", Environment{CPUModel: "X", CPUCores: 32, CPUThreads: 64, NumCPU: 64, GOMAXPROCS: 2},
			"X, 32 cores, 2 CPUs usable"},
		{"affinity mask of 4 CPUs", Environment{CPUModel: "X", CPUCores: 32, CPUThreads: 64, NumCPU: 4, GOMAXPROCS: 4}, "X, 32 cores, 4 CPUs usable"},
		{"GOMAXPROCS set by hand is a setting, not a limit", Environment{CPUModel: "X", CPUCores: 32, CPUThreads: 64, NumCPU: 64, GOMAXPROCS: 1, GOMAXPROCSEnv: "1"},
			"X, 32 cores"},
		{"nothing known", Environment{}, "unknown CPU"},
	}
	for _, tt := range tests {
		if got := MachineOf(tt.env).String(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
