package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/BurntSushi/toml"

	"github.com/fanbench/fanbench/internal/results"
	"github.com/fanbench/fanbench/internal/strategy"
	"github.com/fanbench/fanbench/internal/units"
	"github.com/fanbench/fanbench/internal/workload"
)

// MaxRerunDisturbed bounds a spec's rerun_disturbed: on a machine that
// stays busy, every attempt is disturbed, and each costs a run.
const MaxRerunDisturbed = 5

// Spec is an experiment: a committed TOML file under experiments/ naming a
// matrix, repetitions, cache state, reference commands and the claims its
// results are expected to satisfy.
type Spec struct {
	Name        string   `toml:"name"`
	Description string   `toml:"description"`
	Repetitions int      `toml:"repetitions"`  // per cell; at least 6 gives benchstat a confidence interval
	Warmup      int      `toml:"warmup"`       // unrecorded-in-statistics runs per cell before the measured ones
	Seed        int64    `toml:"seed"`         // shuffles the run order; recorded
	Cache       Cache    `toml:"cache"`        // warm (the default) or cold
	Timeout     Duration `toml:"timeout"`      // per run; the whole process group is killed past it
	SampleEvery Duration `toml:"sample_every"` // RSS sampling interval (0 disables)
	PSSEvery    Duration `toml:"pss_every"`    // PSS sampling interval (at least 100ms; 0 disables)
	FixtureSeed uint64   `toml:"fixture_seed"`
	Cgroup      *bool    `toml:"cgroup"` // measure each run's tree peak in a fresh cgroup (default true)
	// MemoryLimit caps each run's memory (e.g. "2GiB"): a cgroup limit, or
	// RLIMIT_AS when no cgroup can be made. Unset or "0": no limit.
	MemoryLimit ByteLimit `toml:"memory_limit"`
	// RerunDisturbed is how many more times a run that other work
	// disturbed (results.Disturbed) is launched again, its record the last
	// attempt's (0..MaxRerunDisturbed; default 0).
	RerunDisturbed int `toml:"rerun_disturbed"`

	Matrix     []Matrix    `toml:"matrix"`
	References []Reference `toml:"reference"`
	Claims     []Claim     `toml:"claim"`

	// Path is the spec file the Spec was read from.
	Path string `toml:"-"`
	src  []byte
	// ncells is the number of cells, counted when the spec is loaded.
	ncells int64
}

// loader is a Spec being decoded and validated: what Load needs and the
// Spec it returns does not keep.
type loader struct {
	*Spec
	md    toml.MetaData // the decoder's: which keys the file sets, at which level
	block block         // the [[matrix]], [[reference]] or [[claim]] being read; errors point into it
}

// block names one array-of-tables entry of a spec: errors found while
// validating it point into it, not at the first block with the same key.
type block struct {
	kind  string // matrix, reference or claim; "" outside any block
	index int    // from 0, in file order
}

// Matrix is one block of cells: the cross product of its lists. A spec's
// cells are the union of its matrices.
type Matrix struct {
	Modes      []strategy.Mode `toml:"modes"` // default: goroutine
	Strategies []string        `toml:"strategies"`
	Workloads  []string        `toml:"workloads"`
	Sizes      []Size          `toml:"sizes"`
	Workers    []int           `toml:"workers"`
	// Files names the user's own input files (paths relative to the folder
	// fanbench runs in), beside or instead of Sizes: each is a cell
	// dimension, input=NAME (its base name) in benchmark names.
	Files []string         `toml:"files"`
	Knobs map[string][]any `toml:"knobs"`

	inputs []UserFile // Files, checked and resolved when the spec is loaded
	// workloads are Workloads, looked up when the spec is loaded.
	workloads []workload.Workload
	// knobs are Knobs' values, parsed when the spec is loaded, by name.
	knobs map[string][]knobValue
}

// knobValue is one value a spec gives a knob: its canonical text (cell
// names show it) and what it sets in a cell, parsed once by Load.
type knobValue struct {
	text  string
	apply func(*Cell)
}

// UserFile is one of the user's own files named by a matrix's files list, as
// found when the spec was loaded.
type UserFile struct {
	Name string // base name: the input=NAME part of benchmark names
	Path string // absolute path
	Size int64  // bytes when the spec was loaded
}

// Reference is an external command measured by the same launcher as the
// strategies, so that tools users know sit in the same table. Placeholders
// {file}, {size} and {workers} are replaced in every argument.
type Reference struct {
	Name     string   `toml:"name"`
	Command  []string `toml:"command"`
	Workload string   `toml:"workload"` // which workload's table it joins (default count)
	Sizes    []Size   `toml:"sizes"`    // default: every size and user file of the matrices
	Workers  []int    `toml:"workers"`  // default [1]; only meaningful with {workers}
	// Verify, if "lines", checks that the first number the command prints
	// equals the fixture's line count.
	Verify string `toml:"verify"`

	workload workload.Workload // Workload, looked up when the spec is loaded
}

// Claim is an expectation about the experiment's own results: for every
// cell matching Where, the Stat (median by default) of Metric compared by Op
// with a bound: Value, or Ratio × the cell's size (Of = "size"), or Ratio ×
// the same statistic of the cell obtained by overriding Where's fields with Vs.
type Claim struct {
	Text     string         `toml:"text"`
	Metric   string         `toml:"metric"`
	Where    map[string]any `toml:"where"`
	Vs       map[string]any `toml:"vs"`
	VsMetric string         `toml:"vs_metric"`
	Of       string         `toml:"of"`
	Op       string         `toml:"op"`
	Ratio    float64        `toml:"ratio"`
	Value    *float64       `toml:"value"`
	Stat     string         `toml:"stat"`
	// Finding marks a claim as one of the experiment's findings: the
	// report's summary states its verdict with the figures.
	Finding bool `toml:"summary"`
	// sameCell: vs_metric without vs compares two metrics of the same cell.
	sameCell bool
}

