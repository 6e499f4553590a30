package chart

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fanbench/fanbench/internal/plotkit"
	"github.com/fanbench/fanbench/internal/results"
)

// The files of a merged folder (fanbench merge) that name each shard's
// machine: merge.json lists the shards and their labels, and
// shards/shard-K-of-N/env.json keeps each shard's environment.
const (
	mergeFile = "merge.json"
	shardsDir = "shards"
)

// MachineInfo is one machine of a results folder whose runs carry machine
// labels (a merge of shards, results.Run.Machine).
type MachineInfo struct {
	// Label is the label the machine's runs carry.
	Label string
	// Shards are the shards that ran on it ("1/3"), from merge.json;
	// none when the folder does not say.
	Shards []string
	// Env is the environment record of its first shard
	// (shards/shard-K-of-N/env.json); nil when the folder keeps none.
	Env *results.Environment
	// Runs counts its measured runs: successful and not warm-ups.
	Runs int
}

// mergeRecord is the part of merge.json that names each shard's machine.
type mergeRecord struct {
	N      int `json:"n"`
	Shards []struct {
		K       int    `json:"k"`
		Machine string `json:"machine"`
	} `json:"shards"`
}

// readMachines describes the machines the runs of the folder dir name, by
// label; nil when no run carries a label. merge.json and each shard's
// env.json may be absent (the machine's figures are then unknown), but
// not unreadable.
func readMachines(dir string, runs []results.Run) ([]MachineInfo, error) {
	labels := results.Machines(runs)
	if len(labels) == 0 {
		return nil, nil
	}
	slices.Sort(labels)
	out := make([]MachineInfo, len(labels))
	at := map[string]*MachineInfo{}
	for i, label := range labels {
		out[i].Label = label
		at[label] = &out[i]
	}
	for _, r := range runs {
		if r.Status == results.StatusOK && !r.Warmup && r.ElapsedSec > 0 {
			at[r.Machine].Runs++
		}
	}
	path := filepath.Join(dir, mergeFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("results folder %s: %w", dir, err)
	}
	var rec mergeRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, sh := range rec.Shards {
		m := at[sh.Machine]
		if m == nil {
			continue // a shard whose runs are all gone names no machine here
		}
		m.Shards = append(m.Shards, fmt.Sprintf("%d/%d", sh.K, rec.N))
		if m.Env != nil {
			continue
		}
		env, err := results.ReadEnv(filepath.Join(dir, shardsDir, fmt.Sprintf("shard-%d-of-%d", sh.K, rec.N), results.EnvFile))
		switch {
		case err == nil:
			m.Env = &env
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("results folder %s: %w", dir, err)
		}
	}
	return out, nil
}

// setMachines gives each machine's dataset (Dataset.Machines) the machine
// its shard's env.json describes, the zero Machine ("unknown CPU") where
// none does.
func (d *Dataset) setMachines(ms []MachineInfo) {
	for _, sub := range d.machines {
		for _, m := range ms {
			if m.Label == sub.Label && m.Env != nil {
				sub.Machine = results.MachineOf(*m.Env)
			}
		}
	}
}

// allByMachine builds every figure of each machine's dataset, in turn:
// each figure is one machine's, named and titled with its label
// (onMachine).
func allByMachine(subs []*Dataset) ([]*plotkit.Figure, error) {
	labels := make([]string, len(subs))
	for i, sub := range subs {
		labels[i] = sub.Label
	}
	slugs := machineSlugs(labels)
	var figs []*plotkit.Figure
	for i, sub := range subs {
		fs, err := All(sub)
		if err != nil {
			return nil, fmt.Errorf("machine %s: %w", sub.Label, err)
		}
		for _, f := range fs {
			onMachine(f, sub, slugs[i])
		}
		figs = append(figs, fs...)
	}
	return figs, nil
}

// onMachine marks a figure drawn from one machine's dataset: its file name
// gains "_machine-SLUG", its subtitle starts with "machine LABEL" (unless
// the label is the hardware the subtitle already ends with) and Machine is
// set.
func onMachine(f *plotkit.Figure, d *Dataset, slug string) {
	f.Name += "_machine-" + slug
	f.Machine = d.Label
	if d.Label == d.Machine.Hardware() {
		return
	}
	tag := "machine " + d.Label
	if len([]rune(tag)) > maxCPULen {
		tag = string([]rune(tag)[:maxCPULen-1]) + "…"
	}
	if title, sub, ok := strings.Cut(f.Title, "\n"); ok {
		f.Title = title + "\n" + tag + " · " + sub
	} else {
		f.Title += "\n" + tag
	}
}

// machineSlugs are the labels as file-name fragments, made distinct where
// two labels slug alike ("a b" and "a_b"): the later gets "-2", "-3", ….
func machineSlugs(labels []string) []string {
	out := make([]string, len(labels))
	used := map[string]bool{}
	for i, l := range labels {
		s := plotkit.Slug(l)
		for n := 2; used[s]; n++ {
			s = fmt.Sprintf("%s-%d", plotkit.Slug(l), n)
		}
		used[s] = true
		out[i] = s
	}
	return out
}
