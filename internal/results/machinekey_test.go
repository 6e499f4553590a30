package results

import (
	"bytes"
	"strings"
	"testing"
)

// TestWriteBenchMachineKey: results.bench names carry /machine=LABEL only
// when the runs hold more than one machine label, so a folder of one
// machine (labelled or not) writes the same bytes as before the label.
func TestWriteBenchMachineKey(t *testing.T) {
	write := func(label func(i int) string) string {
		runs := testRuns()
		for i := range runs {
			runs[i].Machine = label(i)
		}
		var b bytes.Buffer
		if err := WriteBench(&b, testEnv(), runs); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	plain := write(func(int) string { return "" })
	if one := write(func(int) string { return "ci-a" }); one != plain {
		t.Errorf("one machine label changed results.bench:\n%s\nwant\n%s", one, plain)
	}
	two := write(func(i int) string {
		if i%2 == 0 {
			return "ci a" // a space becomes '_' in a name
		}
		return "ci-b"
	})
	// testRuns alternates mmap (even) and readall (odd): each strategy's
	// six runs on one machine.
	for _, want := range []string{"/strategy=mmap/workload=count/size=1GiB/workers=4/machine=ci_a ", "/strategy=readall/workload=count/size=1GiB/workers=4/machine=ci-b "} {
		if strings.Count(two, want) != 6 {
			t.Errorf("%d result lines name %q, want 6:\n%s", strings.Count(two, want), want, two)
		}
	}
	if strings.Count(two, "/machine=") != strings.Count(two, "\nBenchmark")+strings.Count(two, "# warning: Fanout") {
		t.Errorf("a name lacks /machine=:\n%s", two)
	}
}

func TestMachineName(t *testing.T) {
	tests := []struct{ name, label, want string }{
		{"Fanout/size=1MiB", "m1", "Fanout/size=1MiB/machine=m1"},
		{"Fanout/size=1MiB", "AMD EPYC 7B13, 2 cores", "Fanout/size=1MiB/machine=AMD_EPYC_7B13,_2_cores"},
		{"Fanout/size=1MiB", "a/b", "Fanout/size=1MiB/machine=a_b"},
		{"Fanout/size=1MiB", "runner-2", "Fanout/size=1MiB/machine=runner−2"}, // not a GOMAXPROCS suffix
	}
	for _, tt := range tests {
		if got := MachineName(tt.name, tt.label); got != tt.want {
			t.Errorf("MachineName(%q, %q) = %q, want %q", tt.name, tt.label, got, tt.want)
		}
	}
	runs := []Run{{Machine: "b"}, {}, {Machine: "a"}, {Machine: "b"}}
	if got := Machines(runs); strings.Join(got, ",") != "b,a" {
		t.Errorf("Machines = %v, want [b a]", got)
	}
}