// Duration is a TOML string such as "10ms" or "2m".
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: want e.g. 10ms, 30s, 5m", string(b))
	}
	if v < 0 {
		return fmt.Errorf("duration %q: negative", string(b))
	}
	d.Duration = v
	return nil
}

// Error is a problem in a spec file, located at a line.
type Error struct {
	Path  string
	Line  int
	Field string
	Msg   string
}

// Error is the problem in one line: file:line: field: msg (the line and
// field when known), line breaks in the spec's text escaped.
func (e *Error) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Field != "" {
		field := e.Field
		if strings.IndexFunc(field, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
			field = strconv.Quote(field) // a quoted TOML key may hold anything, newlines included
		}
		return lineBreaks.Replace(fmt.Sprintf("%s: %s: %s", loc, field, e.Msg))
	}
	return lineBreaks.Replace(fmt.Sprintf("%s: %s", loc, e.Msg))
}

// lineBreaks keeps a Error on one line whatever the spec holds.
var lineBreaks = strings.NewReplacer("\n", `\n`, "\r", `\r`)

// Size is a cell's size in bytes, at least 1B: a fixture of no bytes
// measures nothing, and no chart's log axis can place it. A spec writes
// it as units.ParseSize text ("64MiB").
type Size int64

// UnmarshalText reads a size of at least 1B.
func (z *Size) UnmarshalText(b []byte) error {
	n, err := parseCellSize(string(b))
	if err != nil {
		return err
	}
	*z = Size(n)
	return nil
}

// ByteLimit is a memory limit in bytes: 0 (none) or at least 16MiB. A
// spec writes it as units.ParseSize text ("2GiB").
type ByteLimit int64

// UnmarshalText reads a limit of 0 or at least 16MiB.
func (l *ByteLimit) UnmarshalText(b []byte) error {
	n, err := units.ParseSize(string(b))
	if err != nil {
		return err
	}
	if n > 0 && n < 16<<20 {
		return fmt.Errorf("%s is below the minimum of 16MiB", b)
	}
	*l = ByteLimit(n)
	return nil
}

// Cache is a page-cache state a run starts in.
type Cache string

// The page-cache states.
const (
	Warm Cache = "warm" // pre-read and resident (mincore-checked)
	Cold Cache = "cold" // dropped (fadvise DONTNEED) before the run
)

// String is the state's name.
func (c Cache) String() string { return string(c) }

// UnmarshalText reads warm or cold, refusing any other text.
func (c *Cache) UnmarshalText(b []byte) error {
	switch v := Cache(b); v {
	case Warm, Cold:
		*c = v
		return nil
	}
	return fmt.Errorf("%q, want warm or cold", b)
}

// specKnob is one knob a spec may vary beyond the strategy knobs (the
// registry, strategy.Registry): one row each, with the parser of its text
// into its canonical text (what cell names show, so that two spellings of
// one value are one cell) and what it sets in a cell.
type specKnob struct {
	name  string
	parse func(val string) (canon string, apply func(*Cell), err error)
	// format is the knob's canonical text in a cell it was applied to.
	format func(Cell) string
}

// specKnobs are the environment knobs (GOGC, GOMEMLIMIT, GOMAXPROCS: the
// run's process environment) and the run knobs, interpreted by the
// launcher (sample_every: the RSS sampling interval of the run; cache:
// the page-cache state, warm or cold, overriding the spec's cache for the
// cell, read from the cell's name by CacheState) or by exec (spike: a
// short-lived allocation of that size before the measured work, which a
// slow sampler misses).
var specKnobs = []specKnob{
	envKnob("GOGC", func(v string) (string, error) {
		if v == "off" {
			return v, nil
		}
		n, err := strconv.Atoi(v)
		return strconv.Itoa(n), err
	}),
	envKnob("GOMEMLIMIT", func(v string) (string, error) {
		if v == "off" {
			return v, nil
		}
		if !memLimitText.MatchString(v) {
			return "", fmt.Errorf("want a size such as 512MiB or off")
		}
		n, err := units.ParseSize(v)
		return units.FormatSize(n), err
	}),
	envKnob("GOMAXPROCS", func(v string) (string, error) {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
		case n < 1:
			err = fmt.Errorf("want at least 1")
		case n > MaxGOMAXPROCS:
			err = fmt.Errorf("want at most %d (Go sets up every P before main: at 100000 a run had not ended after 20s)", MaxGOMAXPROCS)
		}
		return strconv.Itoa(n), err
	}),
	{"sample_every", func(v string) (string, func(*Cell), error) {
		d, err := time.ParseDuration(v)
		if err == nil && d < 0 {
			err = fmt.Errorf("negative")
		}
		return d.String(), func(c *Cell) { c.SampleEvery = &d }, err
	}, func(c Cell) string { return c.SampleEvery.String() }},
	{"spike", func(v string) (string, func(*Cell), error) {
		n, err := units.ParseSize(v)
		return units.FormatSize(n), func(c *Cell) { c.Spike = n }, err
	}, func(c Cell) string { return units.FormatSize(c.Spike) }},
	{"cache", func(v string) (string, func(*Cell), error) {
		var state Cache
		if err := state.UnmarshalText([]byte(v)); err != nil {
			return "", nil, fmt.Errorf("want warm or cold")
		}
		return v, func(c *Cell) { c.Cache = state }, nil
	}, func(c Cell) string { return c.Cache.String() }},
}

