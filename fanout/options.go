package fanout

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/fanbench/fanbench/internal/input"
)

// Strategy is a way of delivering a file's bytes to the workers. Its text
// form (MarshalText, UnmarshalText, String) is its name.
type Strategy string

// The strategies.
const (
	// ReadAll reads the whole file into one buffer, then cuts it on
	// newlines into parts the workers scan: memory at least the file.
	ReadAll Strategy = "readall"
	// Ranges gives each worker its own newline-aligned byte range, read
	// with pread through one small reusable buffer per worker.
	Ranges Strategy = "ranges"
	// Mmap maps the file once (PROT_READ, MAP_SHARED); the workers scan
	// sub-slices of the mapping.
	Mmap Strategy = "mmap"
	// Chan has one reader cut the file into newline-aligned chunks and send
	// them over a bounded channel to the workers.
	Chan Strategy = "chan"
	// Shm, in one process, is ReadAll: Run with Shm does exactly what it
	// does with ReadAll (Stats.Strategy says Shm), since goroutines share
	// the process's memory anyway. The name is kept so that the
	// harness's strategy names are this package's one for one: the
	// harness's process form of shm, a sealed memfd that worker
	// processes map, has no goroutine counterpart.
	Shm Strategy = "shm"
)

// Strategies are the strategies, in the order the harness lists them.
func Strategies() []Strategy { return []Strategy{ReadAll, Ranges, Mmap, Chan, Shm} }

// String is the strategy's name.
func (s Strategy) String() string { return string(s) }

// MarshalText is the strategy's name; an unknown strategy is an error.
func (s Strategy) MarshalText() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// UnmarshalText reads a strategy's name.
func (s *Strategy) UnmarshalText(b []byte) error {
	v := Strategy(b)
	if err := v.check(); err != nil {
		return err
	}
	*s = v
	return nil
}

func (s Strategy) check() error {
	for _, v := range Strategies() {
		if s == v {
			return nil
		}
	}
	return fmt.Errorf("fanout: strategy %q: want one of %s", string(s), joinNames(Strategies()))
}

// Split is how the input is cut between the workers, for the strategies
// that cut it (ReadAll, Ranges, Mmap, Shm and RunBytes; Chan's reader
// hands chunks to whichever worker is free). The zero Split is Static.
type Split string

// The splits.
const (
	// Static cuts the input into one newline-aligned part per worker.
	Static Split = "static"
	// Dynamic cuts the input into newline-aligned segments of about
	// Options.Segment bytes that the workers claim from a shared counter
	// until none is left: a slow worker takes fewer.
	Dynamic Split = "dynamic"
)

// Splits are the splits, the default first.
func Splits() []Split { return []Split{Static, Dynamic} }

// String is the split's name (the zero Split's is "static").
func (s Split) String() string { return string(s.orDefault()) }

// MarshalText is the split's name; an unknown split is an error.
func (s Split) MarshalText() ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return []byte(s.orDefault()), nil
}

// UnmarshalText reads a split's name: static or dynamic.
func (s *Split) UnmarshalText(b []byte) error {
	v := Split(b)
	if v == "" {
		return fmt.Errorf("fanout: split \"\": want one of %s", joinNames(Splits()))
	}
	if err := v.check(); err != nil {
		return err
	}
	*s = v
	return nil
}

func (s Split) orDefault() Split {
	if s == "" {
		return DefaultSplit
	}
	return s
}

func (s Split) check() error {
	switch s.orDefault() {
	case Static, Dynamic:
		return nil
	}
	return fmt.Errorf("fanout: split %q: want one of %s", string(s), joinNames(Splits()))
}

// Advice is the madvise(2) advice Mmap gives the kernel for its mapping.
// The zero Advice is Normal.
type Advice string

// The advice values.
const (
	Normal     Advice = "normal"     // MADV_NORMAL: the kernel's default read-ahead (no madvise call)
	Sequential Advice = "sequential" // MADV_SEQUENTIAL: aggressive read-ahead, pages freed soon after use
	Random     Advice = "random"     // MADV_RANDOM: no read-ahead
	WillNeed   Advice = "willneed"   // MADV_WILLNEED: start reading the whole file in now
	HugePage   Advice = "hugepage"   // MADV_HUGEPAGE: transparent huge pages where the file system allows them
)

// Advices are the advice values, the default first.
func Advices() []Advice { return []Advice{Normal, Sequential, Random, WillNeed, HugePage} }

// String is the advice's name (the zero Advice's is "normal").
func (a Advice) String() string { return string(a.orDefault()) }

// MarshalText is the advice's name; an unknown advice is an error.
func (a Advice) MarshalText() ([]byte, error) {
	if _, err := a.madvise(); err != nil {
		return nil, err
	}
	return []byte(a.orDefault()), nil
}

// UnmarshalText reads an advice's name.
func (a *Advice) UnmarshalText(b []byte) error {
	v := Advice(b)
	if _, err := v.madvise(); err != nil || v == "" {
		return fmt.Errorf("fanout: advice %q: want one of %s", string(b), joinNames(Advices()))
	}
	*a = v
	return nil
}

