// Msgpack decoder: the subset of msgpack that ZEO's M5 peers exchange
// (use_bin_type=True, raw=False, strict_map_key), decoded without recursion.

package zeo5

import (
	"encoding/binary"
	"math"
	"strconv"
)

// mpFrame is an open msgpack array or map whose reserved slots are being
// filled: vals[next:end].
type mpFrame struct {
	obj   uint32
	next  uint32
	end   uint32
	isMap uint16 // 1 for a map
	depth uint16 // deepest child so far
}

type mpState struct {
	d   *Decoder
	src []byte
	pos int
	at  int
	op  byte
}

func (p *mpState) fail(err error, detail string) error {
	return &DecodeError{Enc: Msgpack, Offset: p.at, Op: p.op, Err: err, Detail: detail}
}

func (p *mpState) need(n uint64) error {
	if uint64(len(p.src)-p.pos) < n {
		return p.fail(ErrTruncated, "")
	}
	return nil
}

// uint reads a big-endian unsigned integer of width bytes.
func (p *mpState) uint(width int) (uint64, error) {
	if err := p.need(uint64(width)); err != nil {
		return 0, err
	}
	b := p.src[p.pos : p.pos+width]
	p.pos += width
	switch width {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(b)), nil
	}
	return binary.BigEndian.Uint64(b), nil
}

func (d *Decoder) decodeMsgpack() (Value, error) {
	p := mpState{d: d, src: d.src}
	frames := d.mpFrames[:0] // kept for reuse on success
	var root Value
	for {
		if p.pos >= len(p.src) {
			return Value{}, &DecodeError{Enc: Msgpack, Offset: p.pos, AtEnd: true, Err: ErrTruncated}
		}
		p.at, p.op = p.pos, p.src[p.pos]
		p.pos++
		var v Value
		var n int
		var err error
		// Fixints, short str and bin8 (most items of a call) are read
		// here, without a call; the rest in value.
		switch op := p.op; {
		case op <= 0x7f:
			v = Value{kind: KindInt, off: uint32(p.at), x: uint64(op)}
		case op >= 0xa0 && op <= 0xbf && int(op&0x1f) <= len(p.src)-p.pos:
			b := p.src[p.pos : p.pos+int(op&0x1f) : p.pos+int(op&0x1f)]
			p.pos += len(b)
			if !validStr(b) {
				return Value{}, p.fail(ErrInvalidUTF8, "")
			}
			v = Value{kind: KindStr, off: uint32(p.at), b: b}
		case op == 0xc4 && p.pos < len(p.src) && int(p.src[p.pos]) < len(p.src)-p.pos:
			m := int(p.src[p.pos])
			b := p.src[p.pos+1 : p.pos+1+m : p.pos+1+m]
			p.pos += 1 + m
			v = Value{kind: KindBytes, off: uint32(p.at), b: b}
		default:
			if v, n, err = p.value(); err != nil {
				return Value{}, err
			}
		}
		if d.nvals++; d.nvals > d.opts.MaxValues {
			return Value{}, p.fail(ErrTooLarge, "more values than MaxValues")
		}
		// Place v in the innermost open container (or as the root).
		if len(frames) > 0 {
			f := &frames[len(frames)-1]
			if f.isMap != 0 && (f.next-d.objs[f.obj].start)%2 == 0 && v.kind != KindStr && v.kind != KindBytes {
				return Value{}, p.fail(ErrBadMapKey, "map key is a "+v.kind.String()+", not a str or bin")
			}
			d.vals[f.next] = v
			f.next++
		} else {
			root = v
		}
		if n > 0 {
			if len(frames) >= d.opts.MaxDepth {
				return Value{}, p.fail(ErrTooDeep, "")
			}
			o := d.objs[v.x]
			f := mpFrame{obj: uint32(v.x), next: o.start, end: o.start + o.n}
			if v.kind == KindMap {
				f.isMap = 1
			}
			frames = append(frames, f)
		} else if v.isContainer() && len(frames) > 0 {
			f := &frames[len(frames)-1]
			if f.depth < 1 {
				f.depth = 1
			}
		}
		// Close every container that is now full.
		for len(frames) > 0 && frames[len(frames)-1].next == frames[len(frames)-1].end {
			f := frames[len(frames)-1]
			frames = frames[:len(frames)-1]
			d.objs[f.obj].depth = f.depth + 1
			d.objs[f.obj].sealed = true
			if len(frames) > 0 && frames[len(frames)-1].depth < f.depth+1 {
				frames[len(frames)-1].depth = f.depth + 1
			}
		}
		if len(frames) == 0 {
			if p.pos != len(p.src) {
				p.at, p.op = p.pos, p.src[p.pos]
				return Value{}, p.fail(ErrTrailingBytes, "")
			}
			d.mpFrames = frames
			return root, nil
		}
	}
}

