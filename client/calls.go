// Server calls other than loads, sync and commits: the generic call,
// NewOIDs, History, undo listings, Pack, ServerStatus and RecordIterNext.

package client

import (
	"context"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// call sends m on the current connection (waiting for one while
// disconnected) and returns the reply body in w.buf; the caller releases
// w. ctx may be nil.
func (c *Client) call(ctx context.Context, op string, m proto.Message) (*conn, *waiter, error) {
	if c.closed.Load() {
		return nil, nil, opErr("", op, ErrClosed)
	}
	cn, err := c.acquire(ctx)
	if err != nil {
		return nil, nil, opErr("", op, err)
	}
	w, err := cn.roundTrip(ctx, m)
	if err != nil {
		return cn, nil, opErr(cn.addr, op, err)
	}
	return cn, w, nil
}

// decodeReply decodes w.buf into m; errors are OpErrors marking a
// protocol violation.
func decodeReply(cn *conn, op string, w *waiter, m proto.Message) error {
	err := m.Decode(w.buf)
	if err != nil {
		err = opErr(cn.addr, op, fmt.Errorf("%w: %w", ErrProtocol, err))
	}
	return err
}

// NewOID returns a new object id, from a block of DefaultOIDPrefetch
// fetched ahead as ZEO does.
func (c *Client) NewOID() (proto.Oid, error) {
	c.oidMu.Lock()
	defer c.oidMu.Unlock()
	if len(c.oids) == 0 {
		if err := c.fetchOIDsLocked(); err != nil {
			return 0, err
		}
	}
	oid := c.oids[0]
	c.oids = c.oids[1:]
	return oid, nil
}

// NewOIDs returns n new object ids.
func (c *Client) NewOIDs(n int) ([]proto.Oid, error) {
	if n < 0 {
		return nil, opErr("", "newOIDs", fmt.Errorf("%w: negative count %d", ErrBadOptions, n))
	}
	c.oidMu.Lock()
	defer c.oidMu.Unlock()
	out := make([]proto.Oid, 0, n)
	for len(out) < n {
		if len(c.oids) == 0 {
			if err := c.fetchOIDsLocked(); err != nil {
				return nil, err
			}
		}
		k := min(n-len(out), len(c.oids))
		out = append(out, c.oids[:k]...)
		c.oids = c.oids[k:]
	}
	return out, nil
}

// fetchOIDsLocked refills the prefetched block. REQUIRES: c.oidMu held.
func (c *Client) fetchOIDsLocked() error {
	if cn := c.cur.Load(); cn != nil && cn.readOnly {
		return opErr(cn.addr, "newOIDs", &proto.ReadOnlyError{Msg: "new_oids on a read-only connection"})
	}
	cn, w, err := c.call(nil, "newOIDs", &proto.NewOIDsRequest{N: DefaultOIDPrefetch})
	if err != nil {
		return err
	}
	defer w.release()
	m := proto.NewOIDsReply{Oids: c.oidBuf[:0]}
	if err := decodeReply(cn, "newOIDs", w, &m); err != nil {
		return err
	}
	if len(m.Oids) == 0 {
		return opErr(cn.addr, "newOIDs", fmt.Errorf("%w: empty NewOIDs reply", ErrProtocol))
	}
	c.oidBuf, c.oids = m.Oids, m.Oids
	return nil
}

// History returns up to size revisions of oid, newest first.
func (c *Client) History(oid proto.Oid, size int) ([]proto.HistoryEntry, error) {
	if size < 0 || size > 1<<31 {
		return nil, oidErr("", "history", oid, fmt.Errorf("%w: history size %d", ErrBadOptions, size))
	}
	cn, w, err := c.call(nil, "history", &proto.HistoryRequest{Oid: oid, Size: uint32(size)})
	if err != nil {
		if oe, ok := err.(*OpError); ok {
			oe.Oid, oe.HasOid = oid, true
		}
		return nil, err
	}
	defer w.release()
	var m proto.HistoryReply
	if err := decodeReply(cn, "history", w, &m); err != nil {
		return nil, err
	}
	var a arena
	for i := range m.Entries {
		e := &m.Entries[i]
		a.reserve(len(e.User) + len(e.Description) + len(e.Extension))
	}
	for i := range m.Entries {
		e := &m.Entries[i]
		e.User, e.Description, e.Extension = a.copy(e.User), a.copy(e.Description), a.copy(e.Extension)
	}
	return m.Entries, nil
}

// UndoLog lists undoable transactions, newest first, from first up to (not
// including) last; a negative last means first-last, as in ZODB.
func (c *Client) UndoLog(first, last int) ([]proto.UndoEntry, error) {
	cn, w, err := c.call(nil, "undoLog", &proto.UndoLogRequest{First: int64(first), Last: int64(last)})
	if err != nil {
		return nil, err
	}
	defer w.release()
	var m proto.UndoLogReply
	if err := decodeReply(cn, "undoLog", w, &m); err != nil {
		return nil, err
	}
	return ownUndoEntries(m.Entries), nil
}

// UndoInfo is UndoLog filtered: a non-nil user or desc keeps only the
// transactions whose user or description equals it.
func (c *Client) UndoInfo(first, last int, user, desc []byte) ([]proto.UndoEntry, error) {
	cn, w, err := c.call(nil, "undoInfo", &proto.UndoInfoRequest{First: int64(first), Last: int64(last),
		User: user, Description: desc})
	if err != nil {
		return nil, err
	}
	defer w.release()
	var m proto.UndoInfoReply
	if err := decodeReply(cn, "undoInfo", w, &m); err != nil {
		return nil, err
	}
	return ownUndoEntries(m.Entries), nil
}

// Pack packs the storage as of packTime (see proto.TidFromUnix), with
// garbage collection when gc, and waits for the pack to finish or ctx to
// end (the pack goes on on the server).
func (c *Client) Pack(ctx context.Context, packTime proto.Tid, gc bool) error {
	_, w, err := c.call(ctx, "pack", &proto.PackRequest{PackTime: packTime, GC: gc, Wait: true})
	if err != nil {
		return err
	}
	w.release()
	return nil
}

// ServerStatus returns the server's statistics for the storage.
func (c *Client) ServerStatus() (proto.Stats, error) {
	cn, w, err := c.call(nil, "serverStatus", &proto.ServerStatusRequest{})
	if err != nil {
		return proto.Stats{}, err
	}
	defer w.release()
	var m proto.ServerStatusReply
	if err := decodeReply(cn, "serverStatus", w, &m); err != nil {
		return proto.Stats{}, err
	}
	return m.Stats, nil
}

// RecordIterNext returns the current record of the first object at or
// after oid next (0 to start), the oid to ask for next, and whether there
// is a next one. With no object at or after next it returns
// ErrNoMoreRecords.
func (c *Client) RecordIterNext(next proto.Oid) (proto.DataRecord, proto.Oid, bool, error) {
	cn, w, err := c.call(nil, "recordIterNext", &proto.RecordIterNextRequest{Next: next})
	if err != nil {
		return proto.DataRecord{}, 0, false, err
	}
	defer w.release()
	var m proto.RecordIterNextReply
	if err := decodeReply(cn, "recordIterNext", w, &m); err != nil {
		return proto.DataRecord{}, 0, false, err
	}
	if !m.Found {
		return proto.DataRecord{}, 0, false, opErr(cn.addr, "recordIterNext", ErrNoMoreRecords)
	}
	rec := m.Record
	if rec.Data != nil {
		if rec.Data, err = c.plainAppend(cn, make([]byte, 0, len(rec.Data)), rec.Data); err != nil {
			return proto.DataRecord{}, 0, false, oidErr(cn.addr, "recordIterNext", rec.Oid, err)
		}
	}
	return rec, m.Next, m.More, nil
}
