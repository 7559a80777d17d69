// The ring: finding room at the ring position, writing, evicting, freeing
// and reading records in the mapped file.

package cache

import (
	"encoding/binary"

	"github.com/gozeo/gozeo/proto"
)

// placeLocked finds n contiguous bytes for a record of cand at the ring
// position and evicts the records in them; [pos, room) is the space to
// write into (room-pos >= n). Walking from the ring position, a current
// record for which the policy says Keep is passed over and the search
// starts again behind it; at the (MaxSkips+1)th such record the candidate
// is refused (ok false) and the ring position moves past the records passed
// over. With admit false (rearrangement) the policy is not asked.
// REQUIRES: c.mu; n <= c.size-headerSize.
func (c *Cache) placeLocked(cand proto.Oid, n int64, admit bool) (pos, room int64, ok bool) {
	pos = c.ring
	skips := 0
search:
	for {
		if pos+n > c.size {
			// Wrap. The blocks between here and the end stay (ZEO does the
			// same): they are evicted on the next lap.
			pos = headerSize
		}
		c.victims = c.victims[:0]
		room = pos
		for room-pos < n {
			kind, size := c.blockAt(room)
			if kind == kindAlloc {
				// Only current records get a second chance: a non-current
				// one shares its oid's frequency but is rarely read.
				if admit && c.endAt(room) == proto.ZeroTid && c.pstate.Keep(cand, c.oidAt(room)) {
					if skips == MaxSkips {
						c.ring = pos
						return 0, 0, false
					}
					skips++
					pos = room + size
					continue search
				}
				c.victims = append(c.victims, room)
			}
			room += size
		}
		break
	}
	for _, v := range c.victims {
		c.evictLocked(v)
	}
	return pos, room, true
}

// blockAt returns the kind and size of the block at off, which the index
// and the ring keep on a block boundary of a valid chain. This accessor and
// the three below read the mapping: callers hold c.mu, or own the cache
// alone (recover, before Open returns it).
func (c *Cache) blockAt(off int64) (kind byte, size int64) {
	w := wordAt(c.buf, off)
	return byte(w), int64(w >> 16)
}

func (c *Cache) oidAt(off int64) proto.Oid {
	return proto.Oid(binary.LittleEndian.Uint64(c.buf[off+offOid:]))
}

func (c *Cache) startAt(off int64) proto.Tid {
	return proto.Tid(binary.LittleEndian.Uint64(c.buf[off+offStart:]))
}

func (c *Cache) endAt(off int64) proto.Tid {
	return proto.Tid(binary.LittleEndian.Uint64(c.buf[off+offEnd:]))
}

// crashPoint, when set (by tests only), is called between the steps of
// every multi-step write, where a crash leaves an intermediate file: the
// crash tests snapshot the file there, or pause so that a kill lands there.
var crashPoint func(point string)

// evictLocked removes the record at off from the index; the caller
// overwrites its space. REQUIRES: c.mu.
func (c *Cache) evictLocked(off int64) {
	oid, start, end := c.oidAt(off), c.startAt(off), c.endAt(off)
	_, size := c.blockAt(off)
	if end == proto.ZeroTid {
		if cur, ok := c.idx.current[oid]; ok && cur == off {
			delete(c.idx.current, oid)
		}
	} else {
		c.idx.ncRemove(oid, start)
	}
	c.bytesUsed -= size
	c.st.Evictions++
}

// writeRecordLocked writes a record into [pos, room) and indexes it. The
// write order keeps the block chain valid at every instant, so a process
// killed anywhere leaves a file that reopens cleanly:
//
//  1. one free block covering [pos, room) (one atomic word store);
//  2. the record header after its word, the data, the padding, and the
//     word of the free block that will follow the record, all inside
//     that free block and so invisible to a reader of the chain;
//  3. the record's block word, the commit (one atomic word store).
//
// REQUIRES: c.mu.
func (c *Cache) writeRecordLocked(pos, room int64, oid proto.Oid, start, end proto.Tid, data []byte) {
	n := recordSize(len(data))
	storeWord(c.buf, pos, makeWord(kindFree, room-pos))
	if crashPoint != nil {
		crashPoint("store: room freed")
	}
	h := recHeader{size: n, seq: c.seq, oid: oid, start: start, end: end,
		dlen: uint32(len(data)), dataCRC: crc(data)}
	c.seq++
	hdr := &c.hdrScratch
	encodeRecHeader(&h, hdr)
	copy(c.buf[pos+8:pos+recOverhead], hdr[8:])
	dend := pos + recOverhead + int64(len(data))
	copy(c.buf[pos+recOverhead:dend], data)
	clear(c.buf[dend : pos+n])
	if room > pos+n {
		storeWord(c.buf, pos+n, makeWord(kindFree, room-pos-n))
	}
	if crashPoint != nil {
		crashPoint("store: body written")
	}
	storeWord(c.buf, pos, binary.LittleEndian.Uint64(hdr[:8]))
	if end == proto.ZeroTid {
		c.idx.current[oid] = pos
	} else {
		c.idx.ncAdd(oid, start, end, pos)
	}
	c.bytesUsed += n
	c.ring = pos + n
}

