package workload

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
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

// slot is one entry of parsePartial's open-addressing table: 64 bytes, one
// cache line. key0 and key1 hold the name's first 16 bytes zero-padded, so
// a name of at most 16 bytes is compared without touching its string.
type slot struct {
	hash       uint64
	key0, key1 uint64
	name       string // "" marks an empty slot; a name never holds ';' or '\n'
	sum        int64
	count      int64
	min, max   int32
}

func (s *slot) stat() stat {
	return stat{Min: int64(s.min), Max: int64(s.max), Sum: s.sum, Count: s.count}
}

func (s *slot) merge(o stat) {
	if o.Count == 0 {
		return
	}
	if s.count == 0 || int32(o.Min) < s.min {
		s.min = int32(o.Min)
	}
	if s.count == 0 || int32(o.Max) > s.max {
		s.max = int32(o.Max)
	}
	s.sum += o.Sum
	s.count += o.Count
}

// parsePartial aggregates records in an open-addressing hash table keyed by
// the name's bytes, so a line costs no allocation: only a new name allocates.
//
// Reset keeps the names in the table with no records (count 0), so that a
// partial reused for batch after batch (internal/collect) stays on the fast
// path and allocates nothing; touched lists the slots that hold records, so
// that Merge, encoding and Reset cost what the partial holds, not the
// table's size.
type parsePartial struct {
	slots   []slot  // power-of-two length, at most an eighth or half full (full)
	shift   uint    // 64 - log2(len(slots)): a hash's home slot is hash>>shift
	used    int     // slots holding a name
	touched []int32 // the slots with count > 0, each once, in no order
	lines   int64
	bytes   int64
	records int64
	bad     int64
}

const initialSlotsLog2 = 10

func newParsePartial() *parsePartial {
	return &parsePartial{slots: make([]slot, 1<<initialSlotsLog2), shift: 64 - initialSlotsLog2}
}

// SWAR constants: a byte repeated in every lane of a word.
const (
	lanes1  = 0x0101010101010101
	lanes80 = 0x8080808080808080
	semis   = ';' * lanes1
	nls     = '\n' * lanes1
)

// zeroLanes sets the high bit of the lowest zero byte of x. Bytes above it
// may be flagged falsely, so only the lowest set bit is meaningful.
func zeroLanes(x uint64) uint64 { return (x - lanes1) &^ x & lanes80 }

// The name hash is keyed by hashKeys, four random words drawn once per
// process, so that no one who lacks them can pick names that share a slot
// (a flood of such names makes every lookup walk past all of them:
// quadratic work). One process shares one key, so that Merge and
// MergeShard reuse a partial's hashes; nothing outside the process sees a
// hash (the binary form carries names, not hashes).
//
// Each step is mix: the 128-bit product of two keyed words, its halves
// xored (wyhash's mum), in which a change to either word moves the top bits
// in a way that depends on the other and so on the key. A name shorter than
// 16 bytes is one step over its two zero-padded head words, its length in
// the top byte of the second (which such a name never fills). A longer one
// takes the two head words, then each further 16 bytes, then its last
// 0..15 bytes zero-padded (even when none) with its length: a step per 16
// bytes. A hash's home slot is its top bits. nameKeys and scan compute it
// the same way.
//
// The unkeyed hash before it, h = (h^w)*odd over the words, gave 2^(k-1)
// names of k words one full hash, whatever its start: flipping bit 63 of
// two words flips bit 63 of the product twice (TestCraftedNamesDoNotFlood).
var hashKeys = func() (k [4]uint64) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand: never fails (Go 1.24)
	for i := range k {
		k[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return k
}()

// mix folds the 128-bit product of a and b into 64 bits.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hashShort is the hash of a name of n < 16 bytes whose head words are
// key0 and key1.
func hashShort(key0, key1 uint64, n int) uint64 {
	return mix(key0^hashKeys[0], key1^hashKeys[1]^uint64(n)<<56)
}

// hashHead, hashPair and hashTail are the steps of the hash of a name of
// n >= 16 bytes: its head words, each further 16 bytes as two words, its
// last 0..15 bytes as two words zero-padded, the length in the top byte
// of the second (which those bytes never fill).
func hashHead(key0, key1 uint64) uint64 { return mix(key0^hashKeys[0], key1^hashKeys[2]) }
func hashPair(h, w0, w1 uint64) uint64  { return mix(w0^hashKeys[1], w1^h) }
func hashTail(h, w0, w1 uint64, n int) uint64 {
	return mix(w0^hashKeys[1], w1^uint64(n)<<56^h^hashKeys[3])
}

// nameKeys returns the hash of name and its first 16 bytes, zero-padded.
func nameKeys(name []byte) (h, key0, key1 uint64) {
	var head [16]byte
	copy(head[:], name)
	key0 = binary.LittleEndian.Uint64(head[:8])
	key1 = binary.LittleEndian.Uint64(head[8:])
	if len(name) < 16 {
		return hashShort(key0, key1, len(name)), key0, key1
	}
	h = hashHead(key0, key1)
	j := 16
	for ; j+16 <= len(name); j += 16 {
		h = hashPair(h, binary.LittleEndian.Uint64(name[j:]), binary.LittleEndian.Uint64(name[j+8:]))
	}
	var rest [16]byte
	copy(rest[:], name[j:])
	return hashTail(h, binary.LittleEndian.Uint64(rest[:8]), binary.LittleEndian.Uint64(rest[8:]), len(name)), key0, key1
}

// load reads the 8 bytes at p+i as a little-endian word, without a bounds
// check: the caller has checked that they are inside one slice or string.
func load(p unsafe.Pointer, i int) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(p, i))[:])
}

