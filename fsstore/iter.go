// Iteration: transactions and their records in file order, and current
// records in oid order (RecordIterNext).

package fsstore

import (
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// source is what iterators read: a Store (shared lock, committed end) or
// a File (a read-only mapping of a path).
type source interface {
	rlock() (view, error)
	runlock()
	tolerateTail() bool // stop quietly at a torn or unfinished tail
}

func (s *Store) tolerateTail() bool { return false }

// TxnIterator walks committed transactions forward, from the first with
// tid >= start up to the last with tid <= stop (ZeroTid = no bound). The
// slices it returns stay valid until the next call of Next.
type TxnIterator struct {
	src         source
	start, stop proto.Tid
	pos         int64  // next transaction; -1 until positioned
	gen         uint64 // pack generation of pos
	cur         int64
	hdr         TxnHeader
	meta        []byte
	recs        RecordIterator
	done        bool
}

// Iterator returns an iterator over committed transactions with
// start <= tid <= stop (ZeroTid: unbounded). It sees transactions
// committed while it runs. Close it when done (it holds no lock between
// calls; Close only releases its buffers).
func (s *Store) Iterator(start, stop proto.Tid) *TxnIterator {
	return newTxnIterator(s, start, stop)
}

func newTxnIterator(src source, start, stop proto.Tid) *TxnIterator {
	it := &TxnIterator{src: src, start: start, stop: stop, pos: -1, cur: -1}
	it.recs.it = it
	return it
}

// Next returns the next transaction; ok is false at the end.
func (it *TxnIterator) Next() (info proto.TxnInfo, ok bool, err error) {
	if it.done {
		return info, false, nil
	}
	v, err := it.src.rlock()
	if err != nil {
		return info, false, err
	}
	defer it.src.runlock()
	if it.pos >= 0 && v.gen != it.gen {
		// A pack moved the transactions: find the next one by tid.
		from := it.start
		if it.cur >= 0 {
			from = it.hdr.Tid + 1
		}
		if it.pos, err = seekTid(&v, from, it.src.tolerateTail()); err != nil {
			return info, false, err
		}
		it.gen = v.gen
	}
	if it.pos < 0 {
		if it.pos, err = seekTid(&v, it.start, it.src.tolerateTail()); err != nil {
			return info, false, err
		}
		it.gen = v.gen
	}
	for it.pos < v.end {
		pos := it.pos
		if it.src.tolerateTail() && v.end-pos < TxnHeaderSize {
			break
		}
		t, err := v.txnFixed(pos, "iterate")
		if err != nil {
			if it.src.tolerateTail() && pos+TxnHeaderSize <= v.end && decodeTxnFixed(v.b[pos:]).tlen > uint64(v.end-pos-RedundantSize) {
				break // a torn tail, as FileIterator sees it
			}
			return info, false, err
		}
		if t.status == proto.StatusCheckpoint {
			if it.src.tolerateTail() {
				break
			}
			return info, false, recErr(v.path, pos, kindTxn, "iterate", "checkpoint flag was not cleared")
		}
		tend := pos + int64(t.tlen)
		if rtl := be64(v.b[tend:]); rtl != t.tlen {
			return info, false, recErr(v.path, pos, kindTxn, "iterate", "redundant transaction length %d != %d at %d", rtl, t.tlen, tend)
		}
		if it.stop != 0 && t.tid > it.stop {
			it.done = true
			return info, false, nil
		}
		it.pos = tend + RedundantSize
		if t.status == proto.StatusUndone {
			continue
		}
		h, _ := v.txnHeader(pos, "iterate")
		it.meta = append(it.meta[:0], v.b[pos+TxnHeaderSize:pos+int64(t.headerLen())]...)
		ul, dl := len(h.User), len(h.Description)
		it.hdr = TxnHeader{Tid: t.tid, Len: t.tlen, Status: t.status,
			User: it.meta[:ul:ul], Description: it.meta[ul : ul+dl : ul+dl], Extension: it.meta[ul+dl:]}
		it.cur = pos
		it.recs = RecordIterator{it: it, pos: pos + int64(t.headerLen()), end: tend, tpos: pos, gen: v.gen, cur: -1, data: it.recs.data}
		return proto.TxnInfo{Tid: t.tid, Status: t.status, User: it.hdr.User,
			Description: it.hdr.Description, Extension: it.hdr.Extension}, true, nil
	}
	return info, false, nil
}

// Pos returns the position of the transaction last returned (-1 before).
func (it *TxnIterator) Pos() int64 { return it.cur }

// Header returns the header of the transaction last returned.
func (it *TxnIterator) Header() TxnHeader { return it.hdr }

// Records iterates the data records of the transaction last returned.
func (it *TxnIterator) Records() *RecordIterator { return &it.recs }

// Close releases the iterator's buffers.
func (it *TxnIterator) Close() {
	it.done = true
	it.meta, it.recs.data = nil, nil
}

// seekTid finds the first transaction with tid >= start, scanning
// forward from the start of the file or backward from its end, whichever
// is closer in tid. A file that may end in a torn tail is scanned forward
// only; Next then stops at the tail.
func seekTid(v *view, start proto.Tid, forwardOnly bool) (int64, error) {
	if start == 0 || v.end < MagicSize+TxnHeaderSize {
		return MagicSize, nil
	}
	first := proto.Tid(be64(v.b[MagicSize:]))
	if start <= first {
		return MagicSize, nil
	}
	forward := func() (int64, error) {
		pos := int64(MagicSize)
		for pos < v.end {
			t, err := v.txnFixed(pos, "iterate")
			if err != nil {
				if forwardOnly {
					return pos, nil // Next reports or skips it
				}
				return 0, err
			}
			if t.tid >= start {
				return pos, nil
			}
			pos += int64(t.tlen) + RedundantSize
		}
		return pos, nil
	}
	if forwardOnly {
		return forward()
	}
	last, ok, err := v.prevTxn(v.end, "iterate")
	if err != nil || !ok {
		return MagicSize, err
	}
	lastTid := proto.Tid(be64(v.b[last:]))
	if start > lastTid {
		return v.end, nil
	}
	if start-first < lastTid-start {
		return forward()
	}
	pos := last
	for {
		prev, ok, err := v.prevTxn(pos, "iterate")
		if err != nil {
			return 0, err
		}
		if !ok || proto.Tid(be64(v.b[prev:])) < start {
			return pos, nil
		}
		pos = prev
	}
}

// RecordIterator walks the data records of one transaction. Data stays
// valid until the next call of Next.
type RecordIterator struct {
	it             *TxnIterator
	pos, end, tpos int64
	gen            uint64 // pack generation of the positions
	cur            int64
	hdr            DataHeader
	data           []byte
}

// Next returns the next record. A backpointer record gives the data it
// resolves to and DataTxn = the tid of the record directly at the
// backpointer; a record without data gives Data == nil.
func (r *RecordIterator) Next() (rec proto.DataRecord, ok bool, err error) {
	if r.it == nil || r.pos >= r.end {
		return rec, false, nil
	}
	v, err := r.it.src.rlock()
	if err != nil {
		return rec, false, err
	}
	defer r.it.src.runlock()
	if v.gen != r.gen {
		if err := r.relocate(&v); err != nil {
			return rec, false, err
		}
	}
	pos := r.pos
	h, err := v.dataHeader(pos, "iterate")
	if err != nil {
		return rec, false, err
	}
	if h.Tloc != uint64(r.tpos) {
		return rec, false, recErr(v.path, pos, kindData, "iterate", "data record exceeds transaction record: tloc %d != tpos %d", h.Tloc, r.tpos)
	}
	if next := pos + int64(h.RecordLen()); next > r.end {
		return rec, false, recErr(v.path, pos, kindData, "iterate", "data record exceeds transaction record: ends at %d, transaction ends at %d", next, r.end)
	}
	rec = proto.DataRecord{Oid: h.Oid, Tid: h.Tid}
	switch {
	case h.Plen > 0:
		r.data = append(r.data[:0], v.pickle(pos, &h)...)
		rec.Data = r.data
	case h.Back != 0:
		bh, err := v.dataHeaderOf(h.Oid, int64(h.Back), "iterate")
		if err != nil {
			return rec, false, err
		}
		if h.Back >= uint64(pos) {
			return rec, false, recErr(v.path, pos, kindData, "iterate", "backpointer %d does not point backwards", h.Back)
		}
		rec.DataTxn = bh.Tid
		r.data, err = v.appendData(r.data[:0], h.Oid, pos, h, "iterate", nil)
		var pk *proto.POSKeyError
		switch {
		case err == nil:
			rec.Data = r.data
		case !errors.As(err, &pk):
			return rec, false, err
		}
	}
	r.hdr, r.cur = h, pos
	r.pos = pos + int64(h.RecordLen())
	return rec, true, nil
}

// Pos returns the position of the record last returned (-1 before).
func (r *RecordIterator) Pos() int64 { return r.cur }

// Header returns the header of the record last returned.
func (r *RecordIterator) Header() DataHeader { return r.hdr }

// RecordIterNext returns the current revision of the first oid >= next
// that has data (oids whose current record has none are skipped), in oid
// order: data = append(dst, pickle...). nextOid is the following oid in
// the index and more reports whether there is one. When no oid >= next
// has data, rec.Data is nil and more is false.
func (s *Store) RecordIterNext(next proto.Oid, dst []byte) (rec proto.DataRecord, nextOid proto.Oid, more bool, err error) {
	v, err := s.rlock()
	if err != nil {
		return rec, 0, false, err
	}
	defer s.runlock()
	from := next
	for {
		oid, pos, ok := s.idx.next(from)
		if !ok {
			return rec, 0, false, nil
		}
		h, err := v.dataHeaderOf(oid, pos, "record_iternext")
		if err != nil {
			return rec, 0, false, err
		}
		data, err := v.appendData(dst, oid, pos, h, "record_iternext", nil)
		var pk *proto.POSKeyError
		if errors.As(err, &pk) {
			if oid == ^proto.Oid(0) {
				return rec, 0, false, nil
			}
			from = oid + 1
			continue
		}
		if err != nil {
			return rec, 0, false, err
		}
		rec = proto.DataRecord{Oid: oid, Tid: h.Tid, Data: data}
		if oid == ^proto.Oid(0) {
			return rec, 0, false, nil
		}
		nextOid, _, more = s.idx.next(oid + 1)
		return rec, nextOid, more, nil
	}
}

// relocate finds the transaction being iterated again after a pack moved
// it. A transaction the pack copied unchanged continues where it was; one
// it rewrote or dropped (at or before the pack time) ends the iteration
// with ErrRepacked.
func (r *RecordIterator) relocate(v *view) error {
	hdr := &r.it.hdr
	tpos, ok, err := findTxn(v, hdr.Tid, false, "iterate")
	if err != nil {
		return err
	}
	if ok {
		if t, err := v.txnFixed(tpos, "iterate"); err == nil && t.tlen == hdr.Len && t.status == hdr.Status {
			off := tpos - r.tpos
			r.pos, r.end, r.tpos, r.gen = r.pos+off, r.end+off, tpos, v.gen
			return nil
		}
	}
	return fmt.Errorf("%w: transaction %s", ErrRepacked, hdr.Tid)
}
