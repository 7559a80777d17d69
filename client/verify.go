// Registration and cache verification of a new connection, and its
// activation as the client's current connection.

package client

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gozeo/gozeo/proto"
)

// attempt connects to addr and registers: writable unless the client is
// read-only, falling back to read-only on a ReadOnlyError when allowed
// (and not writableOnly, the probe for a writable server).
func (c *Client) attempt(ctx context.Context, addr string, writableOnly bool) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	cn, err := c.dial(ctx, addr)
	if err != nil {
		return nil, opErr(addr, "connect", err)
	}
	ro := c.opts.ReadOnly
	err = c.registerConn(ctx, cn, ro)
	var roe *proto.ReadOnlyError
	if err != nil && !ro && c.opts.ReadOnlyFallback && !writableOnly && errors.As(err, &roe) {
		c.log.Info("server refuses a writable connection; falling back to read-only", "addr", addr)
		err = c.registerConn(ctx, cn, true)
	}
	if err != nil {
		cn.close(err)
		return nil, opErr(addr, "register", err)
	}
	return cn, nil
}

// registerConn sends Register and records the server's last tid.
func (c *Client) registerConn(ctx context.Context, cn *conn, readOnly bool) error {
	w, err := cn.roundTrip(ctx, &proto.RegisterRequest{Storage: c.opts.Storage, ReadOnly: readOnly})
	if err != nil {
		return err
	}
	defer w.release()
	var m proto.RegisterReply
	if err := m.Decode(w.buf); err != nil {
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	cn.readOnly, cn.serverTid = readOnly, m.LastTid
	return nil
}

// verify brings the cache in line with the server cn registered with
// (spec §4, "Client verification"; see doc.go for the state machine),
// then makes cn the current connection. On error cn is not used.
func (c *Client) verify(ctx context.Context, cn *conn) error {
	serverTid := cn.serverTid
	cacheTid, n := c.cache.LastTid(), c.cache.Len()
	tid := serverTid // what the cache is current at afterwards
	var (
		changed []proto.Oid
		dropped bool
		result  string
	)
	switch {
	case n == 0:
		result = "empty cache"
		if cacheTid > serverTid {
			// Nothing cached can be stale, but the last tid must follow
			// the server's: reset it (Clear) before SetLastTid below.
			c.log.Warn("server is behind the (empty) cache's last tid", "addr", cn.addr,
				"server_tid", serverTid.String(), "cache_tid", cacheTid.String())
			dropped = true
		}
	case cacheTid == proto.ZeroTid:
		result = "cache without a last tid: dropped"
		dropped = true
	case cacheTid > serverTid:
		c.log.Error("refusing server: it is behind the client cache (it lost transactions?)",
			"addr", cn.addr, "server_tid", serverTid.String(), "cache_tid", cacheTid.String())
		return opErr(cn.addr, "verify", fmt.Errorf("%w: server last tid %s, cache last tid %s",
			ErrCacheAhead, serverTid, cacheTid))
	case cacheTid == serverTid:
		result = "cache up to date"
	default:
		w, err := cn.roundTrip(ctx, &proto.GetInvalidationsRequest{Tid: cacheTid})
		if err != nil {
			return opErr(cn.addr, "verify", err)
		}
		var m proto.GetInvalidationsReply
		err = m.Decode(w.buf)
		changed = slices.Clone(m.Oids)
		w.release()
		if err != nil {
			return opErr(cn.addr, "verify", fmt.Errorf("%w: %w", ErrProtocol, err))
		}
		if m.TooOld {
			result, dropped, changed = "cache too old: dropped", true, nil
		} else {
			result = "quick verification"
			tid = max(tid, m.Tid)
		}
	}
	info, err := c.fetchInfo(ctx, cn)
	if err != nil {
		return opErr(cn.addr, "verify", err)
	}
	// From here on the cache changes: cache first, then OnInvalidate, then
	// the last tid, as for invalidations.
	if dropped {
		c.log.Warn("dropping the client cache", "addr", cn.addr, "reason", result,
			"cache_tid", cacheTid.String(), "server_tid", serverTid.String())
		if err := c.cache.Clear(); err != nil {
			return opErr(cn.addr, "verify", err)
		}
	}
	for _, oid := range changed {
		c.cache.Invalidate(oid, proto.ZeroTid)
	}
	if f := c.opts.OnInvalidate; f != nil {
		switch {
		case dropped:
			f(tid, nil)
		case len(changed) > 0:
			f(tid, changed)
		}
	}
	if err := c.cache.SetLastTid(tid); err != nil {
		return opErr(cn.addr, "verify", err)
	}
	c.tidAdvanced()
	if err := c.activate(cn, tid, info); err != nil {
		return opErr(cn.addr, "verify", err)
	}
	c.log.Info("connected", "addr", cn.addr, "read_only", cn.readOnly, "verification", result,
		"invalidated", len(changed), "last_tid", tid.String())
	return nil
}

// fetchInfo asks for the storage's description.
func (c *Client) fetchInfo(ctx context.Context, cn *conn) (proto.StorageInfo, error) {
	w, err := cn.roundTrip(ctx, &proto.GetInfoRequest{})
	if err != nil {
		return proto.StorageInfo{}, err
	}
	defer w.release()
	var m proto.GetInfoReply
	if err := m.Decode(w.buf); err != nil {
		return proto.StorageInfo{}, fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	return m.Info, nil
}

// activate applies the invalidations that arrived during verification
// (those after tid) and makes cn the current connection.
func (c *Client) activate(cn *conn, tid proto.Tid, info proto.StorageInfo) error {
	cn.invMu.Lock()
	for _, q := range cn.queued {
		if q.tid <= tid {
			continue
		}
		if err := c.applyInvalidation(q.tid, q.oids); err != nil {
			cn.invMu.Unlock()
			return err
		}
	}
	cn.queued, cn.active = nil, true
	cn.invMu.Unlock()

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return ErrClosed
	}
	if cn.isDead() { // connLost has run or will not see it as current
		return ErrDisconnected
	}
	c.info = info
	c.lastErr = nil
	c.cur.Store(cn)
	c.broadcastLocked()
	return nil
}

// connLost is called by cn's reader when it exits: if cn was the current
// connection the client is now disconnected.
func (c *Client) connLost(cn *conn) {
	c.mu.Lock()
	was := c.cur.Load() == cn
	if was {
		c.cur.Store(nil)
		c.lastErr = cn.deadErr
		c.broadcastLocked()
	}
	c.mu.Unlock()
	if was && !errors.Is(cn.deadErr, ErrClosed) && !errors.Is(cn.deadErr, errRetired) {
		c.log.Warn("disconnected", "addr", cn.addr, "cause", fmt.Sprint(cn.deadErr))
	}
}