// madvise is the advice's madvise(2) value (input.Madvise), or an error
// for an unknown advice.
func (a Advice) madvise() (int, error) {
	v, ok := input.Madvise(string(a.orDefault()))
	if !ok {
		return 0, fmt.Errorf("fanout: advice %q: want one of %s", string(a), joinNames(Advices()))
	}
	return v, nil
}

func (a Advice) orDefault() Advice {
	if a == "" {
		return DefaultAdvice
	}
	return a
}

func joinNames[T ~string](vs []T) string {
	var b strings.Builder
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}

// The defaults of the knobs, used where an Options field is zero. The
// fanbench harness's knob registry takes its defaults from these.
const (
	DefaultBufSize = 1 << 20 // Ranges' read buffer per worker, Chan's chunk size: 1 MiB
	DefaultChanCap = 4       // Chan's channel capacity, in chunks
	DefaultPool    = true    // Chan recycles its chunk buffers (Options.NoPool turns it off)
	DefaultSplit   = Static
	DefaultSegment = 8 << 20 // a Dynamic split's segment: 8 MiB
	DefaultMaxLine = 1 << 20 // the longest line Ranges and Chan take: 1 MiB
	DefaultAdvice  = Normal
)

// minBuf is the smallest Options.BufSize and Options.MaxLine (but 0, the
// default): the harness's buf and maxline knobs' minimum too.
const minBuf = 64

// Unbuffered, as Options.ChanCap, makes Chan's channel unbuffered (a zero
// ChanCap means DefaultChanCap).
const Unbuffered = -1

// Options say how Run delivers a file: the strategy, the number of
// workers and the knobs that apply to the strategy (the others are
// ignored). A zero field takes its default (the Default* constants).
type Options struct {
	// Strategy is how the bytes reach the workers; it has no default.
	Strategy Strategy
	// Workers is the number of worker goroutines; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// BufSize is Ranges' read buffer per worker and Chan's chunk size,
	// in bytes (0: DefaultBufSize); a BufSize below 64 is an error.
	BufSize int
	// ChanCap is Chan's channel capacity in chunks (0: DefaultChanCap;
	// Unbuffered: none).
	ChanCap int
	// NoPool makes Chan allocate a fresh buffer for every chunk instead of
	// recycling its buffers (DefaultPool): a chunk then stays valid for as
	// long as it is referenced, at the cost of an allocation per chunk.
	NoPool bool
	// Split is how ReadAll, Ranges, Mmap and Shm cut the input between
	// the workers (zero: DefaultSplit).
	Split Split
	// Segment is a Dynamic split's segment size in bytes (0:
	// DefaultSegment).
	Segment int
	// MaxLine bounds the lines Ranges and Chan take, '\n' included, in
	// bytes (0: DefaultMaxLine; below 64 is an error): their buffers grow
	// for a line longer than
	// BufSize up to MaxLine, and a longer line fails the run with a
	// LineTooLong. It bounds their memory whatever the input: a Ranges
	// worker holds at most max(BufSize, MaxLine), Chan at most
	// (ChanCap + Workers + 2) × (BufSize + MaxLine). The whole-file
	// strategies (ReadAll, Mmap, Shm) take lines of any length.
	MaxLine int
	// Advice is the madvise advice Mmap applies to its mapping (zero:
	// DefaultAdvice, no madvise call).
	Advice Advice
	// Populate makes Mmap map with MAP_POPULATE: every page is faulted in
	// at map time.
	Populate bool
	// AtPeak is instrumentation, not part of delivery: leave it nil
	// unless you measure Run's memory. If set, it is called once, on
	// Run's goroutine, after every chunk was delivered and the file was
	// found unchanged, but before Run releases its memory (buffers, the
	// mapping): the moment to read the process's memory figures (RSS,
	// PSS) at their peak, which is what the fanbench harness uses it for.
	// It is outside Stats.Elapsed and is not called when Run fails.
	AtPeak func()
}

// resolved is o with every zero field given its default, checked.
func (o Options) resolved() (Options, error) {
	if err := o.Strategy.check(); err != nil {
		return o, err
	}
	if err := o.Split.check(); err != nil {
		return o, err
	}
	if _, err := o.Advice.madvise(); err != nil {
		return o, err
	}
	for _, f := range []struct {
		name string
		v    *int
		def  int
		min  int
		// least is the smallest value but 0 (the default) taken.
		least int
	}{
		{"Workers", &o.Workers, runtime.GOMAXPROCS(0), 0, 0},
		{"BufSize", &o.BufSize, DefaultBufSize, 0, minBuf},
		{"ChanCap", &o.ChanCap, DefaultChanCap, Unbuffered, Unbuffered},
		{"Segment", &o.Segment, DefaultSegment, 0, 0},
		{"MaxLine", &o.MaxLine, DefaultMaxLine, 0, minBuf},
	} {
		switch {
		case *f.v < f.min:
			return o, fmt.Errorf("fanout: Options.%s: %d, want at least %d", f.name, *f.v, f.min)
		case *f.v == 0:
			*f.v = f.def
		case *f.v < f.least:
			return o, fmt.Errorf("fanout: %s %d is below the minimum of %d", f.name, *f.v, f.least)
		}
	}
	if o.ChanCap == Unbuffered {
		o.ChanCap = 0
	}
	o.Split = o.Split.orDefault()
	o.Advice = o.Advice.orDefault()
	return o, nil
}
