// The in-memory oid -> position index: pointer-free paged flat arrays.

package fsstore

import (
	"slices"

	"github.com/gozeo/gozeo/proto"
)

// Index layout. An oid's entry lives in page oid>>idxShift at slot
// oid&idxMask; a slot is a 6-byte big-endian position (0 = absent; no
// record can sit at 0). Pages are plain []byte, so the garbage collector
// sees one pointer per 4096 oids and never looks inside: 10 M oids cost
// about 60 MB and ~2,500 pointers. Positions are limited to 48 bits, the
// same limit as ZODB's fsIndex.
const (
	idxShift     = 12
	idxPage      = 1 << idxShift
	idxMask      = idxPage - 1
	posBytes     = 6
	idxPageBytes = idxPage * posBytes
	// MaxPos is the largest log position the index can hold.
	MaxPos = 1<<48 - 1
)

// index maps oids to the position of their current data record. Pages
// whose key is below len(dense) live in the dense directory (oids are
// mostly small and sequential); pages far beyond it go to the sparse map,
// so a stray huge oid does not allocate a huge directory. Every sparse key
// is >= len(dense).
//
// index is not safe for concurrent use; Store guards it with Store.mu.
type index struct {
	dense      [][]byte
	sparse     map[uint64][]byte
	sparseKeys []uint64 // sorted keys of sparse
	pages      int
	n          int
	max        proto.Oid
}

func newIndex() *index { return &index{} }

func (ix *index) page(k uint64) []byte {
	if k < uint64(len(ix.dense)) {
		return ix.dense[k]
	}
	if ix.sparse != nil {
		return ix.sparse[k]
	}
	return nil
}

func getPos(p []byte, slot uint64) int64 {
	i := slot * posBytes
	b := p[i : i+posBytes : i+posBytes]
	return int64(uint64(b[0])<<40 | uint64(b[1])<<32 | uint64(b[2])<<24 |
		uint64(b[3])<<16 | uint64(b[4])<<8 | uint64(b[5]))
}

func putPos(p []byte, slot uint64, pos int64) {
	i := slot * posBytes
	b := p[i : i+posBytes : i+posBytes]
	v := uint64(pos)
	b[0], b[1], b[2], b[3], b[4], b[5] = byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}

// get returns the position of oid's current record, 0 when absent.
func (ix *index) get(oid proto.Oid) int64 {
	p := ix.page(uint64(oid) >> idxShift)
	if p == nil {
		return 0
	}
	return getPos(p, uint64(oid)&idxMask)
}

// set records pos (0 < pos <= MaxPos) as oid's current record.
func (ix *index) set(oid proto.Oid, pos int64) {
	k := uint64(oid) >> idxShift
	p := ix.page(k)
	if p == nil {
		p = make([]byte, idxPageBytes)
		ix.addPage(k, p)
	}
	slot := uint64(oid) & idxMask
	if getPos(p, slot) == 0 {
		ix.n++
		if ix.n == 1 || oid > ix.max {
			ix.max = oid
		}
	}
	putPos(p, slot, pos)
}

// addPage installs a new page under key k (which has none).
func (ix *index) addPage(k uint64, p []byte) {
	ix.pages++
	if k < uint64(len(ix.dense)) {
		ix.dense[k] = p
		return
	}
	// Grow the dense directory when k is near it; the limit keeps the
	// directory within a few times the number of pages.
	if limit := uint64(1024 + 4*ix.pages); k < limit {
		n := uint64(len(ix.dense))
		for n <= k {
			n = 2*n + 16
		}
		if n > limit {
			n = limit
		}
		ix.dense = append(ix.dense, make([][]byte, int(n)-len(ix.dense))...)
		ix.dense[k] = p
		// Pull sparse pages that the dense range now covers.
		i := 0
		for i < len(ix.sparseKeys) && ix.sparseKeys[i] < n {
			sk := ix.sparseKeys[i]
			ix.dense[sk] = ix.sparse[sk]
			delete(ix.sparse, sk)
			i++
		}
		ix.sparseKeys = ix.sparseKeys[i:]
		return
	}
	if ix.sparse == nil {
		ix.sparse = make(map[uint64][]byte)
	}
	ix.sparse[k] = p
	i, _ := slices.BinarySearch(ix.sparseKeys, k)
	ix.sparseKeys = slices.Insert(ix.sparseKeys, i, k)
}

// Len is the number of oids in the index.
func (ix *index) Len() int { return ix.n }

// maxOid is the highest oid in the index (ok false when empty).
func (ix *index) maxOid() (proto.Oid, bool) { return ix.max, ix.n > 0 }

// next returns the first oid >= from that is in the index.
func (ix *index) next(from proto.Oid) (proto.Oid, int64, bool) {
	k := uint64(from) >> idxShift
	slot := uint64(from) & idxMask
	for ; k < uint64(len(ix.dense)); k++ {
		if p := ix.dense[k]; p != nil {
			if s, ok := firstInPage(p, slot); ok {
				oid := proto.Oid(k<<idxShift | s)
				return oid, getPos(p, s), true
			}
		}
		slot = 0
	}
	i, _ := slices.BinarySearch(ix.sparseKeys, k)
	for ; i < len(ix.sparseKeys); i++ {
		sk := ix.sparseKeys[i]
		if sk != k {
			slot = 0
		}
		p := ix.sparse[sk]
		if s, ok := firstInPage(p, slot); ok {
			return proto.Oid(sk<<idxShift | s), getPos(p, s), true
		}
	}
	return 0, 0, false
}

func firstInPage(p []byte, slot uint64) (uint64, bool) {
	for ; slot < idxPage; slot++ {
		i := slot * posBytes
		b := p[i : i+posBytes : i+posBytes]
		if b[0]|b[1]|b[2]|b[3]|b[4]|b[5] != 0 {
			return slot, true
		}
	}
	return 0, false
}

// forEachPage calls f for every page in key order.
func (ix *index) forEachPage(f func(k uint64, p []byte) bool) {
	for k, p := range ix.dense {
		if p != nil && !f(uint64(k), p) {
			return
		}
	}
	for _, k := range ix.sparseKeys {
		if !f(k, ix.sparse[k]) {
			return
		}
	}
}

// forEach calls f for every oid in order.
func (ix *index) forEach(f func(oid proto.Oid, pos int64) bool) {
	ix.forEachPage(func(k uint64, p []byte) bool {
		for s := uint64(0); s < idxPage; s++ {
			if pos := getPos(p, s); pos != 0 {
				if !f(proto.Oid(k<<idxShift|s), pos) {
					return false
				}
			}
		}
		return true
	})
}

// diff returns the first oid whose position differs between ix and o
// (an oid missing on one side counts as position 0).
func (ix *index) diff(o *index) (oid proto.Oid, a, b int64, differ bool) {
	check := func(x, y *index) bool {
		x.forEach(func(id proto.Oid, pos int64) bool {
			if q := y.get(id); q != pos {
				oid, a, b, differ = id, pos, q, true
				if x != ix {
					a, b = q, pos
				}
				return false
			}
			return true
		})
		return differ
	}
	if check(ix, o) || check(o, ix) {
		return
	}
	return 0, 0, 0, false
}

// memBytes estimates the heap held by the index.
func (ix *index) memBytes() int64 {
	return int64(ix.pages)*idxPageBytes + int64(cap(ix.dense))*24 +
		int64(len(ix.sparse))*(8+24+16) + int64(cap(ix.sparseKeys))*8
}
