package strategy

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fanbench/fanbench/fanout"
	"github.com/fanbench/fanbench/internal/collect"
	"github.com/fanbench/fanbench/internal/units"
)

// Knob is one row of the knob registry: one strategy parameter, under
// one name everywhere (exec's flag, a spec's key, the results' knobs, the
// benchmark name, the encoded knobs a process-mode worker is handed). A
// new knob is one row (plus the code that uses its value); spec
// validation, exec's flags and --help, the results' knob map, the
// driver's flags for its exec child and the children's workers' knobs
// are all driven by the registry.
type Knob struct {
	Name string
	Help string // flag help and the docs' words for it
	// Strategies name the strategies the knob applies to (nil: all), for
	// help and the docs. Modes name the modes it applies to (nil: both):
	// a spec that varies it in a matrix of another mode is refused
	// (AppliesToMode).
	Strategies []string
	Modes      []Mode
	// parse reads one value's text into a function that stores its typed
	// value; it reports bad syntax only (Parse adds the name and check).
	parse func(text string) (store func(*Knobs), check func() error, err error)
	// format is the knob's canonical text in k (what parse reads back).
	format func(k Knobs) string
	// check reports k's value of the knob out of range (Validate).
	check func(k Knobs) error
	// setDefault stores the knob's default in k.
	setDefault func(k *Knobs)
	isBool     bool
}

// Parse reads one value of the knob into a function that stores its
// typed value: parsed and range-checked once, applied as often as needed.
// Errors name the knob.
func (n Knob) Parse(text string) (func(*Knobs), error) {
	store, check, err := n.parse(text)
	if err != nil {
		return nil, fmt.Errorf("knob %s=%q: %v", n.Name, text, err)
	}
	if err := check(); err != nil {
		return nil, err
	}
	return store, nil
}

// Format is the knob's canonical text in k.
func (n Knob) Format(k Knobs) string { return n.format(k) }

// Applies says, for help text, what the knob applies to.
func (n Knob) Applies() string {
	s := "all strategies"
	if n.Strategies != nil {
		s = strings.Join(n.Strategies, ", ")
	}
	if n.Modes != nil {
		s += " (" + ModesText(n.Modes...) + " mode)"
	}
	return s
}

// AppliesToMode reports whether the knob means anything in mode.
func (n Knob) AppliesToMode(mode Mode) bool {
	return n.Modes == nil || slices.Contains(n.Modes, mode)
}

// CheckMode refuses the knob in a mode it does not apply to, in one line
// naming both.
func (n Knob) CheckMode(mode Mode) error {
	if n.AppliesToMode(mode) {
		return nil
	}
	return fmt.Errorf("knob %s does not apply to mode=%s (it applies to %s mode only)", n.Name, mode, ModesText(n.Modes...))
}

// onlyIn is the row applying in the modes named only.
func (n Knob) onlyIn(modes ...Mode) Knob {
	n.Modes = modes
	return n
}

// knobOf builds a row for a value of type T kept in the Knobs field that
// ptr returns. parse reads a value (its error is wrapped with the knob's
// name and text), format prints it, check reports a value out of range.
func knobOf[T any](name, help string, strategies []string, modes []Mode, def T, ptr func(*Knobs) *T,
	parse func(string) (T, error), format func(T) string, check func(T) error) Knob {
	get := func(k Knobs) T { return *ptr(&k) }
	if check == nil {
		check = func(T) error { return nil }
	}
	_, isBool := any(def).(bool)
	return Knob{Name: name, Help: help, Strategies: strategies, Modes: modes, isBool: isBool,
		parse: func(text string) (func(*Knobs), func() error, error) {
			v, err := parse(text)
			if err != nil {
				return nil, nil, err
			}
			return func(k *Knobs) { *ptr(k) = v }, func() error { return check(v) }, nil
		},
		format:     func(k Knobs) string { return format(get(k)) },
		check:      func(k Knobs) error { return check(get(k)) },
		setDefault: func(k *Knobs) { *ptr(k) = def },
	}
}

// sizeKnob is a size in bytes (units.ParseSize text) in [64B, max].
func sizeKnob(name, help string, strategies []string, def int, ptr func(*Knobs) *int, maxB int64) Knob {
	return knobOf(name, help, strategies, nil, def, ptr,
		func(s string) (int, error) { n, err := units.ParseSize(s); return int(n), err },
		func(n int) string { return units.FormatSize(int64(n)) },
		func(n int) error {
			switch {
			case n < 64:
				return fmt.Errorf("knob %s: %d bytes is below the minimum of 64B", name, n)
			case int64(n) > maxB:
				return fmt.Errorf("knob %s: %d bytes is over the maximum of %s", name, n, units.FormatSize(maxB))
			}
			return nil
		})
}

// intKnob is a decimal integer checked by check.
func intKnob(name, help string, strategies []string, def int, ptr func(*Knobs) *int, check func(int) error) Knob {
	return knobOf(name, help, strategies, nil, def, ptr, strconv.Atoi, strconv.Itoa, check)
}

