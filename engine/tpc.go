// Two-phase commit on the server: the per-connection transaction, its
// commit log, and the vote, finish and abort steps.

package engine

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gozeo/gozeo/proto"
)

type txnPhase uint8

const (
	txnBegun     txnPhase = iota // collecting stores
	txnVoting                    // vote running (locks, replay, storage vote)
	txnVoted                     // voted: locks held, waiting for finish or abort
	txnFinishing                 // finish running
)

type logKind uint8

const (
	logStore logKind = iota
	logCheck
	logDelete
	logRestore
	logUndo
)

// logEntry is one buffered call of a transaction; data lives in the
// transaction's arena.
type logEntry struct {
	kind    logKind
	oid     proto.Oid
	serial  proto.Tid
	tid2    proto.Tid // restore: prev_txn; undo: the transaction to undo
	off, n  int
	hasData bool
}

// txnState is a client's transaction. Guarded by its connection's mu,
// except where a commit goroutine owns it (phases voting and finishing).
type txnState struct {
	c        *conn
	id       uint64
	meta     proto.TxnMeta
	metaBuf  []byte
	log      []logEntry
	arena    []byte
	asyncErr error
	phase    txnPhase

	owner    *lockOwner
	stx      Txn
	tid      proto.Tid
	undone   []proto.Oid
	lockedAt time.Time
	cancel   chan struct{} // closed when an abort or disconnect interrupts a vote
	canceled bool
	abortReq *request // a tpc_abort that arrived during the vote
}

// logTxnOp handles tpc_begin and the one-way calls that fill the commit
// log. It runs on the loop.
func (c *conn) logTxnOp(r *request) bool {
	if c.readOnly {
		return c.fail(r, &proto.ReadOnlyError{Msg: r.op.String() + " on a read-only connection"})
	}
	c.mu.Lock()
	t := c.txn
	if r.op == opTpcBegin {
		if t != nil {
			c.mu.Unlock()
			if t.id == r.txn {
				return true // a repeat of the same tpc_begin is ignored, as in ZEO
			}
			return c.fail(r, &proto.StorageTransactionError{Msg: "another transaction is in progress on this connection"})
		}
		c.txn = newTxnState(c, r)
		c.mu.Unlock()
		c.st.stats.activeTxns.Add(1)
		return true
	}
	if t == nil || t.id != r.txn {
		c.mu.Unlock()
		return c.fail(r, &proto.StorageTransactionError{Msg: fmt.Sprintf("%s for a transaction that was not begun", r.op)})
	}
	if t.phase != txnBegun {
		c.mu.Unlock()
		return c.fail(r, &proto.StorageTransactionError{Msg: fmt.Sprintf("%s after vote", r.op)})
	}
	e := logEntry{oid: r.oid, serial: r.tid, tid2: r.tid2, hasData: r.hasData}
	switch r.op {
	case opStore:
		e.kind = logStore
		c.st.stats.stores.Add(1)
	case opCheckCurrentSerial:
		e.kind = logCheck
	case opDeleteObject:
		e.kind = logDelete
		c.st.stats.stores.Add(1)
	case opRestore:
		e.kind = logRestore
		c.st.stats.stores.Add(1)
	case opUndo:
		tid, err := decodeUndoID(r.str)
		if err != nil {
			c.mu.Unlock()
			return c.fail(r, err)
		}
		e.kind, e.tid2 = logUndo, tid
	}
	e.off, e.n = len(t.arena), len(r.data)
	t.arena = append(t.arena, r.data...)
	t.log = append(t.log, e)
	c.mu.Unlock()
	return true
}

func newTxnState(c *conn, r *request) *txnState {
	t := &txnState{c: c, id: r.txn, owner: newLockOwner()}
	m := r.meta
	t.metaBuf = make([]byte, 0, len(m.User)+len(m.Description)+len(m.Extension))
	cp := func(b []byte) []byte {
		start := len(t.metaBuf)
		t.metaBuf = append(t.metaBuf, b...)
		return t.metaBuf[start:len(t.metaBuf):len(t.metaBuf)]
	}
	t.meta = proto.TxnMeta{User: cp(m.User), Description: cp(m.Description),
		Extension: cp(m.Extension), Tid: m.Tid, Status: m.Status}
	return t
}

// data returns an entry's bytes (nil for a restore without data).
func (t *txnState) data(e *logEntry) []byte {
	if e.kind == logRestore && !e.hasData {
		return nil
	}
	return t.arena[e.off : e.off+e.n : e.off+e.n]
}

