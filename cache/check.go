// Check: walking the file and the index and comparing them.

package cache

import (
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// maxCheckErrors bounds the problems Check reports.
const maxCheckErrors = 10

// Check walks the whole file: every block word, every record's checksums
// and fields, and compares what it finds with the index (every record
// indexed at its offset, nothing else indexed), the byte and object
// counts, the ring position and the last-tid slot. It returns nil or the
// problems found (errors matching ErrCorrupt), at most ten. It holds the
// cache mutex for the whole walk.
func (c *Cache) Check() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	var errs []error
	bad := func(off int64, oid proto.Oid, hasOid bool, format string, args ...any) {
		if len(errs) < maxCheckErrors {
			errs = append(errs, &CorruptError{Path: c.path, Off: off, Oid: oid, HasOid: hasOid,
				Reason: fmt.Sprintf(format, args...)})
		}
	}
	var records int
	var used int64
	ringOK := c.ring == c.size
	off := int64(headerSize)
	for off < c.size {
		if off == c.ring {
			ringOK = true
		}
		kind, size, ok := parseWord(wordAt(c.buf, off))
		if !ok || off+size > c.size {
			bad(off, 0, false, "unreadable block word or block beyond the end of the file")
			break
		}
		if kind == kindAlloc {
			h, reason, ok := c.validRecord(off, size)
			switch {
			case !ok:
				bad(off, h.oid, true, "%s", reason)
			case h.seq >= c.seq:
				bad(off, h.oid, true, "sequence %d not below the next sequence %d", h.seq, c.seq)
			case h.end == proto.ZeroTid:
				if at, ok := c.idx.current[h.oid]; !ok || at != off {
					bad(off, h.oid, true, "current record not indexed here (index: %d, %v)", at, ok)
				}
			default:
				slot := c.idx.ncFind(h.oid, h.start)
				if slot == 0 || c.idx.ncs[slot].off != off || c.idx.ncs[slot].end != h.end {
					bad(off, h.oid, true, "non-current record %s..%s not indexed here", h.start, h.end)
				}
			}
			records++
			used += size
		}
		off += size
	}
	if !ringOK {
		bad(c.ring, 0, false, "ring position is not on a block boundary")
	}
	if records != c.idx.len() {
		bad(-1, 0, false, "file holds %d records, index %d", records, c.idx.len())
	}
	if used != c.bytesUsed {
		bad(-1, 0, false, "records use %d bytes, counted %d", used, c.bytesUsed)
	}
	if err := c.checkIndexLocked(); err != nil {
		bad(-1, 0, false, "index: %v", err)
	}
	if tid, gen, ok := readSlot(c.buf, c.slot); !ok || tid != c.lastTid || gen != c.slotGen {
		bad(offSlot0+int64(c.slot)*slotSize, 0, false, "last tid slot holds %s gen %d (valid %v), want %s gen %d",
			tid, gen, ok, c.lastTid, c.slotGen)
	}
	if _, reason, ok := decodeHeader(c.buf[:headerSize]); !ok {
		bad(0, 0, false, "header: %s", reason)
	}
	return errors.Join(errs...)
}

// checkIndexLocked checks the non-current lists' own invariants: sorted by
// start (newest first), start < end, the count. REQUIRES: c.mu.
func (c *Cache) checkIndexLocked() error {
	n := 0
	for oid, s := range c.idx.nchead {
		if s == 0 {
			return fmt.Errorf("oid %s has an empty non-current list", oid.Repr())
		}
		first := true
		var prev proto.Tid
		for ; s != 0; s = c.idx.ncs[s].next {
			e := c.idx.ncs[s]
			if !first && e.start >= prev || e.end <= e.start {
				return fmt.Errorf("oid %s: non-current list out of order at %s..%s", oid.Repr(), e.start, e.end)
			}
			prev, first = e.start, false
			n++
		}
	}
	if n != c.idx.ncCount {
		return fmt.Errorf("non-current lists hold %d entries, counted %d", n, c.idx.ncCount)
	}
	return nil
}
