// Reopening: walking the block chain of an existing file, dropping damaged
// records, rebuilding the index, the ring position and the last tid.

package cache

import (
	"encoding/binary"

	"github.com/gozeo/gozeo/proto"
)

// recover scans the mapped file and rebuilds the in-memory state. validEnd
// is where the old file's data ended (its length or recorded size, the
// smaller): an unreadable chain at or past it is the unused tail of a
// grown file; before it, damage. It reports whether it wrote to the file.
// Called before the cache is shared, so no lock is needed.
func (c *Cache) recover(validEnd int64) (changed bool) {
	buf := c.buf
	var maxSeq uint64
	ring := int64(headerSize)
	off := int64(headerSize)
	for off < c.size {
		kind, size, ok := parseWord(wordAt(buf, off))
		if !ok || off+size > c.size {
			c.endChain(off, validEnd, ok)
			changed = true
			break
		}
		if kind == kindAlloc {
			h, reason, ok := c.validRecord(off, size)
			if !ok {
				c.st.Corrupt++
				c.log.Warn("cache: dropping damaged record",
					"err", &CorruptError{Path: c.path, Off: off, Oid: h.oid, HasOid: h.oid != 0, Reason: reason})
				storeWord(buf, off, makeWord(kindFree, size))
				changed = true
			} else if c.indexRecovered(off, &h) {
				changed = true
			} else if h.seq > maxSeq {
				maxSeq, ring = h.seq, off+size
			}
		}
		off += size
	}
	c.ring = ring
	c.seq = maxSeq + 1
	if c.recoverLastTid() {
		changed = true
	}
	return changed
}

// endChain makes [off, size) one free block: the file's tail after a grow,
// a block cut by a shrink, or a broken chain.
func (c *Cache) endChain(off, validEnd int64, wordOK bool) {
	switch {
	case off >= validEnd:
		c.log.Info("cache: new space at the end of the cache file", "path", c.path, "at", off, "bytes", c.size-off)
	case wordOK:
		c.log.Info("cache: block cut by the new size dropped", "path", c.path, "at", off)
	default:
		c.st.Corrupt++
		c.log.Warn("cache: broken block chain; freeing the rest of the file",
			"err", &CorruptError{Path: c.path, Off: off, Reason: "unreadable block word"}, "bytes", c.size-off)
	}
	storeWord(c.buf, off, makeWord(kindFree, c.size-off))
}

// validRecord checks the record block at off of size bytes completely.
func (c *Cache) validRecord(off, size int64) (recHeader, string, bool) {
	if size < recOverhead {
		return recHeader{}, "record block smaller than a record header", false
	}
	h, reason, ok := decodeRecHeader(c.buf[off : off+recOverhead])
	if !ok {
		return h, reason, false
	}
	if h.size != size {
		return h, "record size differs from its block size", false
	}
	if crc(c.buf[off+recOverhead:off+recOverhead+int64(h.dlen)]) != h.dataCRC {
		return h, "data checksum mismatch", false
	}
	return h, "", true
}

// indexRecovered adds a valid record found at off to the index. Of two
// records for the same current oid or the same (oid, start) the newer
// (higher sequence) wins and the other is freed; it reports whether the
// record at off was the one freed.
func (c *Cache) indexRecovered(off int64, h *recHeader) (freedThis bool) {
	old := int64(-1)
	if h.end == proto.ZeroTid {
		if o, dup := c.idx.current[h.oid]; dup {
			old = o
		}
	} else if slot := c.idx.ncFind(h.oid, h.start); slot != 0 {
		old = c.idx.ncs[slot].off
	}
	if old >= 0 {
		oldSeq := binary.LittleEndian.Uint64(c.buf[old+offSeq:])
		if oldSeq > h.seq {
			c.dropDuplicate(off, h.oid)
			return true
		}
		c.dropDuplicate(old, h.oid)
		_, oldSize := c.blockAt(old)
		c.bytesUsed -= oldSize
		if h.end != proto.ZeroTid {
			c.idx.ncRemove(h.oid, h.start)
		}
	}
	if h.end == proto.ZeroTid {
		c.idx.current[h.oid] = off
	} else {
		c.idx.ncAdd(h.oid, h.start, h.end, off)
	}
	c.bytesUsed += h.size
	return false
}

// dropDuplicate frees the older of two copies of one revision.
func (c *Cache) dropDuplicate(off int64, oid proto.Oid) {
	_, size := c.blockAt(off)
	c.st.Corrupt++
	c.log.Warn("cache: dropping duplicate record",
		"err", &CorruptError{Path: c.path, Off: off, Oid: oid, HasOid: true, Reason: "older copy of a revision cached twice"})
	storeWord(c.buf, off, makeWord(kindFree, size))
}

// recoverLastTid picks the valid last-tid slot with the higher generation.
// With neither valid the last tid is ZeroTid, which makes verification
// drop the cache (a cache with records and no last tid is not trusted).
func (c *Cache) recoverLastTid() (changed bool) {
	t0, g0, ok0 := readSlot(c.buf, 0)
	t1, g1, ok1 := readSlot(c.buf, 1)
	switch {
	case ok0 && (!ok1 || g0 >= g1):
		c.lastTid, c.slotGen, c.slot = t0, g0, 0
	case ok1:
		c.lastTid, c.slotGen, c.slot = t1, g1, 1
	default:
		c.log.Warn("cache: last tid unreadable; treating it as unknown", "path", c.path)
		c.lastTid, c.slotGen, c.slot = proto.ZeroTid, 0, 1
		c.writeLastTidLocked(proto.ZeroTid)
		return true
	}
	return false
}
