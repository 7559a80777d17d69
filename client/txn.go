// Two-phase commit up to the vote: Txn, TpcBegin and the pipelined
// one-way calls (Store, CheckCurrentSerial, Delete, Restore, Undo).

package client

import (
	"errors"
	"sync"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

type txnState uint8

const (
	txnBegun txnState = iota // storing; Vote may be called (again, after conflicts)
	txnVoted                 // voted: Finish or Abort
	txnDone                  // finished or aborted; the commit lock is released
)

// Txn is a transaction in two-phase commit, bound to the connection it
// began on: if that connection is lost, every later call fails with
// ErrDisconnected and Abort succeeds (the server aborts it). One Txn per
// Client at a time: TpcBegin waits for the previous one to finish or
// abort. Its methods are safe for concurrent use, but meant to be called
// in order from one goroutine.
type Txn struct {
	c  *Client
	cn *conn
	id uint64

	mu    sync.Mutex
	state txnState
	err   error // sticky: the transaction is gone on the server

	b txnBufs // what was written, for the cache at Finish
}

// txnBufs keep what a transaction wrote. The client hands them from one
// transaction to the next (under commitMu), so their capacity is reused.
type txnBufs struct {
	arena      []byte // the data stored, back to back
	recs       []txnRec
	resolved   []proto.Oid // oids the server resolved or undid (vote reply)
	seen       map[proto.Oid]struct{}
	oidScratch []proto.Oid
	squeezed   []byte // a record compressed by CompressStores
}

// maxKeptArena bounds the data buffer kept for the next transaction.
const maxKeptArena = 16 << 20

// reset empties the buffers for reuse, dropping an oversized arena.
func (b *txnBufs) reset() {
	if cap(b.arena) > maxKeptArena {
		b.arena = nil
	}
	b.arena, b.recs, b.resolved, b.oidScratch = b.arena[:0], b.recs[:0], b.resolved[:0], b.oidScratch[:0]
	if b.seen == nil {
		b.seen = make(map[proto.Oid]struct{})
	}
	clear(b.seen)
}

type txnRec struct {
	oid     proto.Oid
	off, n  int
	hasData bool
}

// TpcBegin starts a transaction with meta (user, description, extension;
// Tid and Status only when copying transactions). It waits for the
// client's previous transaction to end, and for a connection while
// disconnected. A read-only connection refuses with *proto.ReadOnlyError.
func (c *Client) TpcBegin(meta proto.TxnMeta) (*Txn, error) {
	if c.closed.Load() {
		return nil, opErr("", "tpcBegin", ErrClosed)
	}
	c.commitMu.Lock()
	cn, err := c.acquire(nil)
	if err != nil {
		c.commitMu.Unlock()
		return nil, opErr("", "tpcBegin", err)
	}
	if cn.readOnly {
		c.commitMu.Unlock()
		return nil, opErr(cn.addr, "tpcBegin", &proto.ReadOnlyError{Msg: "tpc_begin on a read-only connection"})
	}
	t := &Txn{c: c, cn: cn, id: c.txnSeq.Add(1), b: c.txnBufs}
	c.txnBufs = txnBufs{}
	t.b.reset()
	if err := cn.sendOneWay(&proto.TpcBeginRequest{Txn: t.id, Meta: meta}); err != nil {
		t.endLocked()
		return nil, opErr(cn.addr, "tpcBegin", err)
	}
	return t, nil
}

// usableLocked checks that the transaction accepts op. REQUIRES: t.mu.
func (t *Txn) usableLocked(want txnState) error {
	switch {
	case t.state == txnDone:
		return ErrTxnDone
	case t.err != nil:
		return t.err
	case t.state != want:
		return ErrTxnState
	case t.cn.isDead() || t.c.cur.Load() != t.cn:
		t.err = ErrDisconnected
		return t.err
	}
	return nil
}

// recordLocked keeps what a one-way call wrote, for the cache at Finish.
// REQUIRES: t.mu.
func (t *Txn) recordLocked(oid proto.Oid, data []byte, hasData bool) {
	off := len(t.b.arena)
	t.b.arena = append(t.b.arena, data...)
	t.b.recs = append(t.b.recs, txnRec{oid: oid, off: off, n: len(data), hasData: hasData})
}

// endLocked ends the transaction: its buffers go back to the client and
// the commit lock is released. REQUIRES: t.mu (or t not yet shared).
func (t *Txn) endLocked() {
	t.state = txnDone
	t.c.txnBufs = t.b
	t.b = txnBufs{}
	t.c.commitMu.Unlock()
}

// oneWayLocked sends a one-way call of the transaction on oid.
// REQUIRES: t.mu.
func (t *Txn) oneWayLocked(op string, oid proto.Oid, m proto.Message) error {
	if err := t.usableLocked(txnBegun); err != nil {
		return oidErr(t.cn.addr, op, oid, err)
	}
	if err := t.cn.sendOneWay(m); err != nil {
		return t.sendFailedLocked(op, oid, err)
	}
	return nil
}

// sendFailedLocked marks the transaction lost when a send failed for any
// reason but its size. REQUIRES: t.mu.
func (t *Txn) sendFailedLocked(op string, oid proto.Oid, err error) error {
	if !errors.Is(err, ErrTooLarge) {
		t.err = ErrDisconnected
	}
	return oidErr(t.cn.addr, op, oid, err)
}

// Store stores data as the new revision of oid, based on revision serial
// (ZeroTid for a new object). It is one-way and pipelined: errors,
// conflicts included, come back from Vote. data may be reused once Store
// returns.
func (t *Txn) Store(oid proto.Oid, serial proto.Tid, data []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usableLocked(txnBegun); err != nil {
		return oidErr(t.cn.addr, "store", oid, err)
	}
	data = t.squeezeLocked(data)
	if err := t.cn.sendStore(t.id, oid, serial, data); err != nil {
		return t.sendFailedLocked("store", oid, err)
	}
	t.recordLocked(oid, data, true)
	return nil
}

// CheckCurrentSerial asks Vote to check that revision serial of oid is
// still current (else *proto.ReadConflictError).
func (t *Txn) CheckCurrentSerial(oid proto.Oid, serial proto.Tid) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.oneWayLocked("checkCurrentSerial", oid, &proto.CheckCurrentSerialRequest{Txn: t.id, Oid: oid, Serial: serial})
}