// MaxGOMAXPROCS bounds the GOMAXPROCS knob. Go sets up every P before
// main runs, so no check in the run can refuse a larger value: on this
// project's 2-core machine a program that only prints GOMAXPROCS took
// 0.11s and 29MB at 1024, and at 100000 had not ended after 20s, with
// 2GB. 1024 is past any core count the harness is run on.
const MaxGOMAXPROCS = 1024

// memLimitText is GOMEMLIMIT's syntax (besides off).
var memLimitText = regexp.MustCompile(`^[0-9]+(B|KiB|MiB|GiB|TiB)?$`)

// envKnob is a knob that sets name=value in the run's environment, its
// value checked and put in canonical form by canon.
func envKnob(name string, canon func(string) (string, error)) specKnob {
	return specKnob{name, func(v string) (string, func(*Cell), error) {
		text, err := canon(v)
		return text, func(c *Cell) { c.Env = append(c.Env, name+"="+text) }, err
	}, func(c Cell) string {
		for _, kv := range c.Env {
			if v, ok := strings.CutPrefix(kv, name+"="); ok {
				return v
			}
		}
		return ""
	}}
}

// knobNames are the knobs a spec may vary, in the order errors list them.
func knobNames() []string {
	names := strategy.KnobNames()
	for _, k := range specKnobs {
		names = append(names, k.name)
	}
	return names
}

// isKnob reports whether a spec may vary k.
func isKnob(k string) bool { return slices.Contains(knobNames(), k) }

// Load reads and validates a spec file, applying defaults.
func Load(path string) (*Spec, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))}
	}
	return Parse(path, src)
}

// Parse parses and validates spec text; path names it in errors.
//
// The decoder reads every value into its type (a size, a mode, a
// duration, a cache state...), so that it reports a bad value with its
// key. Each [[matrix]], [[reference]] and [[claim]] block is decoded on
// its own, so that an error in one names its own line: the decoder
// keeps one position per dotted key, the last block's.
func Parse(path string, src []byte) (*Spec, error) {
	s := &loader{Spec: &Spec{Path: path, src: src}}
	var doc struct {
		Spec
		Matrix     []toml.Primitive `toml:"matrix"`
		References []toml.Primitive `toml:"reference"`
		Claims     []toml.Primitive `toml:"claim"`
	}
	md, err := toml.Decode(string(src), &doc)
	if err != nil {
		return nil, s.decodeError(err, "")
	}
	doc.Spec.Path, doc.Spec.src = path, src
	*s.Spec = doc.Spec
	s.Matrix = make([]Matrix, len(doc.Matrix))
	s.References = make([]Reference, len(doc.References))
	s.Claims = make([]Claim, len(doc.Claims))
	for _, b := range []struct {
		kind   string
		blocks []toml.Primitive
		into   func(i int) any
	}{
		{"matrix", doc.Matrix, func(i int) any { return &s.Matrix[i] }},
		{"reference", doc.References, func(i int) any { return &s.References[i] }},
		{"claim", doc.Claims, func(i int) any { return &s.Claims[i] }},
	} {
		for i, p := range b.blocks {
			s.block = block{b.kind, i}
			if err := md.PrimitiveDecode(p, b.into(i)); err != nil {
				var ref struct {
					Name string `toml:"name"`
				}
				if b.kind == "reference" && md.PrimitiveDecode(p, &ref) == nil {
					// A reference's errors name it, as validation's do.
					return nil, s.decodeError(err, fmt.Sprintf("reference %q: ", ref.Name))
				}
				return nil, s.decodeError(err, "")
			}
		}
	}
	s.block = block{}
	s.md = md
	for _, k := range md.Undecoded() {
		// Knob tables are decoded into maps: their keys are checked below.
		return nil, s.errAt(k.String(), "unknown key")
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s.Spec, nil
}

// decodeError is the Error of a decoding error: a syntax error or a
// value its type refuses (a toml.ParseError), or a value of the wrong
// TOML type. Inside a block (s.block) the line is the key's in that
// block, and a refused value is named by its key alone (sizes, not
// matrix.sizes), as validation names it, its message after what.
func (s *loader) decodeError(err error, what string) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		if s.block.kind != "" {
			field := pe.LastKey[strings.LastIndex(pe.LastKey, ".")+1:]
			return &Error{Path: s.Path, Line: s.lineOf(field), Field: field, Msg: what + oneLine(pe.Message)}
		}
		line := pe.Position.Line
		if st := pe.Position.Start; st > 0 && st <= len(s.src) {
			// The parser counts an offending '\n' as the next line.
			line = 1 + bytes.Count(s.src[:st], []byte{'\n'})
		}
		field := pe.LastKey
		if field == "" {
			field = s.keyAt(line)
		}
		if !specKey(field) {
			// Not a key a spec has: the file may be no spec at all
			// (a link to a system file), so its text is not echoed.
			return &Error{Path: s.Path, Line: line, Field: "toml", Msg: "not a fanbench spec: " + oneLine(pe.Message)}
		}
		return &Error{Path: s.Path, Line: line, Field: field, Msg: oneLine(pe.Message)}
	}
	// Type mismatches come as "toml: line N (last key "K"): msg".
	if m := decodeErrRE.FindStringSubmatch(oneLine(err.Error())); m != nil {
		line, _ := strconv.Atoi(m[1])
		if s.block.kind != "" {
			line = s.lineOf(m[2])
		}
		return &Error{Path: s.Path, Line: line, Field: m[2], Msg: m[3]}
	}
	return &Error{Path: s.Path, Msg: oneLine(err.Error())}
}

