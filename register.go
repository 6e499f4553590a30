package fanbench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/fanbench/fanbench/internal/fixture"
	"github.com/fanbench/fanbench/internal/input"
	"github.com/fanbench/fanbench/internal/workload"
)

// register adds w to the internal workload table (workload.Register) as an
// internal workload: its Generator and Referencer if it has them.
func register(w Workload) error {
	if w == nil {
		return errors.New("a nil Workload")
	}
	return workload.Register(internalWorkload(w))
}

// internalWorkload is w as an internal workload row.
func internalWorkload(w Workload) workload.Workload {
	name := w.Name()
	iw := workload.Workload{Name: name, Doc: "a user workload",
		New: func() workload.Partial { return &userPartial{w: w, name: name, p: w.NewPartial()} }}
	if g, ok := w.(Generator); ok {
		iw.Generate = g.Generate
	}
	if r, ok := w.(Referencer); ok {
		iw.Reference = func(in io.Reader) (workload.Answer, error) {
			cr := &input.CountingReader{R: in}
			text, err := r.Reference(cr)
			if err != nil {
				return workload.Answer{}, fmt.Errorf("workload %s's reference: %w", name, err)
			}
			if _, err := io.Copy(io.Discard, cr); err != nil { // what the reference left unread still counts
				return workload.Answer{}, fmt.Errorf("workload %s's reference: %w", name, err)
			}
			return workload.UserAnswer(name, cr.N, text), nil
		}
		iw.RefVersion = programVersion
	}
	return iw
}

// programVersion names this build of the program (its executable's
// SHA-256, computed once, only when a cached reference is looked up): a
// reference cached by another build may come from other code. A build
// that cannot be read gets a name of its own per process, so that no
// cached reference is taken for its.
var programVersion = sync.OnceValue(func() string {
	sum, err := executableSHA256()
	if err != nil {
		return fmt.Sprintf("unreadable-build-pid%d-%d", os.Getpid(), time.Now().UnixNano())
	}
	return "build-" + sum[:16]
})

// executableSHA256 is the hex SHA-256 of the running program's file.
func executableSHA256() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return fixture.FileSHA256(exe)
}

// userPartial is a user's Partial as an internal one: it counts the bytes
// it is given (the driver checks every byte arrived once, even without a
// reference) and maps Reset, AppendBinary and MergeBinary onto NewPartial,
// MarshalBinary and UnmarshalBinary.
type userPartial struct {
	w     Workload
	name  string
	p     Partial
	bytes int64
}

func (u *userPartial) Add(buf []byte) {
	u.bytes += int64(len(buf))
	u.p.Add(buf)
}

func (u *userPartial) Merge(o workload.Partial) {
	v := o.(*userPartial)
	u.bytes += v.bytes
	u.p.Merge(v.p)
}

func (u *userPartial) Answer() workload.Answer {
	return workload.UserAnswer(u.name, u.bytes, u.p.Answer())
}

// Reset replaces the user's partial with a new, empty one.
func (u *userPartial) Reset() {
	u.p, u.bytes = u.w.NewPartial(), 0
}

// AppendBinary appends the byte count (a uvarint) and the user's encoding.
func (u *userPartial) AppendBinary(b []byte) ([]byte, error) {
	data, err := u.p.MarshalBinary()
	if err != nil {
		return b, fmt.Errorf("workload %s: MarshalBinary: %w", u.name, err)
	}
	b = binary.AppendUvarint(b, uint64(u.bytes))
	return append(b, data...), nil
}

// MergeBinary decodes AppendBinary's form into a new partial and merges it.
func (u *userPartial) MergeBinary(data []byte) error {
	n, k := binary.Uvarint(data)
	if k <= 0 {
		return fmt.Errorf("workload %s: truncated partial (%d bytes)", u.name, len(data))
	}
	q := u.w.NewPartial()
	if err := q.UnmarshalBinary(data[k:]); err != nil {
		return fmt.Errorf("workload %s: UnmarshalBinary: %w", u.name, err)
	}
	u.p.Merge(q)
	u.bytes += int64(n)
	return nil
}
