// The Cache type and its ZEO operations: Load, LoadBefore, Store,
// Invalidate, SetLastTid, Clear, Stats.

package cache

import (
	"log/slog"
	"os"
	"sync"

	"github.com/edsrzf/mmap-go"

	"github.com/gozeo/gozeo/proto"
)

// Cache is a ZEO client cache: a fixed-size file, mapped into memory and
// written round like a ring, holding object revisions keyed by oid and
// start tid. All methods are safe for concurrent use; one mutex guards the
// whole cache.
type Cache struct {
	mu sync.Mutex

	buf  []byte // the mapping (or the in-memory buffer)
	size int64  // len(buf): header + record space
	path string // "" when transient or in memory

	file  *os.File
	mm    mmap.MMap
	lockf *os.File

	policy    Policy
	pstate    PolicyState
	log       *slog.Logger
	tr        *tracer
	closed    bool
	transient bool

	idx        index
	ring       int64  // the ring position: a block boundary, or size
	seq        uint64 // sequence number of the next record written
	lastTid    proto.Tid
	slotGen    uint32 // generation of the newest last-tid slot
	slot       int    // which slot holds it
	bytesUsed  int64
	st         Stats
	victims    []int64 // scratch for placeLocked, reused
	hdrScratch [recOverhead]byte
}

// Load returns the current revision of oid, appending its data to dst[:0]
// (so a dst with enough capacity means no allocation), and its start tid.
// On a miss data is dst[:0], so a caller may keep dst = data either way.
func (c *Cache) Load(oid proto.Oid, dst []byte) (data []byte, start proto.Tid, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return dst[:0], 0, false
	}
	c.pstate.Access(oid)
	data, start, ok = c.loadCurrentLocked(oid, dst, proto.MaxTid)
	if !ok {
		c.st.Misses++
		c.traceLocked(TraceLoadMiss, oid, 0, 0, 0)
		return dst[:0], 0, false
	}
	return data, start, ok
}

// loadCurrentLocked serves oid's current record if its start is below
// before; it counts and traces a hit, and may rearrange. REQUIRES: c.mu.
func (c *Cache) loadCurrentLocked(oid proto.Oid, dst []byte, before proto.Tid) ([]byte, proto.Tid, bool) {
	off, ok := c.idx.current[oid]
	if !ok {
		return nil, 0, false
	}
	data, h, ok := c.readRecordLocked(off, oid, dst)
	if !ok || h.start >= before {
		return nil, 0, false
	}
	c.st.Hits++
	c.traceLocked(TraceLoadHit, oid, h.start, 0, len(data))
	behind := c.ring - off
	if behind < 0 {
		behind += c.size - headerSize
	}
	if c.pstate.Rearrange(behind, h.size, c.size-headerSize) {
		c.rearrangeLocked(off, &h, data)
	}
	return data, h.start, true
}

// LoadBefore returns the revision of oid that was current just before tid
// before, with ZEO's rules: the non-current revision with the largest start
// below before, if before <= its end; otherwise the current revision if its
// start is below before (end = ZeroTid); otherwise a miss (data is then
// dst[:0]).
func (c *Cache) LoadBefore(oid proto.Oid, before proto.Tid, dst []byte) (data []byte, start, end proto.Tid, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return dst[:0], 0, 0, false
	}
	c.pstate.Access(oid)
	if slot := c.idx.ncBefore(oid, before); slot != 0 {
		e := c.idx.ncs[slot]
		if before <= e.end {
			if data, h, ok := c.readRecordLocked(e.off, oid, dst); ok {
				c.st.Hits++
				c.traceLocked(TraceLoadBeforeHit, oid, h.start, h.end, len(data))
				return data, h.start, h.end, true
			}
		}
	}
	if data, start, ok = c.loadCurrentLocked(oid, dst, before); ok {
		return data, start, proto.ZeroTid, true
	}
	c.st.Misses++
	c.traceLocked(TraceLoadBeforeMiss, oid, 0, before, 0)
	return dst[:0], 0, 0, false
}

