package compare

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fanbench/fanbench/internal/results"
	"golang.org/x/perf/benchfmt"
)

// Set is the measurements of one results file: the samples of every
// benchmark name and unit, in order of first appearance.
type Set struct {
	// Path is the file the set was read from.
	Path string

	// Config is the file-level configuration of the set's first result:
	// the environment fanbench records (cpu, cores, kernel, go, ...).
	Config map[string]string

	names   []string
	units   []string
	samples map[string]map[string][]float64 // name → unit → values
}

// Load reads a results folder (its results.bench) or a Go benchmark
// format file.
func Load(path string) (*Set, error) {
	file := path
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if st.IsDir() {
		file = filepath.Join(path, results.BenchFile)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := Read(f, file)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Read reads Go benchmark format from r; name labels the set and its
// errors. A syntax error anywhere, or a file without results, is an error:
// a regression gate must not pass on input it could not read.
func Read(r io.Reader, name string) (*Set, error) {
	s := &Set{Path: name, samples: map[string]map[string][]float64{}}
	seenUnit := map[string]bool{}
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			if s.Config == nil {
				s.Config = map[string]string{}
				for _, c := range rec.Config {
					if c.File {
						s.Config[c.Key] = string(c.Value)
					}
				}
			}
			bench := rec.Name.String()
			byUnit, ok := s.samples[bench]
			if !ok {
				byUnit = map[string][]float64{}
				s.samples[bench] = byUnit
				s.names = append(s.names, bench)
			}
			for _, v := range rec.Values {
				byUnit[v.Unit] = append(byUnit[v.Unit], v.Value)
				if !seenUnit[v.Unit] {
					seenUnit[v.Unit] = true
					s.units = append(s.units, v.Unit)
				}
			}
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	if len(s.names) == 0 {
		return nil, fmt.Errorf("%s: no benchmark results", name)
	}
	return s, nil
}

// Names returns the benchmark names in order of first appearance.
func (s *Set) Names() []string { return append([]string(nil), s.names...) }

// Units returns the units measured, in order of first appearance.
func (s *Set) Units() []string { return append([]string(nil), s.units...) }

// Values returns the measurements of one benchmark in one unit, in file
// order (nil if there are none).
func (s *Set) Values(name, unit string) []float64 {
	return append([]float64(nil), s.samples[name][unit]...)
}

func (s *Set) hasUnit(unit string) bool {
	for _, u := range s.units {
		if u == unit {
			return true
		}
	}
	return false
}

// MachineIndependent are the units whose figures are counts of the
// program's own work, the same on any machine for the same build and
// input: allocations and allocated bytes, GC cycles, read calls, bytes
// copied, messages and the bytes they carried. Only these gate when OLD and
// NEW come from different machines: times and rates depend on the
// machine's speed and load, and memory figures (resident sets, PSS, the
// whole-tree peaks, page faults) on its kernel, page size, page cache and
// memory pressure.
var MachineIndependent = []string{results.UnitAllocs, results.UnitAllocB, results.UnitGCCycles, results.UnitReads,
	results.UnitCopyB, results.UnitMessages, results.UnitIPCBytes}

// MachineKeys are the configuration keys that identify the machine a set
// was measured on: when any differs, its times do not compare.
var MachineKeys = []string{"cpu", "cores", "kernel", "go"}

// MachineDiff lists the machine keys whose values differ between two sets,
// as "key: OLD vs NEW"; a key either set lacks is not compared.
func MachineDiff(old, new *Set) []string {
	var out []string
	for _, k := range MachineKeys {
		o, okO := old.Config[k]
		n, okN := new.Config[k]
		if okO && okN && o != n {
			out = append(out, fmt.Sprintf("%s: %q vs %q", k, o, n))
		}
	}
	return out
}
