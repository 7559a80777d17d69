// The end of two-phase commit: Vote (conflicts returned for resolution),
// Finish and Abort.

package client

import (
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// Vote votes the transaction. With no conflicts it returns (nil, nil) and
// the transaction is voted: call Finish or Abort. Store conflicts come
// back as a list: resolve each, Store the result with serial =
// Conflict.Committed, and Vote again. Any other failure (a read conflict,
// an error of an earlier one-way call) is returned as an error; the
// transaction is then gone on the server, and only Abort remains.
func (t *Txn) Vote() ([]proto.Conflict, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usableLocked(txnBegun); err != nil {
		return nil, opErr(t.cn.addr, "vote", err)
	}
	w, err := t.cn.roundTrip(nil, &proto.VoteRequest{Txn: t.id})
	if err != nil {
		t.err = err
		if !errors.Is(err, ErrDisconnected) {
			t.err = fmt.Errorf("%w: the vote failed", ErrTxnDone)
		}
		var oid proto.Oid
		var ce *proto.ConflictError
		var rce *proto.ReadConflictError
		switch {
		case errors.As(err, &ce):
			oid = ce.Oid
		case errors.As(err, &rce):
			oid = rce.Oid
		default:
			return nil, opErr(t.cn.addr, "vote", err)
		}
		return nil, oidErr(t.cn.addr, "vote", oid, err)
	}
	defer w.release()
	var m proto.VoteReply
	if err := decodeReply(t.cn, "vote", w, &m); err != nil {
		t.err = ErrDisconnected
		t.cn.shutdown(err)
		return nil, err
	}
	if len(m.Conflicts) > 0 {
		var a arena
		for i := range m.Conflicts {
			a.reserve(len(m.Conflicts[i].Data))
		}
		for i := range m.Conflicts {
			m.Conflicts[i].Data = a.copy(m.Conflicts[i].Data)
		}
		return m.Conflicts, nil
	}
	t.b.resolved = append(t.b.resolved[:0], m.Resolved...)
	t.state = txnVoted
	return nil, nil
}

// Finish commits the voted transaction and returns its tid. Before it
// returns (and before any later invalidation is processed) the cache holds
// the committed data as the current revisions, OnInvalidate has seen the
// transaction, and LastTransaction reports its tid.
func (t *Txn) Finish() (proto.Tid, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.usableLocked(txnVoted); err != nil {
		return 0, opErr(t.cn.addr, "tpcFinish", err)
	}
	w := getWaiter(waitFinish, proto.OpTpcFinish)
	w.txn = t
	t.cn.send(w, &proto.TpcFinishRequest{Txn: t.id})
	<-w.ch
	tid, err := w.tid, w.err
	w.release()
	defer t.endLocked()
	if err != nil {
		if !errors.Is(err, ErrDisconnected) && !errors.Is(err, ErrClosed) {
			// The server refused; make sure it holds nothing for us.
			if w, aerr := t.cn.roundTrip(nil, &proto.TpcAbortRequest{Txn: t.id}); aerr == nil {
				w.release()
			}
		}
		return 0, opErr(t.cn.addr, "tpcFinish", err)
	}
	return tid, nil
}

// Abort abandons the transaction. It is a no-op after Finish or Abort, and
// succeeds when the connection was lost (the server aborted it).
func (t *Txn) Abort() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == txnDone {
		return nil
	}
	defer t.endLocked()
	if t.cn.isDead() || t.c.cur.Load() != t.cn {
		return nil
	}
	w, err := t.cn.roundTrip(nil, &proto.TpcAbortRequest{Txn: t.id})
	if err != nil {
		if errors.Is(err, ErrDisconnected) || errors.Is(err, ErrClosed) {
			return nil
		}
		return opErr(t.cn.addr, "tpcAbort", err)
	}
	w.release()
	return nil
}