// z*gatherMul>>56 packs the high bits of z's bytes (z's other bits clear)
// into one byte, byte k's into bit k.
const gatherMul = 0x0002040810204081

// nameMasks[n] keeps the first n bytes of a name's two head words.
var nameMasks = func() (t [16][2]uint64) {
	for n := range t {
		for b := 0; b < n; b++ {
			t[n][b/8] |= 0xff << (8 * (b % 8))
		}
	}
	return t
}()

// Add aggregates whole lines: scan takes the lines it can, and addLine the
// one scan stops at.
func (p *parsePartial) Add(buf []byte) {
	p.bytes += int64(len(buf))
	for i := 0; i < len(buf); {
		if i = p.scan(buf, i); i == len(buf) {
			break
		}
		start := i
		if k := bytes.IndexByte(buf[start:], '\n'); k >= 0 {
			i = start + k + 1
			p.addLine(buf[start : start+k])
		} else {
			i = len(buf)
			p.addLine(buf[start:])
		}
		p.lines++
	}
}

// scan is the fast path. From the line starting at s it takes lines that
// are exactly name;-?d{1,2}.d\n with a non-empty name already in the table,
// and returns the start of the first line that is not (or len(buf)). It
// stops early, too, where its 8-byte loads would leave buf: in the last 64
// bytes at most.
//
// The lines come from a bitmap of the '\n's of 64 bytes at a time, so that
// where a line starts does not wait on parsing the one before. A line is
// read from its end: the temperature from the word before its '\n', which
// places the ';' before it, and then the name from the words at its start.
// The name need not be checked for a ';': no name in the table holds one,
// so such a line misses and goes to addLine. No branch depends on where the
// ';' is (but for names of 16 bytes or more). scan calls nothing, so that its state
// stays in registers: a new name, a bad line or the end of buf return to
// Add.
func (p *parsePartial) scan(buf []byte, s int) int {
	slots := p.slots
	mask := uint64(len(slots) - 1)
	shift := p.shift & 63
	ptr := unsafe.Pointer(unsafe.SliceData(buf))
	var records int64
	base := s - 64 // the bitmap's first byte
	var bm uint64
	if s < 0 {
		return s
	}
	for {
		for bm == 0 {
			if base += 64; base+64 > len(buf) {
				goto done
			}
			// The '\n's of buf[base:base+64] as a bitmap: bit k for
			// byte base+k. zeroLanes' false positives can add a bit for
			// a 0x0b just after a '\n' (or after such a 0x0b): that
			// "line" ends without a digit, so it goes to addLine.
			x0, x1 := load(ptr, base)^nls, load(ptr, base+8)^nls
			x2, x3 := load(ptr, base+16)^nls, load(ptr, base+24)^nls
			x4, x5 := load(ptr, base+32)^nls, load(ptr, base+40)^nls
			x6, x7 := load(ptr, base+48)^nls, load(ptr, base+56)^nls
			z0, z1 := (x0-lanes1)&^x0&lanes80, (x1-lanes1)&^x1&lanes80
			z2, z3 := (x2-lanes1)&^x2&lanes80, (x3-lanes1)&^x3&lanes80
			z4, z5 := (x4-lanes1)&^x4&lanes80, (x5-lanes1)&^x5&lanes80
			z6, z7 := (x6-lanes1)&^x6&lanes80, (x7-lanes1)&^x7&lanes80
			bm = z0*gatherMul>>56 | z1*gatherMul>>56<<8 | z2*gatherMul>>56<<16 |
				z3*gatherMul>>56<<24 | z4*gatherMul>>56<<32 | z5*gatherMul>>56<<40 |
				z6*gatherMul>>56<<48 | z7*gatherMul&(0xff<<56)
		}
		e := base + bits.TrailingZeros64(bm) // the line is buf[s:e]
		bm &= bm - 1
		if e < 8 {
			break
		}

		// The temperature, from the word that ends the line, read
		// backwards: r's byte k is buf[e-1-k]. Expect D.D (D a digit),
		// then an optional tens digit, an optional '-', and ';'.
		r := bits.ReverseBytes64(load(ptr, e-8))
		x := r ^ 0x302e30 // bytes 0 and 2: digit values if valid; byte 1: 0
		d3 := r>>24&0xff - '0'
		var tens, neg uint64
		if d3 < 10 {
			tens = 1
		}
		rk := r >> (24 + 8*tens)
		if rk&0xff == '-' {
			neg = 1
		}
		if x&0xf0fff0|(x+0x060006)&0xf000f0|(rk>>(8*neg)&0xff^';') != 0 {
			break
		}
		val := int64(x&0xf) + 10*int64(x>>16&0xf) + 100*int64(d3&-tens)
		val = (val ^ -int64(neg)) + int64(neg)
		semi := e - 4 - int(tens) - int(neg)

		// The name: buf[s:semi], its first 16 bytes zero-padded in
		// key0 and key1.
		n := semi - s
		if n <= 0 || s+16 > len(buf) {
			break
		}
		var key0, key1, h uint64
		if n < 16 {
			m := &nameMasks[n]
			key0, key1 = load(ptr, s)&m[0], load(ptr, s+8)&m[1]
			h = hashShort(key0, key1, n)
		} else {
			key0, key1 = load(ptr, s), load(ptr, s+8)
			h = hashHead(key0, key1)
			j := s + 16
			for ; j+16 <= semi; j += 16 {
				h = hashPair(h, load(ptr, j), load(ptr, j+8))
			}
			// buf[j:semi], 0..15 bytes, as two words: the high bytes
			// of the name's last word, shifted down (a shift of 64
			// gives 0).
			last := load(ptr, semi-8)
			var w0, w1 uint64
			if r := uint(semi - j); r >= 8 {
				w0, w1 = load(ptr, j), last>>(128-8*r)
			} else {
				w0 = last >> (64 - 8*r)
			}
			h = hashTail(h, w0, w1, n)
		}

		// The table.
		var st *slot
		var at uint64
		for idx := h >> shift; ; idx = (idx + 1) & mask {
			at = idx & mask
			st = &slots[at]
			if st.key0 == key0 && st.key1 == key1 && len(st.name) == n {
				if n <= 16 || sameTail(st.name, ptr, s, n) {
					break
				}
			} else if len(st.name) == 0 {
				// A new name, or no name at all: if buf[s:semi] holds
				// a ';' the line is bad, and the table holds no such
				// name. addLine decides.
				goto done
			}
		}
		if st.count == 0 {
			// A name kept by Reset, with no record yet (its min and
			// max are reset so that this record sets them).
			p.touched = append(p.touched, int32(at))
		}
		v32 := int32(val)
		st.min = min(st.min, v32)
		st.max = max(st.max, v32)
		st.sum += val
		st.count++
		records++
		s = e + 1
	}
done:
	p.lines += records
	p.records += records
	return s
}

