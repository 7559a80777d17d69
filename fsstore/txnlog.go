// Backward walks over the transaction log: UndoLog, TxnOids,
// LastInvalidations.

package fsstore

import (
	"bytes"
	"encoding/base64"
	"slices"

	"github.com/gozeo/gozeo/proto"
)

// UndoLog returns undoable transactions, newest first, as ZODB's undoLog:
// entries first <= i < last among those passing filter (last < 0 means
// -last entries), stopping at the first packed transaction. Entry IDs are
// base64 of the tid (what undo takes back); Size is the transaction
// length.
func (s *Store) UndoLog(first, last int, filter func(*proto.UndoEntry) bool) ([]proto.UndoEntry, error) {
	if last < 0 {
		last = first - last
	}
	if s.packing.Load() {
		return nil, &proto.UndoError{Msg: "Undo is currently disabled for database maintenance"}
	}
	v, err := s.rlock()
	if err != nil {
		return nil, err
	}
	defer s.runlock()
	var r []proto.UndoEntry
	pos := v.end
	for i := 0; i < last; {
		tpos, ok, err := v.prevTxn(pos, "undoLog")
		if err != nil {
			return r, err
		}
		if !ok {
			break
		}
		pos = tpos
		h, err := v.txnHeader(tpos, "undoLog")
		if err != nil {
			return r, err
		}
		if h.Status == proto.StatusPacked {
			break
		}
		if h.Status != proto.StatusCommitted {
			continue
		}
		tid := h.Tid.Bytes()
		e := proto.UndoEntry{
			ID:          []byte(base64.StdEncoding.EncodeToString(tid[:])),
			Tid:         h.Tid,
			User:        bytes.Clone(h.User),
			Description: bytes.Clone(h.Description),
			Extension:   bytes.Clone(h.Extension),
			Size:        int64(h.Len),
		}
		if filter == nil || filter(&e) {
			if i >= first {
				r = append(r, e)
			}
			i++
		}
	}
	return r, nil
}

// TxnOids returns the oids written by committed transaction tid, sorted,
// each once (the server locks them before an undo). An unknown tid gives
// *proto.UndoError.
func (s *Store) TxnOids(tid proto.Tid) ([]proto.Oid, error) {
	v, err := s.rlock()
	if err != nil {
		return nil, err
	}
	defer s.runlock()
	tpos, ok, err := findTxn(&v, tid, false, "txnOids")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &proto.UndoError{Msg: "Invalid transaction id"}
	}
	oids, err := txnOids(&v, tpos, nil)
	if err != nil {
		return nil, err
	}
	slices.Sort(oids)
	return slices.Compact(oids), nil
}

// txnOids appends the oids of the records of the transaction at tpos, in
// record order, each once.
func txnOids(v *view, tpos int64, dst []proto.Oid) ([]proto.Oid, error) {
	t, err := v.txnFixed(tpos, "txnOids")
	if err != nil {
		return dst, err
	}
	if t.status == proto.StatusUndone {
		return dst, nil
	}
	seen := map[proto.Oid]bool{}
	tend := tpos + int64(t.tlen)
	for pos := tpos + int64(t.headerLen()); pos < tend; {
		h, err := v.dataHeader(pos, "txnOids")
		if err != nil {
			return dst, err
		}
		if !seen[h.Oid] {
			seen[h.Oid] = true
			dst = append(dst, h.Oid)
		}
		pos += int64(h.RecordLen())
	}
	return dst, nil
}

// Invalidation is one committed transaction and the oids it wrote.
type Invalidation struct {
	Tid  proto.Tid
	Oids []proto.Oid
}

// LastInvalidations returns the newest n transactions, oldest first, with
// the oids each wrote (in record order, each once): what a server loads
// into its invalidation queue at startup.
func (s *Store) LastInvalidations(n int) ([]Invalidation, error) {
	v, err := s.rlock()
	if err != nil {
		return nil, err
	}
	defer s.runlock()
	var tposes []int64
	pos := v.end
	for len(tposes) < n {
		tpos, ok, err := v.prevTxn(pos, "lastInvalidations")
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		if v.b[tpos+16] != proto.StatusUndone {
			tposes = append(tposes, tpos)
		}
		pos = tpos
	}
	r := make([]Invalidation, 0, len(tposes))
	for i := len(tposes) - 1; i >= 0; i-- {
		oids, err := txnOids(&v, tposes[i], nil)
		if err != nil {
			return nil, err
		}
		r = append(r, Invalidation{Tid: proto.Tid(be64(v.b[tposes[i]:])), Oids: oids})
	}
	return r, nil
}
