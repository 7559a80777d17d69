// Pipelined loads, synchronous calls, new_oids, the idle reader, and
// the error replies turned into proto errors.

package zeo5driver

import (
	"fmt"
	"strings"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

// SendLoad buffers a loadBefore of the current revision of oid in slot
// (0 <= slot < MaxSlots); Flush sends it.
func (c *Conn) SendLoad(slot int, oid proto.Oid) {
	before := proto.MaxTid - proto.Tid(slot)
	c.idw.Reset(c.enc, c.idbuf[:0])
	c.idw.BeginTuple(2)
	c.idw.Oid(oid)
	c.idw.Tid(before)
	c.idw.End()
	c.idbuf = c.idw.Bytes()
	c.w.Reset(c.enc, c.wc.Out)
	c.w.BeginCallID(c.idbuf, "loadBefore")
	c.w.BeginTuple(2)
	c.w.Oid(oid)
	c.w.Tid(before)
	if err := c.w.EndMessage(); err != nil {
		panic("zeo5driver: BUG: loadBefore does not encode: " + err.Error())
	}
	c.wc.Out = c.w.Bytes()
}

// Flush sends the buffered requests.
func (c *Conn) Flush() error { return c.wc.Flush() }

// Buffered reports whether a whole reply is already read.
func (c *Conn) Buffered() bool { return c.wc.Buffered(c.split) }

// RecvLoad waits for the next loadBefore reply and returns its slot and
// data size. A server error for that load (POSKeyError) comes back with
// its slot; slot -1 means the connection failed.
func (c *Conn) RecvLoad() (slot, size int, err error) {
	for {
		m, err := c.message()
		if err != nil {
			return -1, 0, err
		}
		if !m.IsReply() {
			continue // a callback
		}
		d := c.dec
		if m.MsgID.Kind() != zeo5.KindTuple || d.Len(m.MsgID) != 2 {
			return -1, 0, fmt.Errorf("%w: reply msgid %s while loading", ErrUnexpected, m.MsgID.Kind())
		}
		before, ok := d.Index(m.MsgID, 1).AsOid()
		if !ok || proto.MaxTid-proto.Tid(before) >= MaxSlots {
			return -1, 0, fmt.Errorf("%w: loadBefore msgid tid", ErrBadReply)
		}
		slot = int(proto.MaxTid - proto.Tid(before))
		if m.IsError() {
			return slot, 0, c.replyError(&m)
		}
		if m.Args.IsNil() {
			return slot, 0, proto.ErrNoRevision
		}
		data, ok := d.Index(m.Args, 0).AsBytes()
		if !ok || d.Len(m.Args) != 3 {
			return -1, 0, fmt.Errorf("%w: loadBefore answered a %s", ErrBadReply, m.Args.Kind())
		}
		return slot, len(data), nil
	}
}

// message reads and decodes the next message, handing callbacks to
// OnInvalidate. Its values are valid until the next call.
func (c *Conn) message() (zeo5.Message, error) {
	f, err := c.wc.Next(c.split)
	if err != nil {
		return zeo5.Message{}, err
	}
	m, err := c.dec.Decode(c.enc, f[4:])
	if err != nil {
		return m, err
	}
	if !m.IsReply() && string(m.Name) == "invalidateTransaction" && c.OnInvalidate != nil {
		d := c.dec
		tid, ok := d.Index(m.Args, 0).AsOid()
		list := d.Index(m.Args, 1)
		if !ok || d.Len(m.Args) != 2 {
			return m, fmt.Errorf("%w: invalidateTransaction arguments", ErrBadReply)
		}
		c.invOids = c.invOids[:0]
		for i := 0; i < d.Len(list); i++ {
			if oid, ok := d.Index(list, i).AsOid(); ok {
				c.invOids = append(c.invOids, proto.Oid(oid))
			}
		}
		c.OnInvalidate(proto.Tid(tid), c.invOids)
	}
	return m, nil
}

// begin starts a synchronous call; write the argument tuple's items, then
// call. It returns the msgid.
func (c *Conn) begin(name string) int64 {
	id := c.next
	c.next++
	c.w.Reset(c.enc, c.wc.Out)
	c.w.BeginCall(id, name)
	return id
}

// call ends the message begun by begin, sends everything buffered and
// waits for the reply to id. An error reply is returned as an error.
func (c *Conn) call(id int64) (zeo5.Message, error) {
	if err := c.w.EndMessage(); err != nil {
		return zeo5.Message{}, err
	}
	c.wc.Out = c.w.Bytes()
	if err := c.wc.Flush(); err != nil {
		return zeo5.Message{}, err
	}
	for {
		m, err := c.message()
		if err != nil {
			return m, err
		}
		if !m.IsReply() {
			continue
		}
		if got, ok := m.MsgID.AsInt(); !ok || got != id {
			return m, fmt.Errorf("%w: reply to msgid %s while waiting for %d", ErrUnexpected, m.MsgID.Kind(), id)
		}
		if m.IsError() {
			return m, c.replyError(&m)
		}
		return m, nil
	}
}

// async buffers a one-way call begun with BeginAsync.
func (c *Conn) async() {
	if err := c.w.EndMessage(); err != nil {
		panic("zeo5driver: BUG: one-way call does not encode: " + err.Error())
	}
	c.wc.Out = c.w.Bytes()
}

// replyError turns an error reply (class_name, state) into a proto error:
// conflicts into *proto.ConflictError / *proto.ReadConflictError with the
// oid and serials of the state map, POSKeyError into *proto.POSKeyError,
// anything else into a *proto.ServerError.
func (c *Conn) replyError(m *zeo5.Message) error {
	d := c.dec
	cls, _ := d.Index(m.Args, 0).AsStr()
	state := d.Index(m.Args, 1)
	class := string(cls)
	var oid proto.Oid
	var serials [2]proto.Tid
	msg := class
	if state.Kind() == zeo5.KindMap {
		if v, ok := d.Lookup(state, "oid"); ok {
			o, _ := v.AsOid()
			oid = proto.Oid(o)
		}
		if v, ok := d.Lookup(state, "serials"); ok && d.Len(v) == 2 {
			for i := range serials {
				t, _ := d.Index(v, i).AsOid()
				serials[i] = proto.Tid(t)
			}
		}
		if v, ok := d.Lookup(state, "message"); ok {
			if s, ok := v.AsStr(); ok {
				msg = string(s)
			}
		}
	} else if d.Len(state) > 0 {
		first := d.Index(state, 0)
		if s, ok := first.AsStr(); ok {
			msg = string(s)
		} else if o, ok := first.AsOid(); ok {
			oid = proto.Oid(o)
		}
	}
	switch {
	case class == zeo5.ClassReadConflictError:
		return &proto.ReadConflictError{Oid: oid, Committed: serials[0], Read: serials[1], Message: msg}
	case strings.HasSuffix(class, "ConflictError"):
		return &proto.ConflictError{Oid: oid, Committed: serials[0], Read: serials[1], Class: class, Message: msg}
	case class == zeo5.ClassPOSKeyError:
		return &proto.POSKeyError{Oid: oid}
	}
	return &proto.ServerError{Class: class, Message: msg}
}

// Ping is one empty round trip.
func (c *Conn) Ping() error {
	id := c.begin("ping")
	c.w.BeginTuple(0)
	_, err := c.call(id)
	return err
}

// NewOIDs calls new_oids (with no argument, as stock clients do, when n
// is 100) and returns the oids; the slice is reused by the next call.
func (c *Conn) NewOIDs(n int) ([]proto.Oid, error) {
	id := c.begin("new_oids")
	if n == proto.MaxNewOIDs {
		c.w.BeginTuple(0)
	} else {
		c.w.BeginTuple(1)
		c.w.Int(int64(n))
	}
	m, err := c.call(id)
	if err != nil {
		return nil, err
	}
	d := c.dec
	c.oids = c.oids[:0]
	for i := 0; i < d.Len(m.Args); i++ {
		oid, ok := d.Index(m.Args, i).AsOid()
		if !ok {
			return nil, fmt.Errorf("%w: new_oids item %d", ErrBadReply, i)
		}
		c.oids = append(c.oids, proto.Oid(oid))
	}
	return c.oids, nil
}

// benchUser is the user name of the load tool's transactions.
var benchUser = []byte("gozeo bench")

// ReadPushes reads messages until the connection fails, handing
// invalidations to OnInvalidate (an idle client).
func (c *Conn) ReadPushes() error {
	for {
		m, err := c.message()
		if err != nil {
			return err
		}
		if m.IsReply() {
			return fmt.Errorf("%w: a reply on an idle connection", ErrUnexpected)
		}
	}
}
