// The write path: frames appended to one buffer and written by whichever
// caller finds no write in progress, so concurrent frames coalesce.

package client

import (
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// lockWriter takes wmu for appending a frame, waiting while too much is
// queued behind a write in progress. It fails once the connection is dead.
func (cn *conn) lockWriter() error {
	cn.wmu.Lock()
	for cn.writing && len(cn.wbuf) > maxQueuedWrite && !cn.wdead {
		cn.wcond.Wait()
	}
	if cn.wdead {
		cn.wmu.Unlock()
		return ErrDisconnected
	}
	return nil
}

// flushLocked writes the write buffer, and whatever other goroutines
// append meanwhile, unless another goroutine is already writing: that one
// then writes our frames too. So concurrent callers' frames coalesce into
// few writes, and nobody waits for a write goroutine to be scheduled.
// REQUIRES: cn.wmu held; it is released.
func (cn *conn) flushLocked() {
	if cn.writing {
		cn.wmu.Unlock()
		return
	}
	cn.writing = true
	for len(cn.wbuf) > 0 {
		buf := cn.wbuf
		cn.wbuf, cn.spare = cn.spare[:0], nil
		cn.wmu.Unlock()
		_, err := cn.nc.Write(buf)
		cn.wmu.Lock()
		if cap(buf) <= maxSpareWrite {
			cn.spare = buf[:0]
		}
		cn.wcond.Broadcast()
		if err != nil {
			cn.writing, cn.wdead = false, true
			cn.wbuf = cn.wbuf[:0]
			cn.wmu.Unlock()
			cn.shutdown(fmt.Errorf("write to %s: %w", cn.addr, err))
			return
		}
	}
	cn.writing = false
	cn.wmu.Unlock()
}

// send registers w and writes m's frame. Errors come back through w:
// a connection that dies fails every pending waiter.
func (cn *conn) send(w *waiter, m proto.Message) {
	id, err := cn.register(w)
	if err != nil {
		w.err = err
		cn.c.complete(w)
		return
	}
	if cn.lockWriter() != nil {
		return // the shutdown in progress fails w
	}
	start := len(cn.wbuf)
	cn.wbuf = m.AppendFrame(cn.wbuf, id)
	if cn.tooLargeLocked(start) {
		if cn.take(id) == w { // else the shutdown sweep has it
			w.err = ErrTooLarge
			cn.c.complete(w)
			w.release()
		}
		return
	}
	cn.flushLocked()
}

// tooLargeLocked reports whether the frame appended at start exceeds the
// server's limit, and if so removes it and releases wmu.
// REQUIRES: cn.wmu held; released only when it returns true.
func (cn *conn) tooLargeLocked(start int) bool {
	if uint64(len(cn.wbuf)-start-4) <= uint64(cn.maxFrame) {
		return false
	}
	cn.wbuf = cn.wbuf[:start]
	cn.wmu.Unlock()
	return true
}

// sendLoadBefore is send for the hot path, without the interface call that
// would make the request escape.
func (cn *conn) sendLoadBefore(w *waiter) {
	id, err := cn.register(w)
	if err != nil {
		w.err = err
		cn.c.complete(w)
		return
	}
	if cn.lockWriter() != nil {
		return
	}
	m := proto.LoadBeforeRequest{Oid: w.oid, Before: w.before}
	cn.wbuf = m.AppendFrame(cn.wbuf, id)
	cn.flushLocked()
}

// sendOneWay writes a one-way request.
func (cn *conn) sendOneWay(m proto.Message) error {
	if err := cn.lockWriter(); err != nil {
		return err
	}
	start := len(cn.wbuf)
	cn.wbuf = m.AppendFrame(cn.wbuf, 0)
	if cn.tooLargeLocked(start) {
		return ErrTooLarge
	}
	cn.flushLocked()
	return nil
}

// storeBatch is how many bytes of stores may wait in the write buffer for
// the next write.
const storeBatch = 64 << 10

// sendStore queues a Store request (one-way), without an interface call;
// it is written with the next request, or once storeBatch bytes wait.
func (cn *conn) sendStore(txn uint64, oid proto.Oid, serial proto.Tid, data []byte) error {
	if uint64(len(data))+64 > uint64(cn.maxFrame) {
		return ErrTooLarge
	}
	if err := cn.lockWriter(); err != nil {
		return err
	}
	m := proto.StoreRequest{Txn: txn, Oid: oid, Serial: serial, Data: data}
	cn.wbuf = m.AppendFrame(cn.wbuf, 0)
	if len(cn.wbuf) < storeBatch {
		// Nothing waits for a store: leave it for the next write (the
		// vote's at the latest), so that small stores share writes.
		cn.wmu.Unlock()
		return nil
	}
	cn.flushLocked()
	return nil
}
