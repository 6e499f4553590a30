package recipes

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The Kubernetes recipe is decoded strictly into job, a mirror of the
// fields of k8s.io/api/batch/v1.Job (and core/v1's PodSpec) that it uses,
// spelt as the API spells them: a misspelt or misplaced field is an
// unknown field. (k8s.io/api itself would add apimachinery and a dozen
// more modules to go.mod for one test.)
type job struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
	Spec       struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    *int   `yaml:"completions"`
		Parallelism    *int   `yaml:"parallelism"`
		BackoffLimit   *int   `yaml:"backoffLimit"`
		Template       struct {
			Metadata objectMeta `yaml:"metadata"`
			Spec     struct {
				RestartPolicy string      `yaml:"restartPolicy"`
				Containers    []container `yaml:"containers"`
				Volumes       []struct {
					Name                  string `yaml:"name"`
					PersistentVolumeClaim *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
					EmptyDir *struct{} `yaml:"emptyDir"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type objectMeta struct {
	Name   string            `yaml:"name"`
	Labels map[string]string `yaml:"labels"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Env     []struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			FieldRef struct {
				FieldPath string `yaml:"fieldPath"`
			} `yaml:"fieldRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

const jobFile = "k8s-indexed-job.yaml"

func readJob(t *testing.T, src []byte) (job, error) {
	t.Helper()
	var j job
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	err := dec.Decode(&j)
	return j, err
}

// TestK8sIndexedJobRecipe decodes the Job strictly and checks it: an
// Indexed batch/v1 Job of N completions, N pods at once, pods that are
// not restarted in place, the results on a volume, and a container whose
// script, run with JOB_COMPLETION_INDEX i, runs fanbench run --shard
// (i+1)/N into that volume.
func TestK8sIndexedJobRecipe(t *testing.T) {
	src, err := os.ReadFile(jobFile)
	if err != nil {
		t.Fatal(err)
	}
	j, err := readJob(t, src)
	if err != nil {
		t.Fatalf("%s: %v", jobFile, err)
	}
	// The strict decoding refuses a field the API lacks.
	if _, err := readJob(t, bytes.Replace(src, []byte("completionMode:"), []byte("completionmode:"), 1)); err == nil {
		t.Error("a misspelt field decoded without an error: the decoding is not strict")
	}
	s := j.Spec
	if j.APIVersion != "batch/v1" || j.Kind != "Job" || s.CompletionMode != "Indexed" {
		t.Errorf("apiVersion %q kind %q completionMode %q, want batch/v1 Job Indexed", j.APIVersion, j.Kind, s.CompletionMode)
	}
	if s.Completions == nil || s.Parallelism == nil || *s.Completions < 2 || *s.Parallelism != *s.Completions {
		t.Fatalf("completions %v parallelism %v: want N ≥ 2 of each", s.Completions, s.Parallelism)
	}
	n := *s.Completions
	if p := s.Template.Spec.RestartPolicy; p != "Never" && p != "OnFailure" {
		t.Errorf("restartPolicy %q: a Job's pods want Never or OnFailure", p)
	}
	if len(s.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(s.Template.Spec.Containers))
	}
	c := s.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
		if e.ValueFrom != nil {
			env[e.Name] = "from:" + e.ValueFrom.FieldRef.FieldPath
		}
	}
	if env["SHARDS"] != strconv.Itoa(n) {
		t.Errorf("SHARDS = %q, want completions, %d", env["SHARDS"], n)
	}
	if env["FANBENCH_MACHINE"] != "from:spec.nodeName" {
		t.Errorf("FANBENCH_MACHINE = %q, want the node's name", env["FANBENCH_MACHINE"])
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	for _, v := range s.Template.Spec.Volumes {
		delete(mounts, v.Name)
		if v.Name == "results" && v.PersistentVolumeClaim == nil {
			t.Error("the results volume is no persistent volume claim: it would vanish with the pod")
		}
	}
	if len(mounts) > 0 {
		t.Errorf("mounts of volumes the pod lacks: %v", mounts)
	}
	if len(c.Command) != 2 || c.Command[1] != "-c" || len(c.Args) != 1 {
		t.Fatalf("command %q args %q: want a shell script", c.Command, c.Args)
	}
	// Run the script for each index with a stand-in fanbench that
	// prints its arguments.
	bin := t.TempDir()
	stub := "#!/bin/sh\nprintf '%s\\n' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "fanbench"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		cmd := exec.Command("sh", "-c", c.Args[0])
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "JOB_COMPLETION_INDEX=" + strconv.Itoa(i), "SHARDS=" + env["SHARDS"]}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("index %d: %v\n%s", i, err, out)
		}
		args := strings.Split(strings.TrimSpace(string(out)), "\n")
		k := strconv.Itoa(i + 1)
		want := map[string]string{"--shard": k + "/" + strconv.Itoa(n), "--results": "/results/shard-" + k}
		if args[0] != "run" {
			t.Errorf("index %d runs fanbench %q, want run", i, args[0])
		}
		for flag, v := range want {
			at := slices.Index(args, flag)
			if at < 0 || at+1 >= len(args) || args[at+1] != v {
				t.Errorf("index %d: fanbench %q, want %s %s", i, args, flag, v)
			}
		}
		if res := c.VolumeMounts[0]; !strings.HasPrefix(want["--results"], res.MountPath+"/") || res.Name != "results" {
			t.Errorf("--results %s is not on the results volume (%s at %s)", want["--results"], res.Name, res.MountPath)
		}
	}
}