// value decodes the item whose type byte is p.op. For a non-empty array
// or map it returns the container with its slots reserved and n > 0.
func (p *mpState) value() (Value, int, error) {
	op := p.op
	at := uint32(p.at)
	switch {
	case op <= 0x7f:
		return Value{kind: KindInt, off: at, x: uint64(op)}, 0, nil
	case op >= 0xe0:
		return Value{kind: KindInt, off: at, x: uint64(int64(int8(op)))}, 0, nil
	case op <= 0x8f:
		return p.container(KindMap, uint64(op&0x0f))
	case op <= 0x9f:
		return p.container(KindTuple, uint64(op&0x0f))
	case op <= 0xbf:
		return p.blob(KindStr, uint64(op&0x1f))
	}
	switch op {
	case 0xc0:
		return Value{off: at}, 0, nil
	case 0xc2, 0xc3:
		return Value{kind: KindBool, off: at, x: uint64(op - 0xc2)}, 0, nil
	case 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb:
		width := 1 << ((op - 0xc4) % 3) // 1, 2, 4
		kind := KindBytes
		if op >= 0xd9 {
			width = 1 << (op - 0xd9)
			kind = KindStr
		}
		n, err := p.uint(width)
		if err != nil {
			return Value{}, 0, err
		}
		return p.blob(kind, n)
	case 0xca:
		u, err := p.uint(4)
		if err != nil {
			return Value{}, 0, err
		}
		f := float64(math.Float32frombits(uint32(u)))
		return Value{kind: KindFloat, off: at, x: math.Float64bits(f)}, 0, nil
	case 0xcb:
		u, err := p.uint(8)
		if err != nil {
			return Value{}, 0, err
		}
		return Value{kind: KindFloat, off: at, x: u}, 0, nil
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, err := p.uint(1 << (op - 0xcc))
		if err != nil {
			return Value{}, 0, err
		}
		return Value{kind: KindInt, off: at, x: u, big: u > math.MaxInt64}, 0, nil
	case 0xd0, 0xd1, 0xd2, 0xd3:
		width := 1 << (op - 0xd0)
		u, err := p.uint(width)
		if err != nil {
			return Value{}, 0, err
		}
		shift := uint(64 - 8*width)
		return Value{kind: KindInt, off: at, x: uint64(int64(u<<shift) >> shift)}, 0, nil
	case 0xdc, 0xdd, 0xde, 0xdf:
		width := 2
		if op == 0xdd || op == 0xdf {
			width = 4
		}
		n, err := p.uint(width)
		if err != nil {
			return Value{}, 0, err
		}
		kind := KindTuple
		if op >= 0xde {
			kind = KindMap
		}
		return p.container(kind, n)
	case 0xc7, 0xc8, 0xc9, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return Value{}, 0, p.fail(ErrUnknownOpcode, "ext types are not accepted")
	}
	return Value{}, 0, p.fail(ErrUnknownOpcode, "never-used type byte")
}

func (p *mpState) blob(kind Kind, n uint64) (Value, int, error) {
	if err := p.need(n); err != nil {
		return Value{}, 0, err
	}
	b := p.src[p.pos : p.pos+int(n) : p.pos+int(n)]
	p.pos += int(n)
	if kind == KindStr && !validStr(b) {
		return Value{}, 0, p.fail(ErrInvalidUTF8, "")
	}
	return Value{kind: kind, off: uint32(p.at), b: b}, 0, nil
}

// container reserves the slots of an array (n items) or map (n pairs),
// after checking that the remaining input can hold them (one byte each).
func (p *mpState) container(kind Kind, n uint64) (Value, int, error) {
	slots := n
	if kind == KindMap {
		slots = 2 * n
	}
	if slots > uint64(len(p.src)-p.pos) {
		return Value{}, 0, p.fail(ErrTruncated, "declares "+strconv.FormatUint(n, 10)+" items, more than the remaining input holds")
	}
	d := p.d
	if int(slots)+len(d.vals) > 4*d.opts.MaxValues {
		return Value{}, 0, p.fail(ErrTooLarge, "more values than MaxValues")
	}
	start := len(d.vals)
	d.vals = d.extendVals(int(slots))
	d.objs = append(d.objs, obj{})
	o := &d.objs[len(d.objs)-1]
	o.start, o.n, o.cap, o.depth = uint32(start), uint32(slots), uint32(slots), 1
	v := Value{kind: kind, off: uint32(p.at), x: uint64(len(d.objs) - 1)}
	return v, int(slots), nil
}
