package collect

import "io"

// Faults injects misbehaviour into the collectors, for the fault tests
// (which implement it; fanbench never does). A Config's nil Faults, the
// default, injects none: the wire sink's connection is then used as it is,
// and the other hooks cost a nil comparison per message, never per line.
type Faults interface {
	// Consume is called by a consumer (channel's collector goroutine in
	// either mode, the manager's loop for each worker) before it applies
	// its message n (from 0); blocking in it stalls the consumer.
	Consume(n int)
	// Locked is called by worker w's sink while it holds a shared lock
	// (mutex, sharded), before it updates the aggregate; a panic in it is
	// a worker panicking inside the critical section.
	Locked(w int)
	// Send writes worker w's encoded message msg (length and partial) into
	// conn, its pipe or socket, in place of conn.Write(msg).
	Send(w int, conn io.Writer, msg []byte) (int, error)
}

// faultConn is a wire sink's connection when faults are injected: its
// writes go through Faults.Send.
type faultConn struct {
	io.ReadWriteCloser
	f Faults
	w int
}

func (c faultConn) Write(msg []byte) (int, error) { return c.f.Send(c.w, c.ReadWriteCloser, msg) }