// sameTail reports whether name[16:] equals the n-16 bytes at p+i+16,
// where len(name) == n > 16, comparing words (the last one overlapping).
func sameTail(name string, p unsafe.Pointer, i, n int) bool {
	sp := unsafe.Pointer(unsafe.StringData(name))
	for j := 16; ; j += 8 {
		if j > n-8 {
			j = n - 8
		}
		if load(sp, j) != load(p, i+j) {
			return false
		}
		if j+8 >= n {
			return true
		}
	}
}

// sparseSlots is the table size below which the table is kept at most an
// eighth full, and from which at most half. A lookup that does not find
// its name in its home slot goes round the probe loop again, a branch the
// fast path mispredicts: at half load a quarter of the names sit past
// their home, at an eighth about one in sixteen. Over the fixture's 2,000
// names the sparser table (16,384 slots, 1 MiB, against 4,096) took the
// known-name cost from 24.3 to 18.9 ns a record (BenchmarkParseKnown,
// docs/parse.md), though it no longer fits the L2 cache. Below 2 MiB of
// slots it costs at most 1.5 MiB more; from there, where 1,000,000 names
// would take 512 MiB instead of 128 MiB, half load bounds the memory.
const sparseSlots = 1 << 15

// full reports whether one more name would put the table over its load.
func (p *parsePartial) full() bool {
	if len(p.slots) < sparseSlots {
		return 8*(p.used+1) > len(p.slots)
	}
	return 2*(p.used+1) > len(p.slots)
}

