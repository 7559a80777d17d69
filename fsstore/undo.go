// Transactional undo (ZODB semantics: backpointer records), and restore's
// backpointer search.

package fsstore

import (
	"bytes"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// findTxn returns the position of the committed transaction with the
// given tid, searching backwards from the end. With stopAtPack it gives up
// at the first packed ('p') transaction, which cannot be undone anyway. It
// also stops at the first older tid: tids strictly increase in a valid
// file (Verify checks it).
func findTxn(v *view, tid proto.Tid, stopAtPack bool, op string) (int64, bool, error) {
	pos := v.end
	for {
		tpos, ok, err := v.prevTxn(pos, op)
		if err != nil || !ok {
			return 0, false, err
		}
		t := decodeTxnFixed(v.b[tpos:])
		if t.tid == tid {
			return tpos, true, nil
		}
		if t.tid < tid || (stopAtPack && t.status == proto.StatusPacked) {
			return 0, false, nil
		}
		pos = tpos
	}
}

// dataFind implements restore's prev_txn lookup: the position of oid's
// (last) record in transaction prevTxn when it holds data identical to
// data or is a backpointer; 0 otherwise.
func (s *Store) dataFind(prevTxn proto.Tid, oid proto.Oid, data []byte) (int64, uint64, error) {
	v, err := s.rlock()
	if err != nil {
		return 0, 0, err
	}
	defer s.runlock()
	back, err := dataFindIn(&v, s, prevTxn, oid, data)
	return back, v.gen, err
}

func dataFindIn(v *view, s *Store, prevTxn proto.Tid, oid proto.Oid, data []byte) (int64, error) {
	tpos, ok, err := findTxn(v, prevTxn, false, "restore")
	if err != nil || !ok {
		return 0, err
	}
	t, err := v.txnFixed(tpos, "restore")
	if err != nil {
		return 0, err
	}
	tend := tpos + int64(t.tlen)
	found := int64(0)
	var fh DataHeader
	for pos := tpos + int64(t.headerLen()); pos < tend; {
		h, err := v.dataHeader(pos, "restore")
		if err != nil {
			return 0, err
		}
		if h.Oid == oid {
			found, fh = pos, h
		}
		pos += int64(h.RecordLen())
	}
	switch {
	case found == 0:
		return 0, nil
	case fh.Plen == 0:
		return found, nil // a backpointer itself: trusted, as ZODB does
	case data == nil || fh.Plen != uint64(len(data)):
		if data != nil {
			s.log.Error("Mismatch between data and backpointer", "path", s.path, "pos", found, "oid", oid.String())
		}
		return 0, nil
	case bytes.Equal(v.pickle(found, &fh), data):
		return found, nil
	}
	return 0, nil
}

// Undo adds to the transaction the records that undo committed
// transaction tid, and returns the oids they write. For every record R of
// the undone transaction the object must still be at R (or at data
// identical to R's); the new record is then a backpointer to R's previous
// revision (back 0 when R created the object). Otherwise the result is a
// *proto.UndoError and nothing is added. Undo is refused while a pack
// runs.
func (t *Txn) Undo(tid proto.Tid) ([]proto.Oid, error) {
	if err := t.checkBegun("undo"); err != nil {
		return nil, err
	}
	s := t.s
	if s.packing.Load() {
		return nil, &proto.UndoError{Msg: "Undo is currently disabled for database maintenance"}
	}
	v, err := s.rlock()
	if err != nil {
		return nil, err
	}
	defer s.runlock()
	tpos, ok, err := findTxn(&v, tid, true, "undo")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &proto.UndoError{Msg: "Invalid transaction id"}
	}
	th, err := v.txnFixed(tpos, "undo")
	if err != nil {
		return nil, err
	}
	if th.status != proto.StatusCommitted {
		return nil, &proto.UndoError{Msg: "non-undoable transaction"}
	}
	tend := tpos + int64(th.tlen)
	var added []txnRec
	var failOids []proto.Oid
	failures := map[proto.Oid]error{}
	for pos := tpos + int64(th.headerLen()); pos < tend; {
		h, err := v.dataHeader(pos, "undo")
		if err != nil {
			return nil, err
		}
		delete(failures, h.Oid) // a later record of the oid gets a second chance
		if r, err := t.undoRecord(&v, h.Oid, pos, h.Prev); err != nil {
			failures[h.Oid] = err
			failOids = append(failOids, h.Oid)
		} else {
			added = append(added, r)
		}
		pos += int64(h.RecordLen())
		if pos > tend {
			return nil, &proto.UndoError{Msg: "non-undoable transaction"}
		}
	}
	var first error
	n := 0
	for _, oid := range failOids {
		if e := failures[oid]; e != nil {
			if first == nil {
				first = e
			}
			n++
			delete(failures, oid)
		}
	}
	if first != nil {
		if n > 1 {
			ue := *first.(*proto.UndoError)
			ue.Msg = fmt.Sprintf("%s (and %d more objects)", ue.Msg, n-1)
			return nil, &ue
		}
		return nil, first
	}
	if len(added) > 0 {
		t.notePositions(v.gen)
	}
	oids := make([]proto.Oid, 0, len(added))
	for _, r := range added {
		t.add(r, nil)
		oids = append(oids, r.oid)
	}
	return oids, nil
}

// undoRecord builds the undo record for the record of oid at pos whose
// previous revision is at pre. REQUIRES: s.mu held (shared).
func (t *Txn) undoRecord(v *view, oid proto.Oid, pos int64, pre uint64) (txnRec, error) {
	li := t.last(oid)
	ipos := t.s.idx.get(oid)
	if li >= 0 || ipos != pos {
		same, err := t.sameAsUndone(v, oid, pos, li, ipos)
		if err != nil {
			return txnRec{}, &proto.UndoError{Oid: oid, HasOid: true, Msg: "_loadBack() failed"}
		}
		if !same {
			if pre != 0 && li < 0 {
				return txnRec{}, &proto.UndoError{Oid: oid, HasOid: true, Msg: "Some data were modified by a later transaction"}
			}
			return txnRec{}, &proto.UndoError{Oid: oid, HasOid: true, Msg: "no previous record"}
		}
	}
	return txnRec{oid: oid, kind: recUndo, base: ipos, back: int64(pre)}, nil
}

// sameAsUndone reports whether oid's current state (its record in this
// transaction when li >= 0, else the committed one at ipos) is the data of
// the record at pos being undone: the same data record through
// backpointers (ZODB's test), or byte-identical data.
func (t *Txn) sameAsUndone(v *view, oid proto.Oid, pos int64, li int, ipos int64) (bool, error) {
	var cur []byte // current data when it is held in this transaction
	var back int64 // else the record whose data is current
	if li >= 0 {
		r := &t.recs[li]
		if r.hasData {
			cur = t.buf[r.off : r.off+r.n]
		} else {
			back = r.back
		}
	} else {
		h, err := v.dataHeaderOf(oid, ipos, "undo")
		if err != nil {
			return false, err
		}
		if h.Plen == 0 {
			back = int64(h.Back)
		} else {
			back = ipos
		}
	}
	if cur == nil && back == pos {
		return true, nil
	}
	hu, err := v.dataHeaderOf(oid, pos, "undo")
	if err != nil {
		return false, err
	}
	up, hu, err := v.resolve(oid, pos, hu, "undo", nil)
	if err != nil {
		return false, err
	}
	if cur != nil {
		return bytes.Equal(cur, v.pickle(up, &hu)), nil
	}
	if back == 0 {
		return false, &proto.POSKeyError{Oid: oid}
	}
	return v.sameData(oid, back, up, "undo")
}
