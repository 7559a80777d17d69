// Commits: tpc_begin and storea (one-way), vote, tpc_finish, and
// tpc_abort after a failed vote.

package zeo5driver

import (
	"fmt"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

// Commit runs one transaction writing stores (none: an empty commit):
// tpc_begin and the storea calls go out with the vote in one write, then
// tpc_finish. It returns the committed tid. Conflicts (an error reply or
// a list of conflict maps from a server resolving on the client) are a
// *proto.ConflictError, after tpc_abort.
func (c *Conn) Commit(stores []Store) (proto.Tid, error) {
	c.txn++
	txn := c.txn
	c.w.Reset(c.enc, c.wc.Out)
	c.w.BeginAsync("tpc_begin")
	c.w.BeginTuple(6)
	c.w.Uint(txn)
	c.w.Bin(benchUser)
	c.w.Bin(nil)
	c.w.BeginMap(0)
	c.w.End()
	c.w.Nil()
	c.w.Str(" ")
	c.async()
	for i := range stores {
		s := &stores[i]
		c.w.Reset(c.enc, c.wc.Out)
		c.w.BeginAsync("storea")
		c.w.BeginTuple(4)
		c.w.Oid(s.Oid)
		c.w.Tid(s.Serial)
		c.w.Bin(s.Data)
		c.w.Uint(txn)
		c.async()
	}
	id := c.begin("vote")
	c.w.BeginTuple(1)
	c.w.Uint(txn)
	m, err := c.call(id)
	if err == nil && c.dec.Len(m.Args) > 0 && c.dec.Index(m.Args, 0).Kind() == zeo5.KindMap {
		err = c.conflictMap(m.Args)
	}
	if err != nil {
		if aerr := c.abort(txn); aerr != nil {
			return 0, fmt.Errorf("%w (and tpc_abort failed: %v)", err, aerr)
		}
		return 0, err
	}
	id = c.begin("tpc_finish")
	c.w.BeginTuple(1)
	c.w.Uint(txn)
	if m, err = c.call(id); err != nil {
		return 0, err
	}
	tid, ok := m.Args.AsOid()
	if !ok {
		return 0, fmt.Errorf("%w: tpc_finish answered a %s", ErrBadReply, m.Args.Kind())
	}
	c.lastTid = proto.Tid(tid)
	return proto.Tid(tid), nil
}

// conflictMap reads the first {oid, serials, data} map of a vote reply.
func (c *Conn) conflictMap(list zeo5.Value) error {
	d := c.dec
	cm := d.Index(list, 0)
	ce := &proto.ConflictError{Message: "conflict reported by vote"}
	if v, ok := d.Lookup(cm, "oid"); ok {
		o, _ := v.AsOid()
		ce.Oid = proto.Oid(o)
	}
	if v, ok := d.Lookup(cm, "serials"); ok && d.Len(v) == 2 {
		a, _ := d.Index(v, 0).AsOid()
		b, _ := d.Index(v, 1).AsOid()
		ce.Committed, ce.Read = proto.Tid(a), proto.Tid(b)
	}
	return ce
}

func (c *Conn) abort(txn uint64) error {
	id := c.begin("tpc_abort")
	c.w.BeginTuple(1)
	c.w.Uint(txn)
	_, err := c.call(id)
	return err
}