// specKey reports whether every part of a dotted key is one a spec can
// hold: a field of the spec or of its blocks, a knob, a strategy or
// workload name, or an index. A parse error names such a key; any other
// text of the file is not repeated in an error.
func specKey(key string) bool {
	if key == "" {
		return false
	}
	for _, part := range strings.Split(key, ".") {
		if !specKeys()[strings.Trim(part, `"`)] {
			if _, err := strconv.Atoi(part); err != nil {
				return false
			}
		}
	}
	return true
}

// specKeys are the keys specKey knows, gathered once from the spec types'
// toml tags, the knob registry and the spec-level knobs.
var specKeys = sync.OnceValue(func() map[string]bool {
	keys := map[string]bool{"knobs": true, "where": true, "vs": true}
	for _, v := range []any{Spec{}, Matrix{}, Reference{}, Claim{}} {
		t := reflect.TypeOf(v)
		for i := range t.NumField() {
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); tag != "" && tag != "-" {
				keys[tag] = true
			}
		}
	}
	for _, n := range strategy.KnobNames() {
		keys[n] = true
	}
	for _, k := range specKnobs {
		keys[k.name] = true
	}
	return keys
})

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	decodeErrRE = regexp.MustCompile(`^toml: (?:line ([0-9]+) )?\(last key "([^"]*)"\): (.*)$`)
	headerRE    = regexp.MustCompile(`^\s*\[`)
	keyAtRE     = regexp.MustCompile(`^\s*(?:\[\[?\s*)?"?([A-Za-z0-9_.-]+)`)
)

// keyAt is the key assigned or the table opened on a line (from 1), for
// syntax errors that the TOML parser reports without a key.
func (s *loader) keyAt(line int) string {
	lines := strings.Split(string(s.src), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	if m := keyAtRE.FindStringSubmatch(lines[line-1]); m != nil {
		return m[1]
	}
	return ""
}

// span returns the lines [from, to) (from 0) where a key of the current
// block, or of the top level outside blocks, can be: from a [[kind]]
// header (the index-th) to the next table header other than a [kind.x]
// subtable; the top level ends at the first table header.
func (s *loader) span(lines []string) (from, to int, ok bool) {
	if s.block.kind == "" {
		for i, l := range lines {
			if headerRE.MatchString(l) {
				return 0, i, true
			}
		}
		return 0, len(lines), true
	}
	head := regexp.MustCompile(`^\s*\[\[\s*` + regexp.QuoteMeta(s.block.kind) + `\s*\]\]`)
	sub := regexp.MustCompile(`^\s*\[\s*` + regexp.QuoteMeta(s.block.kind) + `\.`)
	n := 0
	from = -1
	for i, l := range lines {
		switch {
		case from < 0 && head.MatchString(l):
			if n == s.block.index {
				from = i
			}
			n++
		case from >= 0 && headerRE.MatchString(l) && !sub.MatchString(l):
			return from, i, true
		}
	}
	return from, len(lines), from >= 0
}

// lineOf finds the line where a dotted key (or its last part) is assigned
// or opened as a table, for error messages. Inside a block (see Spec.block)
// it looks in that block only, and falls back to the block's header line;
// an undotted key outside blocks is looked for at the top level only.
func (s *loader) lineOf(key string) int {
	parts := strings.Split(key, ".")
	last := parts[len(parts)-1]
	assign := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(last) + `"?\s*=`)
	inline := regexp.MustCompile(`[{,]\s*"?` + regexp.QuoteMeta(last) + `"?\s*=`)
	table := regexp.MustCompile(`^\s*\[\[?\s*` + regexp.QuoteMeta(key) + `\s*\]`)
	lines := strings.Split(string(s.src), "\n")
	from, to := 0, len(lines)
	if s.block.kind != "" || len(parts) == 1 {
		var ok bool
		if from, to, ok = s.span(lines); !ok {
			from, to = 0, len(lines)
		}
	}
	for i := from; i < to; i++ {
		l := lines[i]
		if table.MatchString(l) || assign.MatchString(l) || inline.MatchString(l) {
			return i + 1
		}
	}
	if s.block.kind != "" && from < len(lines) && to > from {
		return from + 1
	}
	return 0
}

func (s *loader) errAt(field, format string, args ...any) error {
	return &Error{Path: s.Path, Line: s.lineOf(field), Field: field, Msg: fmt.Sprintf(format, args...)}
}

// validate checks every field and applies defaults.
func (s *loader) validate() error {
	if err := s.validateSettings(); err != nil {
		return err
	}
	if len(s.Matrix) == 0 {
		return s.errAt("matrix", "missing: add at least one [[matrix]] block")
	}
	for i := range s.Matrix {
		s.block = block{"matrix", i}
		if err := s.validateMatrix(&s.Matrix[i]); err != nil {
			return err
		}
	}
	for i := range s.References {
		s.block = block{"reference", i}
		if err := s.validateReference(i, &s.References[i]); err != nil {
			return err
		}
	}
	if err := s.checkSize(); err != nil {
		return err
	}
	planned := s.plannedGroups()
	for i := range s.Claims {
		s.block = block{"claim", i}
		if err := s.validateClaim(&s.Claims[i]); err != nil {
			return err
		}
		if err := s.claimSelects(&s.Claims[i], planned); err != nil {
			return err
		}
	}
	s.block = block{}
	return nil
}

