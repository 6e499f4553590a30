package fanout_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/fanbench/fanbench/fanout"
)

// exampleFile writes a small file of four lines, the last without a final
// newline, to os.TempDir, and returns its path.
func exampleFile() string {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("fanout-example-%d.txt", os.Getpid()))
	if err := os.WriteFile(path, []byte("Hamburg;12.0\nBulawayo;8.9\nPalembang;38.8\nSt. John's;15.2"), 0o644); err != nil {
		panic(err)
	}
	return path
}

// lines counts a chunk's lines: its newlines, and the last line of the
// file if it has none.
func lines(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// ExampleRun_readall counts lines with ReadAll: the file is read into one
// buffer and cut into a part per worker. Each worker adds to its own
// counter (Chunk.Worker), so no lock is needed.
func ExampleRun_readall() {
	path := exampleFile()
	defer os.Remove(path)
	counts := make([]int, 4)
	st, err := fanout.Run(context.Background(), path, fanout.Options{Strategy: fanout.ReadAll, Workers: 4},
		func(c fanout.Chunk) error {
			counts[c.Worker] += lines(c.Data)
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	fmt.Println(total, "lines,", st.Bytes, "bytes,", st.CopiedBytes, "bytes copied")
	// Output: 4 lines, 56 bytes, 56 bytes copied
}

// ExampleRun_ranges counts lines with Ranges: each worker reads its own
// range through a small buffer, here 64 bytes (the chunks are valid only
// until the function returns: the buffer is reused).
func ExampleRun_ranges() {
	path := exampleFile()
	defer os.Remove(path)
	counts := make([]int, 2)
	valid := make([]fanout.Validity, 2)
	st, err := fanout.Run(context.Background(), path, fanout.Options{Strategy: fanout.Ranges, Workers: 2, BufSize: 64},
		func(c fanout.Chunk) error {
			counts[c.Worker] += lines(c.Data)
			valid[c.Worker] = c.Valid
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(counts[0]+counts[1], "lines,", st.Bytes, "bytes in", st.Reads, "reads")
	fmt.Println("chunks valid", valid[0])
	// Output:
	// 4 lines, 56 bytes in 2 reads
	// chunks valid until the function returns
}

// ExampleRun_mmap counts lines with Mmap: the file is mapped once and the
// workers scan parts of the mapping, here with a dynamic split (segments
// claimed from a counter) and sequential read-ahead advice.
func ExampleRun_mmap() {
	path := exampleFile()
	defer os.Remove(path)
	var mu sync.Mutex
	total := 0
	opt := fanout.Options{Strategy: fanout.Mmap, Workers: 3, Split: fanout.Dynamic, Segment: 16, Advice: fanout.Sequential}
	_, err := fanout.Run(context.Background(), path, opt, func(c fanout.Chunk) error {
		n := lines(c.Data) // c.Data is valid until Run returns: the file is unmapped then
		mu.Lock()
		total += n
		mu.Unlock()
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(total, "lines")
	// Output: 4 lines
}

// ExampleRun_chan counts lines with Chan: one reader cuts the file, 16
// lines of 16 bytes, into chunks of 64 bytes (the smallest BufSize; a
// chunk grows to hold a longer line) and sends them over a channel to the
// workers.
func ExampleRun_chan() {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("fanout-example-chan-%d.txt", os.Getpid()))
	if err := os.WriteFile(path, []byte(strings.Repeat("Hamburg;12.0000\n", 16)), 0o644); err != nil {
		panic(err)
	}
	defer os.Remove(path)
	counts := make([]int, 2)
	st, err := fanout.Run(context.Background(), path, fanout.Options{Strategy: fanout.Chan, Workers: 2, BufSize: 64, ChanCap: 2},
		func(c fanout.Chunk) error {
			counts[c.Worker] += lines(c.Data)
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(counts[0]+counts[1], "lines in", st.Chunks, "chunks")
	// Output: 16 lines in 4 chunks
}

// ExampleRun_shm counts lines with Shm, which within one process is
// ReadAll: the chunks are slices of one buffer and may be kept.
func ExampleRun_shm() {
	path := exampleFile()
	defer os.Remove(path)
	var mu sync.Mutex
	var kept [][]byte
	_, err := fanout.Run(context.Background(), path, fanout.Options{Strategy: fanout.Shm, Workers: 2},
		func(c fanout.Chunk) error {
			mu.Lock()
			kept = append(kept, c.Data) // Valid: WhileReferenced, no copy needed
			mu.Unlock()
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	total := 0
	for _, d := range kept {
		total += lines(d)
	}
	fmt.Println(total, "lines in", len(kept), "chunks")
	// Output: 4 lines in 2 chunks
}

// ExampleRunBytes counts the lines of data already in memory.
func ExampleRunBytes() {
	data := []byte("a\nb\nc\n")
	counts := make([]int, 2)
	st, err := fanout.RunBytes(context.Background(), data, fanout.Options{Workers: 2}, func(c fanout.Chunk) error {
		counts[c.Worker] += lines(c.Data)
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(counts[0]+counts[1], "lines,", st.Bytes, "bytes")
	// Output: 3 lines, 6 bytes
}