// insert fills the empty slot idx with a new name, growing the table first
// if it would become too full. The slot's min and max are
// set so that the caller's first record sets them.
func (p *parsePartial) insert(idx, h, key0, key1 uint64, name []byte) *slot {
	if p.full() {
		p.grow()
		return p.find(h, key0, key1, name)
	}
	s := &p.slots[idx]
	*s = slot{hash: h, key0: key0, key1: key1, name: string(name), min: math.MaxInt32, max: math.MinInt32}
	p.used++
	return s
}

// hugeTable is the table size from which newSlots asks for huge pages.
const hugeTable = 4 << 20

// newSlots allocates a table of n slots. A table of many names (4 MiB
// holds 32k names at half full) is read at random once per record, so
// that beyond the caches each record costs a TLB miss; huge pages
// (MADV_HUGEPAGE, where the kernel's THP setting is madvise) take the
// page walk away. The advice is a hint: refused or ignored, nothing
// changes but the speed.
func newSlots(n int) []slot {
	s := make([]slot, n)
	if size := n * int(unsafe.Sizeof(slot{})); size >= hugeTable {
		b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size)
		_ = unix.Madvise(b[:size&^(os.Getpagesize()-1)], unix.MADV_HUGEPAGE)
	}
	return s
}

// find finds or inserts name's slot.
func (p *parsePartial) find(h, key0, key1 uint64, name []byte) *slot {
	mask := uint64(len(p.slots) - 1)
	for idx := h >> p.shift; ; idx = (idx + 1) & mask {
		s := &p.slots[idx]
		if len(s.name) == 0 {
			return p.insert(idx, h, key0, key1, name)
		}
		if s.hash == h && s.name == string(name) {
			return s
		}
	}
}

// findString is find for a name held as a string: a new slot shares it.
func (p *parsePartial) findString(h, key0, key1 uint64, name string) *slot {
	mask := uint64(len(p.slots) - 1)
	for idx := h >> p.shift; ; idx = (idx + 1) & mask {
		s := &p.slots[idx]
		if len(s.name) == 0 {
			if p.full() {
				p.grow()
				return p.findString(h, key0, key1, name)
			}
			*s = slot{hash: h, key0: key0, key1: key1, name: name, min: math.MaxInt32, max: math.MinInt32}
			p.used++
			return s
		}
		if s.hash == h && s.name == name {
			return s
		}
	}
}

func (p *parsePartial) lookup(name []byte) *slot {
	h, key0, key1 := nameKeys(name)
	return p.find(h, key0, key1, name)
}

// add merges st into slot s, listing s in touched if it held no record.
func (p *parsePartial) add(s *slot, st stat) {
	if st.Count == 0 {
		return
	}
	if s.count == 0 {
		p.touched = append(p.touched, int32((uintptr(unsafe.Pointer(s))-uintptr(unsafe.Pointer(unsafe.SliceData(p.slots))))/unsafe.Sizeof(slot{})))
	}
	s.merge(st)
}

// addLine takes one line without its '\n' by the grammar, byte by byte: one
// trailing '\r' is stripped, an empty line is skipped, the name runs to the
// first ';' and must be non-empty, and the rest must be -?d{1,2}.d.
func (p *parsePartial) addLine(line []byte) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return
	}
	semi := bytes.IndexByte(line, ';')
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
	p.add(p.lookup(line[:semi]), stat{Min: t, Max: t, Sum: t, Count: 1})
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

func (p *parsePartial) grow() {
	old := p.slots
	p.slots = newSlots(2 * len(old))
	p.shift--
	mask := uint64(len(p.slots) - 1)
	p.touched = p.touched[:0]
	for i := range old {
		o := &old[i]
		if len(o.name) == 0 {
			continue
		}
		idx := o.hash >> p.shift
		for len(p.slots[idx].name) != 0 {
			idx = (idx + 1) & mask
		}
		p.slots[idx] = *o
		if o.count > 0 {
			p.touched = append(p.touched, int32(idx))
		}
	}
}

