package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// RunLog is an open runs.jsonl file to which finished runs are appended.
// Each record reaches the disk before Append returns, so a crash loses at
// most the record being written. It is safe for concurrent use.
type RunLog struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	trimmed int64
}

// OpenRunLog opens (creating if needed) the runs.jsonl file at path for
// appending. If the file ends with a torn record (a final line without its
// newline, as a crash mid-write leaves it), that record is cut off first,
// so new records never get glued to it; TrimmedBytes reports how much was
// cut. A complete last line (newline-terminated) that is not a record is
// not torn but damaged: OpenRunLog fails naming path:line and cuts nothing.
// A path that is a symbolic link is refused (RefuseLink): fanbench never
// writes through a link to a file outside its folder.
func OpenRunLog(path string) (*RunLog, error) {
	if err := RefuseLink(path); err != nil {
		return nil, fmt.Errorf("open run log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND|syscall.O_NOFOLLOW, 0o644)
	if errors.Is(err, syscall.ELOOP) { // made a link since RefuseLink looked
		err = RefuseLink(path)
	}
	if err != nil {
		return nil, fmt.Errorf("open run log: %w", err)
	}
	l := &RunLog{f: f, path: path}
	if err := l.trimTornTail(); err != nil {
		f.Close()
		return nil, fmt.Errorf("open run log: %w", err)
	}
	return l, nil
}

// RefuseLink returns an error when path is a symbolic link, nil when it is
// anything else or does not exist. The files fanbench appends to or cuts
// (runs.jsonl, history.jsonl) are its own: a link may lead anywhere, and
// writing through it would change a file outside the folder.
func RefuseLink(path string) error {
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	to, _ := os.Readlink(path)
	return fmt.Errorf("%s is a symbolic link (to %s): fanbench does not write through links; replace it with the file itself", path, to)
}

// trimTornTail truncates the file to the end of its last complete line
// when the last line has no newline (a torn write). A complete last line
// that is not a valid record is an error naming path:line.
func (l *RunLog) trimTornTail() error {
	st, err := l.f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	start, err := lastLineStart(l.f, size)
	if err != nil {
		return err
	}
	last := make([]byte, size-start)
	if _, err := l.f.ReadAt(last, start); err != nil {
		return fmt.Errorf("read last line: %w", err)
	}
	if bytes.HasSuffix(last, []byte("\n")) {
		if len(bytes.TrimSpace(last)) == 0 {
			return nil
		}
		if _, err := decodeRun(last, l.path, 0); err == nil {
			return nil
		}
		n, err := lineNumber(l.f, start)
		if err != nil {
			return err
		}
		_, err = decodeRun(last, l.path, n) // again, for the message with its line
		return fmt.Errorf("%w (a complete line, not a torn write: mend or remove it)", err)
	}
	if err := l.f.Truncate(start); err != nil {
		return fmt.Errorf("cut torn last record: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("sync after cutting torn record: %w", err)
	}
	l.trimmed = size - start
	return nil
}

// lineNumber is the number of the line that starts at offset off of f.
func lineNumber(f *os.File, off int64) (int, error) {
	n := 1
	buf := make([]byte, 64<<10)
	for pos := int64(0); pos < off; {
		m := min(int64(len(buf)), off-pos)
		if _, err := f.ReadAt(buf[:m], pos); err != nil {
			return 0, fmt.Errorf("count lines: %w", err)
		}
		n += bytes.Count(buf[:m], []byte("\n"))
		pos += m
	}
	return n, nil
}

// lastLineStart returns the offset just after the newline that precedes the
// file's last line (ignoring a newline in the file's final byte).
func lastLineStart(f *os.File, size int64) (int64, error) {
	const block = 64 << 10
	end := size - 1 // skip the final byte: it may be the last line's newline
	buf := make([]byte, block)
	for end > 0 {
		n := int64(block)
		if n > end {
			n = end
		}
		off := end - n
		if _, err := f.ReadAt(buf[:n], off); err != nil {
			return 0, fmt.Errorf("scan for last line: %w", err)
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return off + int64(i) + 1, nil
		}
		end = off
	}
	return 0, nil
}

// TrimmedBytes is the size of the torn final record that OpenRunLog cut off,
// or 0 if the file ended cleanly.
func (l *RunLog) TrimmedBytes() int64 { return l.trimmed }

// Path is the file the log appends to.
func (l *RunLog) Path() string { return l.path }

// Append writes r as one JSON line with a single write and then syncs the
// file, so the record is durable when Append returns.
func (l *RunLog) Append(r Run) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("append run %d of %s: encode: %w", r.Order, BenchName(r.Cell), err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return fmt.Errorf("append to %s: run log is closed", l.path)
	}
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("append to %s: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", l.path, err)
	}
	return nil
}

// Close closes the file. Closing twice is harmless.
func (l *RunLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("close %s: %w", l.path, err)
	}
	return nil
}

