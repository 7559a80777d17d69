// Waiters: the pooled rendezvous between a caller and the reader goroutine,
// and the sharing of identical concurrent loads.

package client

import (
	"sync"
	"sync/atomic"

	"github.com/gozeo/gozeo/proto"
)

// waitKind says what the reader does with a reply before waking the caller.
type waitKind uint8

const (
	// waitRaw: copy the reply body into w.buf; the caller decodes it.
	waitRaw waitKind = iota
	// waitLoad: decode a LoadBefore reply, cache the revision, put its
	// data in w.buf and its range in w.start, w.end.
	waitLoad
	// waitFinish: decode a TpcFinish reply and apply the transaction
	// w.txn to the cache (invalidate, store), then OnInvalidate and the
	// cache's last tid, all before the reader reads the next frame.
	waitFinish
)

// maxPooledBuf is the largest reply buffer a waiter keeps when it goes
// back to the pool.
const maxPooledBuf = 1 << 20

// A waiter is one outstanding request. It is reference counted: the caller
// holds one reference, the connection's pending table one while the
// request is outstanding, and every follower of a shared load one. The
// last release puts it back in the pool, so a caller that stops waiting
// (a cancelled context) leaves it to the reader.
type waiter struct {
	ch   chan struct{} // capacity 1: signalled once when the result is in
	refs atomic.Int32

	kind waitKind
	op   proto.Op

	// Request context.
	oid    proto.Oid
	before proto.Tid
	txn    *Txn

	// Shared loads (guarded by Client.loadMu): a leader is in
	// Client.loading and lists its followers; a follower points at its
	// leader, whose result it copies.
	shared     bool
	leaderConn *conn
	followers  *waiter
	next       *waiter
	leader     *waiter

	// Result.
	buf        []byte // reply body (waitRaw) or object data (waitLoad)
	start, end proto.Tid
	tid        proto.Tid
	err        error
}

var waiterPool = sync.Pool{New: func() any { return &waiter{ch: make(chan struct{}, 1)} }}

// getWaiter returns a clean waiter holding one reference (the caller's).
func getWaiter(kind waitKind, op proto.Op) *waiter {
	w := waiterPool.Get().(*waiter)
	w.refs.Store(1)
	w.kind, w.op = kind, op
	return w
}

// release drops one reference; the last one recycles the waiter.
func (w *waiter) release() {
	if w.refs.Add(-1) != 0 {
		return
	}
	select { // a caller that gave up never took the signal
	case <-w.ch:
	default:
	}
	buf := w.buf[:0]
	if cap(buf) > maxPooledBuf {
		buf = nil
	}
	*w = waiter{ch: w.ch, buf: buf}
	waiterPool.Put(w)
}

// signal wakes the caller. Each waiter is signalled exactly once.
func (w *waiter) signal() { w.ch <- struct{}{} }

// loadKey identifies a LoadBefore request that concurrent callers share.
type loadKey struct {
	oid    proto.Oid
	before proto.Tid
}

// complete wakes a finished waiter and, for a shared load, its followers,
// after taking the load out of Client.loading so that no new follower
// joins a result that is already out.
func (c *Client) complete(w *waiter) {
	if w.shared {
		c.loadMu.Lock()
		k := loadKey{w.oid, w.before}
		if c.loading[k] == w {
			delete(c.loading, k)
		}
		f := w.followers
		w.followers, w.shared = nil, false
		c.loadMu.Unlock()
		for f != nil {
			next := f.next // f may be recycled as soon as it is signalled
			f.signal()
			f = next
		}
	}
	w.signal()
}

// joinLoad makes the caller a follower of an outstanding identical load on
// cn, if there is one; otherwise it registers w as the leader. It returns
// the follower waiter (nil when w leads).
func (c *Client) joinLoad(cn *conn, w *waiter) (follower *waiter) {
	k := loadKey{w.oid, w.before}
	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	if l := c.loading[k]; l != nil && l.leaderConn == cn {
		f := getWaiter(waitLoad, proto.OpLoadBefore)
		f.leader = l
		l.refs.Add(1)
		f.next, l.followers = l.followers, f
		return f
	}
	w.shared = true
	w.leaderConn = cn
	c.loading[k] = w
	return nil
}
