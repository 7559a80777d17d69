// The in-memory index: current oid -> offset, and per-oid lists of
// non-current revisions, all pointer-free.

package cache

import "github.com/gozeo/gozeo/proto"

// index finds records. current maps an oid to the offset of its current
// record. Non-current revisions of an oid form a singly linked list in the
// ncs slab, sorted by start tid, newest first; nchead maps the oid to the
// list's first slot. Slot 0 is the nil link. Both maps hold only integers
// and the slab holds no pointers, so the garbage collector never scans them.
type index struct {
	current map[proto.Oid]int64
	nchead  map[proto.Oid]uint32
	ncs     []ncEntry
	free    uint32 // first free slab slot (0 = none)
	ncCount int
}

type ncEntry struct {
	start, end proto.Tid
	off        int64
	next       uint32
}

func newIndex() index {
	return index{
		current: make(map[proto.Oid]int64),
		nchead:  make(map[proto.Oid]uint32),
		ncs:     make([]ncEntry, 1, 64),
	}
}

func (x *index) len() int { return len(x.current) + x.ncCount }

func (x *index) reset() { *x = newIndex() }

// ncAdd inserts a non-current revision, keeping the list sorted by start
// (newest first). An existing entry with the same start is replaced and
// its offset returned (replaced = true).
func (x *index) ncAdd(oid proto.Oid, start, end proto.Tid, off int64) (old int64, replaced bool) {
	prev := uint32(0)
	cur := x.nchead[oid]
	for cur != 0 && x.ncs[cur].start > start {
		prev, cur = cur, x.ncs[cur].next
	}
	if cur != 0 && x.ncs[cur].start == start {
		old = x.ncs[cur].off
		x.ncs[cur].end, x.ncs[cur].off = end, off
		return old, true
	}
	slot := x.alloc()
	x.ncs[slot] = ncEntry{start: start, end: end, off: off, next: cur}
	if prev == 0 {
		x.nchead[oid] = slot
	} else {
		x.ncs[prev].next = slot
	}
	x.ncCount++
	return 0, false
}

func (x *index) alloc() uint32 {
	if x.free != 0 {
		s := x.free
		x.free = x.ncs[s].next
		return s
	}
	x.ncs = append(x.ncs, ncEntry{})
	return uint32(len(x.ncs) - 1)
}

// ncFind returns the slot of oid's revision starting at start, or 0.
func (x *index) ncFind(oid proto.Oid, start proto.Tid) uint32 {
	for cur := x.nchead[oid]; cur != 0; cur = x.ncs[cur].next {
		if s := x.ncs[cur].start; s == start {
			return cur
		} else if s < start {
			return 0
		}
	}
	return 0
}

// ncBefore returns the slot of oid's revision with the largest start
// below before, or 0.
func (x *index) ncBefore(oid proto.Oid, before proto.Tid) uint32 {
	for cur := x.nchead[oid]; cur != 0; cur = x.ncs[cur].next {
		if x.ncs[cur].start < before {
			return cur
		}
	}
	return 0
}

// ncRemove deletes oid's revision starting at start; it reports whether
// one was there.
func (x *index) ncRemove(oid proto.Oid, start proto.Tid) bool {
	prev := uint32(0)
	for cur := x.nchead[oid]; cur != 0; prev, cur = cur, x.ncs[cur].next {
		if x.ncs[cur].start != start {
			continue
		}
		next := x.ncs[cur].next
		if prev == 0 {
			if next == 0 {
				delete(x.nchead, oid)
			} else {
				x.nchead[oid] = next
			}
		} else {
			x.ncs[prev].next = next
		}
		x.ncs[cur] = ncEntry{next: x.free}
		x.free = cur
		x.ncCount--
		return true
	}
	return false
}