// Store caches a revision of oid valid from start up to end (ZeroTid: the
// current revision). As in ZEO: storing a current revision when one with
// the same start is cached is a no-op, and with a different start is
// ErrCurrentConflict; storing a non-current revision already cached is a
// no-op; a record larger than the file is silently not cached. The policy
// may refuse a new record (Stats.Rejected); that is not an error.
func (c *Cache) Store(oid proto.Oid, start, end proto.Tid, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if end != proto.ZeroTid && end <= start {
		return &OpError{Op: "store", Oid: oid, Err: ErrBadRange}
	}
	if end == proto.ZeroTid {
		if off, ok := c.idx.current[oid]; ok {
			if c.startAt(off) == start {
				return nil
			}
			return &OpError{Op: "store", Oid: oid, Err: ErrCurrentConflict}
		}
		c.traceLocked(TraceStore, oid, start, 0, len(data))
	} else {
		if c.idx.ncFind(oid, start) != 0 {
			return nil
		}
		c.traceLocked(TraceStoreNonCurrent, oid, start, end, len(data))
	}
	n := recordSize(len(data))
	if n > c.size-headerSize || uint64(len(data)) > 1<<32-1 {
		c.st.TooBig++
		return nil
	}
	pos, room, ok := c.placeLocked(oid, n, true)
	if !ok {
		c.st.Rejected++
		return nil
	}
	c.writeRecordLocked(pos, room, oid, start, end, data)
	c.st.Stores++
	return nil
}

// Invalidate records that transaction tid wrote a new revision of oid.
// A cached current revision with another start becomes non-current with
// end = tid; one with start == tid is left alone (as ZEO does, with a log
// line); tid == ZeroTid drops the current revision (cache verification),
// keeping the non-current ones.
func (c *Cache) Invalidate(oid proto.Oid, tid proto.Tid) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	off, ok := c.idx.current[oid]
	if !ok {
		c.traceLocked(TraceInvalidateMiss, oid, tid, 0, 0)
		return
	}
	start := c.startAt(off)
	switch {
	case tid == proto.ZeroTid:
		c.freeRecordLocked(off, oid, start, true)
		c.st.Invalidations++
		c.traceLocked(TraceInvalidateDrop, oid, tid, 0, 0)
	case tid == start:
		c.log.Warn("cache: ignoring invalidation with the same tid as the current revision",
			"oid", oid.Repr(), "tid", tid.String())
	case tid < start:
		// The server never sends this; keeping the record would break
		// start < end, so drop it.
		c.log.Warn("cache: invalidation tid before the current revision's start; dropping it",
			"oid", oid.Repr(), "tid", tid.String(), "start", start.String())
		c.freeRecordLocked(off, oid, start, true)
		c.st.Invalidations++
		c.traceLocked(TraceInvalidateDrop, oid, tid, 0, 0)
	default:
		if slot := c.idx.ncFind(oid, start); slot != 0 {
			// A duplicate non-current copy of this revision: drop it.
			c.freeRecordLocked(c.idx.ncs[slot].off, oid, start, false)
		}
		c.setEndLocked(off, tid)
		delete(c.idx.current, oid)
		c.idx.ncAdd(oid, start, tid, off)
		c.st.Invalidations++
		c.traceLocked(TraceInvalidateKeep, oid, tid, 0, 0)
	}
}

// SetLastTid records the last transaction the cache has seen. With records
// cached it must increase strictly (an equal tid is ignored); ZeroTid is
// ignored. It is written to the file header.
func (c *Cache) SetLastTid(tid proto.Tid) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if tid == proto.ZeroTid {
		return nil
	}
	if tid <= c.lastTid && c.idx.len() > 0 {
		if tid == c.lastTid {
			return nil
		}
		return &OpError{Op: "set last tid", Err: ErrTidNotIncreasing}
	}
	c.writeLastTidLocked(tid)
	return nil
}

func (c *Cache) writeLastTidLocked(tid proto.Tid) {
	c.slot ^= 1
	c.slotGen++
	putSlot(c.buf, c.slot, tid, c.slotGen)
	c.lastTid = tid
}

// Clear empties the cache and resets its last tid to ZeroTid.
func (c *Cache) Clear() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.clearLocked()
	return nil
}

// clearLocked makes the whole record space one free block. REQUIRES: c.mu.
func (c *Cache) clearLocked() {
	storeWord(c.buf, headerSize, makeWord(kindFree, c.size-headerSize))
	c.idx.reset()
	c.bytesUsed = 0
	c.ring = headerSize
	c.writeLastTidLocked(proto.ZeroTid)
	c.lastTid = proto.ZeroTid
	c.pstate.Clear()
}
