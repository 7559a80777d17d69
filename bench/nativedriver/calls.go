// Pipelined loads, synchronous calls, commits and the push reader.

package nativedriver

import (
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// SendLoad buffers a LoadBefore of the current revision of oid in slot
// (0 <= slot < MaxSlots); Flush sends it.
func (c *Conn) SendLoad(slot int, oid proto.Oid) {
	m := proto.LoadBeforeRequest{Oid: oid, Before: proto.MaxTid}
	c.wc.Out = m.AppendFrame(c.wc.Out, uint32(slot)+1)
}

// Flush sends the buffered requests.
func (c *Conn) Flush() error { return c.wc.Flush() }

// Buffered reports whether a whole reply is already read, so that the
// next RecvLoad does not wait for the network.
func (c *Conn) Buffered() bool { return c.wc.Buffered(c.split) }

// RecvLoad waits for the next load reply and returns its slot and data
// size. When the server answered the load with an error (a missing
// object), slot is valid and err is that error; a slot of -1 means the
// connection failed. Pushes read on the way go to OnInvalidate.
func (c *Conn) RecvLoad() (slot, size int, err error) {
	for {
		f, err := c.frame()
		if err != nil {
			return -1, 0, err
		}
		if f.IsPush() {
			continue
		}
		if !f.IsReply() || f.Op != proto.OpLoadBefore || f.MsgID == 0 || f.MsgID >= callBase {
			return -1, 0, fmt.Errorf("%w: %s reply msgid %d while loading", ErrUnexpected, f.Op, f.MsgID)
		}
		slot = int(f.MsgID - 1)
		if f.IsError() {
			return slot, 0, proto.DecodeError(f.Body)
		}
		if err := c.lb.Decode(f.Body); err != nil {
			return -1, 0, err
		}
		if !c.lb.Found {
			return slot, 0, proto.ErrNoRevision
		}
		return slot, len(c.lb.Data), nil
	}
}

// frame reads the next frame, handing pushes to OnInvalidate.
func (c *Conn) frame() (proto.Frame, error) {
	b, err := c.wc.Next(c.split)
	if err != nil {
		return proto.Frame{}, err
	}
	f, _, err := proto.ReadFrame(b, c.max)
	if err != nil {
		return f, err
	}
	if f.IsPush() && f.Op == proto.OpInvalidateTransaction && !f.IsError() {
		if err := c.inv.Decode(f.Body); err != nil {
			return f, err
		}
		if c.OnInvalidate != nil {
			c.OnInvalidate(c.inv.Tid, c.inv.Oids)
		}
	}
	return f, nil
}

// call sends m and returns its reply (an error reply as the error it
// carries). No load may be in flight.
func (c *Conn) call(m proto.Message) (proto.Frame, error) {
	id := c.next
	c.next++
	if c.next == 0 {
		c.next = callBase
	}
	c.wc.Out = m.AppendFrame(c.wc.Out, id)
	if err := c.wc.Flush(); err != nil {
		return proto.Frame{}, err
	}
	for {
		f, err := c.frame()
		if err != nil {
			return f, err
		}
		if f.IsPush() {
			continue
		}
		if !f.IsReply() || f.MsgID != id {
			return f, fmt.Errorf("%w: %s msgid %d waiting for %s msgid %d", ErrUnexpected, f.Op, f.MsgID, m.Op(), id)
		}
		if f.IsError() {
			return f, proto.DecodeError(f.Body)
		}
		return f, nil
	}
}

// Ping is one empty round trip.
func (c *Conn) Ping() error {
	_, err := c.call(&proto.PingRequest{})
	return err
}

// NewOIDs asks the server for n new oids (the server caps n to 1..100)
// and returns them; the slice is reused by the next call.
func (c *Conn) NewOIDs(n int) ([]proto.Oid, error) {
	f, err := c.call(&proto.NewOIDsRequest{N: uint32(n)})
	if err != nil {
		return nil, err
	}
	if err := c.oids.Decode(f.Body); err != nil {
		return nil, err
	}
	return c.oids.Oids, nil
}

// Commit runs one transaction writing stores (none: an empty commit):
// tpc_begin and the stores go out with the vote in one write, then
// tpc_finish. It returns the committed tid. A conflict reported by the
// vote is a *proto.ConflictError (the transaction is aborted). No load
// may be in flight.
func (c *Conn) Commit(stores []Store) (proto.Tid, error) {
	c.txn++
	txn := c.txn
	begin := proto.TpcBeginRequest{Txn: txn, Meta: proto.TxnMeta{User: benchUser}}
	c.wc.Out = begin.AppendFrame(c.wc.Out, 0)
	for i := range stores {
		s := &stores[i]
		m := proto.StoreRequest{Txn: txn, Oid: s.Oid, Serial: s.Serial, Data: s.Data}
		c.wc.Out = m.AppendFrame(c.wc.Out, 0)
	}
	f, err := c.call(&proto.VoteRequest{Txn: txn})
	if err != nil {
		return 0, err
	}
	if err := c.vote.Decode(f.Body); err != nil {
		return 0, err
	}
	if len(c.vote.Conflicts) > 0 {
		cf := c.vote.Conflicts[0]
		if _, err := c.call(&proto.TpcAbortRequest{Txn: txn}); err != nil {
			return 0, err
		}
		return 0, &proto.ConflictError{Oid: cf.Oid, Committed: cf.Committed, Read: cf.Read}
	}
	if f, err = c.call(&proto.TpcFinishRequest{Txn: txn}); err != nil {
		return 0, err
	}
	var fin proto.TpcFinishReply
	if err := fin.Decode(f.Body); err != nil {
		return 0, err
	}
	c.lastTid = fin.Tid
	return fin.Tid, nil
}

// benchUser is the user name of the load tool's transactions.
var benchUser = []byte("gozeo bench")

// ReadPushes reads frames until the connection fails or is closed,
// handing invalidations to OnInvalidate (an idle client). It returns the
// read error.
func (c *Conn) ReadPushes() error {
	for {
		f, err := c.frame()
		if err != nil {
			return err
		}
		if !f.IsPush() {
			return fmt.Errorf("%w: %s msgid %d on an idle connection", ErrUnexpected, f.Op, f.MsgID)
		}
	}
}
