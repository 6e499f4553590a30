package measure

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestSamplerFixture(t *testing.T) {
	ps := int64(os.Getpagesize())
	wantRSS := (100 + 10 + 20 + 30) * ps
	wantPSS := int64(200+20+40+60) * kB
	for _, root := range []string{"testdata/proc", "testdata/proc-nochildren"} {
		t.Run(root, func(t *testing.T) {
			// The fixture's figures are fixed; only the scheduling is not:
			// on a loaded machine the sampler's goroutine may not run for
			// tens of milliseconds, so a sitting with fewer than 3 samples
			// is tried again (at most 5 times) rather than failed.
			var r SamplerResult
			var elapsed time.Duration
			for try := 1; ; try++ {
				start := time.Now()
				s := StartSampler(NewFS(root), 100, time.Millisecond, 50*time.Millisecond)
				time.Sleep(30 * time.Millisecond)
				r = s.Stop()
				elapsed = time.Since(start)
				if r2 := s.Stop(); r2.Count != r.Count {
					t.Errorf("second Stop differs: %d vs %d samples", r2.Count, r.Count)
				}
				if r.Count >= 3 || try == 5 {
					break
				}
				t.Logf("try %d: %d samples in %v (a busy machine); trying again", try, r.Count, elapsed)
			}
			if r.Count < 3 || len(r.Samples) != r.Count {
				t.Fatalf("Count = %d, len(Samples) = %d", r.Count, len(r.Samples))
			}
			if root == "testdata/proc-nochildren" {
				wantRSS = 4 * ps // every statm there holds 1 page
				wantPSS = 4 * kB
			}
			if r.MaxRSS != wantRSS {
				t.Errorf("MaxRSS = %d, want %d", r.MaxRSS, wantRSS)
			}
			// PSS is limited to MinPSSEvery: the first sample, then at most
			// one more per MinPSSEvery of the sitting (and the last sample).
			maxPSS := 2 + int(elapsed/MinPSSEvery)
			if r.PSSEvery != MinPSSEvery || r.PSSCount < 1 || r.PSSCount > maxPSS || r.MaxPSS != wantPSS {
				t.Errorf("PSSEvery %v PSSCount %d MaxPSS %d, want %v, 1 to %d, %d", r.PSSEvery, r.PSSCount, r.MaxPSS, MinPSSEvery, maxPSS, wantPSS)
			}
			if r.Samples[0].PSS != wantPSS || (r.Samples[1].TMs < float64(MinPSSEvery.Milliseconds()) && r.Samples[1].PSS != 0) {
				t.Errorf("PSS not on first sample only: %+v", r.Samples[:2])
			}
			for i := 1; i < len(r.Samples); i++ {
				if r.Samples[i].TMs < r.Samples[i-1].TMs {
					t.Fatalf("time goes back at %d: %+v", i, r.Samples[i-1:i+1])
				}
			}
			if tp := r.TreePeaks(); len(tp) != 2 || tp[0].Source != SourceSampledRSS || tp[1].Bytes != wantPSS {
				t.Errorf("TreePeaks = %+v", tp)
			}
		})
	}
}

func TestSamplerMissingRoot(t *testing.T) {
	s := StartSampler(NewFS("testdata/proc"), 999, 0, 0)
	time.Sleep(25 * time.Millisecond)
	r := s.Stop()
	if r.Count != 0 || r.Every != DefaultSampleEvery || r.PSSEvery != 0 || r.TreePeaks() != nil {
		t.Errorf("sampler of a missing pid: %+v", r)
	}
}

func TestSamplerStopsPromptly(t *testing.T) {
	s := StartSampler(NewFS(""), os.Getpid(), time.Hour, 0)
	start := time.Now()
	r := s.Stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop took %v", d)
	}
	if r.Count != 1 { // the last sample only: the first is an hour away
		t.Errorf("Count = %d, want 1", r.Count)
	}
}

// TestSamplerFirstSampleAfterStart: the first sample comes one interval
// after the start, not at once (when a child has just exec'd); a run that
// ends before it has no sampled figure, and Note says why.
func TestSamplerFirstSampleAfterStart(t *testing.T) {
	s := StartSampler(NewFS("testdata/proc"), 100, 50*time.Millisecond, 0)
	time.Sleep(75 * time.Millisecond)
	r := s.Stop()
	if len(r.Samples) == 0 || r.Samples[0].TMs < 50 {
		t.Errorf("samples %+v: want the first at 50 ms or later", r.Samples)
	}
	if r.Note() != "" {
		t.Errorf("Note %q with %d samples", r.Note(), r.Count)
	}

	gone := StartSampler(NewFS("testdata/proc"), 999, time.Hour, 0).Stop()
	if gone.Count != 0 || gone.TreePeaks() != nil || !strings.HasPrefix(gone.Note(), "no sample saw the program: it ended within ") {
		t.Errorf("no samples: count %d, peaks %v, note %q", gone.Count, gone.TreePeaks(), gone.Note())
	}
}

func TestSamplerLive(t *testing.T) {
	if _, err := os.Stat("/proc/self/smaps_rollup"); err != nil {
		t.Skipf("skipping: no smaps_rollup: %v", err)
	}
	h := startHelper(t, "alloc", "MB=64", "STEPS=4", "STEP_MS=150")
	s := StartSampler(NewFS(""), h.cmd.Process.Pid, 5*time.Millisecond, 100*time.Millisecond)
	h.in.Write([]byte("g"))
	h.waitFor(t, "done")
	time.Sleep(MinPSSEvery + 30*time.Millisecond) // let a PSS sample see the full size
	if err := h.finish(t); err != nil {
		t.Fatal(err)
	}
	r := s.Stop() // the process is gone by now: must not error or record a bogus sample
	if r.MaxRSS < 64*mib || r.MaxRSS > 200*mib {
		t.Errorf("MaxRSS = %.1f MiB, want ≥ 64 MiB", float64(r.MaxRSS)/mib)
	}
	if r.MaxPSS < 60*mib || r.MaxPSS > r.MaxRSS {
		t.Errorf("MaxPSS = %.1f MiB (MaxRSS %.1f MiB)", float64(r.MaxPSS)/mib, float64(r.MaxRSS)/mib)
	}
	// The steps show up as a rising timeline.
	var levels int
	var last int64
	for _, smp := range r.Samples {
		if smp.RSS >= last+12*mib {
			levels++
			last = smp.RSS
		}
	}
	if levels < 3 { // 4 steps 150 ms apart; a loaded machine may merge two
		t.Errorf("saw %d rising steps of RSS, want ≥ 3", levels)
	}
	if r.Count < 10 {
		t.Errorf("only %d samples in %v", r.Count, r.Elapsed)
	}
	t.Logf("%d samples (%d with PSS) in %v, max RSS %.1f MiB, max PSS %.1f MiB, sampler CPU %v (%.2f%% of one core)",
		r.Count, r.PSSCount, r.Elapsed.Round(time.Millisecond), float64(r.MaxRSS)/mib, float64(r.MaxPSS)/mib,
		r.CPU, 100*r.CPU.Seconds()/r.Elapsed.Seconds())
}