// commitStep starts vote, finish or abort. It runs on the loop; the work
// runs on a goroutine of its own, since it waits for locks and disk.
func (c *conn) commitStep(r *request) bool {
	c.mu.Lock()
	t := c.txn
	if t == nil || t.id != r.txn {
		c.mu.Unlock()
		switch r.op {
		case opTpcAbort:
			c.out = c.codec.appendNil(c.out, r) // ZEO: silently ignored
			return true
		case opTpcFinish:
			if c.codec.kind() != kindNative {
				c.out = c.codec.appendNil(c.out, r) // ZEO returns None for a wrong txn
				return true
			}
		}
		return c.fail(r, &proto.StorageTransactionError{Msg: fmt.Sprintf("%s for a transaction that was not begun", r.op)})
	}
	switch r.op {
	case opVote:
		if t.phase != txnBegun {
			c.mu.Unlock()
			return c.fail(r, &proto.StorageTransactionError{Msg: "already voting"})
		}
		t.phase = txnVoting
		t.cancel = make(chan struct{})
		t.canceled = false
	case opTpcFinish:
		if t.phase != txnVoted {
			c.mu.Unlock()
			return c.fail(r, &proto.StorageTransactionError{Msg: "tpc_finish before a successful vote"})
		}
		t.phase = txnFinishing
	case opTpcAbort:
		switch t.phase {
		case txnBegun:
			c.txn = nil
			c.mu.Unlock()
			c.st.stats.activeTxns.Add(-1)
			c.st.stats.aborts.Add(1)
			c.out = c.codec.appendNil(c.out, r)
			return true
		case txnVoting:
			ar := *r
			ar.detach()
			t.abortReq = &ar
			if !t.canceled {
				t.canceled = true
				close(t.cancel)
			}
			c.mu.Unlock()
			return true
		case txnFinishing:
			c.mu.Unlock()
			c.out = c.codec.appendNil(c.out, r) // too late: the commit completes
			return true
		}
		t.phase = txnFinishing // voted: the abort goroutine owns it now
	}
	c.mu.Unlock()
	job := *r
	job.detach()
	c.srv.txnsWG.Add(1)
	go func() {
		defer c.srv.txnsWG.Done()
		switch job.op {
		case opVote:
			c.vote(t, &job)
		case opTpcFinish:
			c.finish(t, &job)
		case opTpcAbort:
			c.abortVoted(t, &job)
		}
	}()
	return true
}

// lockOids lists the oids a transaction must lock: everything it writes or
// checks, and what the transactions it undoes wrote.
func (c *conn) lockOids(t *txnState) ([]proto.Oid, error) {
	oids := make([]proto.Oid, 0, len(t.log))
	for i := range t.log {
		e := &t.log[i]
		if e.kind != logUndo {
			oids = append(oids, e.oid)
			continue
		}
		u, err := c.st.st.TxnOids(e.tid2)
		if err != nil {
			return nil, err
		}
		oids = append(oids, u...)
	}
	return oids, nil
}

var errTxnAborted = &proto.StorageTransactionError{Msg: "transaction aborted during vote"}

// vote locks, replays the log into a storage transaction and votes, then
// answers: the vote result, the conflicts to resolve, or an error.
func (c *conn) vote(t *txnState, r *request) {
	st := c.st
	conflicts, err := c.doVote(t)
	c.mu.Lock()
	abortReq := t.abortReq
	if err == nil && len(conflicts) == 0 && abortReq != nil {
		// An abort arrived while we voted: undo the vote.
		c.mu.Unlock()
		_ = t.stx.Abort()
		t.stx = nil
		st.locks.release(t.owner)
		err = errTxnAborted
		c.mu.Lock()
	}
	switch {
	case err == nil && len(conflicts) == 0:
		t.phase = txnVoted
		c.mu.Unlock()
		c.srv.trackLocked(t, true)
		c.reply(r, func(dst []byte) []byte { return c.codec.appendVote(dst, r, t.tid, nil, t.undone) })
		return
	case err == nil && abortReq == nil:
		// The client resolves the conflicts, stores again and votes again:
		// keep the transaction and its log.
		t.phase = txnBegun
		c.mu.Unlock()
		st.stats.conflicts.Add(int64(len(conflicts)))
		c.reply(r, func(dst []byte) []byte { return c.codec.appendVote(dst, r, 0, conflicts, nil) })
		return
	}
	if c.txn == t {
		c.txn = nil
	}
	c.mu.Unlock()
	st.stats.activeTxns.Add(-1)
	// A failed vote is not counted as an abort (as in ZEO): the client's
	// tpc_abort that follows finds no transaction.
	if abortReq != nil {
		st.stats.aborts.Add(1)
	}
	if err == nil || errors.Is(err, errLockCanceled) {
		err = errTxnAborted
	}
	if proto.IsConflict(err) {
		st.stats.conflicts.Add(1)
	}
	c.reply(r, func(dst []byte) []byte { return c.codec.appendError(dst, r, err) })
	if abortReq != nil {
		c.reply(abortReq, func(dst []byte) []byte { return c.codec.appendNil(dst, abortReq) })
	}
}

// doVote does the work of a vote. On success t.stx is voted and the locks
// are held; otherwise the storage transaction is aborted and every lock
// released.
func (c *conn) doVote(t *txnState) ([]proto.Conflict, error) {
	st := c.st
	if t.asyncErr != nil {
		return nil, t.asyncErr
	}
	oids, err := c.lockOids(t)
	if err != nil {
		return nil, err
	}
	if err := st.locks.acquire(t.owner, oids, t.cancel); err != nil {
		return nil, err
	}
	conflicts, err := c.replay(t)
	if err == nil && len(conflicts) == 0 {
		t.tid, err = t.stx.Vote()
	}
	if err != nil || len(conflicts) > 0 {
		if t.stx != nil {
			_ = t.stx.Abort()
			t.stx = nil
		}
		st.locks.release(t.owner)
	}
	return conflicts, err
}