// Delete deletes oid, whose current revision must be serial.
func (t *Txn) Delete(oid proto.Oid, serial proto.Tid) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.oneWayLocked("delete", oid, &proto.DeleteObjectRequest{Txn: t.id, Oid: oid, Serial: serial}); err != nil {
		return err
	}
	t.recordLocked(oid, nil, false)
	return nil
}

// Restore writes revision serial of oid as is, without a conflict check
// (copying transactions); data nil means the object does not exist in it,
// and prevTxn, when set, makes it a backpointer to that transaction.
func (t *Txn) Restore(oid proto.Oid, serial proto.Tid, data []byte, prevTxn proto.Tid) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if data != nil {
		data = t.squeezeLocked(data)
	}
	m := &proto.RestoreRequest{Txn: t.id, Oid: oid, Serial: serial, PrevTxn: prevTxn, Data: data}
	if err := t.oneWayLocked("restore", oid, m); err != nil {
		return err
	}
	t.recordLocked(oid, data, data != nil)
	return nil
}

// Undo undoes the transaction whose undo id (from UndoLog) is id; the
// objects it touches are reported by Vote's server and invalidated at
// Finish.
func (t *Txn) Undo(id []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usableLocked(txnBegun); err != nil {
		return opErr(t.cn.addr, "undo", err)
	}
	if err := t.cn.sendOneWay(&proto.UndoRequest{Txn: t.id, ID: id}); err != nil {
		t.err = ErrDisconnected
		return opErr(t.cn.addr, "undo", err)
	}
	return nil
}

// squeezeLocked compresses a record with Options.CompressStores (the
// result is valid until the next call). REQUIRES: t.mu.
func (t *Txn) squeezeLocked(data []byte) []byte {
	codec := t.c.opts.CompressStores
	if codec == compress.None {
		return data
	}
	z := compressors.Compressor(codec)
	t.b.squeezed, _ = z.Compress(t.b.squeezed[:0], data)
	compressors.PutCompressor(z)
	return t.b.squeezed
}
