package ab

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// RecipeFile is the GitHub Actions recipe docs/ci.md links.
var recipeFile = filepath.Join("..", "..", "docs", "recipes", "github-actions-ab.yml")

// lintWorkflow returns actionlint's findings on a workflow file's text,
// one "path:line:col: message [kind]" each, with shellcheck over the run
// scripts when it is installed.
func lintWorkflow(t *testing.T, path string, text []byte) []string {
	t.Helper()
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("no shellcheck: the run scripts are not checked")
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(path, text, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// TestGitHubActionsRecipe: the recipe docs/ci.md links is a workflow
// actionlint finds nothing wrong with, gates the package it names (--pkg),
// and guards the report steps against a missing ab.md; and the lint does
// catch a broken copy of it.
func TestGitHubActionsRecipe(t *testing.T) {
	text, err := os.ReadFile(recipeFile)
	if err != nil {
		t.Fatal(err)
	}
	if errs := lintWorkflow(t, recipeFile, text); len(errs) > 0 {
		t.Errorf("actionlint:\n%s", strings.Join(errs, "\n"))
	}
	for _, want := range []string{`ab --pkg "$PKG"`, `if [ -f ab.md ]; then cat ab.md >> "$GITHUB_STEP_SUMMARY"; fi`, `hashFiles('ab.md') != ''`} {
		if !strings.Contains(string(text), want) {
			t.Errorf("%s lacks %q", recipeFile, want)
		}
	}
	broken := []struct{ name, from, to, want string }{
		{"bad indentation", "    runs-on: ubuntu-latest", "   runs-on: ubuntu-latest", "could not parse as YAML"},
		{"unknown event", "on: pull_request", "on: pull-request", `unknown Webhook event "pull-request"`},
		{"unknown context", "github.event.pull_request.base.sha", "gihub.event.pull_request.base.sha", `undefined variable "gihub"`},
		{"no runner", "    runs-on: ubuntu-latest\n", "", `"runs-on" section is missing`},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			if !strings.Contains(string(text), b.from) {
				t.Fatalf("%s lacks %q to break", recipeFile, b.from)
			}
			errs := lintWorkflow(t, recipeFile, []byte(strings.Replace(string(text), b.from, b.to, 1)))
			if !strings.Contains(strings.Join(errs, "\n"), b.want) {
				t.Errorf("actionlint on the broken recipe: %q, want a finding with %q", errs, b.want)
			}
		})
	}
}

func TestDocsLinkRecipe(t *testing.T) {
	ci, err := os.ReadFile(filepath.Join("..", "..", "docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "](recipes/github-actions-ab.yml)") {
		t.Error("docs/ci.md does not link recipes/github-actions-ab.yml")
	}
	if strings.Contains(string(ci), "```yaml") {
		t.Error("docs/ci.md still holds a YAML copy of the recipe: the file is the one that is linted")
	}
}
