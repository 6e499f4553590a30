package measure

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userHZ is the unit of /proc/stat's CPU times: USER_HZ, 100 on every
// Linux architecture fanbench builds for.
const userHZ = 100

// MachineCPU is the machine-wide CPU time of /proc/stat's "cpu" line, in
// seconds, summed over every CPU, and the number of CPUs (its "cpuN"
// lines).
type MachineCPU struct {
	Busy  float64 // user + nice + system + irq + softirq + steal (guest time is inside user and nice)
	Steal float64 // time a hypervisor ran something else while this machine's CPUs wanted to run
	CPUs  int
}

// MachineCPU reads /proc/stat.
func (p FS) MachineCPU() (MachineCPU, error) {
	path := filepath.Join(p.root(), "stat")
	b, err := os.ReadFile(path)
	if err != nil {
		return MachineCPU{}, err
	}
	var m MachineCPU
	found := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) > 0 && f[0] == "cpu":
			// cpu user nice system idle iowait irq softirq steal [guest guest_nice]
			if len(f) < 9 {
				return MachineCPU{}, fmt.Errorf("%s: cpu line with %d fields, want at least 8 figures", path, len(f)-1)
			}
			var v [8]float64
			for i := range v {
				n, err := strconv.ParseUint(f[i+1], 10, 64)
				if err != nil {
					return MachineCPU{}, fmt.Errorf("%s: cpu line: %w", path, err)
				}
				v[i] = float64(n) / userHZ
			}
			m.Busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
			m.Steal = v[7]
			found = true
		case len(f) > 0 && strings.HasPrefix(f[0], "cpu"):
			m.CPUs++
		}
	}
	if !found || m.CPUs == 0 {
		return MachineCPU{}, fmt.Errorf("%s: no cpu lines", path)
	}
	return m, nil
}

// LoadAvg is /proc/loadavg's 1-minute load average: the mean number of
// tasks running or waiting for a CPU (or in uninterruptible sleep).
func (p FS) LoadAvg() (float64, error) {
	path := filepath.Join(p.root(), "loadavg")
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("%s: empty", path)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