// Hard bounds of a plan, checked when the spec is loaded and when --reps
// overrides its repetitions, before any plan is built (a plan holds every
// run in memory: 10^7 runs took 1.3 GB, 10^11 more than the machine has).
// Past ConfirmRuns a plan asks before it starts; past MaxRuns it is
// refused: at the rough model's 50ms a run, 10^6 runs are 14 hours. The
// cells are counted before they are made: 10^6 of them took 35s and
// 2.8GB to load; 10^5 are 8 hours at 6 repetitions.
const (
	MaxRepetitions = 10000   // repetitions, and warm-ups, per cell
	MaxRuns        = 1000000 // cells × (repetitions + warm-ups)
	MaxCells       = 100000  // cells, counted before repeated ones merge
)

// checkRepetitions refuses a repetition count out of [1, MaxRepetitions].
func checkRepetitions(n int) error {
	switch {
	case n < 1:
		return fmt.Errorf("%d, want at least 1", n)
	case n > MaxRepetitions:
		return fmt.Errorf("%d, want at most %d per cell", n, MaxRepetitions)
	}
	return nil
}

// mulCapped is a × b for non-negative a and b, math.MaxInt64 where the
// product would overflow: plan sizes are counted, never wrapped.
func mulCapped(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// cellBound is the number of cells the matrices and references make
// before repeated ones are merged (an upper bound of len(Cells())),
// counted without making them.
func (s *Spec) cellBound() int64 {
	var n, sizes int64
	for _, m := range s.Matrix {
		combos := int64(1)
		for _, vals := range m.knobs {
			combos = mulCapped(combos, int64(len(vals)))
		}
		pairs := int64(0) // (mode, strategy) pairs that make cells
		for _, mode := range m.Modes {
			for _, name := range m.Strategies {
				if row, err := strategy.Lookup(name); err == nil && expanded(row, mode) {
					pairs++
				}
			}
		}
		per := mulCapped(int64(len(m.workloads)), int64(len(m.Sizes)+len(m.inputs)))
		n = addCapped(n, mulCapped(mulCapped(combos, pairs), mulCapped(per, int64(len(m.Workers)))))
		sizes += int64(len(m.Sizes))
	}
	for _, r := range s.References {
		rs := sizes
		if len(r.Sizes) > 0 {
			rs = int64(len(r.Sizes))
		}
		n = addCapped(n, mulCapped(rs, int64(len(r.Workers))))
	}
	return n
}

// addCapped is a + b for non-negative a and b, math.MaxInt64 past it.
func addCapped(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// runsText says how a plan's run count comes about, for its refusal.
func runsText(cells int64, reps, warmup int) string {
	return fmt.Sprintf("%d cells × (%d repetitions + %d warm-ups) = %d runs, over the maximum of %d",
		cells, reps, warmup, mulCapped(cells, int64(reps)+int64(warmup)), MaxRuns)
}

// checkSize refuses a spec that would plan more than MaxRuns runs,
// counting before making anything: an upper bound of the cells first
// (more than MaxCells before repeated ones merge is refused without
// making them, at the first [[matrix]]), then the cells themselves, which
// are also checked for clashes (their runs refused at repetitions if the
// spec sets it, else at the first [[matrix]]). It records the cell count
// for WithRepetitions.
func (s *loader) checkSize() error {
	s.block = block{"matrix", 0}
	if bound := s.cellBound(); bound > MaxCells {
		return s.errAt("matrix", "the matrices and references make up to %d cells (before repeated ones merge), over the maximum of %d", bound, MaxCells)
	}
	cells, err := s.cells()
	if err != nil {
		return err
	}
	s.ncells = int64(len(cells))
	if mulCapped(s.ncells, int64(s.Repetitions)+int64(s.Warmup)) > MaxRuns {
		field := "matrix"
		if s.md.IsDefined("repetitions") {
			field, s.block = "repetitions", block{}
		}
		return s.errAt(field, "%s", runsText(s.ncells, s.Repetitions, s.Warmup))
	}
	return nil
}

// WithRepetitions is a copy of the spec with n repetitions per cell
// (`run --reps`), refusing a count out of [1, MaxRepetitions] or one that
// makes the plan more than MaxRuns runs, before any plan is built. The
// spec itself is left as loaded.
func (s *Spec) WithRepetitions(n int) (*Spec, error) {
	if err := checkRepetitions(n); err != nil {
		return nil, err
	}
	if mulCapped(s.ncells, int64(n)+int64(s.Warmup)) > MaxRuns {
		return nil, errors.New(runsText(s.ncells, n, s.Warmup))
	}
	c := *s
	c.Repetitions = n
	return &c, nil
}

// validateSettings checks the top-level settings and fills in their
// defaults.
func (s *loader) validateSettings() error {
	if s.Name == "" {
		return s.errAt("name", "missing (give the experiment a name)")
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_.-]+$`).MatchString(s.Name) {
		return s.errAt("name", "%q: use letters, digits, '.', '_' and '-' only", s.Name)
	}
	if s.Name == "." || s.Name == ".." {
		// The name is a folder under the results root: one component that stays in it.
		return s.errAt("name", "%q names a folder outside the experiment's own: use letters, digits, '.', '_' and '-'", s.Name)
	}
	if s.Repetitions == 0 && s.md.IsDefined("repetitions") {
		return s.errAt("repetitions", "0, want at least 1 (leave it out for the default, 6)")
	}
	if s.Repetitions == 0 {
		s.Repetitions = 6
	}
	if err := checkRepetitions(s.Repetitions); err != nil {
		return s.errAt("repetitions", "%v", err)
	}
	if s.Warmup < 0 {
		return s.errAt("warmup", "%d, want 0 or more", s.Warmup)
	}
	if s.Warmup > MaxRepetitions {
		return s.errAt("warmup", "%d, want at most %d per cell", s.Warmup, MaxRepetitions)
	}
	if s.RerunDisturbed < 0 || s.RerunDisturbed > MaxRerunDisturbed {
		return s.errAt("rerun_disturbed", "%d, want 0 to %d", s.RerunDisturbed, MaxRerunDisturbed)
	}
	if s.Cache == "" { // the decoder refuses any text but warm or cold
		s.Cache = Warm
	}
	if s.Timeout.Duration == 0 {
		s.Timeout.Duration = 5 * time.Minute
	}
	if s.SampleEvery.Duration == 0 && !s.md.IsDefined("sample_every") {
		s.SampleEvery.Duration = 10 * time.Millisecond
	}
	if s.PSSEvery.Duration == 0 && !s.md.IsDefined("pss_every") {
		s.PSSEvery.Duration = 100 * time.Millisecond
	}
	if s.PSSEvery.Duration > 0 && s.PSSEvery.Duration < 100*time.Millisecond {
		return s.errAt("pss_every", "%v: smaps_rollup costs milliseconds at GiB RSS, want at least 100ms", s.PSSEvery.Duration)
	}
	if s.FixtureSeed == 0 {
		s.FixtureSeed = 1
	}
	if s.Cgroup == nil {
		t := true
		s.Cgroup = &t
	}
	return nil
}

// validateReference checks the i-th [[reference]] block and fills in its
// defaults.
func (s *loader) validateReference(i int, r *Reference) error {
	if r.Name == "" {
		return s.errAt("reference", "reference %d: name missing", i+1)
	}
	for j := range i {
		if s.References[j].Name == r.Name {
			return s.errAt("name", "reference %q: references %d and %d have this name (it names their cells): rename one", r.Name, j+1, i+1)
		}
	}
	if len(r.Command) == 0 {
		return s.errAt("command", "reference %q: command missing", r.Name)
	}
	if r.Workload == "" {
		r.Workload = "count"
	}
	w, err := workload.Lookup(r.Workload)
	if err != nil {
		return s.errAt("workload", "reference %q: %v", r.Name, err)
	}
	r.workload = w
	if len(r.Workers) == 0 {
		r.Workers = []int{1}
	}
	if err := s.checkWorkers(r.Workers, fmt.Sprintf("reference %q: ", r.Name)); err != nil {
		return err
	}
	if r.Verify != "" && r.Verify != "lines" {
		return s.errAt("verify", "reference %q: %q, want lines or nothing", r.Name, r.Verify)
	}
	return nil
}

// checkWorkers refuses a worker count of a block out of the range exec
// checks too (strategy.CheckWorkers: 1 to strategy.MaxWorkers), its
// message prefixed by what names the block.
func (s *loader) checkWorkers(workers []int, what string) error {
	for _, w := range workers {
		if err := strategy.CheckWorkers(w); err != nil {
			return s.errAt("workers", "%s%s", what, strings.TrimPrefix(err.Error(), "workers: "))
		}
	}
	return nil
}

// parseCellSize parses a cell's size, at least 1B: a fixture of no bytes
// measures nothing, and no chart's log axis can place it.
func parseCellSize(text string) (int64, error) {
	n, err := units.ParseSize(text)
	if err == nil && n < 1 {
		err = fmt.Errorf("size %q: want at least 1B", text)
	}
	return n, err
}

// parseEach parses each of texts with parse, in order; the first error
// stops it.
func parseEach[T any](texts []string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, t := range texts {
		v, err := parse(t)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *loader) validateMatrix(m *Matrix) error {
	if len(m.Modes) == 0 {
		m.Modes = []strategy.Mode{strategy.Goroutine}
	}
	if len(m.Strategies) == 0 {
		return s.errAt("strategies", "missing in a [[matrix]] block")
	}
	for _, st := range m.Strategies {
		if _, err := strategy.Lookup(st); err != nil {
			return s.errAt("strategies", "%v", err)
		}
	}
	if len(m.Workloads) == 0 {
		m.Workloads = []string{"count"}
	}
	var err error
	if m.workloads, err = parseEach(m.Workloads, workload.Lookup); err != nil {
		return s.errAt("workloads", "%v", err)
	}
	if len(m.Sizes) == 0 && len(m.Files) == 0 {
		return s.errAt("sizes", "missing in a [[matrix]] block (give sizes, files or both)")
	}
	if err := s.resolveFiles(m); err != nil {
		return err
	}
	if len(m.Workers) == 0 {
		return s.errAt("workers", "missing in a [[matrix]] block")
	}
	if err := s.checkWorkers(m.Workers, ""); err != nil {
		return err
	}
	m.knobs = map[string][]knobValue{}
	for k, vals := range m.Knobs {
		if !isKnob(k) {
			return s.errAt(k, "unknown knob (want one of %s)", strings.Join(knobNames(), ", "))
		}
		if len(vals) == 0 {
			return s.errAt(k, "empty list of values")
		}
		if n, ok := strategy.LookupKnob(k); ok {
			for _, mode := range m.Modes {
				if err := n.CheckMode(mode); err != nil {
					return s.errAt(k, "%v", err)
				}
			}
		}
		written := map[string]string{} // canonical text → as written
		for _, v := range vals {
			text, apply, err := parseKnob(k, knobText(v))
			if err != nil {
				return s.errAt(k, "%v", err)
			}
			if first, ok := written[text]; ok {
				return s.errAt("knobs."+k, "%q and %q are the same value (%s)", first, knobText(v), text)
			}
			written[text] = knobText(v)
			m.knobs[k] = append(m.knobs[k], knobValue{text: text, apply: apply})
		}
	}
	return s.checkSupported(m)
}

// checkSupported refuses a matrix with a cell that can only fail, by
// strategy.Supports (pread with the parse workload, collect=manager in
// goroutine mode...): with the default knobs and with each knob value in
// turn (what a strategy supports depends on one knob at a time), so that
// the cross product of the knobs is never walked.
// A matrix that makes no cell at all (only yardsticks, in process mode)
// is refused too, naming it: a spec that plans no run is a mistake.
func (s *loader) checkSupported(m *Matrix) error {
	base := Cell{Knobs: strategy.DefaultKnobs()}
	made := false
	for _, mode := range m.Modes {
		for _, name := range m.Strategies {
			row, _ := strategy.Lookup(name) // every name is a row: checked above
			if !expanded(row, mode) {
				continue
			}
			made = true
			for _, w := range m.workloads {
				if err := row.Supports(mode, w.Name, base.Knobs); err != nil {
					if !row.Runs(w.Name) {
						return s.errAt("workloads", "%v", err)
					}
					return s.errAt("strategies", "%v", err)
				}
				for _, k := range slices.Sorted(maps.Keys(m.knobs)) {
					for _, v := range m.knobs[k] {
						c := base
						v.apply(&c)
						if err := row.Supports(mode, w.Name, c.Knobs); err != nil {
							return s.errAt(k, "%v", err)
						}
					}
				}
			}
		}
	}
	if !made {
		return s.errAt("strategies", "matrix %d makes no cell: %s are yardsticks, left out in mode=process (add mode goroutine or a strategy of process mode)",
			s.block.index+1, strings.Join(m.Strategies, ", "))
	}
	return nil
}

// claimFields are the cell fields a claim's where and vs may name (besides
// knobs); a vs comparison keeps all of them but those it overrides. input
// is a user file's name and cache the cell's cache knob ("" for generated
// fixtures, and for cells that take the spec's cache).
var claimFields = []string{"mode", "strategy", "workload", "size", "workers", "input", "cache"}

// resolveFiles checks a matrix's files: each must be a readable regular,
// non-empty file, and two different files may not share a base name (it
// names their cells).
func (s *loader) resolveFiles(m *Matrix) error {
	m.inputs = nil
	for _, f := range m.Files {
		if strings.TrimSpace(f) == "" {
			return s.errAt("files", "an empty path: name a file")
		}
		abs, err := filepath.Abs(f)
		if err != nil {
			return s.errAt("files", "%q: %v", f, err)
		}
		st, err := os.Stat(abs)
		switch {
		case err != nil:
			return s.errAt("files", "%q: %v", f, errors.Unwrap(err))
		case !st.Mode().IsRegular():
			return s.errAt("files", "%q: not a regular file (%s)", f, st.Mode().Type())
		case st.Size() == 0:
			return s.errAt("files", "%q: empty file", f)
		}
		in := UserFile{Name: filepath.Base(abs), Path: abs, Size: st.Size()}
		for _, mm := range s.Matrix {
			for _, o := range mm.inputs {
				if o.Name == in.Name && o.Path != in.Path {
					return s.errAt("files", "%q and %q have the same name %q: the name identifies an input's cells", o.Path, in.Path, in.Name)
				}
			}
		}
		m.inputs = append(m.inputs, in)
	}
	return nil
}

func (s *loader) validateClaim(c *Claim) error {
	if c.Text == "" {
		return s.errAt("claim", "a [[claim]] has no text")
	}
	if c.Metric == "" {
		return s.errAt("metric", "claim %q: metric missing (e.g. peak-RSS-B, B/s, sec/op)", c.Text)
	}
	c.sameCell = c.VsMetric != "" && len(c.Vs) == 0
	if !slices.Contains(results.Units(), c.Metric) {
		return s.errAt("metric", "claim %q: unknown metric %q (want one of %s)", c.Text, c.Metric, strings.Join(results.Units(), ", "))
	}
	if c.VsMetric != "" && !slices.Contains(results.Units(), c.VsMetric) {
		return s.errAt("vs_metric", "claim %q: unknown metric %q (want one of %s)", c.Text, c.VsMetric, strings.Join(results.Units(), ", "))
	}
	if c.VsMetric == "" {
		c.VsMetric = c.Metric
	}
	switch c.Op {
	case ">=", "<=", ">", "<":
	default:
		return s.errAt("op", "claim %q: %q, want >=, <=, > or <", c.Text, c.Op)
	}
	if c.Stat == "" {
		c.Stat = "median"
	}
	if c.Stat != "median" && c.Stat != "min" && c.Stat != "max" {
		return s.errAt("stat", "claim %q: %q, want median, min or max", c.Text, c.Stat)
	}
	bounds := 0
	if c.Value != nil {
		bounds++
	}
	if c.Of != "" {
		if c.Of != "size" {
			return s.errAt("of", "claim %q: %q, want size", c.Text, c.Of)
		}
		bounds++
	}
	if len(c.Vs) > 0 || c.sameCell {
		bounds++
	}
	if bounds != 1 {
		return s.errAt("claim", "claim %q: give exactly one of value, of = \"size\", vs, or vs_metric alone", c.Text)
	}
	if c.Value == nil && c.Ratio == 0 {
		return s.errAt("ratio", "claim %q: ratio missing", c.Text)
	}
	for _, m := range []map[string]any{c.Where, c.Vs} {
		for k := range m {
			if !slices.Contains(claimFields, k) && !isKnob(k) {
				return s.errAt(k, "claim %q: unknown field (want %s or a knob)", c.Text, strings.Join(claimFields, ", "))
			}
		}
	}
	return nil
}

// plannedGroups is the spec's cells as claims see them, without runs.
func (s *loader) plannedGroups() []*cellRuns {
	var groups []*cellRuns
	for _, c := range s.Cells() {
		groups = append(groups, &cellRuns{cell: c.Record()})
	}
	return groups
}

// claimSelects checks, before any run, that a claim's where clause selects
// some planned cell and that each selected cell has the one cell its vs
// compares with: a claim about cells the matrix never makes could only
// fail after the whole experiment.
func (s *loader) claimSelects(c *Claim, planned []*cellRuns) error {
	n := 0
	for _, g := range planned {
		if !matches(g.cell, c.Where) {
			continue
		}
		n++
		if len(c.Vs) > 0 {
			if _, err := vsCell(g.cell, c.Vs, planned); err != nil {
				return s.errAt("vs", "claim %q: for %s: %v", c.Text, results.BenchName(g.cell), err)
			}
		}
	}
	if n == 0 {
		return s.errAt("where", "claim %q: selects no cell of the matrix", c.Text)
	}
	return nil
}

// parseKnob parses one value of a spec's knob into its canonical text
// and what it sets in a cell: a strategy knob by its registry row (its
// Format of the typed value), the others by their specKnobs row.
func parseKnob(name, val string) (string, func(*Cell), error) {
	if n, ok := strategy.LookupKnob(name); ok {
		store, err := n.Parse(val)
		if err != nil {
			return "", nil, err
		}
		k := strategy.DefaultKnobs()
		store(&k)
		return n.Format(k), func(c *Cell) { store(&c.Knobs) }, nil
	}
	i := slices.IndexFunc(specKnobs, func(k specKnob) bool { return k.name == name })
	if i < 0 {
		return "", nil, fmt.Errorf("unknown knob %q", name)
	}
	text, apply, err := specKnobs[i].parse(val)
	if err != nil {
		return "", nil, fmt.Errorf("knob %s=%q: %v", name, val, err)
	}
	return text, apply, nil
}

// formatKnob is the canonical text of knob name (a registry row's
// Format, or a spec knob's) in cell c.
func formatKnob(name string, c Cell) string {
	if n, ok := strategy.LookupKnob(name); ok {
		return n.Format(c.Knobs)
	}
	i := slices.IndexFunc(specKnobs, func(k specKnob) bool { return k.name == name })
	return specKnobs[i].format(c)
}

// canonKnob is a knob value's canonical text, or val itself when key is
// no knob or val does not parse (a claim's "*", a cell of older results).
func canonKnob(key, val string) string {
	if !isKnob(key) {
		return val
	}
	if text, _, err := parseKnob(key, val); err == nil {
		return text
	}
	return val
}

// Source is the spec's text as it was read: what a results folder keeps
// as its copy of the spec.
func (s *Spec) Source() []byte { return s.src }

// SHA256 is the SHA-256 (hex) of the spec's text.
func (s *Spec) SHA256() string { return SourceSHA256(s.src) }

// SourceSHA256 is the SHA-256 (hex) of a spec's text.
func SourceSHA256(src []byte) string {
	sum := sha256.Sum256(src)
	return hex.EncodeToString(sum[:])
}

// Inputs are the user's files the matrix names, as found when the spec
// was loaded.
func (m Matrix) Inputs() []UserFile { return m.inputs }

// CheckPlanSize refuses repetitions or warm-ups out of range, or ncells
// cells × (repetitions + warm-ups) over MaxRuns: the plan's bounds,
// checked before any plan holds every run.
func (s *Spec) CheckPlanSize(ncells int) error {
	if err := checkRepetitions(s.Repetitions); err != nil {
		return fmt.Errorf("repetitions: %w", err)
	}
	if s.Warmup < 0 || s.Warmup > MaxRepetitions {
		return fmt.Errorf("warmup: %d, want 0 to %d per cell", s.Warmup, MaxRepetitions)
	}
	if n := int64(ncells); mulCapped(n, int64(s.Repetitions)+int64(s.Warmup)) > MaxRuns {
		return errors.New(runsText(n, s.Repetitions, s.Warmup))
	}
	return nil
}

// CanonKnob is a knob value's canonical text, or val itself when key is
// no knob or val does not parse (a cell of older results).
func CanonKnob(key, val string) string { return canonKnob(key, val) }