func (p *parsePartial) Merge(o Partial) {
	op := o.(*parsePartial)
	p.lines += op.lines
	p.bytes += op.bytes
	p.records += op.records
	p.bad += op.bad
	for _, i := range op.touched {
		s := &op.slots[i]
		p.add(p.findString(s.hash, s.key0, s.key1, s.name), s.stat())
	}
}

// entries lists the names that hold records, in no order.
func (p *parsePartial) entries() []entry {
	es := make([]entry, len(p.touched))
	for k, i := range p.touched {
		s := &p.slots[i]
		es[k] = entry{name: s.name, stat: s.stat()}
	}
	return es
}

func (p *parsePartial) Answer() Answer {
	return Answer{Workload: "parse", Lines: p.lines, Bytes: p.bytes, Records: p.records, Bad: p.bad,
		Stations: len(p.touched)}.withText(parseText(p.entries()))
}

// Reset empties p for reuse: the names stay in the table with no records.
func (p *parsePartial) Reset() {
	for _, i := range p.touched {
		s := &p.slots[i]
		s.min, s.max, s.sum, s.count = math.MaxInt32, math.MinInt32, 0, 0
	}
	p.touched = p.touched[:0]
	p.lines, p.bytes, p.records, p.bad = 0, 0, 0, 0
}

// shardOf is the shard, of n, that a name with hash h belongs to.
func shardOf(h uint64, n int) int { return int(uint32(h>>32) % uint32(n)) }

// Shards reports the shards, of n (at most 64), that p's names fall in.
func (p *parsePartial) Shards(n int) uint64 {
	var m uint64
	for _, i := range p.touched {
		m |= 1 << shardOf(p.slots[i].hash, n)
	}
	return m
}

// MergeShard merges into p the names of o that fall in shard i of n, and
// o's counters if counters is set.
func (p *parsePartial) MergeShard(o Partial, i, n int, counters bool) {
	op := o.(*parsePartial)
	if counters {
		p.lines += op.lines
		p.bytes += op.bytes
		p.records += op.records
		p.bad += op.bad
	}
	for _, k := range op.touched {
		if s := &op.slots[k]; shardOf(s.hash, n) == i {
			p.add(p.findString(s.hash, s.key0, s.key1, s.name), s.stat())
		}
	}
}

// AppendBinary appends p's compact form: the four counters, the number of
// names, then each name (length, bytes) with its min, max, sum and count,
// all as varints.
func (p *parsePartial) AppendBinary(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(p.lines))
	b = binary.AppendUvarint(b, uint64(p.bytes))
	b = binary.AppendUvarint(b, uint64(p.records))
	b = binary.AppendUvarint(b, uint64(p.bad))
	b = binary.AppendUvarint(b, uint64(len(p.touched)))
	for _, i := range p.touched {
		s := &p.slots[i]
		b = binary.AppendUvarint(b, uint64(len(s.name)))
		b = append(b, s.name...)
		b = binary.AppendVarint(b, int64(s.min))
		b = binary.AppendVarint(b, int64(s.max))
		b = binary.AppendVarint(b, s.sum)
		b = binary.AppendUvarint(b, uint64(s.count))
	}
	return b, nil
}

// MergeBinary merges into p a partial in AppendBinary's form, checking
// every field: a torn or foreign message is an error, never a wrong answer.
func (p *parsePartial) MergeBinary(data []byte) error {
	d := wireReader{b: data}
	lines, nbytes, records, bad, n := d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint(), d.uvarint()
	if d.err != nil {
		return fmt.Errorf("parse partial: header: %w", d.err)
	}
	if n > uint64(len(data)) {
		return fmt.Errorf("parse partial: %d names in %d bytes", n, len(data))
	}
	for k := uint64(0); k < n; k++ {
		name := d.bytes(d.uvarint())
		st := stat{Min: d.varint(), Max: d.varint(), Sum: d.varint(), Count: int64(d.uvarint())}
		switch {
		case d.err != nil:
			return fmt.Errorf("parse partial: name %d of %d: %w", k+1, n, d.err)
		case len(name) == 0 || bytes.ContainsAny(name, ";\n"):
			return fmt.Errorf("parse partial: bad name %q", name)
		case st.Count <= 0 || st.Min > st.Max || st.Min < math.MinInt32 || st.Max > math.MaxInt32:
			return fmt.Errorf("parse partial: %q: bad stat %+v", name, st)
		}
		p.add(p.lookup(name), st)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("parse partial: %d bytes left over", len(d.b))
	}
	p.lines += int64(lines)
	p.bytes += int64(nbytes)
	p.records += int64(records)
	p.bad += int64(bad)
	return nil
}