// ReadRuns reads every run recorded in the runs.jsonl file at path, in file
// order. A torn last line (one without its final newline, as a crash
// mid-write leaves it) is dropped and counted in dropped; an unreadable
// complete line anywhere, the last one included, is damage and makes
// ReadRuns fail with an error naming path:line. Blank lines are ignored.
func ReadRuns(path string) (runs []Run, dropped int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read runs: %w", err)
	}
	defer f.Close()
	return readRuns(f, path)
}

// decodeRun decodes the line numbered n of the runs file name as one Run;
// errors name name:n.
func decodeRun(line []byte, name string, n int) (Run, error) {
	var run Run
	if trimmed := bytes.TrimSpace(line); len(trimmed) == 0 || trimmed[0] != '{' {
		return Run{}, fmt.Errorf("%s:%d: not a JSON object", name, n)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if err := dec.Decode(&run); err != nil {
		return Run{}, fmt.Errorf("%s:%d: %w", name, n, err)
	}
	if dec.More() {
		return Run{}, fmt.Errorf("%s:%d: more than one JSON value on the line", name, n)
	}
	return run, nil
}

// readRuns is ReadRuns over any reader; name is used in error messages.
func readRuns(r io.Reader, name string) (runs []Run, dropped int, err error) {
	br := bufio.NewReader(r)
	var (
		pending     []byte // the previous non-blank line, not yet decoded
		pendingLine int
		pendingNL   bool // whether pending ended with a newline
		lineNo      int
		blankTail   bool // the input ends with blanks and no newline
	)
	decode := func(line []byte, n int) (Run, error) { return decodeRun(line, name, n) }
	for {
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return nil, 0, fmt.Errorf("%s:%d: %w", name, lineNo+1, rerr)
		}
		if len(line) > 0 {
			lineNo++
			hasNL := line[len(line)-1] == '\n'
			if len(bytes.TrimSpace(line)) > 0 {
				if pending != nil {
					// pending is not the last line: it must decode.
					run, err := decode(pending, pendingLine)
					if err != nil {
						return nil, 0, err
					}
					runs = append(runs, run)
				}
				pending, pendingLine, pendingNL = line, lineNo, hasNL
			} else if !hasNL {
				// A final fragment of blanks is the remains of a torn
				// write too: the writer never emits blank lines.
				blankTail = true
			}
		}
		if rerr != nil { // io.EOF
			break
		}
	}
	torn := blankTail
	if pending != nil {
		run, err := decode(pending, pendingLine)
		switch {
		case !pendingNL:
			// Only a last line without its newline can be a torn write.
			torn = true
		case err != nil:
			// A complete line that does not parse is damage, as anywhere else.
			return nil, 0, err
		default:
			runs = append(runs, run)
		}
	}
	if torn {
		// One crash tears at most one write: count it once.
		dropped = 1
	}
	return runs, dropped, nil
}
