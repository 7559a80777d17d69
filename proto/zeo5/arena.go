// Arena building shared by both decoders: new containers, appending to
// pickle lists and dicts, depth and size limits.

package zeo5

import (
	"slices"
	"unicode/utf8"
)

// errLimit is returned by arena helpers; the caller wraps it with the
// offset and opcode at hand.
type errLimit struct {
	err    error
	detail string
}

func (e *errLimit) Error() string { return e.err.Error() }

var (
	errTooDeep     = &errLimit{err: ErrTooDeep}
	errTooMany     = &errLimit{err: ErrTooLarge, detail: "more values than MaxValues"}
	errMutateDeep  = &errLimit{err: ErrBadPickle, detail: "list, dict or object changed after being embedded (recursive structures are not supported)"}
	errUnhashable  = &errLimit{err: ErrBadMapKey, detail: "unhashable key (list or dict)"}
	errBuildTarget = &errLimit{err: ErrBadPickle, detail: "BUILD needs an object without state"}
)

// arenaFull reports whether the arena outgrew MaxValues (with room for
// relocated lists and dicts).
func (d *Decoder) arenaFull() bool { return len(d.vals) > 4*d.opts.MaxValues }

// extendVals returns the arena with n more nil slots, growing its
// capacity only when needed (so a reused arena never allocates).
func (d *Decoder) extendVals(n int) []Value {
	old := len(d.vals)
	vals := slices.Grow(d.vals, n)[:old+n]
	clear(vals[old:])
	return vals
}

// embed seals a container that becomes a child and returns the depth it
// adds (0 for scalars).
func (d *Decoder) embed(v Value) uint16 {
	if !v.isContainer() {
		return 0
	}
	o := &d.objs[v.x]
	o.sealed = true
	return o.depth
}

// newObj creates a container whose n children are items (copied into the
// arena), with room for capacity children in place.
func (d *Decoder) newObj(kind Kind, items []Value, capacity int, off int) (Value, *errLimit) {
	var depth uint16
	unhash := false
	for i := range items {
		it := &items[i]
		if it.kind < KindTuple || it.kind > KindObject {
			continue
		}
		c := &d.objs[it.x]
		c.sealed = true
		depth = max(depth, c.depth)
		unhash = unhash || it.kind == KindList || it.kind == KindMap || c.unhash
	}
	if int(depth)+1 > d.opts.MaxDepth {
		return Value{}, errTooDeep
	}
	if capacity < len(items) {
		capacity = len(items)
	}
	start := len(d.vals)
	d.vals = append(d.vals, items...)
	d.vals = d.extendVals(capacity - len(items))
	if d.arenaFull() {
		return Value{}, errTooMany
	}
	// Filled in place: building the struct and copying it is slower.
	d.objs = append(d.objs, obj{})
	o := &d.objs[len(d.objs)-1]
	o.start, o.n, o.cap, o.depth = uint32(start), uint32(len(items)), uint32(capacity), depth+1
	o.unhash = kind == KindTuple && unhash
	return Value{kind: kind, off: uint32(off), x: uint64(len(d.objs) - 1)}, nil
}

// grow appends items to a list, dict or object that is not yet embedded,
// moving its children to the arena's end (with doubled room) when full.
func (d *Decoder) grow(v Value, items []Value) *errLimit {
	o := &d.objs[v.x]
	if o.sealed {
		return errMutateDeep
	}
	depth := o.depth
	for _, it := range items {
		if it.isContainer() && it.x == v.x {
			return errMutateDeep
		}
		if dd := d.embed(it) + 1; dd > depth {
			depth = dd
		}
	}
	if int(depth) > d.opts.MaxDepth {
		return errTooDeep
	}
	need := int(o.n) + len(items)
	if need > int(o.cap) {
		newCap := 2 * need
		if newCap < 4 {
			newCap = 4
		}
		start := len(d.vals)
		d.vals = append(d.vals, d.vals[o.start:o.start+o.n]...)
		d.vals = d.extendVals(newCap - int(o.n))
		o.start, o.cap = uint32(start), uint32(newCap)
		if d.arenaFull() {
			return errTooMany
		}
	}
	copy(d.vals[int(o.start)+int(o.n):], items)
	o.n += uint32(len(items))
	o.depth = depth
	return nil
}

// hashable reports whether v can be a Python dict key: no list or dict
// anywhere inside (tuples record it when built; their items never change).
func (d *Decoder) hashable(v Value) bool {
	switch v.kind {
	case KindList, KindMap:
		return false
	case KindTuple:
		return !d.objs[v.x].unhash
	}
	return true
}

// validStr reports whether b is strict UTF-8 (no surrogates), as Python's
// msgpack unpacker and str type require.
func validStr(b []byte) bool { return utf8.Valid(b) }