// replay begins the storage transaction and applies the log. Store
// conflicts are collected for the client to resolve (ZEO's
// client-conflict-resolution); a later store of the same oid that passes
// its serial check clears the oid's conflict.
func (c *conn) replay(t *txnState) ([]proto.Conflict, error) {
	stx, err := c.st.st.Begin(t.meta)
	if err != nil {
		return nil, err
	}
	t.stx = stx
	t.undone = t.undone[:0]
	var conflicts []proto.Conflict
	for i := range t.log {
		e := &t.log[i]
		switch e.kind {
		case logStore:
			err = stx.Store(e.oid, e.serial, t.data(e))
			var ce *proto.ConflictError
			if errors.As(err, &ce) {
				conflicts = slices.DeleteFunc(conflicts, func(x proto.Conflict) bool { return x.Oid == e.oid })
				conflicts = append(conflicts, proto.Conflict{Oid: e.oid, Committed: ce.Committed, Read: e.serial, Data: t.data(e)})
				err = nil
				continue
			}
			if err == nil {
				conflicts = slices.DeleteFunc(conflicts, func(x proto.Conflict) bool { return x.Oid == e.oid })
			}
		case logCheck:
			err = stx.CheckCurrentSerial(e.oid, e.serial)
		case logDelete:
			err = stx.Delete(e.oid, e.serial)
		case logRestore:
			err = stx.Restore(e.oid, e.serial, t.data(e), e.tid2)
		case logUndo:
			var oids []proto.Oid
			oids, err = stx.Undo(e.tid2)
			t.undone = append(t.undone, oids...)
		}
		if err != nil {
			return nil, err
		}
	}
	return conflicts, nil
}

// finish commits a voted transaction. The finish reply is queued by
// publish, in commit order after every earlier invalidation.
func (c *conn) finish(t *txnState, r *request) {
	st := c.st
	oids := t.invalidationOids()
	var published bool
	detachTxn := func() {
		c.mu.Lock()
		if c.txn == t {
			c.txn = nil
		}
		c.mu.Unlock()
	}
	_, err := t.stx.Finish(func(tid proto.Tid) {
		published = true
		// The connection is free for its next transaction, and the
		// commit counted, before the client can see the finish reply.
		detachTxn()
		st.stats.commits.Add(1)
		st.publish(c, r, tid, oids)
	})
	st.locks.release(t.owner)
	c.srv.trackLocked(t, false)
	detachTxn()
	st.stats.activeTxns.Add(-1)
	if err != nil {
		c.log.Error("commit failed after vote", "tid", t.tid.String(), "err", err.Error())
		st.stats.aborts.Add(1)
		if !published {
			c.reply(r, func(dst []byte) []byte { return c.codec.appendError(dst, r, err) })
		}
		return
	}
}

// invalidationOids lists what a committed transaction changed, in the
// order the client stored them (as ZEO sends them): stored, deleted and
// restored oids and the oids of undone transactions, each once. ZEO leaves
// out deletes and restores; we send them, as its notes advise.
func (t *txnState) invalidationOids() []proto.Oid {
	oids := make([]proto.Oid, 0, len(t.log)+len(t.undone))
	var seen map[proto.Oid]struct{}
	if len(t.log)+len(t.undone) > 32 {
		seen = make(map[proto.Oid]struct{}, len(t.log)+len(t.undone))
	}
	add := func(oid proto.Oid) {
		if seen != nil {
			if _, dup := seen[oid]; dup {
				return
			}
			seen[oid] = struct{}{}
		} else if slices.Contains(oids, oid) {
			return
		}
		oids = append(oids, oid)
	}
	for i := range t.log {
		if t.log[i].kind != logCheck && t.log[i].kind != logUndo {
			add(t.log[i].oid)
		}
	}
	for _, oid := range t.undone {
		add(oid)
	}
	return oids
}

// abortVoted aborts a voted transaction and frees its locks; r may be nil
// (a disconnect).
func (c *conn) abortVoted(t *txnState, r *request) {
	st := c.st
	if t.stx != nil {
		if err := t.stx.Abort(); err != nil {
			c.log.Error("abort failed", "err", err.Error())
		}
		t.stx = nil
	}
	st.locks.release(t.owner)
	c.srv.trackLocked(t, false)
	c.mu.Lock()
	if c.txn == t {
		c.txn = nil
	}
	c.mu.Unlock()
	st.stats.activeTxns.Add(-1)
	st.stats.aborts.Add(1)
	if r != nil {
		c.reply(r, func(dst []byte) []byte { return c.codec.appendNil(dst, r) })
	}
}

// reply encodes a reply off the loop and queues it.
func (c *conn) reply(r *request, enc func(dst []byte) []byte) {
	if c.closed.Load() || r.oneway {
		return
	}
	o := getOutBuf()
	o.b = enc(o.b)
	c.post(o.b, o)
}
