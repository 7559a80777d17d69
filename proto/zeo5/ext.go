// Transaction extensions: reading the stored extension pickle into a map
// value, and pickling a client's ext map as ZODB stores it.

package zeo5

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// ExtensionToValue decodes a stored transaction extension (a pickled dict,
// protocol 3, or no bytes for an empty dict) into a map value of d, whose
// arena it resets, for the history, undoLog and iterator_next replies.
func ExtensionToValue(d *Decoder, ext []byte) (Value, error) {
	if len(ext) == 0 {
		d.reset(nil)
		v, e := d.newObj(KindMap, nil, 0, 0)
		if e != nil {
			return Value{}, e.err
		}
		return v, nil
	}
	v, err := d.DecodeValue(Pickle, ext)
	if err != nil {
		return Value{}, fmt.Errorf("zeo5: transaction extension: %w", err)
	}
	if v.kind != KindMap {
		return Value{}, fmt.Errorf("zeo5: transaction extension is a pickled %s, not a dict: %w", v.kind, ErrBadPickle)
	}
	return v, nil
}

// AppendExtensionPickle appends the bytes ZODB stores for the ext argument
// of tpc_begin, as decoded by d from a message in encoding from: nothing for
// None or an empty dict, otherwise pickle.dumps(ext, 3) (memo on, unlike
// messages). ext may also be bytes (an already pickled dict, which ZODB
// loads and dumps again).
//
// Python memoizes every str, bytes, tuple, list and dict and refers back
// (BINGET) when the same object occurs twice. Identity cannot be seen on the
// wire, so this follows CPython's sharing rules for values a decoder builds:
// empty and one-character (Latin-1) str and zero- or one-byte bytes are
// shared singletons, and msgpack's unpacker interns str map keys, so equal
// keys of a msgpack-decoded ext share one object. Everything else is
// distinct.
func AppendExtensionPickle(dst []byte, d *Decoder, ext Value, from Encoding) ([]byte, error) {
	switch ext.kind {
	case KindNil:
		return dst, nil
	case KindBytes:
		if len(ext.b) == 0 {
			return dst, nil
		}
		v, err := d.decodeAppend(Pickle, ext.b)
		if err != nil {
			return dst, fmt.Errorf("zeo5: extension bytes: %w", err)
		}
		if v.kind != KindMap {
			return dst, fmt.Errorf("zeo5: extension bytes hold a %s, not a dict: %w", v.kind, ErrBadPickle)
		}
		ext, from = v, Pickle
	case KindMap:
	default:
		return dst, fmt.Errorf("zeo5: extension is a %s, not a dict: %w", ext.kind, ErrBadArgs)
	}
	if d.Len(ext) == 0 {
		return dst, nil
	}
	var p extPickler
	p.reset(from == Msgpack)
	p.budget = expansionBudget(d)
	start := len(dst)
	dst = append(dst, opProto, 3)
	dst, err := p.save(dst, d, ext, false, 0)
	if err != nil {
		return dst[:start], err
	}
	return append(dst, opStop), nil
}

// extPickler is a protocol-3 pickler with a memo, for extension dicts.
type extPickler struct {
	next       int            // next memo index
	shared     map[string]int // sharing key -> memo index
	internKeys bool
	budget     int // container visits left (see expansionBudget)
}

func (p *extPickler) reset(internKeys bool) {
	p.next, p.internKeys = 0, internKeys
	for k := range p.shared {
		delete(p.shared, k)
	}
}

// sharingKey returns the identity under which Python would reuse v's
// object, or "" when v is a distinct object.
func (p *extPickler) sharingKey(v Value, isKey bool) string {
	switch v.kind {
	case KindStr:
		if len(v.b) == 0 {
			return "s"
		}
		if r, n := utf8.DecodeRune(v.b); n == len(v.b) && r < 256 {
			return "s" + string(v.b)
		}
		if isKey && p.internKeys {
			return "k" + string(v.b)
		}
	case KindBytes:
		if len(v.b) <= 1 {
			return "b" + string(v.b)
		}
	}
	return ""
}

func (p *extPickler) put(dst []byte) []byte {
	i := p.next
	p.next++
	if i < 256 {
		return append(dst, opBinput, byte(i))
	}
	return binary.LittleEndian.AppendUint32(append(dst, opLongBinput), uint32(i))
}

func appendGet(dst []byte, i int) []byte {
	if i < 256 {
		return append(dst, opBinget, byte(i))
	}
	return binary.LittleEndian.AppendUint32(append(dst, opLongBinget), uint32(i))
}

func (p *extPickler) save(dst []byte, d *Decoder, v Value, isKey bool, depth int) ([]byte, error) {
	if depth > writerMaxDepth {
		return dst, ErrTooDeep
	}
	switch v.kind {
	case KindNil, KindBool, KindInt, KindFloat:
		return appendScalar(dst, Pickle, v), nil
	case KindStr, KindBytes:
		key := p.sharingKey(v, isKey)
		if key != "" {
			if i, ok := p.shared[key]; ok {
				return appendGet(dst, i), nil
			}
			if p.shared == nil {
				p.shared = make(map[string]int)
			}
			p.shared[key] = p.next
		}
		return p.put(appendScalar(dst, Pickle, v)), nil
	}
	if d.object(v) == nil {
		return dst, ErrNotEncodable
	}
	items := d.children(v)
	if p.budget -= len(items) + 1; p.budget < 0 {
		return dst, errExpands
	}
	var err error
	switch v.kind {
	case KindTuple:
		if len(items) == 0 {
			return append(dst, opEmptyTuple), nil
		}
		if pickleTupleNeedsMark(len(items)) {
			dst = append(dst, opMark)
		}
		for _, it := range items {
			if dst, err = p.save(dst, d, it, false, depth+1); err != nil {
				return dst, err
			}
		}
		return p.put(append(dst, pickleTupleEnd(len(items)))), nil
	case KindList, KindMap:
		isMap := v.kind == KindMap
		n, step := len(items), 1
		if isMap {
			dst = append(dst, opEmptyDict)
			n, step = n/2, 2
		} else {
			dst = append(dst, opEmptyList)
		}
		dst = p.put(dst)
		for i := 0; i < n; i++ {
			if pickleBatchOpen(i, n) {
				dst = append(dst, opMark)
			}
			for j, it := range items[i*step : i*step+step] {
				if dst, err = p.save(dst, d, it, isMap && j == 0, depth+1); err != nil {
					return dst, err
				}
			}
			if c := pickleBatchClose(i, n, isMap); c != 0 {
				dst = append(dst, c)
			}
		}
		return dst, nil
	case KindGlobal:
		dst = append(dst, opGlobal)
		dst = append(append(dst, items[0].b...), '\n')
		return p.put(append(append(dst, items[1].b...), '\n')), nil
	case KindObject:
		for _, it := range items[:2] {
			if dst, err = p.save(dst, d, it, false, depth+1); err != nil {
				return dst, err
			}
		}
		if d.objs[v.x].flag {
			dst = append(dst, opNewobj)
		} else {
			dst = append(dst, opReduce)
		}
		dst = p.put(dst)
		if len(items) == 3 {
			if dst, err = p.save(dst, d, items[2], false, depth+1); err != nil {
				return dst, err
			}
			dst = append(dst, opBuild)
		}
		return dst, nil
	}
	return dst, ErrNotEncodable
}
