// Package results defines fanbench's result records and the files that hold
// them: runs.jsonl (one Run per line, appended and flushed as each run ends),
// results.bench (Go benchmark format) and env.json (the environment record).
package results

import (
	"encoding/json"
	"time"
)

// Status values of a Run.
const (
	StatusOK      = "ok"      // the run finished and its answer matched the reference
	StatusFailed  = "failed"  // the run failed; Reason says why
	StatusSkipped = "skipped" // the run was not started; Reason says why (e.g. memory guard)
)

// Cell identifies one point of an experiment's matrix. Two runs of the same
// cell differ only by repetition.
type Cell struct {
	Mode     string            `json:"mode"`     // "goroutine" or "process"
	Strategy string            `json:"strategy"` // readall, ranges, mmap, chan, shm, ceiling, or "ref:NAME" for a reference command
	Workload string            `json:"workload"` // count or parse
	Size     int64             `json:"size"`     // fixture size in bytes
	SizeName string            `json:"size_name"`
	Workers  int               `json:"workers"`
	Knobs    map[string]string `json:"knobs,omitempty"` // every other parameter: buf, chancap, pool, advice, GOGC, GOMEMLIMIT, GOMAXPROCS, cache...
	// Arm names the build that ran the cell in an A/B comparison (base or
	// head); empty outside one.
	Arm string `json:"arm,omitempty"`
}

// Memory is a process's own view of its memory, in bytes, read from
// /proc/self/status (VmHWM, RssAnon, RssFile) and /proc/self/smaps_rollup
// (Pss, Pss_Anon, Pss_File) at the end of the measured work.
type Memory struct {
	PeakRSS int64 `json:"peak_rss"` // VmHWM: the process's own high-water mark
	RSSAnon int64 `json:"rss_anon"`
	RSSFile int64 `json:"rss_file"`
	RSSShm  int64 `json:"rss_shmem"`
	PSS     int64 `json:"pss"`
	PSSAnon int64 `json:"pss_anon"`
	PSSFile int64 `json:"pss_file"`
	PSSShm  int64 `json:"pss_shmem"`
}

// Runtime holds Go runtime/metrics figures for the measured work.
type Runtime struct {
	AllocBytes   int64   `json:"alloc_bytes"`   // /gc/heap/allocs:bytes
	AllocObjects int64   `json:"alloc_objects"` // /gc/heap/allocs:objects
	GCCycles     int64   `json:"gc_cycles"`     // /gc/cycles/total:gc-cycles
	GCCPUSec     float64 `json:"gc_cpu_sec"`    // /cpu/classes/gc/total:cpu-seconds
	MutexWaitSec float64 `json:"mutex_wait_sec,omitempty"`
	// CPUSec is the CPU time of the run's own process (all its threads,
	// user and system; in process mode the parent only) during the
	// measured work. Unlike the elapsed time it does not grow while the
	// run waits for a CPU on a busy machine.
	CPUSec float64 `json:"cpu_sec,omitempty"`
	// PhaseCPUSec is the CPU time of the measured phase, summed over
	// every thread of the run's process and every worker child it waited
	// for (process mode): the work a CPU did for the phase, whatever
	// else the machine ran meanwhile. It leaves out what CPUSec leaves
	// out, the process's start-up, runtime init and reporting.
	PhaseCPUSec float64 `json:"phase_cpu_sec,omitempty"`
	// Iterations, when the min_time knob repeats the measured phase, is
	// how many iterations after the first were timed; ElapsedSec and the
	// figures above but GCCycles are then the mean of one of them, and
	// FirstSec is the first iteration's elapsed time. 0: one iteration.
	Iterations int     `json:"iterations,omitempty"`
	FirstSec   float64 `json:"first_sec,omitempty"`
	// Measured is set when these figures were read from the run's Go
	// runtime, so that a run that allocated nothing has figures of 0
	// rather than none. A run that did not measure its Go heap (a
	// reference command) leaves it unset; so do records written before
	// the field, whose figures count as measured when any is non-zero.
	Measured bool `json:"measured,omitempty"`
}

