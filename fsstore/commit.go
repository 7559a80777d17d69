// Two-phase commit, first phase: Begin, the buffered writes (Store,
// Delete, Restore, CheckCurrentSerial) and the transaction encoding.

package fsstore

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

type txnState uint8

const (
	txnBegun     txnState = iota // buffering writes
	txnVoted                     // written at the tail with status 'c'
	txnFinishing                 // Finish called, waiting for the committer
	txnFinished
	txnAborted
)

var stateNames = [...]string{"begun", "voted", "finishing", "finished", "aborted"}

type recKind uint8

const (
	recStore recKind = iota
	recDelete
	recRestore
	recUndo
)

// txnRec is one buffered data record.
type txnRec struct {
	oid     proto.Oid
	kind    recKind
	tid     proto.Tid // restore: the record's serial (0: the txn's tid)
	read    proto.Tid // store/delete: the serial the writer read
	base    int64     // committed position the record was based on; Vote re-checks it
	hasData bool
	off, n  int   // the pickle in Txn.buf
	back    int64 // !hasData: the backpointer (0: no data)
	prev    int64 // set at Vote: the committed record it follows
	at      int64 // set at encode: offset of the record from the txn start
}

// readCheck is a CheckCurrentSerial to repeat at Vote.
type readCheck struct {
	oid    proto.Oid
	serial proto.Tid
	base   int64
}

// Txn is a transaction in two-phase commit. Its methods are meant to be
// called by one goroutine at a time (the one driving the transaction),
// except that Finish and Abort of different transactions run concurrently.
type Txn struct {
	s      *Store
	meta   proto.TxnMeta
	status byte // written at Finish

	recs   []txnRec
	buf    []byte
	latest map[proto.Oid]int // oid -> index of its last record (large txns)
	reads  []readCheck

	// The pack generation of the positions held in recs and reads (see
	// notePositions): after a pack swap they are stale.
	posGen              uint64
	posGenSet, posMixed bool

	// Owned by the pipeline, guarded by pipeline.mu once voted.
	state    txnState
	tid      proto.Tid
	tpos     int64
	enc      []byte
	onCommit func(proto.Tid)
	done     chan struct{}
	err      error
}

// Begin starts a transaction with the given metadata. meta.Tid, when set,
// is the tid to commit with (it must exceed the last one at Vote);
// meta.Status, when set, is the status written at Finish (' ' or 'p').
func (s *Store) Begin(meta proto.TxnMeta) (*Txn, error) {
	if s.readOnly {
		return nil, readOnlyErr("tpc_begin")
	}
	if s.isClosed() {
		return nil, ErrClosed
	}
	for _, f := range []struct {
		name string
		b    []byte
	}{{"user name", meta.User}, {"description", meta.Description}, {"extension", meta.Extension}} {
		if len(f.b) > MaxMetaLen {
			return nil, fmt.Errorf("%w: %s is %d bytes (at most %d)", ErrMetaTooLong, f.name, len(f.b), MaxMetaLen)
		}
	}
	status := meta.Status
	switch status {
	case 0:
		status = proto.StatusCommitted
	case proto.StatusCommitted, proto.StatusPacked:
	default:
		return nil, &proto.StorageTransactionError{Msg: fmt.Sprintf("invalid transaction status %q", status)}
	}
	if meta.Tid >= proto.MaxTid {
		return nil, fmt.Errorf("%w: tid %s is not below the maximum", ErrTidOrder, meta.Tid)
	}
	meta.User = bytes.Clone(meta.User)
	meta.Description = bytes.Clone(meta.Description)
	meta.Extension = bytes.Clone(meta.Extension)
	return &Txn{s: s, meta: meta, status: status}, nil
}

// Tid returns the transaction's tid once voted (ZeroTid before).
func (t *Txn) Tid() proto.Tid { return t.tid }

