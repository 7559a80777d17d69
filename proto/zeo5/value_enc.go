// Encoding a decoded Value (and its whole tree) in either encoding.

package zeo5

import (
	"fmt"
	"math"
)

// errMapKeyNotEncodable: msgpack peers accept only str and bin map keys.
var errMapKeyNotEncodable = fmt.Errorf("%w: %w (msgpack needs str or bin)", ErrNotEncodable, ErrBadMapKey)

// appendScalar writes a non-container value.
func appendScalar(dst []byte, enc Encoding, v Value) []byte {
	if enc == Pickle {
		switch v.kind {
		case KindNil:
			return append(dst, opNone)
		case KindBool:
			return appendPickleBool(dst, v.x != 0)
		case KindInt:
			if v.big {
				return appendPickleUint(dst, v.x)
			}
			return appendPickleInt(dst, int64(v.x))
		case KindFloat:
			return appendPickleFloat(dst, math.Float64frombits(v.x))
		case KindBytes:
			return appendPickleBytes(dst, v.b)
		case KindStr:
			return appendPickleStrBytes(dst, v.b)
		}
		return dst
	}
	switch v.kind {
	case KindNil:
		return append(dst, 0xc0)
	case KindBool:
		return appendMsgpackBool(dst, v.x != 0)
	case KindInt:
		if v.big {
			return appendMsgpackUint(dst, v.x)
		}
		return appendMsgpackInt(dst, int64(v.x))
	case KindFloat:
		return appendMsgpackFloat(dst, math.Float64frombits(v.x))
	case KindBytes:
		return appendMsgpackBin(dst, v.b)
	case KindStr:
		return appendMsgpackStrBytes(dst, v.b)
	}
	return dst
}

// appendValue writes v and everything inside it, as zodbpickle (fast mode)
// or msgpack.packb would. Containers must belong to d. On error dst is
// returned as far as it was written; callers cut it back.
func appendValue(dst []byte, enc Encoding, d *Decoder, v Value, depth int) ([]byte, error) {
	budget := expansionBudget(d)
	return appendValueRec(dst, enc, d, v, depth, &budget)
}

// expansionBudget bounds the container visits of one walk over d's values.
// A tree visits each arena slot once; only pickle memo references (the same
// container reached twice) can exceed it, and a chain of them could expand
// exponentially, so walks fail with ErrTooLarge instead.
func expansionBudget(d *Decoder) int {
	if d == nil {
		return 0
	}
	return 2*len(d.vals) + 1024
}

var errExpands = fmt.Errorf("%w: value expands too far through shared references", ErrTooLarge)

func appendValueRec(dst []byte, enc Encoding, d *Decoder, v Value, depth int, budget *int) ([]byte, error) {
	if !v.isContainer() {
		if v.kind > KindStr {
			return dst, ErrNotEncodable
		}
		return appendScalar(dst, enc, v), nil
	}
	if depth >= maxDepthLimit || (d != nil && depth > d.opts.withDefaults().MaxDepth) {
		return dst, ErrTooDeep
	}
	if d == nil || d.object(v) == nil {
		return dst, ErrNotEncodable
	}
	items := d.children(v)
	if *budget -= len(items) + 1; *budget < 0 {
		return dst, errExpands
	}
	var err error
	if enc == Msgpack {
		switch v.kind {
		case KindTuple, KindList:
			dst = appendMsgpackArrayHeader(dst, len(items))
		case KindMap:
			dst = appendMsgpackMapHeader(dst, len(items)/2)
			for i := 0; i < len(items); i += 2 {
				if k := items[i].kind; k != KindStr && k != KindBytes {
					return dst, errMapKeyNotEncodable
				}
			}
		default:
			return dst, ErrNotEncodable
		}
		for _, it := range items {
			if dst, err = appendValueRec(dst, enc, d, it, depth+1, budget); err != nil {
				return dst, err
			}
		}
		return dst, nil
	}
	switch v.kind {
	case KindTuple:
		if pickleTupleNeedsMark(len(items)) {
			dst = append(dst, opMark)
		}
		for _, it := range items {
			if dst, err = appendValueRec(dst, enc, d, it, depth+1, budget); err != nil {
				return dst, err
			}
		}
		return append(dst, pickleTupleEnd(len(items))), nil
	case KindList, KindMap:
		isMap := v.kind == KindMap
		n, step := len(items), 1
		if isMap {
			dst = append(dst, opEmptyDict)
			n, step = n/2, 2
		} else {
			dst = append(dst, opEmptyList)
		}
		for i := 0; i < n; i++ {
			if pickleBatchOpen(i, n) {
				dst = append(dst, opMark)
			}
			for _, it := range items[i*step : i*step+step] {
				if dst, err = appendValueRec(dst, enc, d, it, depth+1, budget); err != nil {
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
		return append(append(dst, items[1].b...), '\n'), nil
	case KindObject:
		for _, it := range items[:2] {
			if dst, err = appendValueRec(dst, enc, d, it, depth+1, budget); err != nil {
				return dst, err
			}
		}
		if d.objs[v.x].flag {
			dst = append(dst, opNewobj)
		} else {
			dst = append(dst, opReduce)
		}
		if len(items) == 3 {
			if dst, err = appendValueRec(dst, enc, d, items[2], depth+1, budget); err != nil {
				return dst, err
			}
			dst = append(dst, opBuild)
		}
		return dst, nil
	}
	return dst, ErrNotEncodable
}
