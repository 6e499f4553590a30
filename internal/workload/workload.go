// Package workload defines what a worker does with its bytes, and a plain
// single-threaded reference for each workload that every strategy's answer
// must match exactly.
package workload

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/fanbench/fanbench/internal/oracle"
)

// Answer is a workload's result over a whole file. Two runs agree exactly
// when their Answers are ==.
type Answer struct {
	Workload string `json:"workload"`
	Lines    int64  `json:"lines"`              // lines, counting an unterminated last line
	Bytes    int64  `json:"bytes"`              // bytes seen
	Records  int64  `json:"records,omitempty"`  // parse: well-formed records
	Bad      int64  `json:"bad,omitempty"`      // parse: non-empty lines that are not records
	Stations int    `json:"stations,omitempty"` // parse: distinct names
	// Digest is the SHA-256 of Text in hex: equal digests mean
	// byte-identical answers.
	Digest string `json:"digest,omitempty"`
	// Text is the canonical answer (package oracle says exactly what it
	// is): the One Billion Row Challenge baseline's output line for parse,
	// "LINES BYTES\n" for count. Reports carry only its digest; `fanbench
	// exec --answer-out` writes it.
	Text string `json:"-"`
}

// WithoutText is the answer without its text: what a report carries, and what
// a reported answer is compared on.
func (a Answer) WithoutText() Answer {
	a.Text = ""
	return a
}

// String prints the answer on one line.
func (a Answer) String() string {
	b, _ := json.Marshal(a)
	return string(b)
}

// Partial is one worker's running result. Add is called with whole lines
// only: buf starts at a line start and ends just after a '\n' or at the end
// of the file. Partials of disjoint parts of a file merge into the answer
// for their union.
type Partial interface {
	Add(buf []byte)
	Merge(other Partial)
	Answer() Answer

	// Reset empties the partial for reuse, in time proportional to what
	// it holds: collectors (internal/collect) reuse one partial per batch.
	Reset()
	// AppendBinary appends a compact encoding of the partial to b, and
	// MergeBinary merges such an encoding into the partial: the one form in
	// which partials cross a process boundary (collectors' messages and
	// process-mode workers' reports). Names travel as their bytes, so a
	// name that is not valid UTF-8 arrives as it left.
	AppendBinary(b []byte) ([]byte, error)
	MergeBinary(data []byte) error
}

// Keyed is implemented by partials made of per-key entries beside
// whole-partial counters (parse: one entry per name). A collector that
// routes updates to shards by key (internal/collect's sharded) uses it; a
// key always falls in the same shard, whatever the partial.
type Keyed interface {
	Partial
	// Shards reports the shards, of n (1 to 64), that the partial's keys
	// fall in: bit i for shard i.
	Shards(n int) uint64
	// MergeShard merges into the partial the entries of o (a partial of
	// the same workload) whose keys fall in shard i of n, and o's counters
	// if counters is set.
	MergeShard(o Partial, i, n int, counters bool)
}

// wireReader decodes AppendBinary's varints; the first error sticks.
type wireReader struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated")

// uvarint decodes an unsigned varint.
func (d *wireReader) uvarint() uint64 { return decodeVarint(d, binary.Uvarint) }

// varint decodes a signed (zig-zag) varint.
func (d *wireReader) varint() int64 { return decodeVarint(d, binary.Varint) }

