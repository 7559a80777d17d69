// Transaction and record iterators kept per connection for
// iterator_start/next and iterator_record_start/next.

package engine

import (
	"fmt"
	"sync"

	"github.com/gozeo/gozeo/proto"
)

// iterState is one iterator of a connection. A record iterator reads the
// buffers of the transaction iterator it came from (parent): it is used
// under the parent's mu, and only while the parent still stands at its
// transaction (tid).
type iterState struct {
	mu      sync.Mutex
	txns    TxnIterator    // a transaction iterator, or
	records RecordIterator // the record iterator of one transaction
	last    proto.TxnInfo  // the transaction txns returned last
	hasLast bool
	closed  bool // txns was closed (guarded by mu)

	parent *iterState // records: the transaction iterator
	tid    proto.Tid  // records: the transaction
}

const maxItersPerConn = 1024

// iterate runs one iterator call on a worker.
func (c *conn) iterate(dst []byte, r *request) ([]byte, error) {
	switch r.op {
	case opIteratorStart:
		it, err := c.storage().Iterate(r.tid, r.tid2)
		if err != nil {
			return nil, err
		}
		id, err := c.addIter(&iterState{txns: it})
		if err != nil {
			it.Close()
			return nil, err
		}
		return c.codec.appendIterID(dst, r, id), nil
	case opIteratorNext:
		is := c.getIter(r.n)
		if is == nil || is.txns == nil {
			return nil, fmt.Errorf("%w: %d", errNoIterator, r.n)
		}
		is.mu.Lock()
		if is.closed {
			is.mu.Unlock()
			return nil, fmt.Errorf("%w: %d", errNoIterator, r.n)
		}
		info, ok, err := is.txns.Next()
		if ok {
			is.last, is.hasLast = info, true
		}
		if err == nil {
			// Encode under the lock: info aliases the iterator's buffers.
			dst = c.codec.appendTxnInfo(dst, r, &info, ok)
		}
		is.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if !ok {
			c.dropIter(uint64(r.n))
		}
		return dst, nil
	case opIteratorRecordStart:
		is := c.getIter(r.n)
		if is == nil || is.txns == nil {
			return nil, fmt.Errorf("%w: %d", errNoIterator, r.n)
		}
		is.mu.Lock()
		if is.closed || !is.hasLast || is.last.Tid != r.tid {
			is.mu.Unlock()
			return nil, &proto.ServerError{Class: "builtins.ValueError",
				Message: fmt.Sprintf("iterator %d is not at transaction %s", r.n, r.tid)}
		}
		recs := is.txns.Records()
		is.mu.Unlock()
		id, err := c.addIter(&iterState{records: recs, parent: is, tid: r.tid})
		if err != nil {
			return nil, err
		}
		return c.codec.appendIterID(dst, r, id), nil
	case opIteratorRecordNext:
		is := c.getIter(r.n)
		if is == nil || is.records == nil {
			return nil, fmt.Errorf("%w: %d", errNoIterator, r.n)
		}
		p := is.parent
		p.mu.Lock()
		if p.closed || !p.hasLast || p.last.Tid != is.tid {
			// The records were in the transaction iterator's buffers,
			// which have moved on: refuse rather than serve another
			// transaction's records.
			p.mu.Unlock()
			c.dropIter(uint64(r.n))
			return nil, &proto.ServerError{Class: "builtins.ValueError",
				Message: fmt.Sprintf("record iterator %d: its transaction iterator has moved past %s or was closed", r.n, is.tid)}
		}
		rec, ok, err := is.records.Next()
		if err == nil {
			// Encode under the lock: rec aliases the iterator's buffers.
			dst = c.codec.appendRecord(dst, r, &rec, ok)
		}
		p.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if !ok {
			c.dropIter(uint64(r.n))
		}
		return dst, nil
	}
	return nil, fmt.Errorf("engine: %s is not an iterator call", r.op)
}

func (c *conn) addIter(is *iterState) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.iters) >= maxItersPerConn {
		return 0, &proto.ServerError{Class: "builtins.ValueError", Message: "too many open iterators on this connection"}
	}
	if c.iters == nil {
		c.iters = make(map[uint64]*iterState)
	}
	id := c.nextIt
	c.nextIt++
	c.iters[id] = is
	return id, nil
}

func (c *conn) getIter(id int) *iterState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.iters[uint64(id)]
}

func (c *conn) dropIter(id uint64) {
	c.mu.Lock()
	is := c.iters[id]
	delete(c.iters, id)
	c.mu.Unlock()
	if is != nil && is.txns != nil {
		is.mu.Lock()
		if !is.closed {
			is.closed = true
			is.txns.Close()
		}
		is.mu.Unlock()
	}
}

// iteratorGC discards iterators; unknown ids are ignored.
func (c *conn) iteratorGC(ids []uint64) {
	for _, id := range ids {
		c.dropIter(id)
	}
}

// closeIters discards every iterator of a closed connection.
func (c *conn) closeIters() {
	c.mu.Lock()
	ids := make([]uint64, 0, len(c.iters))
	for id := range c.iters {
		ids = append(ids, id)
	}
	c.mu.Unlock()
	c.iteratorGC(ids)
}
