// Value: one decoded (or to-be-encoded) item, and its kinds and accessors.

package zeo5

import (
	"encoding/binary"
	"math"

	"github.com/gozeo/gozeo/proto"
)

// Kind is the type of a Value.
type Kind uint8

// Value kinds. Tuple and List differ only in pickle; msgpack arrays decode
// as tuples (ZEO unpacks with use_list=False). Global and Object occur only
// in pickles (a GLOBAL of an allowed module; a REDUCE/NEWOBJ result).
const (
	KindNil Kind = iota
	KindBool
	KindInt
	KindFloat
	KindBytes
	KindStr
	KindTuple
	KindList
	KindMap
	KindGlobal
	KindObject

	kindUnset Kind = 0xff // an empty memo slot
)

var kindNames = [...]string{"nil", "bool", "int", "float", "bytes", "str", "tuple", "list", "map", "global", "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// Value is a decoded value. Scalars are self-contained; bytes and str alias
// the decoded payload (no copy); containers refer to the arena of the
// Decoder that produced them and are read through its Len, Index, Key, Val
// and Lookup methods. A Value stays valid until that Decoder decodes again
// and while the payload is unchanged. The zero Value is nil.
type Value struct {
	kind Kind
	big  bool   // int: unsigned value >= 2^63 held in x
	off  uint32 // decoded values: payload offset where the value's encoding starts
	x    uint64 // bool 0/1, int bits, float bits, container object index
	b    []byte // bytes and str content
}

// Nil returns the nil value (Python None).
func Nil() Value { return Value{} }

// Bool returns a bool value.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, x: 1}
	}
	return Value{kind: KindBool}
}

// Int returns an int value.
func Int(i int64) Value { return Value{kind: KindInt, x: uint64(i)} }

// Uint returns an int value that may exceed 2^63-1 (a stock client's
// transaction id).
func Uint(u uint64) Value { return Value{kind: KindInt, x: u, big: u > math.MaxInt64} }

// Float returns a float value.
func Float(f float64) Value { return Value{kind: KindFloat, x: math.Float64bits(f)} }

// Bytes returns a bytes value aliasing b.
func Bytes(b []byte) Value { return Value{kind: KindBytes, b: b} }

// Str returns a str value aliasing s, which must be valid UTF-8.
func Str(s []byte) Value { return Value{kind: KindStr, b: s} }

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.kind }

// IsNil reports whether v is nil (None).
func (v Value) IsNil() bool { return v.kind == KindNil }

// AsBool returns a bool value's truth; ok is false for other kinds.
func (v Value) AsBool() (b, ok bool) { return v.x != 0, v.kind == KindBool }

// AsInt returns an int value that fits int64; ok is false otherwise.
func (v Value) AsInt() (int64, bool) {
	return int64(v.x), v.kind == KindInt && !v.big
}

// AsUint returns a non-negative int value as uint64 (up to 2^64-1); ok is
// false for negative ints and other kinds.
func (v Value) AsUint() (uint64, bool) {
	return v.x, v.kind == KindInt && (v.big || int64(v.x) >= 0)
}

// IsBig reports whether v is an int above 2^63-1.
func (v Value) IsBig() bool { return v.kind == KindInt && v.big }

// AsFloat returns a float value; ok is false for other kinds.
func (v Value) AsFloat() (float64, bool) {
	return math.Float64frombits(v.x), v.kind == KindFloat
}

// AsBytes returns the content of a bytes value (aliasing the payload).
func (v Value) AsBytes() ([]byte, bool) { return v.b, v.kind == KindBytes }

// AsStr returns the UTF-8 content of a str value (aliasing the payload).
func (v Value) AsStr() ([]byte, bool) { return v.b, v.kind == KindStr }

// Truthy reports Python truthiness for scalars: false for nil, False, 0,
// 0.0 and empty bytes or str. Containers count as true (their emptiness
// needs the Decoder: use Len).
func (v Value) Truthy() bool {
	switch v.kind {
	case KindNil:
		return false
	case KindBool, KindInt:
		return v.x != 0
	case KindFloat:
		return math.Float64frombits(v.x) != 0
	case KindBytes, KindStr:
		return len(v.b) != 0
	}
	return true
}

// AsOid returns an 8-byte bytes value as an oid.
func (v Value) AsOid() (proto.Oid, bool) {
	if v.kind != KindBytes || len(v.b) != 8 {
		return 0, false
	}
	return proto.Oid(binary.BigEndian.Uint64(v.b)), true
}

// AsTid returns an 8-byte bytes value as a tid.
func (v Value) AsTid() (proto.Tid, bool) {
	if v.kind != KindBytes || len(v.b) != 8 {
		return 0, false
	}
	return proto.Tid(binary.BigEndian.Uint64(v.b)), true
}

// isContainer reports whether v refers to an arena object.
func (v Value) isContainer() bool { return v.kind >= KindTuple && v.kind <= KindObject }

// obj is a container in the Decoder arena: its children are
// vals[start:start+n] (a map holds key, value, key, value ...; a global
// module, name; an object callable, args, state).
type obj struct {
	start  uint32
	n      uint32
	cap    uint32 // slots reserved at start (lists and maps grow in place)
	depth  uint16 // 1 + the deepest child's depth
	sealed bool   // embedded in another container: no longer mutable
	flag   bool   // object: built by NEWOBJ; has state when n == 3
	unhash bool   // tuple: holds a list or dict somewhere (not a dict key)
}
