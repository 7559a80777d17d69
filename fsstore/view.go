// Bounds-checked reads of records from the mapped log.

package fsstore

import (
	"bytes"

	"github.com/gozeo/gozeo/proto"
)

// view is the readable part of a log: b[:end] holds complete, committed
// transactions (b may be longer: it is the mapping). Every read checks its
// bounds against end, so damaged pointers give a RecordError, never a
// fault. A view stays valid while its mapping is mapped: until Close for a
// Store (retired mappings are kept), or File.Close.
type view struct {
	path string
	b    []byte
	end  int64
	gen  uint64 // Store.gen when taken: positions of another gen are stale
}

// dataHeader reads the data record header at pos, with its backpointer,
// and checks that the whole record lies inside the view.
func (v *view) dataHeader(pos int64, op string) (DataHeader, error) {
	var h DataHeader
	if pos < MagicSize || pos > v.end-DataHeaderSize {
		return h, recErr(v.path, pos, kindData, op, "header runs past the end of the log (%d)", v.end)
	}
	h.decodeFixed(v.b[pos : pos+DataHeaderSize])
	if h.Vlen != 0 {
		return h, recErr(v.path, pos, kindData, op, "non-zero version length %d (versions are not supported)", h.Vlen)
	}
	if h.Plen == 0 {
		if pos+DataHeaderSize+BackSize > v.end {
			return h, recErr(v.path, pos, kindData, op, "backpointer runs past the end of the log (%d)", v.end)
		}
		h.Back = be64(v.b[pos+DataHeaderSize:])
		return h, nil
	}
	if h.Plen > uint64(v.end-pos-DataHeaderSize) {
		return h, recErr(v.path, pos, kindData, op, "pickle length %d runs past the end of the log (%d)", h.Plen, v.end)
	}
	return h, nil
}

// fastPickle is the common case of a load: a sound record of oid at pos
// that holds its pickle. ok is false for anything else (backpointers,
// damage), which the general path then handles and reports; err is only
// ErrWouldBlock, when try does not know the pickle's pages as resident.
func (v *view) fastPickle(oid proto.Oid, pos int64, dst []byte, try *residency) ([]byte, proto.Tid, bool, error) {
	if pos < MagicSize || pos > v.end-DataHeaderSize {
		return dst, 0, false, nil
	}
	h := v.b[pos : pos+DataHeaderSize : pos+DataHeaderSize]
	plen := be64(h[34:])
	if proto.Oid(be64(h)) != oid || h[32]|h[33] != 0 || plen == 0 || plen > uint64(v.end-pos-DataHeaderSize) {
		return dst, 0, false, nil
	}
	start := pos + DataHeaderSize
	if try != nil && !try.check(v.b, start, int64(plen)) {
		return dst, 0, false, ErrWouldBlock
	}
	return append(dst, v.b[start:start+int64(plen)]...), proto.Tid(be64(h[8:])), true, nil
}

// chainStep reads the tid and prev pointer of oid's record at pos; ok is
// false when the header is out of bounds, of another oid, or versioned.
func (v *view) chainStep(oid proto.Oid, pos int64) (tid proto.Tid, prev uint64, ok bool) {
	if pos < MagicSize || pos > v.end-DataHeaderSize {
		return 0, 0, false
	}
	h := v.b[pos : pos+DataHeaderSize : pos+DataHeaderSize]
	if proto.Oid(be64(h)) != oid || h[32]|h[33] != 0 {
		return 0, 0, false
	}
	return proto.Tid(be64(h[8:])), be64(h[16:]), true
}

// dataHeaderOf is dataHeader plus a check that the record belongs to oid.
func (v *view) dataHeaderOf(oid proto.Oid, pos int64, op string) (DataHeader, error) {
	h, err := v.dataHeader(pos, op)
	if err == nil && h.Oid != oid {
		return h, recErr(v.path, pos, kindData, op, "record is for oid %s, expected %s", h.Oid, oid)
	}
	return h, err
}

// pickle returns the record's pickle bytes (plen > 0) as a slice of the
// mapping.
func (v *view) pickle(pos int64, h *DataHeader) []byte {
	start := pos + DataHeaderSize
	return v.b[start : start+int64(h.Plen) : start+int64(h.Plen)]
}

