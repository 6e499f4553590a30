package workload

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// stat aggregates one name's temperatures, in tenths of a degree.
type stat struct {
	Min   int64 `json:"min"`
	Max   int64 `json:"max"`
	Sum   int64 `json:"sum"`
	Count int64 `json:"count"`
}

func (s *stat) add(t int64) {
	if s.Count == 0 || t < s.Min {
		s.Min = t
	}
	if s.Count == 0 || t > s.Max {
		s.Max = t
	}
	s.Sum += t
	s.Count++
}

func (s *stat) merge(o stat) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 || o.Min < s.Min {
		s.Min = o.Min
	}
	if s.Count == 0 || o.Max > s.Max {
		s.Max = o.Max
	}
	s.Sum += o.Sum
	s.Count += o.Count
}

// slot is one entry of parsePartial's open-addressing table.
type slot struct {
	hash uint64
	name string
	stat
}

// parsePartial aggregates records in an open-addressing hash table keyed by
// the name's bytes, so a line costs no allocation: only a new name allocates.
type parsePartial struct {
	slots   []slot
	used    int
	lines   int64
	bytes   int64
	records int64
	bad     int64
}

func newParsePartial() *parsePartial { return &parsePartial{slots: make([]slot, 1<<10)} }

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (p *parsePartial) Add(buf []byte) {
	p.bytes += int64(len(buf))
	for len(buf) > 0 {
		var line []byte
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			line, buf = buf[:i], buf[i+1:]
		} else {
			line, buf = buf, nil
		}
		p.lines++
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 {
			continue
		}
		p.addLine(line)
	}
}

// addLine parses `name;-12.3`: a non-empty name without ';', then an
// optional '-', one or two digits, '.', one digit.
func (p *parsePartial) addLine(line []byte) {
	h := uint64(fnvOffset)
	semi := -1
	for i, c := range line {
		if c == ';' {
			semi = i
			break
		}
		h = (h ^ uint64(c)) * fnvPrime
	}
	if semi <= 0 {
		p.bad++
		return
	}
	t, ok := parseTenths(line[semi+1:])
	if !ok {
		p.bad++
		return
	}
	p.records++
	p.lookup(h, line[:semi]).add(t)
}

// parseTenths reads -?d{1,2}.d as tenths.
func parseTenths(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	var v int64
	switch {
	case len(b) == 3 && isDigit(b[0]) && b[1] == '.' && isDigit(b[2]):
		v = int64(b[0]-'0')*10 + int64(b[2]-'0')
	case len(b) == 4 && isDigit(b[0]) && isDigit(b[1]) && b[2] == '.' && isDigit(b[3]):
		v = int64(b[0]-'0')*100 + int64(b[1]-'0')*10 + int64(b[3]-'0')
	default:
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lookup finds or inserts name's slot.
func (p *parsePartial) lookup(h uint64, name []byte) *stat {
	mask := uint64(len(p.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &p.slots[i]
		if s.name == "" {
			if 2*(p.used+1) > len(p.slots) {
				p.grow()
				return p.lookup(h, name)
			}
			s.hash, s.name = h, string(name)
			p.used++
			return &s.stat
		}
		if s.hash == h && s.name == string(name) {
			return &s.stat
		}
	}
}

func (p *parsePartial) grow() {
	old := p.slots
	p.slots = make([]slot, 2*len(old))
	p.used = 0
	for _, s := range old {
		if s.name != "" {
			p.lookup(s.hash, []byte(s.name)).merge(s.stat)
		}
	}
}

func (p *parsePartial) Merge(o Partial) {
	op := o.(*parsePartial)
	p.lines += op.lines
	p.bytes += op.bytes
	p.records += op.records
	p.bad += op.bad
	for _, s := range op.slots {
		if s.name != "" {
			p.lookup(s.hash, []byte(s.name)).merge(s.stat)
		}
	}
}

func (p *parsePartial) table() map[string]stat {
	m := make(map[string]stat, p.used)
	for _, s := range p.slots {
		if s.name != "" {
			m[s.name] = s.stat
		}
	}
	return m
}

func (p *parsePartial) Answer() Answer {
	return Answer{Workload: "parse", Lines: p.lines, Bytes: p.bytes, Records: p.records, Bad: p.bad,
		Stations: p.used, Digest: digest(p.table())}
}

// wirePartial is parsePartial's encoded form.
type wirePartial struct {
	Lines   int64           `json:"lines"`
	Bytes   int64           `json:"bytes"`
	Records int64           `json:"records"`
	Bad     int64           `json:"bad"`
	Table   map[string]stat `json:"table"`
}

func (p *parsePartial) Encode(w io.Writer) error {
	return json.NewEncoder(w).Encode(wirePartial{p.lines, p.bytes, p.records, p.bad, p.table()})
}

func (p *parsePartial) Decode(r io.Reader) error {
	var wp wirePartial
	if err := json.NewDecoder(r).Decode(&wp); err != nil {
		return fmt.Errorf("decode parse partial: %w", err)
	}
	*p = *newParsePartial()
	p.lines, p.bytes, p.records, p.bad = wp.Lines, wp.Bytes, wp.Records, wp.Bad
	for name, s := range wp.Table {
		h := uint64(fnvOffset)
		for i := 0; i < len(name); i++ {
			h = (h ^ uint64(name[i])) * fnvPrime
		}
		p.lookup(h, []byte(name)).merge(s)
	}
	return nil
}

// digest hashes the result table as the 1BRC prints it: name=min/mean/max
// sorted by name, the mean rounded half away from zero to a tenth.
func digest(m map[string]stat) string {
	if len(m) == 0 {
		return ""
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		s := m[n]
		fmt.Fprintf(h, "%s=%s/%s/%s\n", n, tenths(s.Min), tenths(roundDiv(s.Sum, s.Count)), tenths(s.Max))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func roundDiv(sum, n int64) int64 {
	if sum >= 0 {
		return (2*sum + n) / (2 * n)
	}
	return -((-2*sum + n) / (2 * n))
}

func tenths(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%d", sign, v/10, v%10)
}

// referenceParse reads line by line with bufio.Reader, splits with
// strings.Cut and converts with strconv.ParseFloat: deliberately nothing
// in common with the fast path.
func referenceParse(r io.Reader) (Answer, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	a := Answer{Workload: "parse"}
	m := map[string]stat{}
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			a.Lines++
			a.Bytes += int64(len(line))
			line = strings.TrimSuffix(line, "\n")
			line = strings.TrimSuffix(line, "\r")
			if line != "" {
				name, temp, ok := strings.Cut(line, ";")
				if ok && name != "" && validTemp(temp) {
					f, perr := strconv.ParseFloat(temp, 64)
					if perr != nil {
						return a, fmt.Errorf("reference parse: %q: %w", line, perr)
					}
					t := int64(f * 10)
					if f*10-float64(t) >= 0.5 {
						t++
					} else if float64(t)-f*10 >= 0.5 {
						t--
					}
					s := m[name]
					s.add(t)
					m[name] = s
					a.Records++
				} else {
					a.Bad++
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return a, fmt.Errorf("reference parse: %w", err)
		}
	}
	a.Stations = len(m)
	a.Digest = digest(m)
	return a, nil
}

// validTemp reports whether s is -?d{1,2}.d.
func validTemp(s string) bool {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 1 || len(intPart) < 1 || len(intPart) > 2 {
		return false
	}
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
