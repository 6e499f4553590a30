package results

import (
	"fmt"
	"strings"
)

// Machine identifies the machine results were measured on, in the few
// words chart titles, the report and history entries need (env.json holds
// the whole Environment).
//
// Three CPU counts are recorded in the environment and they answer
// different questions: CPUCores and CPUThreads are the hardware's physical
// cores and logical CPUs (/proc/cpuinfo); NumCPU (runtime.NumCPU, the CPUs
// of the recording process's affinity mask) and GOMAXPROCS (which Go also
// lowers to a cgroup CPU quota) are what a run could use. A machine is
// described by its cores, and by the CPUs a run could use only where those
// are fewer than its logical CPUs, as CPULimit.
type Machine struct {
	// Hostname is the machine's host name.
	Hostname string `json:"hostname"`
	// CPUModel is the CPU model name.
	CPUModel string `json:"cpu_model"`
	// Cores is the machine's physical cores (Environment.CPUCores); when
	// that is unknown its logical CPUs (CPUThreads), else the CPUs the
	// recording process could run on (NumCPU).
	Cores int `json:"cores"`
	// CPULimit is how many CPUs a run could use (Environment.UsableCPUs)
	// when an affinity mask or a cgroup CPU quota leaves that fewer than
	// the machine's logical CPUs; 0 when nothing limits it (or it is
	// unknown).
	CPULimit int `json:"cpu_limit,omitempty"`
}

// MachineOf describes the machine of an environment record.
func MachineOf(e Environment) Machine {
	m := Machine{Hostname: e.Hostname, CPUModel: e.CPUModel, Cores: e.CPUCores}
	for _, n := range []int{e.CPUThreads, e.NumCPU} {
		if m.Cores == 0 {
			m.Cores = n
		}
	}
	if u := e.UsableCPUs(); u > 0 && e.CPUThreads > 0 && u < e.CPUThreads {
		m.CPULimit = u
	}
	return m
}

// UsableCPUs is how many CPUs the recording process could run on:
// runtime.NumCPU (its affinity mask), lowered to its GOMAXPROCS unless the
// GOMAXPROCS variable set that by hand (Go lowers GOMAXPROCS to a cgroup
// CPU quota); 0 when unknown.
func (e Environment) UsableCPUs() int {
	n := e.NumCPU
	if e.GOMAXPROCSEnv == "" && e.GOMAXPROCS > 0 && (n == 0 || e.GOMAXPROCS < n) {
		n = e.GOMAXPROCS
	}
	return n
}

// Hardware is the machine's CPU in a few words for chart titles: "AMD
// EPYC 7B13, 8 cores", with ", 2 CPUs usable" when a run could use fewer
// than its logical CPUs.
func (m Machine) Hardware() string {
	cpu := strings.Join(strings.Fields(m.CPUModel), " ")
	if cpu == "" {
		cpu = "unknown CPU"
	}
	if m.Cores > 0 {
		cpu = fmt.Sprintf("%s, %d cores", cpu, m.Cores)
	}
	if m.CPULimit > 0 {
		cpu = fmt.Sprintf("%s, %d CPUs usable", cpu, m.CPULimit)
	}
	return cpu
}

// String is the host and its hardware: "vm: AMD EPYC 7B13, 2 cores" (the
// hardware alone without a host name).
func (m Machine) String() string {
	if m.Hostname == "" {
		return m.Hardware()
	}
	return m.Hostname + ": " + m.Hardware()
}
