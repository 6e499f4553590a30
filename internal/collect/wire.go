package collect

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/fanbench/fanbench/internal/workload"
)

// Process mode ships updates as messages: a 4-byte little-endian length,
// then a partial in workload.Partial's AppendBinary form. With channel, a
// worker writes them into its pipe and goes on (the parent's collector
// reads them, like a multiprocessing Queue); with manager, a worker writes
// one into its socket and waits for the manager's 1-byte acknowledgement
// (one round trip per update, like a Manager proxy's method call).

// maxMessage bounds one message, so a torn length cannot allocate GiBs.
const maxMessage = 256 << 20

// ack is the manager's reply to every message.
const ack = 0x06

// WireSink is a worker process's sink for channel and manager.
type WireSink struct {
	cfg   Config
	w     int
	conn  io.ReadWriteCloser
	b     *batcher
	msg   []byte
	reply [1]byte
	stats Stats
}

// NewWireSink returns worker w's sink for cfg.How (channel or manager),
// writing messages into conn (its pipe to the parent, or its socket to the
// manager). Close closes conn.
func NewWireSink(cfg Config, w int, conn io.ReadWriteCloser) (*WireSink, error) {
	if cfg.How != Channel && cfg.How != Manager {
		return nil, fmt.Errorf("collect %s: no messages to send in process mode", cfg.How)
	}
	if err := cfg.check("process"); err != nil {
		return nil, err
	}
	if cfg.Faults != nil {
		conn = faultConn{conn, cfg.Faults, w}
	}
	s := &WireSink{cfg: cfg, w: w, conn: conn, b: &batcher{scratch: cfg.Workload.New(), n: cfg.Batch}}
	s.b.flush = s.flush
	return s, nil
}

// Add batches whole lines.
func (s *WireSink) Add(buf []byte) { s.b.Add(buf) }

// Close sends the last batch and closes the connection.
func (s *WireSink) Close() error {
	err := s.b.Close()
	if cerr := s.conn.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("collect %s: worker %d: close: %w", s.cfg.How, s.w, cerr)
	}
	return err
}

// Stats reports the messages sent and the bytes written and read.
func (s *WireSink) Stats() Stats { return s.stats }

func (s *WireSink) flush() error {
	msg, err := s.b.scratch.AppendBinary(append(s.msg[:0], 0, 0, 0, 0))
	if err != nil {
		return fmt.Errorf("collect %s: worker %d: encode: %w", s.cfg.How, s.w, err)
	}
	s.msg = msg
	binary.LittleEndian.PutUint32(msg, uint32(len(msg)-4))
	if _, err := s.conn.Write(msg); err != nil {
		return fmt.Errorf("collect %s: worker %d: send: %w", s.cfg.How, s.w, err)
	}
	s.stats.Messages++
	s.stats.IPCBytes += int64(len(msg))
	if s.cfg.How == Manager {
		if _, err := io.ReadFull(s.conn, s.reply[:]); err != nil {
			return fmt.Errorf("collect manager: worker %d: no acknowledgement (manager gone?): %w", s.w, err)
		}
		if s.reply[0] != ack {
			return fmt.Errorf("collect manager: worker %d: acknowledgement %#x, want %#x", s.w, s.reply[0], ack)
		}
		s.stats.IPCBytes++
	}
	s.b.scratch.Reset()
	return nil
}

// readMessage reads one message into buf (grown as needed). A clean end
// between messages is io.EOF; an end inside one is an error that says so.
func readMessage(r io.Reader, buf []byte) ([]byte, error) {
	var head [4]byte
	if n, err := io.ReadFull(r, head[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("message cut short in its length (%d of 4 bytes; did the worker die mid-message?): %w", n, err)
	}
	size := binary.LittleEndian.Uint32(head[:])
	if size > maxMessage {
		return nil, fmt.Errorf("message of %d bytes announced, more than the %d allowed", size, maxMessage)
	}
	if cap(buf) < int(size) {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if n, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("message cut short after %d of %d bytes (did the worker die mid-message?): %w", n, size, err)
	}
	return buf, nil
}

// Receiver is the parent's side of collect=channel in process mode: one
// reader goroutine per worker pipe puts messages on a bounded channel
// (Queue), and one collector goroutine merges them into the aggregate.
type Receiver struct {
	total workload.Partial
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

type message struct {
	w int
	b []byte
}

// Receive starts reading the workers' pipes (conns[w] is worker w's).
// The caller must close its copies of the pipes' write ends, so that each
// pipe ends when its worker does, and then call Wait.
func Receive(cfg Config, conns []io.Reader) (*Receiver, error) {
	if err := cfg.check("process"); err != nil {
		return nil, err
	}
	r := &Receiver{total: cfg.Workload.New(), done: make(chan struct{})}
	ch := make(chan message, cfg.Queue)
	free := make(chan []byte, cfg.Queue+2*len(conns))
	var readers sync.WaitGroup
	for w, c := range conns {
		readers.Go(func() {
			br := bufio.NewReaderSize(c, 64<<10)
			for {
				var buf []byte
				select {
				case buf = <-free:
				default:
				}
				b, err := readMessage(br, buf)
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					r.fail(fmt.Errorf("collect channel: worker %d: %w", w, err))
					return
				}
				ch <- message{w, b}
			}
		})
	}
	go func() { readers.Wait(); close(ch) }()
	go func() {
		defer close(r.done)
		n := 0
		for m := range ch {
			if f := cfg.Faults; f != nil {
				f.Consume(n) // may stall: pipes and queue fill
				n++
			}
			if err := r.total.MergeBinary(m.b); err != nil {
				r.fail(fmt.Errorf("collect channel: worker %d: %w", m.w, err))
			}
			select {
			case free <- m.b:
			default:
			}
		}
	}()
	return r, nil
}

func (r *Receiver) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// Wait waits until every pipe has ended and every message is merged, and
// returns the aggregate and the first failure.
func (r *Receiver) Wait() (workload.Partial, error) {
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total, r.err
}

// Serve is the manager process's loop: it owns the aggregate, serves each
// worker's connection (conns[w]) on its own goroutine, applies every
// message under the aggregate's lock and acknowledges it, and returns the
// aggregate once every worker has closed its connection. A message cut
// short or malformed fails the manager, naming the worker.
func Serve(cfg Config, conns []io.ReadWriter) (workload.Partial, Stats, error) {
	if err := cfg.check("process"); err != nil {
		return nil, Stats{}, err
	}
	total := cfg.Workload.New()
	var mu sync.Mutex
	var stats Stats
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for w, c := range conns {
		wg.Go(func() {
			br := bufio.NewReaderSize(c, 64<<10)
			var buf []byte
			for n := 0; ; n++ {
				b, err := readMessage(br, buf)
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					errs[w] = fmt.Errorf("collect manager: worker %d: %w", w, err)
					return
				}
				buf = b
				if f := cfg.Faults; f != nil {
					f.Consume(n) // may stall: the manager stops answering
				}
				mu.Lock()
				err = total.MergeBinary(b)
				stats.Messages++
				stats.IPCBytes += int64(4 + len(b) + 1)
				mu.Unlock()
				if err != nil {
					errs[w] = fmt.Errorf("collect manager: worker %d: message %d: %w", w, n, err)
					return
				}
				if _, err := c.Write([]byte{ack}); err != nil {
					errs[w] = fmt.Errorf("collect manager: worker %d: acknowledge: %w", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return total, stats, errors.Join(errs...)
}