// HasFigures reports whether the runtime figures were measured: Measured,
// or for an older record without the field, any allocation recorded.
func (rt Runtime) HasFigures() bool {
	return rt.Measured || rt.AllocBytes > 0 || rt.AllocObjects > 0
}

// Usage is what the launcher learns from wait4 about the child it started.
type Usage struct {
	WallSec  float64 `json:"wall_sec"` // launcher-side wall time, start to reap
	UserSec  float64 `json:"user_sec"`
	SysSec   float64 `json:"sys_sec"`
	MinFlt   int64   `json:"minflt"`
	MajFlt   int64   `json:"majflt"`
	NVCSw    int64   `json:"nvcsw"`
	NIvCSw   int64   `json:"nivcsw"`
	MaxRSSRU int64   `json:"maxrss_rusage_crosscheck"` // ru_maxrss in bytes: a cross-check only, it can carry the launcher's peak
}

// Sample is one point of a sampled memory timeline.
type Sample struct {
	TMs float64 `json:"t_ms"`          // milliseconds since the run started
	RSS int64   `json:"rss"`           // whole-tree RSS in bytes
	PSS int64   `json:"pss,omitempty"` // whole-tree PSS in bytes, when sampled
}

// TreePeak is the peak memory of a whole process tree, labelled by how it was
// obtained: one of the Source constants (SourceCgroupV2, SourceCgroupV1,
// SourceSumHWM, an upper bound, SourceSampledRSS, SourceSampledPSS, lower
// bounds), each written to results.bench under its catalogue unit
// (TreePeakUnit).
type TreePeak struct {
	Bytes  int64  `json:"bytes"`
	Source string `json:"source"`
}