// freeRecordLocked turns the record at off into a free block and removes
// it from the index. REQUIRES: c.mu.
func (c *Cache) freeRecordLocked(off int64, oid proto.Oid, start proto.Tid, current bool) {
	_, size := c.blockAt(off)
	storeWord(c.buf, off, makeWord(kindFree, size))
	if current {
		delete(c.idx.current, oid)
	} else {
		c.idx.ncRemove(oid, start)
	}
	c.bytesUsed -= size
}

// setEndLocked patches the end tid of the record at off, then its header
// CRC (an atomic store). A process killed between the two leaves a record
// whose checksum fails, which reopening drops. REQUIRES: c.mu.
func (c *Cache) setEndLocked(off int64, end proto.Tid) {
	binary.LittleEndian.PutUint64(c.buf[off+offEnd:], uint64(end))
	if crashPoint != nil {
		crashPoint("invalidate: end written")
	}
	storeU32(c.buf, off+offHdrCRC, crc(c.buf[off:off+hdrCRCLen]))
}

// readRecordLocked validates the record at off (header checksum and fields,
// the oid, the data checksum) and appends its data to dst[:0]. A record
// that fails is dropped with a log line and ok is false. REQUIRES: c.mu.
func (c *Cache) readRecordLocked(off int64, oid proto.Oid, dst []byte) (data []byte, h recHeader, ok bool) {
	h, reason, ok := decodeRecHeader(c.buf[off : off+recOverhead])
	switch {
	case !ok:
	case h.oid != oid:
		reason, ok = "record holds another oid", false
	case off+h.size > c.size:
		reason, ok = "record extends beyond the file", false
	default:
		data = append(dst[:0], c.buf[off+recOverhead:off+recOverhead+int64(h.dlen)]...)
		if crc(data) != h.dataCRC {
			reason, ok = "data checksum mismatch", false
		}
	}
	if !ok {
		c.dropCorruptLocked(off, oid, reason)
		return nil, h, false
	}
	return data, h, true
}

// dropCorruptLocked removes a damaged record found while serving oid from
// the index and frees its block. If even its block word is damaged the
// chain cannot be trusted and the whole cache is cleared. REQUIRES: c.mu.
func (c *Cache) dropCorruptLocked(off int64, oid proto.Oid, reason string) {
	c.st.Corrupt++
	err := &CorruptError{Path: c.path, Off: off, Oid: oid, HasOid: true, Reason: reason}
	kind, size, wok := parseWord(wordAt(c.buf, off))
	if !wok || kind != kindAlloc || off+size > c.size {
		c.log.Error("cache: damaged block word; clearing the cache", "err", err)
		c.clearLocked()
		return
	}
	c.log.Error("cache: dropping damaged record", "err", err)
	if cur, ok := c.idx.current[oid]; ok && cur == off {
		c.freeRecordLocked(off, oid, 0, true)
		return
	}
	for s := c.idx.nchead[oid]; s != 0; s = c.idx.ncs[s].next {
		if c.idx.ncs[s].off == off {
			c.freeRecordLocked(off, oid, c.idx.ncs[s].start, false)
			return
		}
	}
	// Not indexed under oid (the index and file disagree): just free it.
	storeWord(c.buf, off, makeWord(kindFree, size))
}

// rearrangeLocked copies the current record at off, whose data the caller
// holds in data, to the ring position and frees the old copy (FIFO's
// second chance). REQUIRES: c.mu.
func (c *Cache) rearrangeLocked(off int64, h *recHeader, data []byte) {
	c.freeRecordLocked(off, h.oid, h.start, true)
	pos, room, _ := c.placeLocked(h.oid, h.size, false)
	c.writeRecordLocked(pos, room, h.oid, h.start, proto.ZeroTid, data)
	c.st.Rearranged++
}
