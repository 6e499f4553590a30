// Package recipes holds no code: its test checks the recipes beside it
// (a GitHub Actions workflow and a Kubernetes Job that run an experiment
// as shards), lints them and runs their shell steps against a tiny spec.
package recipes

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// tinySpec has two comparison groups (count and parse), so two shards.
const tinySpec = `name = "tiny"
repetitions = 2
warmup = 0
seed = 1
sample_every = "0s"
cgroup = false

[[matrix]]
modes = ["goroutine"]
strategies = ["readall", "ranges"]
workloads = ["count", "parse"]
sizes = ["64KiB"]
workers = [1]

[[claim]]
text = "ranges needs no more than 1 GiB"
metric = "peak-RSS-B"
where = { strategy = "ranges" }
op = "<"
value = 1073741824.0
`

// workflow is the part of a GitHub Actions workflow the test reads.
type workflow struct {
	Jobs map[string]struct {
		Needs    any `yaml:"needs"`
		Strategy struct {
			Matrix map[string]any `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []step `yaml:"steps"`
	} `yaml:"jobs"`
}

type step struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
	With map[string]string `yaml:"with"`
}

const workflowFile = "github-actions-shards.yml"

// TestGitHubActionsRecipeLints lints the workflow with actionlint (with
// shellcheck when it is installed) and checks its shape: a matrix of
// shards 1..N whose run names K/N, an artifact per shard, and a merge
// job after them that merges, reports and writes the job summary.
func TestGitHubActionsRecipeLints(t *testing.T) {
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck not installed: the run scripts are linted by actionlint alone")
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFile(workflowFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("actionlint: %s", e.Error())
	}

	w := readWorkflow(t)
	shards := w.Jobs["shard"].Strategy.Matrix["shard"]
	list, ok := shards.([]any)
	if !ok || len(list) < 2 {
		t.Fatalf("jobs.shard.strategy.matrix.shard = %v, want a list of 2 or more shards", shards)
	}
	for i, v := range list {
		if v != i+1 {
			t.Errorf("matrix shard %d is %v, want %d: shards count 1 to N", i, v, i+1)
		}
	}
	run := findStep(t, w.Jobs["shard"].Steps, func(s step) bool { return strings.Contains(s.Run, " run ") })
	if run.Env["SHARD"] != "${{ matrix.shard }}/${{ strategy.job-total }}" || !strings.Contains(run.Run, `--shard "$SHARD"`) {
		t.Errorf("the shard step does not run --shard matrix.shard/job-total: env %v, run %q", run.Env, run.Run)
	}
	up := findStep(t, w.Jobs["shard"].Steps, func(s step) bool { return strings.HasPrefix(s.Uses, "actions/upload-artifact@") })
	if !strings.Contains(up.With["name"], "${{ matrix.shard }}") {
		t.Errorf("artifact name %q does not name the shard", up.With["name"])
	}
	merge := w.Jobs["merge"]
	if merge.Needs != "shard" {
		t.Errorf("merge needs %v, want shard", merge.Needs)
	}
	down := findStep(t, merge.Steps, func(s step) bool { return strings.HasPrefix(s.Uses, "actions/download-artifact@") })
	if ok, _ := filepath.Match(down.With["pattern"], strings.ReplaceAll(up.With["name"], "${{ matrix.shard }}", "1")); !ok {
		t.Errorf("download pattern %q does not match the artifacts %q", down.With["pattern"], up.With["name"])
	}
	findStep(t, merge.Steps, func(s step) bool {
		return strings.Contains(s.Run, " merge ") && strings.Contains(s.Run, "--out merged")
	})
	findStep(t, merge.Steps, func(s step) bool {
		return strings.Contains(s.Run, " report merged") && strings.Contains(s.Run, `>> "$GITHUB_STEP_SUMMARY"`)
	})
}

// TestGitHubActionsRecipeRuns runs the workflow's shell steps on this
// machine as the runner would, over the tiny spec: each shard job's
// steps in a workspace of its own, its artifact copied out, then the
// merge job's with the artifacts downloaded; the job summary must hold
// the report, and the merged folder the whole experiment.
func TestGitHubActionsRecipeRuns(t *testing.T) {
	w := readWorkflow(t)
	tmp := t.TempDir()
	spec := filepath.Join(tmp, "tiny.toml")
	if err := os.WriteFile(spec, []byte(tinySpec), 0o644); err != nil {
		t.Fatal(err)
	}
	artifacts := filepath.Join(tmp, "artifacts")
	list := w.Jobs["shard"].Strategy.Matrix["shard"].([]any)
	for _, v := range list {
		ctx := ghContext{"matrix.shard": fmt.Sprint(v), "strategy.job-total": fmt.Sprint(len(list)), "inputs.spec": spec}
		runJob(t, filepath.Join(tmp, fmt.Sprintf("shard-%v", v)), w.Jobs["shard"].Steps, ctx, artifacts)
	}
	ws := filepath.Join(tmp, "merge")
	summary := runJob(t, ws, w.Jobs["merge"].Steps, ghContext{"inputs.spec": spec}, artifacts)
	if !strings.Contains(summary, "tiny") || !strings.Contains(summary, "ranges needs no more than 1 GiB") {
		t.Errorf("job summary holds no report of the experiment and its claim:\n%s", summary)
	}
	runs, err := os.ReadFile(filepath.Join(ws, "merged", "runs.jsonl"))
	if err != nil || bytes.Count(runs, []byte("\n")) != 8 { // 2 workloads × 2 strategies × 2 repetitions
		t.Errorf("merged runs.jsonl: %d lines (%v), want 8", bytes.Count(runs, []byte("\n")), err)
	}
}

// ghContext is the values of the ${{ }} expressions the recipe uses.
type ghContext map[string]string

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// expand replaces each ${{ name }} of s by its value; a name ctx lacks
// fails the test.
func (c ghContext) expand(t *testing.T, s string) string {
	t.Helper()
	return expr.ReplaceAllStringFunc(s, func(m string) string {
		name := expr.FindStringSubmatch(m)[1]
		v, ok := c[name]
		if !ok {
			t.Fatalf("expression %q: the test knows no value for it", m)
		}
		return v
	})
}

// runJob runs a job's steps in workspace ws as a runner would: run steps
// with bash -eo pipefail (a go build from this repository's root, as a
// checkout would give), upload-artifact copying its path to
// artifacts/NAME, download-artifact copying the artifacts its pattern
// matches to PATH/NAME; checkout and setup-go are this machine's already.
// It returns the job summary.
func runJob(t *testing.T, ws string, steps []step, ctx ghContext, artifacts string) string {
	t.Helper()
	temp := filepath.Join(ws, "runner-temp")
	if err := os.MkdirAll(temp, 0o755); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(ws, "summary.md")
	ctx = ghContext{"runner.temp": temp, "runner.os": "Linux", "runner.arch": "X64"}.with(ctx)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		ctx.expand(t, s.Name)
		switch {
		case strings.HasPrefix(s.Uses, "actions/checkout@"), strings.HasPrefix(s.Uses, "actions/setup-go@"):
		case strings.HasPrefix(s.Uses, "actions/upload-artifact@"):
			// One folder: the artifact holds its contents; several: each
			// folder by name (their common parent is the root).
			name := ctx.expand(t, s.With["name"])
			paths := strings.Fields(ctx.expand(t, s.With["path"]))
			for _, p := range paths {
				to := filepath.Join(artifacts, name)
				if len(paths) > 1 {
					to = filepath.Join(to, filepath.Base(p))
				}
				if !filepath.IsAbs(p) {
					p = filepath.Join(ws, p)
				}
				copyTree(t, p, to)
			}
		case strings.HasPrefix(s.Uses, "actions/download-artifact@"):
			// With a pattern, each artifact goes to PATH/NAME.
			names, _ := filepath.Glob(filepath.Join(artifacts, ctx.expand(t, s.With["pattern"])))
			if len(names) == 0 {
				t.Fatalf("download-artifact %q: no artifact", s.With["pattern"])
			}
			for _, a := range names {
				copyTree(t, a, filepath.Join(ctx.expand(t, s.With["path"]), filepath.Base(a)))
			}
		case s.Run != "":
			dir := ws
			if strings.HasPrefix(strings.TrimSpace(s.Run), "go build") {
				dir = root
			}
			cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", ctx.expand(t, s.Run))
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "RUNNER_TEMP="+temp, "GITHUB_STEP_SUMMARY="+summary)
			for k, v := range s.Env {
				cmd.Env = append(cmd.Env, k+"="+ctx.expand(t, v))
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("step %q: %v\n%s", s.Name, err, out)
			}
		default:
			t.Fatalf("step %q: the test cannot run %q", s.Name, s.Uses)
		}
	}
	b, _ := os.ReadFile(summary)
	return string(b)
}

func (c ghContext) with(more ghContext) ghContext {
	for k, v := range more {
		c[k] = v
	}
	return c
}

// copyTree copies the folder from to the new folder to.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

func readWorkflow(t *testing.T) workflow {
	t.Helper()
	b, err := os.ReadFile(workflowFile)
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", workflowFile, err)
	}
	return w
}

func findStep(t *testing.T, steps []step, ok func(step) bool) step {
	t.Helper()
	i := slices.IndexFunc(steps, ok)
	if i < 0 {
		t.Fatalf("no such step in %+v", steps)
	}
	return steps[i]
}
