package results

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

func sampleRun(order int) Run {
	return Run{
		Experiment: "fanout-basic",
		Cell: Cell{Mode: "process", Strategy: "mmap", Workload: "count", Size: 1 << 30, SizeName: "1GiB",
			Workers: 4, Knobs: map[string]string{"advice": "sequential"}},
		Rep: order % 3, Order: order, Status: StatusOK,
		Start:      time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		ElapsedSec: 0.5 + float64(order)/100, Bytes: 1 << 30,
		Answer:   json.RawMessage(`{"lines":12345}`),
		Verified: true,
		Memory:   Memory{PeakRSS: 100 << 20, PSS: 30 << 20},
		Usage:    Usage{WallSec: 0.6, MinFlt: 1000},
		Samples:  []Sample{{TMs: 5, RSS: 50 << 20, PSS: 40 << 20}},
	}
}

func writeLines(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), RunsFile)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func marshalLine(t testing.TB, r Run) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func TestRunLogRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), RunsFile)
	l, err := OpenRunLog(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Run{sampleRun(0), sampleRun(1), {Status: StatusFailed, Reason: "answer mismatch\nline 2", Start: time.Unix(0, 0).UTC()}}
	for _, r := range want {
		if err := l.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(want[0]); err == nil {
		t.Error("Append after Close succeeded")
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte("\n")); n != len(want) {
		t.Errorf("file has %d lines, want %d (one per run)", n, len(want))
	}
	got, dropped, err := ReadRuns(path)
	if err != nil || dropped != 0 {
		t.Fatalf("ReadRuns: dropped=%d err=%v", dropped, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip mismatch:\n got %+v\nwant %+v", got, want)
	}

	// Reopening appends after the existing records.
	l, err = OpenRunLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(sampleRun(7)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	got, _, err = ReadRuns(path)
	if err != nil || len(got) != 4 || got[3].Order != 7 {
		t.Fatalf("after reopen: %d runs, err=%v", len(got), err)
	}
}

func TestRunLogAppendRejectsUnencodable(t *testing.T) {
	path := filepath.Join(t.TempDir(), RunsFile)
	l, err := OpenRunLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := sampleRun(0)
	r.Answer = json.RawMessage(`{not json`)
	if err := l.Append(r); err == nil || !strings.Contains(err.Error(), "encode") {
		t.Errorf("Append(bad answer) = %v, want an encode error", err)
	}
	if data, _ := os.ReadFile(path); len(data) != 0 {
		t.Errorf("a failed Append wrote %q", data)
	}
}

func TestRunLogConcurrentAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), RunsFile)
	l, err := OpenRunLog(path)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Append(sampleRun(i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	l.Close()
	runs, dropped, err := ReadRuns(path)
	if err != nil || dropped != 0 || len(runs) != 8 {
		t.Fatalf("got %d runs, dropped %d, err %v", len(runs), dropped, err)
	}
}

func TestReadRunsTornAndCorrupt(t *testing.T) {
	r0, r1 := marshalLine(t, sampleRun(0)), marshalLine(t, sampleRun(1))
	tests := []struct {
		name        string
		content     string
		wantRuns    int
		wantDropped int
		wantErr     string // substring; "" means no error
	}{
		{"empty", "", 0, 0, ""},
		{"clean", r0 + r1, 2, 0, ""},
		{"blank lines ignored", r0 + "\n  \n" + r1 + "\n", 2, 0, ""},
		{"torn partial JSON", r0 + r1[:len(r1)/2], 1, 1, ""},
		{"complete JSON but no newline", r0 + strings.TrimSuffix(r1, "\n"), 1, 1, ""},
		// A complete (newline-terminated) last line is never taken for
		// torn: a record with a typo is an error naming its line.
		{"invalid last line with newline", r0 + "{\"rep\":\x00\x00\n", 0, 0, RunsFile + ":2: invalid character"},
		{"one-character typo in the last line", r0 + strings.Replace(r1, `"rep":`, `"rep";`, 1), 0, 0, RunsFile + ":2: invalid character ';'"},
		{"JSON null last line", r0 + "null\n", 0, 0, RunsFile + ":2: not a JSON object"},
		{"only a torn line", r0[:10], 0, 1, ""},
		{"blank fragment after last record", r0 + "   ", 1, 1, ""},
		{"cut line then blank lines", r0 + r1[:20] + "\n\n", 0, 0, RunsFile + ":2: invalid character"},
		{"corrupt middle line", r0 + "{garbage}\n" + r1, 0, 0, RunsFile + ":2:"},
		{"JSON null in the middle", r0 + "null\n" + r1, 0, 0, RunsFile + ":2: not a JSON object"},
		{"two values on a middle line", r0 + "{} {}\n" + r1, 0, 0, RunsFile + ":2: more than one"},
		{"corrupt first line", "xx\n" + r0, 0, 0, RunsFile + ":1:"},
		{"wrong field type in the middle", `{"rep":"one"}` + "\n" + r0, 0, 0, RunsFile + ":1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeLines(t, tt.content)
			runs, dropped, err := ReadRuns(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != tt.wantRuns || dropped != tt.wantDropped {
				t.Errorf("got %d runs, %d dropped; want %d, %d", len(runs), dropped, tt.wantRuns, tt.wantDropped)
			}
		})
	}
	if _, _, err := ReadRuns(filepath.Join(t.TempDir(), "absent.jsonl")); err == nil {
		t.Error("ReadRuns of a missing file succeeded")
	}
}

func TestOpenRunLogCutsTornTail(t *testing.T) {
	r0, r1 := marshalLine(t, sampleRun(0)), marshalLine(t, sampleRun(1))
	// A long record makes the backward scan cross its 64 KiB block size.
	long := sampleRun(2)
	long.StderrTail = strings.Repeat("x", 200<<10)
	rLong := marshalLine(t, long)
	tests := []struct {
		name        string
		content     string
		wantTrimmed int
		wantRuns    int
	}{
		{"clean", r0 + r1, 0, 2},
		{"torn", r0 + r1[:30], 30, 1},
		{"torn only line", r1[:30], 30, 0},
		{"long last record intact", r0 + rLong, 0, 2},
		{"long last record torn", r0 + rLong[:150<<10], 150 << 10, 1},
		{"trailing blank line", r0 + "\n", 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeLines(t, tt.content)
			l, err := OpenRunLog(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.TrimmedBytes(); got != int64(tt.wantTrimmed) {
				t.Errorf("TrimmedBytes = %d, want %d", got, tt.wantTrimmed)
			}
			if err := l.Append(sampleRun(9)); err != nil {
				t.Fatal(err)
			}
			l.Close()
			runs, dropped, err := ReadRuns(path)
			if err != nil || dropped != 0 {
				t.Fatalf("after append: dropped=%d err=%v", dropped, err)
			}
			if len(runs) != tt.wantRuns+1 || runs[len(runs)-1].Order != 9 {
				t.Errorf("got %d runs, want %d ending with the new one", len(runs), tt.wantRuns+1)
			}
		})
	}
}

// TestOpenRunLogRefusesDamage: a complete last line that is not a record
// is damage, not a torn write, and a runs.jsonl that is a symbolic link
// may lead out of the folder: OpenRunLog fails, naming the file (and the
// line), and changes nothing. Before, it cut the complete line, through
// the link too.
func TestOpenRunLogRefusesDamage(t *testing.T) {
	r0, r1 := marshalLine(t, sampleRun(0)), marshalLine(t, sampleRun(1))
	for _, tt := range []struct {
		name, content, want string
	}{
		{"invalid with newline", r0 + "{\"x\n", RunsFile + `:2: invalid character '\n' in string literal (a complete line, not a torn write: mend or remove it)`},
		{"typo in the last record", r0 + r0 + strings.Replace(r1, `"rep":`, `"rep";`, 1), RunsFile + ":3: invalid character ';' after object key"},
		{"not an object", r0 + "[1]\n", RunsFile + ":2: not a JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeLines(t, tt.content)
			l, err := OpenRunLog(path)
			if err == nil {
				l.Close()
				t.Fatal("OpenRunLog succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("OpenRunLog: %v, want one line with %q", err, tt.want)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.content {
				t.Errorf("file changed to %q", b)
			}
		})
	}
	t.Run("symbolic link", func(t *testing.T) {
		outside := writeLines(t, r0+r1[:30]) // ends in what would be a torn line
		path := filepath.Join(t.TempDir(), RunsFile)
		if err := os.Symlink(outside, path); err != nil {
			t.Fatal(err)
		}
		l, err := OpenRunLog(path)
		if err == nil {
			l.Close()
			t.Fatal("OpenRunLog through a symbolic link succeeded")
		}
		want := "open run log: " + path + " is a symbolic link (to " + outside + "): fanbench does not write through links"
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("OpenRunLog: %v, want %q...", err, want)
		}
		if b, _ := os.ReadFile(outside); string(b) != r0+r1[:30] {
			t.Errorf("the link's target changed: %d bytes", len(b))
		}
	})
}

func FuzzReadRuns(f *testing.F) {
	r0, r1 := marshalLine(f, sampleRun(0)), marshalLine(f, sampleRun(1))
	for _, seed := range []string{
		"", r0, r0 + r1, r0 + r1[:40], r0 + "{bad}\n" + r1, "\n\n", "null\n", r0 + "   ",
		`{"cell":{"knobs":{"a":"b"}},"answer":[1,2],"samples":[{"t_ms":1e308}]}` + "\n",
		`{"elapsed_sec":1e999}` + "\n", "{\"reason\":\"\xff\"}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		runs, dropped, err := readRuns(bytes.NewReader(data), "fuzz.jsonl")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.jsonl:") {
				t.Fatalf("error without file:line: %v", err)
			}
			return
		}
		if dropped < 0 || dropped > 1 {
			t.Fatalf("dropped = %d, want 0 or 1", dropped)
		}
		// What was read must survive a write and a re-read unchanged.
		var buf bytes.Buffer
		for _, r := range runs {
			b, err := json.Marshal(r)
			if err != nil {
				return // e.g. an answer that is valid JSON only in a lenient sense
			}
			buf.Write(b)
			buf.WriteByte('\n')
		}
		again, dropped2, err := readRuns(&buf, "again")
		if err != nil || dropped2 != 0 || len(again) != len(runs) {
			t.Fatalf("re-read: %d runs (want %d), dropped %d, err %v", len(again), len(runs), dropped2, err)
		}
	})
}
