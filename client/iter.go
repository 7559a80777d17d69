// Server-side iteration: TxnIterator over transactions and
// RecordIterator over one transaction's records.

package client

import "github.com/gozeo/gozeo/proto"

// TxnIterator walks the storage's transactions from start to stop (both
// included; ZeroTid means unbounded) on the server, one round trip per
// transaction. It is bound to the connection its first Next used: after a
// reconnect it fails with ErrDisconnected. Close releases the server's
// iterators. Not safe for concurrent use.
type TxnIterator struct {
	c           *Client
	start, stop proto.Tid

	cn      *conn
	id      uint64
	started bool
	done    bool
	err     error
	last    proto.Tid
	records []*RecordIterator // not exhausted, for Close
}

// Iterator returns an iterator over the transactions from start to stop.
// Nothing is sent until the first Next.
func (c *Client) Iterator(start, stop proto.Tid) *TxnIterator {
	return &TxnIterator{c: c, start: start, stop: stop}
}

// Next returns the next transaction; ok is false at the end. The byte
// fields are the caller's.
func (it *TxnIterator) Next() (txn proto.TxnInfo, ok bool, err error) {
	if it.err != nil || it.done {
		return proto.TxnInfo{}, false, it.err
	}
	if !it.started {
		cn, w, err := it.c.call(nil, "iterator", &proto.IteratorStartRequest{Start: it.start, Stop: it.stop})
		if err != nil {
			it.err = err
			return proto.TxnInfo{}, false, err
		}
		var m proto.IteratorStartReply
		err = decodeReply(cn, "iterator", w, &m)
		w.release()
		if err != nil {
			it.err = err
			return proto.TxnInfo{}, false, err
		}
		it.cn, it.id, it.started = cn, m.ID, true
	}
	w, err := it.roundTrip("iterator", &proto.IteratorNextRequest{ID: it.id})
	if err != nil {
		it.err = err
		return proto.TxnInfo{}, false, err
	}
	defer w.release()
	var m proto.IteratorNextReply
	if err := decodeReply(it.cn, "iterator", w, &m); err != nil {
		it.err = err
		return proto.TxnInfo{}, false, err
	}
	if !m.Found {
		it.done = true // the server has discarded it
		return proto.TxnInfo{}, false, nil
	}
	var a arena
	t := m.Txn
	a.reserve(len(t.User) + len(t.Description) + len(t.Extension))
	t.User, t.Description, t.Extension = a.copy(t.User), a.copy(t.Description), a.copy(t.Extension)
	it.last = t.Tid
	return t, true, nil
}

// roundTrip sends m on the iterator's connection, which must still be the
// client's current one.
func (it *TxnIterator) roundTrip(op string, m proto.Message) (*waiter, error) {
	if it.c.closed.Load() {
		return nil, opErr(it.cn.addr, op, ErrClosed)
	}
	if it.cn.isDead() || it.c.cur.Load() != it.cn {
		return nil, opErr(it.cn.addr, op, ErrDisconnected)
	}
	w, err := it.cn.roundTrip(nil, m)
	if err != nil {
		return nil, opErr(it.cn.addr, op, err)
	}
	return w, nil
}

// Records returns an iterator over the records of the transaction the last
// Next returned.
func (it *TxnIterator) Records() *RecordIterator {
	r := &RecordIterator{it: it, tid: it.last}
	if !it.started || it.last == 0 {
		r.err = opErr("", "records", ErrTxnState)
	}
	return r
}

// Close discards the iterator and its record iterators on the server
// (IteratorGC, one-way).
func (it *TxnIterator) Close() error {
	var ids []uint64
	if it.started && !it.done {
		ids = append(ids, it.id)
	}
	for _, r := range it.records {
		if r.started && !r.done {
			ids = append(ids, r.id)
		}
	}
	it.done, it.records = true, nil
	if it.err == nil {
		it.err = opErr("", "iterator", ErrTxnDone)
	}
	if len(ids) == 0 || it.cn.isDead() {
		return nil
	}
	if err := it.cn.sendOneWay(&proto.IteratorGCRequest{IDs: ids}); err != nil {
		return opErr(it.cn.addr, "iteratorGC", err)
	}
	return nil
}

// RecordIterator walks one transaction's data records on the server.
type RecordIterator struct {
	it      *TxnIterator
	tid     proto.Tid
	id      uint64
	started bool
	done    bool
	err     error
}

// Next returns the next record; ok is false at the end. Data is the
// caller's (nil when the record says the object does not exist).
func (r *RecordIterator) Next() (rec proto.DataRecord, ok bool, err error) {
	if r.err != nil || r.done {
		return proto.DataRecord{}, false, r.err
	}
	it := r.it
	if !r.started {
		w, err := it.roundTrip("records", &proto.IteratorRecordStartRequest{TxnIter: it.id, Tid: r.tid})
		if err != nil {
			r.err = err
			return proto.DataRecord{}, false, err
		}
		var m proto.IteratorRecordStartReply
		err = decodeReply(it.cn, "records", w, &m)
		w.release()
		if err != nil {
			r.err = err
			return proto.DataRecord{}, false, err
		}
		r.id, r.started = m.ID, true
		it.records = append(it.records, r)
	}
	w, err := it.roundTrip("records", &proto.IteratorRecordNextRequest{ID: r.id})
	if err != nil {
		r.err = err
		return proto.DataRecord{}, false, err
	}
	defer w.release()
	var m proto.IteratorRecordNextReply
	if err := decodeReply(it.cn, "records", w, &m); err != nil {
		r.err = err
		return proto.DataRecord{}, false, err
	}
	if !m.Found {
		r.done = true
		return proto.DataRecord{}, false, nil
	}
	rec = m.Record
	if rec.Data != nil {
		if rec.Data, err = it.c.plainAppend(it.cn, make([]byte, 0, len(rec.Data)), rec.Data); err != nil {
			r.err = oidErr(it.cn.addr, "records", rec.Oid, err)
			return proto.DataRecord{}, false, r.err
		}
	}
	return rec, true, nil
}