// boolKnob is true or false (strconv.ParseBool text); a bare flag is true.
func boolKnob(name, help string, strategies []string, def bool, ptr func(*Knobs) *bool) Knob {
	return knobOf(name, help, strategies, nil, def, ptr, strconv.ParseBool, strconv.FormatBool, nil)
}

// nameKnob is one of the names of a fanout type T (Split, Advice): any
// text converts, and a name T's UnmarshalText refuses (the empty one
// included) is reported by refusal.
func nameKnob[T interface {
	~string
	fmt.Stringer
}, P interface {
	*T
	UnmarshalText([]byte) error
}](name, help string, strategies []string, def T, ptr func(*Knobs) *T, refusal func(T) error) Knob {
	return knobOf(name, help, strategies, nil, def, ptr,
		func(s string) (T, error) { return T(s), nil }, T.String, func(v T) error {
			if P(new(T)).UnmarshalText([]byte(v)) != nil {
				return refusal(v)
			}
			return nil
		})
}

// registry is the knob table, in the order lists and help show it: a
// plain table, fixed at build time (a new knob is a row here and a Knobs
// field).
var registry = []Knob{
	sizeKnob("buf", "ranges read buffer / chan chunk size (e.g. 1MiB)", []string{"ranges", "chan"}, fanout.DefaultBufSize,
		func(k *Knobs) *int { return &k.BufSize }, MaxBuf),
	intKnob("chancap", "chan: channel capacity in chunks", []string{"chan"}, fanout.DefaultChanCap,
		func(k *Knobs) *int { return &k.ChanCap }, func(n int) error {
			switch {
			case n < 0:
				return fmt.Errorf("knob chancap: %d is negative", n)
			case n > MaxChanCap:
				return fmt.Errorf("knob chancap: %d is over the maximum of %d", n, MaxChanCap)
			}
			return nil
		}),
	boolKnob("pool", "chan: recycle chunk buffers", []string{"chan"}, fanout.DefaultPool, func(k *Knobs) *bool { return &k.Pool }),
	nameKnob("advice", "mmap: madvise advice (normal, sequential, random, willneed, hugepage)", []string{"mmap"}, fanout.DefaultAdvice,
		func(k *Knobs) *fanout.Advice { return &k.Advice }, func(a fanout.Advice) error {
			return fmt.Errorf("knob advice: %q is not one of %s", string(a), strings.Join(names(fanout.Advices()), ", "))
		}),
	boolKnob("populate", "mmap: MAP_POPULATE", []string{"mmap"}, false, func(k *Knobs) *bool { return &k.Populate }),
	nameKnob("split", "static (a part per worker) or dynamic (segments claimed from a counter; goroutine mode)",
		[]string{"readall", "ranges", "mmap", "ceiling"}, fanout.DefaultSplit, func(k *Knobs) *fanout.Split { return &k.Split }, func(v fanout.Split) error {
			return fmt.Errorf("knob split: %q is not static or dynamic", string(v))
		}),
	sizeKnob("segment", "dynamic split: segment size", []string{"readall", "ranges", "mmap", "ceiling"}, fanout.DefaultSegment,
		func(k *Knobs) *int { return &k.Segment }, MaxSegment).onlyIn(Goroutine), // process mode splits statically
	knobOf("collect", "how results are combined: partials, mutex, sharded (goroutine mode), channel, manager (process mode)", nil, nil,
		collect.Partials, func(k *Knobs) *collect.How { return &k.Collect },
		func(s string) (collect.How, error) { return collect.How(s), nil }, collect.How.String,
		func(h collect.How) error { // the text becomes the typed value only if it is one of the values
			if !h.Valid() {
				return fmt.Errorf("knob collect: %q is not one of %s", string(h), collect.NamesText())
			}
			return nil
		}),
	intKnob("batch", "collect (but partials): lines per update (1: one update per record)", nil, collect.DefaultBatch,
		func(k *Knobs) *int { return &k.Batch }, func(n int) error {
			switch {
			case n < 1:
				return fmt.Errorf("knob batch: %d lines, want at least 1", n)
			case n > MaxBatch:
				return fmt.Errorf("knob batch: %d lines is over the maximum of %d", n, MaxBatch)
			}
			return nil
		}),
	sizeKnob("maxline", "ranges, chan: the longest line taken; a longer one (than buf and maxline) fails the run",
		[]string{"ranges", "chan"}, fanout.DefaultMaxLine, func(k *Knobs) *int { return &k.MaxLine }, MaxBuf),
	knobOf("min_time", "repeat the measured phase in one process until this long is timed after the first iteration (e.g. 200ms; 0: once); time, CPU and allocation figures are then per iteration",
		nil, nil, time.Duration(0), func(k *Knobs) *time.Duration { return &k.MinTime }, time.ParseDuration, time.Duration.String,
		func(d time.Duration) error {
			switch {
			case d < 0:
				return fmt.Errorf("knob min_time: %v is negative", d)
			case d > MaxMinTime:
				return fmt.Errorf("knob min_time: %v is over the maximum of %v", d, MaxMinTime)
			}
			return nil
		}),
}

