// Walking decoded values: container lengths, items, map keys and values,
// lookup by key, globals and objects, and deep equality.

package zeo5

import "bytes"

// object returns the arena object of a container value, or nil when v is
// not a container of this Decoder.
func (d *Decoder) object(v Value) *obj {
	if !v.isContainer() || v.x >= uint64(len(d.objs)) {
		return nil
	}
	return &d.objs[v.x]
}

func (d *Decoder) children(v Value) []Value {
	o := d.object(v)
	if o == nil {
		return nil
	}
	return d.vals[o.start : o.start+o.n]
}

// Len returns the number of items of a tuple or list, of pairs of a map,
// 2 for a global (module, name), 2 or 3 for an object (callable, args,
// state), and 0 for scalars.
func (d *Decoder) Len(v Value) int {
	o := d.object(v)
	if o == nil {
		return 0
	}
	if v.kind == KindMap {
		return int(o.n / 2)
	}
	return int(o.n)
}

// Index returns item i of a tuple, list, global or object; nil when out
// of range.
func (d *Decoder) Index(v Value, i int) Value {
	if v.kind == KindMap {
		return Value{}
	}
	c := d.children(v)
	if i < 0 || i >= len(c) {
		return Value{}
	}
	return c[i]
}

// Key returns the key of pair i of a map; nil when out of range.
func (d *Decoder) Key(m Value, i int) Value {
	if m.kind != KindMap {
		return Value{}
	}
	c := d.children(m)
	if i < 0 || 2*i+1 >= len(c) {
		return Value{}
	}
	return c[2*i]
}

// Val returns the value of pair i of a map; nil when out of range.
func (d *Decoder) Val(m Value, i int) Value {
	if m.kind != KindMap {
		return Value{}
	}
	c := d.children(m)
	if i < 0 || 2*i+1 >= len(c) {
		return Value{}
	}
	return c[2*i+1]
}

// Lookup returns the value of the str key in a map. Duplicate keys are
// kept in the arena; Lookup returns the last, as a Python dict would hold.
func (d *Decoder) Lookup(m Value, key string) (Value, bool) {
	if m.kind != KindMap {
		return Value{}, false
	}
	c := d.children(m)
	for i := len(c) - 2; i >= 0; i -= 2 {
		if c[i].kind == KindStr && string(c[i].b) == key {
			return c[i+1], true
		}
	}
	return Value{}, false
}

// Global returns the module and name of a pickle global.
func (d *Decoder) Global(v Value) (module, name []byte, ok bool) {
	if v.kind != KindGlobal {
		return nil, nil, false
	}
	c := d.children(v)
	if len(c) != 2 {
		return nil, nil, false
	}
	return c[0].b, c[1].b, true
}

// ObjectParts is a pickled object: Callable(*Args), or Callable.__new__
// for NEWOBJ, with State applied by BUILD when HasState.
type ObjectParts struct {
	Callable, Args, State Value
	HasState, NewObj      bool
}

// Object returns the parts of an object value.
func (d *Decoder) Object(v Value) (ObjectParts, bool) {
	o := d.object(v)
	if v.kind != KindObject || o == nil {
		return ObjectParts{}, false
	}
	c := d.vals[o.start : o.start+o.n]
	p := ObjectParts{Callable: c[0], Args: c[1], NewObj: o.flag}
	if len(c) == 3 {
		p.State, p.HasState = c[2], true
	}
	return p, true
}

// Equal reports whether a (of da) and b (of db) are the same value: same
// kinds, contents and container items in order. It gives up, reporting
// false, on values that nest deeper than 10000 or expand too far through
// shared pickle references.
func Equal(da *Decoder, a Value, db *Decoder, b Value) bool {
	budget := expansionBudget(da) + expansionBudget(db)
	return equalDepth(da, a, db, b, 0, &budget)
}

func equalDepth(da *Decoder, a Value, db *Decoder, b Value, depth int, budget *int) bool {
	if a.kind != b.kind || depth > maxDepthLimit {
		return false
	}
	switch a.kind {
	case KindNil:
		return true
	case KindBool, KindFloat:
		return a.x == b.x
	case KindInt:
		return a.x == b.x && a.big == b.big
	case KindBytes, KindStr:
		return bytes.Equal(a.b, b.b)
	}
	oa, ob := da.object(a), db.object(b)
	if oa == nil || ob == nil || oa.n != ob.n || (a.kind == KindObject && oa.flag != ob.flag) {
		return false
	}
	ca, cb := da.children(a), db.children(b)
	if *budget -= len(ca) + 1; *budget < 0 {
		return false
	}
	for i := range ca {
		if !equalDepth(da, ca[i], db, cb[i], depth+1, budget) {
			return false
		}
	}
	return true
}
