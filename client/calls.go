// The other server calls: Sync, NewOIDs, History, undo listings, Pack,
// ServerStatus and RecordIterNext.

package client

import (
	"context"
	"fmt"
	"sync"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
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

// Sync makes the client current with the server: when it returns, every
// transaction committed before it was called has been applied (cache,
// OnInvalidate, LastTransaction). It asks the server for its last tid and
// waits until the invalidations up to it, already on their way, have
// been applied. (A bare ping round trip, ZEO's server_sync, is not
// enough: a server may answer the ping before it writes an invalidation
// it queued earlier.)
func (c *Client) Sync(ctx context.Context) error {
	cn, w, err := c.call(ctx, "sync", &proto.LastTransactionRequest{})
	if err != nil {
		return err
	}
	var m proto.LastTransactionReply
	err = decodeReply(cn, "sync", w, &m)
	w.release()
	if err != nil {
		return err
	}
	return c.waitTid(ctx, cn, m.Tid)
}

// waitTid waits until the cache's last tid reaches tid, cn is lost, or ctx
// (which may be nil) ends.
func (c *Client) waitTid(ctx context.Context, cn *conn, tid proto.Tid) error {
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	for {
		c.mu.Lock()
		if c.tidCh == nil {
			c.tidCh = make(chan struct{})
		}
		ch := c.tidCh
		c.tidWaiting.Store(true)
		c.mu.Unlock()
		if c.cache.LastTid() >= tid {
			return nil
		}
		select {
		case <-ch:
		case <-cn.done:
			return opErr(cn.addr, "sync", ErrDisconnected)
		case <-done:
			return opErr(cn.addr, "sync", ctx.Err())
		}
	}
}

// tidAdvanced wakes Sync callers waiting for the last tid to move.
func (c *Client) tidAdvanced() {
	if !c.tidWaiting.Load() {
		return
	}
	c.mu.Lock()
	c.tidWaiting.Store(false)
	if c.tidCh != nil {
		close(c.tidCh)
		c.tidCh = nil
	}
	c.mu.Unlock()
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

// ownUndoEntries copies the entries' byte fields out of the reply buffer.
func ownUndoEntries(es []proto.UndoEntry) []proto.UndoEntry {
	var a arena
	for i := range es {
		e := &es[i]
		a.reserve(len(e.ID) + len(e.User) + len(e.Description) + len(e.Extension))
	}
	for i := range es {
		e := &es[i]
		e.ID, e.User, e.Description, e.Extension = a.copy(e.ID), a.copy(e.User), a.copy(e.Description), a.copy(e.Extension)
	}
	return es
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

// decompressors serve callers that decode records outside the reader.
var decompressors = sync.Pool{New: func() any { return compress.NewDecompressor() }}

// plainAppend appends the plain form of a record from cn to dst.
func (c *Client) plainAppend(cn *conn, dst, src []byte) ([]byte, error) {
	if cn.features&proto.FeatureCompressedRecords == 0 || !compress.IsCompressed(src) {
		return append(dst, src...), nil
	}
	d := decompressors.Get().(*compress.Decompressor)
	defer decompressors.Put(d)
	return d.Decompress(dst, src, int(c.opts.MaxFrameSize))
}

// arena copies byte fields out of a reply buffer into one allocation.
type arena struct {
	need int
	buf  []byte
}

func (a *arena) reserve(n int) { a.need += n }

// copy returns an owned copy of b (nil stays nil).
func (a *arena) copy(b []byte) []byte {
	if b == nil {
		return nil
	}
	if a.buf == nil {
		a.buf = make([]byte, 0, a.need)
	}
	n := len(a.buf)
	a.buf = append(a.buf, b...)
	return a.buf[n:len(a.buf):len(a.buf)]
}