// resolve follows h's backpointer chain to the record that holds the
// pickle, returning its position and header. A chain that ends in 0 gives
// *proto.POSKeyError. With try set, it returns ErrWouldBlock before
// touching a page that try does not know to be resident.
func (v *view) resolve(oid proto.Oid, pos int64, h DataHeader, op string, try *residency) (int64, DataHeader, error) {
	for h.Plen == 0 {
		if h.Back == 0 {
			return pos, h, &proto.POSKeyError{Oid: oid}
		}
		if h.Back >= uint64(pos) {
			return pos, h, recErr(v.path, pos, kindData, op, "backpointer %d does not point backwards", h.Back)
		}
		pos = int64(h.Back)
		if try != nil && !try.check(v.b, pos, DataHeaderSize+BackSize) {
			return pos, h, ErrWouldBlock
		}
		var err error
		if h, err = v.dataHeaderOf(oid, pos, op); err != nil {
			return pos, h, err
		}
	}
	return pos, h, nil
}

// appendData appends the pickle the record at pos stands for.
func (v *view) appendData(dst []byte, oid proto.Oid, pos int64, h DataHeader, op string, try *residency) ([]byte, error) {
	pos, h, err := v.resolve(oid, pos, h, op, try)
	if err != nil {
		return dst, err
	}
	if try != nil && !try.check(v.b, pos+DataHeaderSize, int64(h.Plen)) {
		return dst, ErrWouldBlock
	}
	return append(dst, v.pickle(pos, &h)...), nil
}

// sameData reports whether the records at a and b (same oid) stand for
// byte-identical pickles. Records without data never match.
func (v *view) sameData(oid proto.Oid, a, b int64, op string) (bool, error) {
	ha, err := v.dataHeaderOf(oid, a, op)
	if err != nil {
		return false, err
	}
	hb, err := v.dataHeaderOf(oid, b, op)
	if err != nil {
		return false, err
	}
	pa, ha, err := v.resolve(oid, a, ha, op, nil)
	if err != nil {
		return false, err
	}
	pb, hb, err := v.resolve(oid, b, hb, op, nil)
	if err != nil {
		return false, err
	}
	return pa == pb || bytes.Equal(v.pickle(pa, &ha), v.pickle(pb, &hb)), nil
}

// txnFixed reads the fixed part of the transaction header at pos and
// checks that the transaction and its redundant length lie in the view.
func (v *view) txnFixed(pos int64, op string) (txnFixed, error) {
	if pos < MagicSize || pos > v.end-TxnHeaderSize {
		return txnFixed{}, recErr(v.path, pos, kindTxn, op, "header runs past the end of the log (%d)", v.end)
	}
	t := decodeTxnFixed(v.b[pos:])
	if t.tlen < t.headerLen() || t.tlen > uint64(v.end-pos-RedundantSize) {
		return t, recErr(v.path, pos, kindTxn, op, "transaction length %d does not fit (header %d, log end %d)",
			t.tlen, t.headerLen(), v.end)
	}
	return t, nil
}

// txnHeader reads a transaction header with its metadata (aliasing the
// mapping).
func (v *view) txnHeader(pos int64, op string) (TxnHeader, error) {
	if _, err := v.txnFixed(pos, op); err != nil {
		return TxnHeader{}, err
	}
	var h TxnHeader
	h.Decode(v.b[pos:v.end]) // cannot fail: txnFixed checked the lengths
	return h, nil
}

// prevTxn returns the position of the transaction that ends just before
// pos, found through its redundant length; ok is false at the start.
func (v *view) prevTxn(pos int64, op string) (int64, bool, error) {
	if pos <= MagicSize {
		return 0, false, nil
	}
	if pos < MagicSize+TxnHeaderSize+RedundantSize || pos > v.end {
		return 0, false, recErr(v.path, pos, kindTxn, op, "no transaction ends here")
	}
	rtl := be64(v.b[pos-RedundantSize:])
	if rtl > uint64(pos-RedundantSize-MagicSize) {
		return 0, false, recErr(v.path, pos-RedundantSize, kindTxn, op, "redundant length %d points before the file start", rtl)
	}
	tpos := pos - RedundantSize - int64(rtl)
	t, err := v.txnFixed(tpos, op)
	if err != nil {
		return 0, false, err
	}
	if t.tlen != rtl {
		return 0, false, recErr(v.path, tpos, kindTxn, op, "transaction length %d != redundant length %d at %d",
			t.tlen, rtl, pos-RedundantSize)
	}
	return tpos, true, nil
}
