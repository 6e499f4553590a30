package measure

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/fanbench/fanbench/internal/results"
)

// Sources of sampled tree peaks, as recorded in results.TreePeak.Source.
// Sampling misses peaks shorter than the interval: they are lower bounds.
// The names are the metric catalogue's.
const (
	SourceSampledRSS = results.SourceSampledRSS
	SourceSampledPSS = results.SourceSampledPSS
)

// MinPSSEvery is the shortest interval between two PSS samples: reading
// smaps_rollup walks every mapping and costs milliseconds at GiB sizes.
const MinPSSEvery = 100 * time.Millisecond

// DefaultSampleEvery is the RSS sampling interval used when StartSampler is
// given every ≤ 0.
const DefaultSampleEvery = 10 * time.Millisecond

// Sampler samples the memory of a process tree from outside it, on its own
// goroutine locked to one OS thread, until Stop.
type Sampler struct {
	fs       FS
	root     int
	every    time.Duration
	pssEvery time.Duration
	start    time.Time

	stop chan struct{}
	done chan SamplerResult
	once sync.Once
	res  SamplerResult
}

// SamplerResult is what a Sampler saw.
type SamplerResult struct {
	Samples  []results.Sample // the timeline; TMs counts from StartSampler
	MaxRSS   int64            // highest whole-tree RSS sampled (a lower bound of the true peak)
	MaxPSS   int64            // highest whole-tree PSS sampled (0 when PSS sampling was off)
	Count    int              // number of samples taken
	PSSCount int              // how many of them include PSS
	Every    time.Duration    // RSS sampling interval
	PSSEvery time.Duration    // effective PSS interval (0: off)
	Elapsed  time.Duration    // from StartSampler to Stop
	CPU      time.Duration    // user+system CPU time of the sampler's thread: its overhead
}

// Note says, in words, why the sampler gives no figure: "" when a sample
// saw the tree.
func (r SamplerResult) Note() string {
	if r.Count > 0 {
		return ""
	}
	return fmt.Sprintf("no sample saw the program: it ended within %v, before the first sample (every %v)",
		r.Elapsed.Round(time.Millisecond/10), r.Every)
}

// TreePeaks returns the sampled peaks as lower-bound results.TreePeak
// records: SourceSampledRSS, and SourceSampledPSS when PSS was sampled.
// With no sample there is no figure (see Note), not a zero.
func (r SamplerResult) TreePeaks() []results.TreePeak {
	if r.Count == 0 {
		return nil
	}
	out := []results.TreePeak{{Bytes: r.MaxRSS, Source: SourceSampledRSS}}
	if r.PSSCount > 0 {
		out = append(out, results.TreePeak{Bytes: r.MaxPSS, Source: SourceSampledPSS})
	}
	return out
}

// StartSampler starts sampling the process tree rooted at rootPID (the
// process and all its descendants, found afresh at each sample). Every
// `every` (DefaultSampleEvery if ≤ 0) it sums StatmRSS over the tree; at most
// every max(pssEvery, MinPSSEvery) it also sums smaps_rollup Pss. pssEvery
// of 0 turns PSS sampling off. The first sample is taken one interval after
// the start, when the program runs: a sample at once would see a process
// that has just exec'd and holds a fraction of a MiB, which is no bound of
// anything the program does. Processes that exit mid-sample are skipped;
// ticks when rootPID is gone record nothing. Call Stop to end it.
func StartSampler(fs FS, rootPID int, every, pssEvery time.Duration) *Sampler {
	if every <= 0 {
		every = DefaultSampleEvery
	}
	if pssEvery > 0 && pssEvery < MinPSSEvery {
		pssEvery = MinPSSEvery
	}
	s := &Sampler{
		fs: fs, root: rootPID, every: every, pssEvery: pssEvery,
		start: time.Now(),
		stop:  make(chan struct{}),
		done:  make(chan SamplerResult, 1),
	}
	go s.loop()
	return s
}

// Stop takes a last sample, ends sampling and returns the result. It returns
// promptly (within one sample's time); later calls return the same result.
func (s *Sampler) Stop() SamplerResult {
	s.once.Do(func() {
		close(s.stop)
		s.res = <-s.done
	})
	return s.res
}

func (s *Sampler) loop() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	res := SamplerResult{Every: s.every, PSSEvery: s.pssEvery}
	var lastPSS time.Time
	w := &treeWalker{fs: s.fs}
	take := func(now time.Time) {
		pids, err := w.tree(s.root)
		if err != nil {
			return // root gone
		}
		smp := results.Sample{TMs: float64(now.Sub(s.start)) / float64(time.Millisecond)}
		for _, pid := range pids {
			if v, err := s.fs.StatmRSS(strconv.Itoa(pid)); err == nil {
				smp.RSS += v
			}
		}
		if smp.RSS == 0 {
			return // the tree has exited and awaits reaping: nothing to record
		}
		if s.pssEvery > 0 && (lastPSS.IsZero() || now.Sub(lastPSS) >= s.pssEvery) {
			lastPSS = now
			for _, pid := range pids {
				if r, err := s.fs.SmapsRollup(strconv.Itoa(pid)); err == nil {
					smp.PSS += r.Pss
				}
			}
			res.PSSCount++
			res.MaxPSS = max(res.MaxPSS, smp.PSS)
		}
		res.Samples = append(res.Samples, smp)
		res.Count++
		res.MaxRSS = max(res.MaxRSS, smp.RSS)
	}
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			now := time.Now()
			take(now)
			res.Elapsed = now.Sub(s.start)
			res.CPU = threadCPU() - cpu0
			s.done <- res
			return
		case now := <-t.C:
			take(now)
		}
	}
}

// threadCPU returns the calling thread's user+system CPU time (0 if the
// kernel will not say).
func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// treeWalker finds a process tree repeatedly, as cheaply as it can. Where
// the kernel offers /proc/PID/task/*/children it uses FS.Tree. Otherwise it
// lists /proc at each call but reads /proc/PID/stat only for pids it has not
// seen before, keeping their parent pids (a process's parent changes only
// when the parent dies, which takes it out of the tree anyway).
type treeWalker struct {
	fs       FS
	fallback bool
	ppid     map[int]int
}

func (w *treeWalker) tree(root int) ([]int, error) {
	if !w.fallback {
		_, ok, err := w.fs.childrenFiles(root)
		if err != nil {
			return nil, err
		}
		if ok {
			return w.fs.Tree(root)
		}
		w.fallback = true
	}
	if _, err := os.Stat(w.fs.path(strconv.Itoa(root))); err != nil {
		return nil, fmt.Errorf("stat %s: %w", w.fs.path(strconv.Itoa(root)), err)
	}
	d, err := os.Open(w.fs.root())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", w.fs.root(), err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", w.fs.root(), err)
	}
	next := make(map[int]int, len(names))
	kids := make(map[int][]int)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue
		}
		pp, ok := w.ppid[pid]
		if !ok {
			statName := w.fs.path(name, "stat")
			data, err := os.ReadFile(statName)
			if err != nil {
				continue // exited meanwhile
			}
			if pp, err = parseStatPPid(statName, data); err != nil {
				continue
			}
		}
		next[pid] = pp
		kids[pp] = append(kids[pp], pid)
	}
	w.ppid = next
	out := []int{root}
	for i := 0; i < len(out); i++ {
		c := kids[out[i]]
		slices.Sort(c)
		for _, k := range c {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	return out, nil
}
