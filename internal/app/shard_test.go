package app

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunShardErrors: a bad --shard (or --machine) exits 2 with one line
// naming the flag, before anything is written, dry run or not.
func TestRunShardErrors(t *testing.T) {
	good := filepath.Join("..", "..", "experiments", "ci.toml") // 4 comparison groups: count (with wc) and parse, at 4 and 16 MiB
	tests := []struct {
		name   string
		args   []string
		prefix string
	}{
		{"0/0", []string{"--shard", "0/0", good}, `flag --shard: "0/0": want K/N`},
		{"3/2", []string{"--shard", "3/2", good}, `flag --shard: "3/2": want K/N`},
		{"-1/4", []string{"--shard", "-1/4", good}, `flag --shard: "-1/4": want K/N`},
		{"a/b", []string{"--shard", "a/b", good}, `flag --shard: "a/b": want K/N`},
		{"1/0", []string{"--shard", "1/0", good}, `flag --shard: "1/0": want K/N`},
		{"1/0 dry run", []string{"--dry-run", "--shard", "1/0", good}, `flag --shard: "1/0": want K/N`},
		{"more shards than groups", []string{"--shard", "1/5", good}, "flag --shard: 5 shards, but the spec has only 4 comparison groups"},
		{"with resume", []string{"--shard", "1/2", "--resume", filepath.Join("testdata", "run")}, "flag --shard: --resume continues"},
		{"machine without shard", []string{"--machine", "m1", good}, "flag --machine: labels a shard's runs"},
		{"machine with a newline", []string{"--machine", "m\n1", "--shard", "1/2", good}, `flag --machine: "m\n1" has a control character`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			resultsRoot, fixtures := filepath.Join(root, "results"), filepath.Join(root, "fx")
			var stdout, stderr bytes.Buffer
			args := append([]string{"run", "--results", resultsRoot, "--fixtures", fixtures}, tt.args...)
			if status := Run(&stdout, &stderr, args); status != 2 {
				t.Errorf("exit status %d, want 2; stderr: %s", status, stderr.String())
			}
			got := stderr.String()
			if !strings.HasPrefix(got, "fanbench run: "+tt.prefix) || strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
				t.Errorf("stderr %q, want one line starting %q", got, "fanbench run: "+tt.prefix)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			for _, d := range []string{resultsRoot, fixtures} {
				if _, err := os.Stat(d); !os.IsNotExist(err) {
					t.Errorf("%s written after a usage error (%v)", d, err)
				}
			}
		})
	}
}

// TestRunShardDryRun: --shard K/N --dry-run prints the shard's plan (its
// shard, the spec's hash, its cells) and writes nothing; the two shards of
// ci.toml hold its 42 cells between them.
func TestRunShardDryRun(t *testing.T) {
	good := filepath.Join("..", "..", "experiments", "ci.toml")
	root := t.TempDir()
	total := 0
	for _, k := range []string{"1/2", "2/2"} {
		var stdout, stderr bytes.Buffer
		args := []string{"run", "--dry-run", "--shard", k, "--results", filepath.Join(root, "results"), "--fixtures", filepath.Join(root, "fx"), good}
		if status := Run(&stdout, &stderr, args); status != 0 {
			t.Fatalf("exit %d: %s", status, stderr.String())
		}
		out := stdout.String()
		if !strings.Contains(out, "shard: "+k+" of spec sha256:") || !strings.Contains(out, "dry run: nothing was run or written") {
			t.Errorf("shard %s dry run:\n%s", k, out)
		}
		total += strings.Count(out, "\n  Fanout/")
	}
	if total != 42 {
		t.Errorf("the shards list %d cells, want ci.toml's 42 (5 strategies × 2 workloads × 2 sizes × 2 workers + wc's 2)", total)
	}
	if ents, _ := os.ReadDir(root); len(ents) != 0 {
		t.Errorf("a dry run wrote %v", ents)
	}
}

// TestMergeUsageErrors: merge's bad input exits 2 in one line naming the
// flag or folder, and writes no --out folder.
func TestMergeUsageErrors(t *testing.T) {
	root := t.TempDir()
	exists := filepath.Join(root, "exists")
	if err := os.Mkdir(exists, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, "out")
	runDir := filepath.Join("testdata", "run") // holds specs, no results
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no folders", []string{"merge", "--out", out}, "fanbench merge: want the shard folders to merge"},
		{"no --out", []string{"merge", exists}, "fanbench merge: flag --out: missing"},
		{"--out exists", []string{"merge", runDir, "--out", exists}, "fanbench merge: flag --out: " + exists + " exists"},
		{"not a results folder", []string{"merge", runDir, "--out", out}, "fanbench merge: " + runDir + ": not a fanbench results folder (no readable spec.toml)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if status := Run(&stdout, &stderr, tt.args); status != 2 {
				t.Errorf("exit status %d, want 2; stderr %s", status, stderr.String())
			}
			got := stderr.String()
			if !strings.HasPrefix(got, tt.want) || strings.Count(got, "\n") != 1 {
				t.Errorf("stderr %q, want one line starting %q", got, tt.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("--out written after a usage error (%v)", err)
			}
		})
	}
}

// TestResumeRefusesMergedFolder: a merged folder has no plan of its own
// to continue (its runs came from several shards): run --resume refuses
// it, pointing at the shards.
func TestResumeRefusesMergedFolder(t *testing.T) {
	dir := t.TempDir()
	spec, err := os.ReadFile(filepath.Join("..", "..", "experiments", "ci.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"spec.toml": string(spec), "merge.json": "{}\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	status := Run(&stdout, &stderr, []string{"run", "--resume", dir})
	want := "fanbench run: resume " + dir + ": a fanbench merge folder, not a run's (resume the shard's own folder, then merge again)\n"
	if status != 2 || stderr.String() != want {
		t.Errorf("exit %d, stderr %q; want 2 and %q", status, stderr.String(), want)
	}
}
