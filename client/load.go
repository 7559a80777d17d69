// Loads: LoadBefore (cache first, then one shared request), Load and
// LoadSerial.

package client

import (
	"github.com/gozeo/gozeo/proto"
)

// LoadBefore returns the revision of oid that was current just before tid
// before (proto.MaxTid: the current revision): its data appended to
// dst[:0], its start tid, and its end tid (ZeroTid while it is current).
// The cache answers first, connected or not; a miss asks the server
// (waiting up to WaitTimeout while disconnected), and the answer is cached
// before it is returned. Concurrent misses for the same oid and tid share
// one request. "No revision before that tid" is proto.ErrNoRevision,
// returned as is; a missing object is a *proto.POSKeyError inside an
// *OpError. A cache hit allocates nothing when dst has room for the data.
func (c *Client) LoadBefore(oid proto.Oid, before proto.Tid, dst []byte) (data []byte, start, end proto.Tid, err error) {
	if c.closed.Load() {
		return dst[:0], 0, 0, oidErr("", "load", oid, ErrClosed)
	}
	if !c.noCache {
		if data, start, end, ok := c.cache.LoadBefore(oid, before, dst); ok {
			if data, err = cachedPlain(data, int(c.opts.MaxFrameSize)); err == nil {
				return data, start, end, nil
			}
			c.log.Warn("dropping a cached record that does not decompress", "oid", oid.String(), "err", err.Error())
			c.cache.Invalidate(oid, proto.ZeroTid)
		}
	}
	cn := c.cur.Load()
	if cn == nil {
		if cn, err = c.waitConn(nil); err != nil {
			return dst[:0], 0, 0, oidErr("", "load", oid, err)
		}
	}
	w := getWaiter(waitLoad, proto.OpLoadBefore)
	w.oid, w.before = oid, before
	if f := c.joinLoad(cn, w); f != nil {
		w.release()
		<-f.ch
		l := f.leader
		data, start, end, err = c.loadResult(cn, l, dst)
		l.release()
		f.release()
		return data, start, end, err
	}
	cn.sendLoadBefore(w)
	<-w.ch
	data, start, end, err = c.loadResult(cn, w, dst)
	w.release()
	return data, start, end, err
}

// loadResult copies a finished load's result out of its waiter.
func (c *Client) loadResult(cn *conn, w *waiter, dst []byte) ([]byte, proto.Tid, proto.Tid, error) {
	switch w.err {
	case nil:
		return append(dst[:0], w.buf...), w.start, w.end, nil
	case proto.ErrNoRevision:
		return dst[:0], 0, 0, proto.ErrNoRevision
	}
	return dst[:0], 0, 0, oidErr(cn.addr, "load", w.oid, w.err)
}

// Load returns the current revision of oid (data appended to dst[:0]) and
// its tid. An object without a current revision (never created, or its
// creation undone) is a *proto.POSKeyError.
func (c *Client) Load(oid proto.Oid, dst []byte) ([]byte, proto.Tid, error) {
	data, start, _, err := c.LoadBefore(oid, proto.MaxTid, dst)
	if err == proto.ErrNoRevision {
		err = oidErr(c.Addr(), "load", oid, &proto.POSKeyError{Oid: oid})
	}
	return data, start, err
}

// LoadSerial returns the data of revision serial of oid, appended to
// dst[:0]: from the cache when it holds that exact revision, else from
// the server (not cached, as in ZEO).
func (c *Client) LoadSerial(oid proto.Oid, serial proto.Tid, dst []byte) ([]byte, error) {
	if c.closed.Load() {
		return dst[:0], oidErr("", "loadSerial", oid, ErrClosed)
	}
	if !c.noCache && serial < proto.MaxTid {
		if data, start, _, ok := c.cache.LoadBefore(oid, serial+1, dst); ok && start == serial {
			if data, err := cachedPlain(data, int(c.opts.MaxFrameSize)); err == nil {
				return data, nil
			}
		}
	}
	cn, err := c.acquire(nil)
	if err != nil {
		return dst[:0], oidErr("", "loadSerial", oid, err)
	}
	w, err := cn.roundTrip(nil, &proto.LoadSerialRequest{Oid: oid, Serial: serial})
	if err != nil {
		return dst[:0], oidErr(cn.addr, "loadSerial", oid, err)
	}
	defer w.release()
	var m proto.LoadSerialReply
	if err := m.Decode(w.buf); err != nil {
		return dst[:0], oidErr(cn.addr, "loadSerial", oid, err)
	}
	data, err := c.plainAppend(cn, dst[:0], m.Data)
	if err != nil {
		return dst[:0], oidErr(cn.addr, "loadSerial", oid, err)
	}
	return data, nil
}
