package app

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanbench/fanbench/internal/runner"
)

// TestABUsageErrors: bad input to ab exits 2 with one line and writes no
// results folder.
func TestABUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"two arguments", []string{"HEAD", "HEAD"}, "want BASE HEAD SPEC"},
		{"unknown revision", []string{"no-such-revision-xyz", "HEAD", "../../experiments/ab.toml"}, "no-such-revision-xyz: not a binary and not a git revision"},
		{"bad gate", []string{"--gate", "sec/op:-5%", "HEAD", "HEAD", "../../experiments/ab.toml"}, "--gate: "},
		{"max pairs below first round", []string{"--max-pairs", "2", "HEAD", "HEAD", "../../experiments/ab.toml"}, "--max-pairs 2 is below"},
		{"missing spec", []string{"HEAD", "HEAD", "absent.toml"}, "absent.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{"ab", "--results", filepath.Join(tmp, "results"), "--cache", filepath.Join(tmp, "cache")}, tt.args...)
			if status := Run(&stdout, &stderr, args); status != 2 {
				t.Errorf("exit status %d, want 2; stderr %q", status, stderr.String())
			}
			got := stderr.String()
			if strings.Count(got, "\n") != 1 || !strings.Contains(got, tt.want) {
				t.Errorf("stderr %q: want one line containing %q", got, tt.want)
			}
			if _, err := os.Stat(filepath.Join(tmp, "results")); err == nil {
				t.Error("a results folder was written")
			}
		})
	}
}

// TestABGateOverridesReport: a unit given to --gate is gated, not also
// reported from --report's default.
func TestABGateOverridesReport(t *testing.T) {
	fs := flag.NewFlagSet("ab", flag.ContinueOnError)
	f := addABFlags(fs, time.Minute)
	if err := fs.Parse([]string{"--gate", "sec/op:+7%,allocs:+0%"}); err != nil {
		t.Fatal(err)
	}
	spec, err := runner.LoadSpec("../../experiments/ab.toml")
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.options(spec)
	if err != nil {
		t.Fatal(err)
	}
	var gated, reported []string
	for _, g := range o.Gates {
		gated = append(gated, g.String())
	}
	for _, g := range o.Report {
		reported = append(reported, g.String())
	}
	if strings.Join(gated, ",") != "sec/op:+7%,allocs:+0%" || strings.Join(reported, ",") != "cpu-sec:+10%,minflt:+5%" {
		t.Errorf("gated %v, reported %v; want sec/op gated and not reported", gated, reported)
	}
}
