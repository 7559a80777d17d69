// Sync: making the client current with the server, and waiting for the
// last tid to advance.

package client

import (
	"context"

	"github.com/gozeo/gozeo/proto"
)

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