// Oids returns the oids the transaction writes, each once, in the order
// of their first record.
func (t *Txn) Oids() []proto.Oid {
	seen := make(map[proto.Oid]bool, len(t.recs))
	var r []proto.Oid
	for i := range t.recs {
		if oid := t.recs[i].oid; !seen[oid] {
			seen[oid] = true
			r = append(r, oid)
		}
	}
	return r
}

func (t *Txn) checkBegun(op string) error {
	if t.s.isClosed() {
		return ErrClosed
	}
	if t.state != txnBegun {
		return &proto.StorageTransactionError{Msg: op + " in a transaction that is " + stateNames[t.state]}
	}
	return nil
}

// add buffers a record.
func (t *Txn) add(r txnRec, data []byte) {
	if data != nil {
		r.hasData, r.off, r.n = true, len(t.buf), len(data)
		t.buf = append(t.buf, data...)
	}
	t.recs = append(t.recs, r)
	if t.latest != nil {
		t.latest[r.oid] = len(t.recs) - 1
	} else if len(t.recs) >= 64 {
		t.latest = make(map[proto.Oid]int, 2*len(t.recs))
		for i := range t.recs {
			t.latest[t.recs[i].oid] = i
		}
	}
}

// last returns the index of oid's latest record in this txn, or -1.
func (t *Txn) last(oid proto.Oid) int {
	if t.latest != nil {
		if i, ok := t.latest[oid]; ok {
			return i
		}
		return -1
	}
	for i := len(t.recs) - 1; i >= 0; i-- {
		if t.recs[i].oid == oid {
			return i
		}
	}
	return -1
}

// Store buffers a new revision of oid. serial is the revision the data is
// based on (ZeroTid for a new object); it is checked against the committed
// state now, and again at Vote: a mismatch is a *proto.ConflictError, the
// data is not buffered, and the transaction stays usable.
func (t *Txn) Store(oid proto.Oid, serial proto.Tid, data []byte) error {
	if err := t.checkBegun("store"); err != nil {
		return err
	}
	if len(data) == 0 {
		return fmt.Errorf("%w (oid %s)", ErrEmptyData, oid.Repr())
	}
	committed, pos, gen, err := t.s.currentTidGen(oid, "store")
	if err != nil {
		return err
	}
	if committed != serial {
		return &proto.ConflictError{Oid: oid, Committed: committed, Read: serial}
	}
	t.notePositions(gen)
	t.add(txnRec{oid: oid, kind: recStore, read: serial, base: pos}, data)
	return nil
}

// Delete buffers a deleteObject: a record with no data (plen 0, back 0).
// The oid must exist and serial must be its current serial.
func (t *Txn) Delete(oid proto.Oid, serial proto.Tid) error {
	if err := t.checkBegun("deleteObject"); err != nil {
		return err
	}
	committed, pos, gen, err := t.s.currentTidGen(oid, "deleteObject")
	if err != nil {
		return err
	}
	if pos == 0 {
		return &proto.POSKeyError{Oid: oid}
	}
	if committed != serial {
		return &proto.ConflictError{Oid: oid, Committed: committed, Read: serial}
	}
	t.notePositions(gen)
	t.add(txnRec{oid: oid, kind: recDelete, read: serial, base: pos}, nil)
	return nil
}

// CheckCurrentSerial fails with *proto.ReadConflictError when oid's
// current serial is not serial; the check is repeated at Vote.
func (t *Txn) CheckCurrentSerial(oid proto.Oid, serial proto.Tid) error {
	if err := t.checkBegun("checkCurrentSerialInTransaction"); err != nil {
		return err
	}
	v, err := t.s.rlock()
	if err != nil {
		return err
	}
	defer t.s.runlock()
	pos := t.s.idx.get(oid)
	if pos == 0 {
		return &proto.POSKeyError{Oid: oid}
	}
	h, err := v.dataHeaderOf(oid, pos, "checkCurrentSerial")
	if err != nil {
		return err
	}
	if h.Plen == 0 && h.Back == 0 {
		return &proto.POSKeyError{Oid: oid}
	}
	if h.Tid != serial {
		return &proto.ReadConflictError{Oid: oid, Committed: h.Tid, Read: serial}
	}
	t.notePositions(v.gen)
	t.reads = append(t.reads, readCheck{oid: oid, serial: serial, base: pos})
	return nil
}

