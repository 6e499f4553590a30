// Command light uses only package fanbench's types and Benchmark, as a
// program or test that measures its workload under `go test -bench`
// does: TestLibraryIsLight checks that it links none of the command line,
// the report or its charts.
package main

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/fanbench/fanbench"
)

type lines struct{}

func (lines) Name() string                 { return "lines" }
func (lines) NewPartial() fanbench.Partial { return new(count) }

type count int

func (c *count) Add(b []byte)                   { *c += count(bytes.Count(b, []byte{'\n'})) }
func (c *count) Merge(o fanbench.Partial)       { *c += *o.(*count) }
func (c *count) Answer() []byte                 { return []byte(strconv.Itoa(int(*c))) }
func (c *count) MarshalBinary() ([]byte, error) { return c.Answer(), nil }
func (c *count) UnmarshalBinary(b []byte) error {
	n, err := strconv.Atoi(string(b))
	*c = count(n)
	return err
}

func main() {
	fmt.Println(testing.Benchmark(func(b *testing.B) {
		fanbench.Benchmark(b, lines{}, fanbench.BenchOptions{Strategies: []string{"mmap"}, Workers: []int{2}})
	}))
}
