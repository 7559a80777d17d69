// Request dispatch on the event loop: what is answered inline, what goes
// to workers, what starts a commit step.

package engine

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// handleFrame processes one frame; false closes the connection.
func (c *conn) handleFrame(payload []byte) bool {
	if c.phase == phaseHandshake {
		return c.handshake(payload)
	}
	r := &c.req
	r.reset()
	if err := c.codec.decode(payload, r); err != nil {
		c.srv.stats.refusedFrames.Add(1)
		c.log.Warn("undecodable frame: closing connection", "err", err.Error(), "length", len(payload))
		c.out = c.appendProtocolError(c.out, "undecodable frame: "+err.Error())
		return false
	}
	return c.dispatch(r)
}

// appendProtocolError tells a native client why it is being disconnected;
// ZEO has no such message, so ZEO clients just see the close.
func (c *conn) appendProtocolError(dst []byte, msg string) []byte {
	if c.codec == nil || c.codec.kind() != kindNative {
		return dst
	}
	r := request{op: opInvalid}
	return c.codec.appendError(dst, &r, &proto.ServerError{Class: "ProtocolError", Message: msg})
}

// dispatch acts on one decoded request; false closes the connection.
func (c *conn) dispatch(r *request) bool {
	if r.op == opHeartbeat {
		return true
	}
	st := c.st
	if st == nil && r.op != opRegister {
		c.log.Warn("call before register: closing connection", "method", r.op.String())
		c.out = c.appendProtocolError(c.out, fmt.Sprintf("%s called before register", r.op))
		return false
	}
	switch r.op {
	case opRegister:
		return c.register(r)
	case opGetInfo:
		info := st.info()
		c.out = c.codec.appendInfo(c.out, r, &info)
	case opLastTransaction:
		c.out = c.codec.appendTid(c.out, r, st.st.LastTransaction())
	case opPing:
		c.out = c.codec.appendNil(c.out, r)
	case opServerStatus:
		stats := st.snapshot()
		c.out = c.codec.appendStats(c.out, r, &stats)
	case opSetClientLabel:
		c.mu.Lock()
		c.label = string(r.str)
		c.mu.Unlock()
		c.log = c.log.With("label", string(r.str))
	case opLoadBefore:
		st.stats.loads.Add(1)
		out, err := c.codec.appendLoadBefore(c.out, r, c.storage(), true)
		if errors.Is(err, ErrWouldBlock) {
			c.submit(r)
		} else {
			c.out = out
		}
	case opNewOIDs:
		if c.readOnly {
			return c.fail(r, &proto.ReadOnlyError{Msg: "new_oids on a read-only connection"})
		}
		c.submit(r)
	case opGetInvalidations:
		if tid, oids, ok, inQueue := st.invq.since(r.tid); inQueue {
			c.out = c.codec.appendInvalidations(c.out, r, tid, oids, ok)
		} else {
			c.submit(r)
		}
	case opLoadSerial, opGetTid, opHistory, opRecordIterNext, opIteratorStart,
		opIteratorNext, opIteratorRecordStart, opIteratorRecordNext, opUndoLog, opUndoInfo:
		c.submit(r)
	case opIteratorGC:
		ids := append([]uint64(nil), r.ids...)
		go c.iteratorGC(ids)
	case opPack:
		c.startPack(r)
	case opTpcBegin, opStore, opCheckCurrentSerial, opRestore, opDeleteObject, opUndo:
		return c.logTxnOp(r)
	case opVote, opTpcFinish, opTpcAbort:
		return c.commitStep(r)
	case opUnsupported:
		return c.fail(r, &proto.ServerError{Class: "builtins.NotImplementedError",
			Message: fmt.Sprintf("%s: blobs are not supported by this server", r.name)})
	default:
		c.log.Warn("invalid method: closing connection", "method", string(r.name))
		c.out = c.appendProtocolError(c.out, "invalid method")
		return false
	}
	return true
}

// fail reports err for r. A one-way call has no reply: a ZEO client's
// connection is closed, as ZEO does; a gozeo client gets the error at its
// next vote (or as an error frame when no transaction is collecting
// calls: none is open, or its vote has started).
func (c *conn) fail(r *request, err error) bool {
	if r.oneway {
		if c.codec.kind() != kindNative {
			c.log.Warn("one-way call failed: closing connection", "method", r.op.String(), "err", err.Error())
			return false
		}
		// Only a transaction still collecting its calls keeps the error
		// for its vote: once the vote has started, the commit goroutine
		// owns the transaction (and reads asyncErr without c.mu), so a
		// late call's error goes back as an error frame instead.
		c.mu.Lock()
		t := c.txn
		collecting := t != nil && t.phase == txnBegun
		if collecting && t.asyncErr == nil {
			t.asyncErr = err
		}
		c.mu.Unlock()
		if collecting {
			return true
		}
	}
	c.out = c.codec.appendError(c.out, r, err)
	return true
}

// register binds the connection to a storage and starts its invalidations.
func (c *conn) register(r *request) bool {
	if c.st != nil {
		return c.fail(r, &proto.ServerError{Class: "builtins.ValueError", Message: "already registered"})
	}
	name := string(r.str)
	st := c.srv.storages[name]
	if st == nil {
		c.log.Warn("register for an unknown storage", "storage", name)
		return c.fail(r, &proto.ServerError{Class: "builtins.ValueError", Message: fmt.Sprintf("unknown storage %q", name)})
	}
	readOnly := r.flag
	if !readOnly && (c.srv.opts.ReadOnly || st.readOnly) {
		return c.fail(r, &proto.ReadOnlyError{Msg: fmt.Sprintf("storage %q is read-only", name)})
	}
	c.readOnly = readOnly || c.srv.opts.ReadOnly || st.readOnly
	tid := st.addConn(c)
	c.st = st
	c.log = c.log.With("storage", name)
	c.log.Info("client registered", "read_only", c.readOnly, "last_tid", tid.String())
	c.out = c.codec.appendTid(c.out, r, tid)
	return true
}

// decodeUndoID turns ZODB's undo id (base64 of the tid) into the tid.
func decodeUndoID(id []byte) (proto.Tid, error) {
	var raw [9]byte
	if base64.StdEncoding.DecodedLen(len(id)) > len(raw) {
		return 0, &proto.UndoError{Msg: fmt.Sprintf("bad undo id %q", id)}
	}
	n, err := base64.StdEncoding.Decode(raw[:], id)
	if err != nil || n != 8 {
		return 0, &proto.UndoError{Msg: fmt.Sprintf("bad undo id %q", id)}
	}
	return proto.TidFromBytes(raw[:8]), nil
}
