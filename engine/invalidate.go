// The invalidation queue and the fan-out of committed transactions.

package engine

import (
	"slices"
	"sync"

	"github.com/gozeo/gozeo/proto"
)

// invalQueue keeps the oids of the most recent transactions so a client
// that reconnects can learn what changed since its cache's last tid.
type invalQueue struct {
	mu      sync.Mutex
	size    int
	entries []Invalidation // oldest first, at most size
	// floor is the last tid when the queue was seeded: a client whose
	// cache is exactly there missed nothing even with an empty queue.
	floor proto.Tid
}

func newInvalQueue(size int) *invalQueue { return &invalQueue{size: size} }

func (q *invalQueue) setFloor(tid proto.Tid) {
	q.mu.Lock()
	q.floor = tid
	q.mu.Unlock()
}

// add records a committed transaction. oids is copied.
func (q *invalQueue) add(tid proto.Tid, oids []proto.Oid) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var keep []proto.Oid
	if len(q.entries) >= q.size {
		keep = q.entries[0].Oids[:0]
		copy(q.entries, q.entries[1:])
		q.entries = q.entries[:len(q.entries)-1]
	}
	q.entries = append(q.entries, Invalidation{Tid: tid, Oids: append(keep, oids...)})
}

// since answers getInvalidations(tid) from the queue, as ZEO does: when
// the oldest queued transaction is at or before tid, every later one is
// queued, and the answer is the newest tid with the union of their oids.
// inQueue is false when the queue does not reach back to tid; the caller
// may then iterate the storage, or answer "too old".
func (q *invalQueue) since(tid proto.Tid) (latest proto.Tid, oids []proto.Oid, ok, inQueue bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	latest = q.floor
	if n := len(q.entries); n > 0 {
		latest = q.entries[n-1].Tid
	}
	if tid >= latest {
		return latest, nil, true, true
	}
	if len(q.entries) == 0 || q.entries[0].Tid > tid {
		return 0, nil, false, false
	}
	for _, e := range q.entries {
		if e.Tid > tid {
			oids = append(oids, e.Oids...)
		}
	}
	slices.Sort(oids)
	return latest, slices.Compact(oids), true, true
}

// publish runs in the storage's commit order (it is the onCommit callback
// of Txn.Finish): it queues the transaction's invalidation to every other
// registered connection, encoded once per protocol, and the committer's
// info push and finish reply. Holding pubMu for writing orders it after
// every worker load reply computed before the commit became visible.
func (st *storageState) publish(committer *conn, r *request, tid proto.Tid, oids []proto.Oid) {
	st.pubMu.Lock()
	defer st.pubMu.Unlock()
	st.invq.add(tid, oids)

	var counts [numCodecKinds]int32
	st.connsMu.Lock()
	targets := st.targets[:0]
	for c := range st.conns {
		if c == committer || c.closed.Load() || c.regTid >= tid {
			continue // c registered after tid became visible: it knows tid
		}
		targets = append(targets, c)
		counts[c.codec.kind()]++
	}
	st.connsMu.Unlock()
	for k, n := range counts {
		if n == 0 {
			continue
		}
		b := getOutBuf()
		b.refs.Store(n)
		st.shared[k] = b
	}
	for _, c := range targets {
		b := st.shared[c.codec.kind()]
		if len(b.b) == 0 {
			b.b = c.codec.pushInvalidate(b.b, tid, oids)
		}
		c.post(b.b, b)
	}
	clear(st.shared[:])
	clear(targets)
	st.targets = targets[:0]

	if committer != nil && !committer.closed.Load() {
		o := getOutBuf()
		o.b = committer.codec.pushInfo(o.b, int64(st.st.Len()), st.st.Size())
		o.b = committer.codec.appendTid(o.b, r, tid)
		committer.post(o.b, o)
	}
}

// broadcastInfo sends an info push (length, size) to every registered
// connection, as ZEO does after a pack.
func (st *storageState) broadcastInfo() {
	length, size := int64(st.st.Len()), st.st.Size()
	st.connsMu.Lock()
	defer st.connsMu.Unlock()
	for c := range st.conns {
		if c.closed.Load() {
			continue
		}
		o := getOutBuf()
		o.b = c.codec.pushInfo(o.b, length, size)
		c.post(o.b, o)
	}
}