// names are the text forms of vs, in order.
func names[T ~string](vs []T) []string {
	var out []string
	for _, v := range vs {
		out = append(out, string(v))
	}
	return out
}

// DefaultKnobs are the knobs a run uses unless told otherwise: every
// registry row's default.
func DefaultKnobs() Knobs {
	var k Knobs
	for _, n := range Registry() {
		n.setDefault(&k)
	}
	return k
}

// Registry is the knob table, in order (a copy: the table is fixed).
func Registry() []Knob { return slices.Clone(registry) }

// KnobNames are the registry's names, in order.
func KnobNames() []string {
	var names []string
	for _, n := range Registry() {
		names = append(names, n.Name)
	}
	return names
}

// LookupKnob finds a registry row by name.
func LookupKnob(name string) (Knob, bool) {
	for _, n := range Registry() {
		if n.Name == name {
			return n, true
		}
	}
	return Knob{}, false
}

// Set parses one knob's value into k, naming the knob in an error.
func (k *Knobs) Set(name, text string) error {
	n, ok := LookupKnob(name)
	if !ok {
		return fmt.Errorf("unknown knob %q", name)
	}
	store, err := n.Parse(text)
	if err != nil {
		return err
	}
	store(k)
	return nil
}

// Map renders the knobs as key=value pairs for results.
func (k Knobs) Map() map[string]string {
	m := map[string]string{}
	for _, n := range Registry() {
		m[n.Name] = n.Format(k)
	}
	return m
}

// Validate reports the first knob out of range, naming it.
func (k Knobs) Validate() error {
	for _, n := range Registry() {
		if err := n.check(k); err != nil {
			return err
		}
	}
	return nil
}

// Args are the knobs that differ from their defaults, as exec's flags
// (--name=value): what the driver hands its exec child, which starts from
// the same defaults. A knob a spec cannot vary in a mode (exec refuses it
// there) is at its default, so it is never among them; and an older
// fanbench, an arm of `fanbench ab`, is handed only the knobs the spec
// sets, not every row of this registry.
func (k Knobs) Args() []string {
	d := DefaultKnobs()
	var args []string
	for _, n := range Registry() {
		if v := n.Format(k); v != n.Format(d) {
			args = append(args, "--"+n.Name+"="+v)
		}
	}
	return args
}

// MarshalText encodes the knobs as one document, a JSON object of every
// registry row's name and canonical text (Map): what a process-mode
// worker is handed (--knobs) and decodes with UnmarshalText.
func (k Knobs) MarshalText() ([]byte, error) {
	return json.Marshal(k.Map())
}

// UnmarshalText decodes MarshalText's document into k: the defaults, then
// each knob's text parsed and checked by its registry row; an unknown
// name is an error.
func (k *Knobs) UnmarshalText(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("knobs: %w", err)
	}
	d := DefaultKnobs()
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if err := d.Set(name, m[name]); err != nil {
			return fmt.Errorf("knobs: %w", err)
		}
	}
	*k = d
	return nil
}

// knobFlag is one registry row bound to a flag.
type knobFlag struct {
	k *Knobs
	n Knob
}

func (f knobFlag) String() string {
	if f.k == nil {
		return ""
	}
	return f.n.Format(*f.k)
}

// Set parses the flag's value; ranges are checked by Validate once all
// flags are parsed (so the error names the knob, not the flag).
func (f knobFlag) Set(s string) error {
	store, _, err := f.n.parse(s)
	if err != nil {
		return err
	}
	store(f.k)
	return nil
}

// boolKnobFlag is a boolean knob's flag: a bare --name is true, and its
// zero value prints false (so --help shows a false default as flag.Bool
// does, not at all).
type boolKnobFlag struct{ knobFlag }

func (f boolKnobFlag) String() string {
	if f.k == nil {
		return "false"
	}
	return f.knobFlag.String()
}

func (boolKnobFlag) IsBoolFlag() bool { return true }

// BindFlags defines one flag per registry row on fs, each storing its
// parsed value into *k (which holds the defaults the help shows).
func BindFlags(fs *flag.FlagSet, k *Knobs) {
	for _, n := range Registry() {
		var v flag.Value = knobFlag{k: k, n: n}
		if n.isBool {
			v = boolKnobFlag{knobFlag{k: k, n: n}}
		}
		help := n.Help
		if n.Modes != nil {
			help += " (" + ModesText(n.Modes...) + " mode only)"
		}
		fs.Var(v, n.Name, help)
	}
}

// KnobTable is docs/reference.md's table of the rows (Registry()): name,
// default, what it applies to, help.
func KnobTable(rows []Knob) string {
	var b strings.Builder
	b.WriteString("| knob | default | applies to | meaning |\n|---|---|---|---|\n")
	d := DefaultKnobs()
	for _, n := range rows {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", n.Name, n.Format(d), n.Applies(), strings.ReplaceAll(n.Help, "|", "\\|"))
	}
	return b.String()
}