// Run is one repetition of one cell: one line of runs.jsonl.
type Run struct {
	Experiment string `json:"experiment"`
	Cell       Cell   `json:"cell"`
	Rep        int    `json:"rep"`   // repetition index within the cell, from 0
	Order      int    `json:"order"` // position in the shuffled run order
	// Block is the block of adjacent runs (from 1) the run belongs to: one
	// repetition of every cell it is compared with, run one after another,
	// so that runs of equal Block pair (the load of that moment common to
	// both). 0 for a warm-up, an A/B comparison's run and the runs of a
	// fanbench that did not plan in blocks.
	Block      int       `json:"block,omitempty"`
	Warmup     bool      `json:"warmup,omitempty"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	StderrTail string    `json:"stderr_tail,omitempty"`
	Start      time.Time `json:"start"`

	ElapsedSec float64         `json:"elapsed_sec"` // the measured phase, timed inside the run
	Bytes      int64           `json:"bytes"`       // bytes processed (the fixture size)
	Answer     json.RawMessage `json:"answer,omitempty"`
	Verified   bool            `json:"verified"`
	// Unverified, on a successful run whose answer could not be checked
	// (a user workload without a reference implementation), says so and
	// why; the run is kept, and the report and summary say it plainly.
	Unverified string `json:"unverified,omitempty"`

	Memory  Memory  `json:"memory"`
	Runtime Runtime `json:"runtime"`
	Usage   Usage   `json:"usage"`
	// Load is how busy the machine was during the run (nil where /proc
	// could not be read, and in records older than the figure).
	Load *Load `json:"load,omitempty"`
	// Attempts is how many times the run was launched: more than 1 when
	// a disturbed run was run again (the spec's rerun_disturbed); the
	// record is the last attempt's. 0 in older records means 1.
	Attempts      int                `json:"attempts,omitempty"`
	Workers       []Memory           `json:"workers,omitempty"` // process mode: each child's own figures
	TreePeaks     []TreePeak         `json:"tree_peaks,omitempty"`
	CacheState    string             `json:"cache_state,omitempty"` // warm or cold
	Residency     float64            `json:"residency"`             // fraction of the fixture in page cache before the run (-1 unknown)
	ResidencyOK   bool               `json:"residency_ok"`
	SampleEveryMs float64            `json:"sample_every_ms,omitempty"`
	Samples       []Sample           `json:"samples,omitempty"`
	Extra         map[string]float64 `json:"extra,omitempty"` // strategy-specific counters: copy-B, chunks, messages...
	// SamplerNote says why a sampled run has no sampled tree peak (no
	// sample saw the program): such a run has no figure, not a zero.
	SamplerNote string `json:"sampler_note,omitempty"`
	// CgroupNote says why a run that asked for a cgroup of its own has no
	// cgroup tree peak (no permission, no memory controller, ...).
	CgroupNote string `json:"cgroup_note,omitempty"`
	// Machine labels the machine that ran the run, in a folder fanbench
	// merge joined from shards ("" elsewhere): the shard's --machine, else
	// its env.json's hardware (CPU model and cores).
	Machine string `json:"machine,omitempty"`
}

// ClaimResult is the outcome of one experiment claim in one cell it selects,
// written to claims.json.
type ClaimResult struct {
	Claim    string `json:"claim"`    // the claim as the spec states it, with the cell in brackets
	Text     string `json:"text"`     // the claim as the spec states it, without the cell
	Cell     string `json:"cell"`     // the cell's benchmark name; "" when the claim selected none
	Op       string `json:"op"`       // the comparison: ">=", ">", "<=" or "<"
	Pass     bool   `json:"pass"`     // whether it held
	Measured string `json:"measured"` // the figures it was judged on, in words
	// Value is the measured left-hand side and Limit the bound it was
	// compared with; for a claim judged in pairs of adjacent runs, the
	// median per-pair ratio and the claim's ratio.
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
	Error string  `json:"error,omitempty"`
	// Summary marks the claim as one of the experiment's findings, which
	// the report's summary states.
	Summary bool `json:"summary,omitempty"`
}

// Load is how busy the machine was while a run ran: the launcher's
// readings of /proc/loadavg and /proc/stat at the child's start and reap.
type Load struct {
	LoadStart float64 `json:"loadavg_start"` // 1-minute load average at the start
	LoadEnd   float64 `json:"loadavg_end"`   // and at the end
	// OtherCPUSec is the CPU time the rest of the machine used during the
	// run: the machine's busy CPU time (/proc/stat, every CPU) less the
	// run's own (wait4's user and system) and the launcher's sampler's.
	// It is tick-sampled (10 ms per CPU), so it is approximate for short
	// runs, and never below 0.
	OtherCPUSec float64 `json:"other_cpu_sec"`
	StealSec    float64 `json:"steal_sec"` // hypervisor steal time over every CPU during the run
	CPUs        int     `json:"cpus"`
	// Disturbed is the rule of Disturbed applied to the run's figures.
	Disturbed bool `json:"disturbed,omitempty"`
}

// The disturbance rule's thresholds (see Disturbed).
const (
	// DisturbedOtherShare: other work used more than this share of the
	// machine's CPU time during the run.
	DisturbedOtherShare = 0.25
	// DisturbedStealShare: a hypervisor stole more than this share.
	DisturbedStealShare = 0.05
	// DisturbedMinSec: below this much CPU time of other work (or of
	// steal) nothing is called a disturbance, as /proc/stat counts in
	// 10 ms ticks per CPU.
	DisturbedMinSec = 0.05
)

// Disturbed reports whether a run of wallSec seconds was disturbed by
// other work on the machine: other processes used more than
// DisturbedOtherShare of all CPUs' time during it, or a hypervisor stole
// more than DisturbedStealShare of it (each at least DisturbedMinSec).
// Such a run competed for the CPUs, so its elapsed time measures the
// machine's load as well as the code.
func Disturbed(l Load, wallSec float64) bool {
	capacity := wallSec * float64(max(l.CPUs, 1))
	return (l.OtherCPUSec > DisturbedOtherShare*capacity && l.OtherCPUSec >= DisturbedMinSec) ||
		(l.StealSec > DisturbedStealShare*capacity && l.StealSec >= DisturbedMinSec)
}
