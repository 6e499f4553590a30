// Command noref is fanbench with one user workload that has no reference
// implementation and no generator, for the root package's end-to-end test
// of unverified runs: bytesum, the sum of a file's bytes.
package main

import (
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/fanbench/fanbench"
	"github.com/fanbench/fanbench/cmdline"
)

type bytesum struct{}

func (bytesum) Name() string                 { return "bytesum" }
func (bytesum) NewPartial() fanbench.Partial { return new(sum) }

type sum uint64

func (s *sum) Add(chunk []byte) {
	for _, c := range chunk {
		*s += sum(c)
	}
}
func (s *sum) Merge(o fanbench.Partial)       { *s += *o.(*sum) }
func (s *sum) Answer() []byte                 { return strconv.AppendUint(nil, uint64(*s), 10) }
func (s *sum) MarshalBinary() ([]byte, error) { return binary.AppendUvarint(nil, uint64(*s)), nil }
func (s *sum) UnmarshalBinary(b []byte) error {
	v, n := binary.Uvarint(b)
	if n <= 0 || n != len(b) {
		return errors.New("bytesum: bad encoding")
	}
	*s = sum(v)
	return nil
}

func main() { cmdline.Main(bytesum{}) }