// Restore buffers a copied revision (copyTransactionsFrom, recovery): the
// record gets tid serial (ZeroTid: the transaction's), no conflict check.
// When prevTxn names a committed transaction whose record of oid holds
// identical data (or is itself a backpointer), a backpointer to it is
// written instead of the data. data == nil writes "no data" (back 0).
func (t *Txn) Restore(oid proto.Oid, serial proto.Tid, data []byte, prevTxn proto.Tid) error {
	if err := t.checkBegun("restore"); err != nil {
		return err
	}
	if data != nil && len(data) == 0 {
		return fmt.Errorf("%w (oid %s)", ErrEmptyData, oid.Repr())
	}
	var back int64
	if prevTxn != 0 {
		var gen uint64
		var err error
		if back, gen, err = t.s.dataFind(prevTxn, oid, data); err != nil {
			return err
		}
		if back != 0 {
			t.notePositions(gen)
		}
	}
	r := txnRec{oid: oid, kind: recRestore, tid: serial, base: -1}
	if back != 0 || data == nil {
		r.back = back
		data = nil
	}
	t.add(r, data)
	return nil
}

// currentTid returns oid's current serial and record position (0, 0 when
// unknown).
func (s *Store) currentTid(oid proto.Oid, op string) (proto.Tid, int64, error) {
	tid, pos, _, err := s.currentTidGen(oid, op)
	return tid, pos, err
}

// currentTidGen is currentTid plus the pack generation of the position.
func (s *Store) currentTidGen(oid proto.Oid, op string) (proto.Tid, int64, uint64, error) {
	v, err := s.rlock()
	if err != nil {
		return 0, 0, 0, err
	}
	defer s.runlock()
	tid, pos, err := s.currentTidLocked(&v, oid, op)
	return tid, pos, v.gen, err
}

// notePositions records that the transaction holds log positions taken
// in pack generation gen; Vote re-checks by serial when a pack has
// swapped the files since (pack.go).
func (t *Txn) notePositions(gen uint64) {
	if !t.posGenSet {
		t.posGen, t.posGenSet = gen, true
	} else if gen != t.posGen {
		t.posMixed = true
	}
}

// headerLen is the length of the transaction header with metadata.
func (t *Txn) headerLen() int64 {
	return TxnHeaderSize + int64(len(t.meta.User)+len(t.meta.Description)+len(t.meta.Extension))
}

// encode appends the whole transaction as it goes to the file at tpos:
// header with status 'c', the data records, the redundant length.
func (t *Txn) encode(dst []byte, tpos int64) []byte {
	tlen := t.headerLen()
	for i := range t.recs {
		r := &t.recs[i]
		r.at = tlen
		if r.hasData {
			tlen += DataHeaderSize + int64(r.n)
		} else {
			tlen += DataHeaderSize + BackSize
		}
	}
	h := TxnHeader{Tid: t.tid, Len: uint64(tlen), Status: proto.StatusCheckpoint,
		User: t.meta.User, Description: t.meta.Description, Extension: t.meta.Extension}
	dst = h.AppendTo(dst)
	for i := range t.recs {
		r := &t.recs[i]
		dh := DataHeader{Oid: r.oid, Tid: t.tid, Prev: uint64(r.prev), Tloc: uint64(tpos)}
		if r.kind == recRestore && r.tid != 0 {
			dh.Tid = r.tid
		}
		if r.hasData {
			dh.Plen = uint64(r.n)
			dst = dh.AppendTo(dst)
			dst = append(dst, t.buf[r.off:r.off+r.n]...)
		} else {
			dh.Back = uint64(r.back)
			dst = dh.AppendTo(dst)
		}
	}
	return binary.BigEndian.AppendUint64(dst, uint64(tlen))
}
