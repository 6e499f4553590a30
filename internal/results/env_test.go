package results

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestParseTHP(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"always [madvise] never\n", "madvise", true},
		{"[always] madvise never", "always", true},
		{"always madvise [never]", "never", true},
		{"always madvise never", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, err := parseTHP(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("parseTHP(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestCollectEnvironment(t *testing.T) {
	fixture := filepath.Join(t.TempDir(), "fixture.txt")
	if err := os.WriteFile(fixture, []byte("a;1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing")
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	e := CollectEnvironment(fixture, missing)
	if e.GOOS != runtime.GOOS || e.GOARCH != runtime.GOARCH || e.GoVersion != runtime.Version() {
		t.Errorf("platform = %s/%s %s", e.GOOS, e.GOARCH, e.GoVersion)
	}
	if e.GOGC != "150" || e.GOMEMLIMIT != "1GiB" {
		t.Errorf("GOGC=%q GOMEMLIMIT=%q, want the environment's values", e.GOGC, e.GOMEMLIMIT)
	}
	if e.GOMAXPROCS != runtime.GOMAXPROCS(0) || e.NumCPU != runtime.NumCPU() || e.Time.IsZero() {
		t.Errorf("GOMAXPROCS=%d NumCPU=%d Time=%v", e.GOMAXPROCS, e.NumCPU, e.Time)
	}
	if len(e.Fixtures) != 2 || e.Fixtures[0].Size != 4 {
		t.Fatalf("fixtures = %+v", e.Fixtures)
	}
	joined := strings.Join(e.Warnings, "\n")
	if !strings.Contains(joined, missing) {
		t.Errorf("no warning names the missing fixture: %q", e.Warnings)
	}
	if runtime.GOOS == "linux" {
		if e.Fixtures[0].FSType == "" || !strings.HasPrefix(e.Kernel, "Linux ") || e.Machine == "" {
			t.Errorf("fs=%q kernel=%q machine=%q", e.Fixtures[0].FSType, e.Kernel, e.Machine)
		}
		if e.MemTotal == 0 || e.MemAvailable == 0 || e.MemAvailable > e.MemTotal {
			t.Errorf("memory total=%d available=%d", e.MemTotal, e.MemAvailable)
		}
		if e.CPUThreads == 0 {
			t.Errorf("CPUThreads = 0 (warnings %q)", e.Warnings)
		}
	}
	// Every figure left empty is explained.
	if e.CPUModel == "" && !strings.Contains(joined, "cpu model") {
		t.Errorf("empty CPU model without a warning")
	}
	if e.Commit == "" && !strings.Contains(joined, "commit") {
		t.Errorf("empty commit without a warning")
	}
	if e.Commit != "" && e.CommitSource != "git" && e.CommitSource != "buildinfo" {
		t.Errorf("CommitSource = %q", e.CommitSource)
	}
}

func TestDirFiles(t *testing.T) {
	root := filepath.Join(t.TempDir(), "res", "exp1")
	if _, err := OpenDir(root); err == nil {
		t.Fatal("OpenDir of a missing folder succeeded")
	}
	d, err := CreateDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if d2, err := OpenDir(root); err != nil || d2 != d {
		t.Fatalf("OpenDir = %v, %v", d2, err)
	}
	if _, err := OpenDir(filepath.Join(root, "..", "..", "res", "exp1", ".")); err != nil {
		t.Fatal(err)
	}

	env := testEnv()
	if err := WriteEnv(d.EnvPath(), env); err != nil {
		t.Fatal(err)
	}
	got, err := ReadEnv(d.EnvPath())
	if err != nil || !reflect.DeepEqual(got, env) {
		t.Errorf("env round trip:\n got %+v, %v\nwant %+v", got, err, env)
	}

	claims := []ClaimResult{{Claim: "mmap peak-PSS < readall peak-PSS", Pass: true, Measured: "0.3 GiB vs 1.4 GiB", Value: 0.3, Limit: 1.4},
		{Claim: "broken", Error: "no such metric"}}
	if err := WriteClaims(d.ClaimsPath(), claims); err != nil {
		t.Fatal(err)
	}
	gotClaims, err := ReadClaims(d.ClaimsPath())
	if err != nil || !reflect.DeepEqual(gotClaims, claims) {
		t.Errorf("claims round trip: %+v, %v", gotClaims, err)
	}
	if err := WriteClaims(d.ClaimsPath(), nil); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(d.ClaimsPath()); strings.TrimSpace(string(data)) != "[]" {
		t.Errorf("no claims written as %q, want []", data)
	}

	// RenderBench rebuilds results.bench from runs.jsonl and env.json.
	l, err := OpenRunLog(d.RunsPath())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range testRuns() {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	if dropped, err := d.RenderBench(); err != nil || dropped != 0 {
		t.Fatalf("RenderBench = %d, %v", dropped, err)
	}
	bench, err := os.ReadFile(d.BenchPath())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(bench), "\nBenchmarkFanout/"); n != 12 || !strings.Contains(string(bench), "seed: 42\n") {
		t.Errorf("results.bench has %d results (want 12) or lacks the environment:\n%s", n, bench)
	}
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{ClaimsFile, EnvFile, BenchFile, RunsFile}; !reflect.DeepEqual(names, want) {
		t.Errorf("folder holds %v, want %v (no temporary files left)", names, want)
	}
}

func TestReadMissingOrBadFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadEnv(filepath.Join(dir, EnvFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadEnv(missing) = %v, want ErrNotExist", err)
	}
	bad := filepath.Join(dir, ClaimsFile)
	os.WriteFile(bad, []byte("{"), 0o644)
	if _, err := ReadClaims(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadClaims(bad JSON) = %v, want an error naming the file", err)
	}
	if err := WriteEnv(filepath.Join(dir, "no", "such", "dir", EnvFile), Environment{}); err == nil {
		t.Error("WriteEnv into a missing folder succeeded")
	}
}
