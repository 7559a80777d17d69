// The cache side of the protocol: loaded revisions, invalidations and the
// client's own commits, applied in the order the server sent them.

package client

import (
	"errors"
	"fmt"
	"slices"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

// cacheLoaded caches a revision the server sent for a LoadBefore. It runs
// on the reader goroutine, before the next frame is read: the server sends
// a reply computed before commit T ahead of T's invalidation, so a
// revision cached here as current is invalidated by T in turn, never
// cached after it.
func (c *Client) cacheLoaded(oid proto.Oid, start, end proto.Tid, data []byte) {
	err := c.cache.Store(oid, start, end, data)
	if err == nil || !errors.Is(err, cache.ErrCurrentConflict) {
		if err != nil {
			c.log.Warn("cache store failed", "oid", oid.Repr(), "err", err.Error())
		}
		return
	}
	// Another current revision is cached. The newer start wins; an older
	// one would be stale data, so it is never cached over a newer one.
	_, curStart, ok := c.cache.Load(oid, nil)
	if !ok || curStart >= start {
		return
	}
	c.log.Warn("replacing an older current revision in the cache",
		"oid", oid.Repr(), "cached", curStart.String(), "loaded", start.String())
	c.cache.Invalidate(oid, proto.ZeroTid)
	if err := c.cache.Store(oid, start, end, data); err != nil {
		c.log.Warn("cache store failed", "oid", oid.Repr(), "err", err.Error())
	}
}

// applyInvalidation applies transaction tid's invalidation: the cache
// first (current revisions of oids end at tid), then OnInvalidate, then
// the cache's last tid, so that LastTransaction never reports a tid whose
// invalidation is not applied. Tids must increase strictly; an error means
// the cache can no longer follow the server, and the connection is
// dropped (verification on reconnect repairs it).
func (c *Client) applyInvalidation(tid proto.Tid, oids []proto.Oid) error {
	if last := c.cache.LastTid(); tid <= last {
		return fmt.Errorf("%w: invalidation for %s at or before the last tid %s", ErrProtocol, tid, last)
	}
	for _, oid := range oids {
		c.cache.Invalidate(oid, tid)
	}
	if f := c.opts.OnInvalidate; f != nil {
		if oids == nil {
			oids = emptyOids
		}
		f(tid, oids)
	}
	if err := c.cache.SetLastTid(tid); err != nil {
		return fmt.Errorf("client: invalidation %s: %w", tid, err)
	}
	c.tidAdvanced()
	return nil
}

// applyCommit applies the client's own transaction t, committed as tid:
// for every oid it wrote, the cached current revision ends at tid and the
// data sent becomes the current revision (unless the server resolved or
// undid the oid, in which case the data is not what was committed). It
// runs on the reader goroutine when the TpcFinish reply arrives, before
// any later invalidation.
func (c *Client) applyCommit(t *Txn, tid proto.Tid) error {
	if last := c.cache.LastTid(); tid <= last {
		return fmt.Errorf("%w: commit %s at or before the last tid %s", ErrProtocol, tid, last)
	}
	b := &t.b
	clear(b.seen)
	oids := b.oidScratch[:0]
	for i := len(b.recs) - 1; i >= 0; i-- { // the last write of an oid wins
		r := &b.recs[i]
		if _, dup := b.seen[r.oid]; dup {
			continue
		}
		b.seen[r.oid] = struct{}{}
		oids = append(oids, r.oid)
		c.cache.Invalidate(r.oid, tid)
		if r.hasData && !slices.Contains(b.resolved, r.oid) {
			if err := c.cache.Store(r.oid, tid, proto.ZeroTid, b.arena[r.off:r.off+r.n]); err != nil {
				c.log.Warn("cache store of committed data failed", "oid", r.oid.Repr(), "err", err.Error())
			}
		}
	}
	for _, oid := range b.resolved {
		if _, dup := b.seen[oid]; !dup {
			b.seen[oid] = struct{}{}
			oids = append(oids, oid)
			c.cache.Invalidate(oid, tid)
		}
	}
	slices.Sort(oids)
	b.oidScratch = oids
	if f := c.opts.OnInvalidate; f != nil {
		if oids == nil {
			oids = emptyOids
		}
		f(tid, oids)
	}
	if err := c.cache.SetLastTid(tid); err != nil {
		return fmt.Errorf("client: commit %s: %w", tid, err)
	}
	c.tidAdvanced()
	return nil
}