// decodeVarint takes one varint off d with decode (binary.Uvarint or
// binary.Varint); 0 and a sticky errTruncated if there is none.
func decodeVarint[T uint64 | int64](d *wireReader, decode func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := decode(d.b)
	if n <= 0 {
		d.err = errTruncated
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *wireReader) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errTruncated
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// Workload is a named computation over lines with its reference.
type Workload struct {
	Name string
	Doc  string
	// New returns an empty partial.
	New func() Partial
	// Reference computes the answer over r with package oracle's plain
	// code, which shares nothing with the fast path. A registered user
	// workload may have none (nil): its runs are then unverified.
	Reference func(r io.Reader) (Answer, error)
	// Generate, if set, writes the workload's own fixture of exactly size
	// bytes, the same bytes for the same (size, seed); nil means the
	// built-in One-Billion-Row-style generator (internal/fixture).
	Generate func(w io.Writer, size int64, seed uint64) error
	// RefVersion, if set, names the version of Reference (a user
	// workload's: its binary's checksum), so that a reference cached by
	// another version is stale; nil means oracle.Version.
	RefVersion func() string
}

// ReferenceKey names the reference answer of w as computed now: a cached
// reference under another key is stale.
func (w Workload) ReferenceKey() string {
	if w.RefVersion != nil {
		return w.Name + "@" + w.RefVersion()
	}
	return w.Name + "@" + oracle.Version
}

// Verifiable reports whether w has a reference its runs are checked
// against; the runs of a workload without one are recorded as unverified.
func (w Workload) Verifiable() bool { return w.Reference != nil }

// fromOracle adapts one of package oracle's references.
func fromOracle(ref func(io.Reader) (oracle.Answer, error)) func(io.Reader) (Answer, error) {
	return func(r io.Reader) (Answer, error) {
		o, err := ref(r)
		a := Answer{Workload: o.Workload, Lines: o.Lines, Bytes: o.Bytes, Records: o.Records, Bad: o.Bad,
			Stations: o.Stations, Text: o.Text}
		if o.Text != "" {
			a.Digest = o.Digest()
		}
		return a, err
	}
}

// All lists the workloads: the built-in ones, then those registered by a
// user's program (Register).
var All = []Workload{
	{Name: "count", Doc: "lines and bytes: a pure memory scan (bytes.Count)", New: func() Partial { return &countPartial{} }, Reference: fromOracle(oracle.Count)},
	{Name: "parse", Doc: "name;temp records aggregated to min/mean/max per name (1BRC)", New: func() Partial { return newParsePartial() }, Reference: fromOracle(oracle.Parse)},
	{Name: "none", Doc: "does nothing: measures the harness's fixed cost", New: func() Partial { return &nonePartial{} }, Reference: func(io.Reader) (Answer, error) { return Answer{Workload: "none"}, nil }},
}

// builtins is how many of All's rows are built in.
var builtins = len(All)

// validName is what a user workload's name may be: it appears in specs,
// benchmark names (workload=NAME), fixture file names and flags.
var validName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// Register adds a user's workload to All, where specs, exec, worker and
// the driver find it by name. It is called before anything runs (by
// cmdline.Main), never concurrently with Lookup. A name that is not
// lower-case letters, digits, '-' and '_' (starting with a letter, at most
// 40), that is a built-in workload's, or that is registered already is an
// error, as is a workload without New.
func Register(w Workload) error {
	if err := CheckName(w.Name); err != nil {
		return err
	}
	if w.New == nil {
		return fmt.Errorf("workload %q: no New function", w.Name)
	}
	for i, o := range All {
		if o.Name != w.Name {
			continue
		}
		if i < builtins {
			return fmt.Errorf("workload %q: the name of a built-in workload (built in: %s); choose another", w.Name, strings.Join(builtinNames(), ", "))
		}
		return fmt.Errorf("workload %q: registered twice", w.Name)
	}
	All = append(All, w)
	return nil
}

// CheckName says why name cannot be a user workload's name (see
// Register), or nil if it can.
func CheckName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("workload name %q: want lower-case letters, digits, '-' or '_', starting with a letter, at most 40", name)
	}
	return nil
}

// builtinNames lists the built-in workloads' names, sorted.
func builtinNames() []string {
	var n []string
	for _, w := range All[:builtins] {
		n = append(n, w.Name)
	}
	sort.Strings(n)
	return n
}

// Lookup finds a workload by name.
func Lookup(name string) (Workload, error) {
	for _, w := range All {
		if w.Name == name {
			return w, nil
		}
	}
	return Workload{}, fmt.Errorf("unknown workload %q (want one of %s)", name, strings.Join(Names(), ", "))
}

// Names lists the workload names, sorted.
func Names() []string {
	var n []string
	for _, w := range All {
		n = append(n, w.Name)
	}
	sort.Strings(n)
	return n
}

// nonePartial ignores its input: the empty workload for overhead runs.
type nonePartial struct{}

func (*nonePartial) Add([]byte)     {}
func (*nonePartial) Merge(Partial)  {}
func (*nonePartial) Answer() Answer { return Answer{Workload: "none"} }
func (*nonePartial) Reset()         {}

// AppendBinary appends nothing: none has no state.
func (*nonePartial) AppendBinary(b []byte) ([]byte, error) { return b, nil }

// MergeBinary accepts only the empty encoding.
func (*nonePartial) MergeBinary(data []byte) error {
	if len(data) != 0 {
		return fmt.Errorf("none partial: %d unexpected bytes", len(data))
	}
	return nil
}
