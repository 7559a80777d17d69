// Pickle opcodes that build values: tuples, APPEND(S) and SETITEM(S),
// long ints, counted str and bytes, the memo, globals and objects.

package zeo5

import (
	"bytes"
	"encoding/binary"
	"math"
)

// tuple replaces the stack from height h up with a tuple of those values.
func (p *pickleState) tuple(h, off int) error {
	d := p.d
	v, e := d.newObj(KindTuple, d.stack[h:], 0, off)
	if e != nil {
		return p.limit(e)
	}
	d.stack = append(d.stack[:h], v)
	return nil
}

// extend applies APPEND(S) or SETITEM(S): the values from height h up go
// into the list or dict just below them.
func (p *pickleState) extend(h int) error {
	d := p.d
	target := d.stack[h-1]
	items := d.stack[h:]
	switch p.op {
	case opAppend, opAppends:
		if target.kind != KindList {
			return p.fail(ErrBadPickle, "APPEND to a "+target.kind.String())
		}
	default:
		if target.kind != KindMap {
			return p.fail(ErrBadPickle, "SETITEM on a "+target.kind.String())
		}
		if len(items)%2 != 0 {
			return p.fail(ErrBadPickle, "SETITEMS with an odd number of values")
		}
		for i := 0; i < len(items); i += 2 {
			if !d.hashable(items[i]) {
				return p.limit(errUnhashable)
			}
		}
	}
	if e := d.grow(target, items); e != nil {
		return p.limit(e)
	}
	d.stack = d.stack[:h]
	return nil
}

// long reads LONG1 and LONG4: little-endian two's complement integers,
// accepted within [-2^63, 2^64-1].
func (p *pickleState) long() error {
	var n uint64
	if p.op == opLong1 {
		if err := p.need(1); err != nil {
			return err
		}
		n = uint64(p.src[p.pos])
		p.pos++
	} else {
		if err := p.need(4); err != nil {
			return err
		}
		n4 := int32(binary.LittleEndian.Uint32(p.src[p.pos:]))
		if n4 < 0 {
			return p.fail(ErrBadPickle, "negative LONG4 length")
		}
		n = uint64(n4)
		p.pos += 4
	}
	if err := p.need(n); err != nil {
		return err
	}
	b := p.src[p.pos : p.pos+int(n)]
	p.pos += int(n)
	neg := len(b) > 0 && b[len(b)-1]&0x80 != 0
	ext := byte(0)
	if neg {
		ext = 0xff
	}
	for len(b) > 8 && b[len(b)-1] == ext {
		b = b[:len(b)-1]
	}
	if len(b) > 8 || (neg && len(b) == 8 && b[7]&0x80 == 0) {
		return p.fail(ErrIntRange, "")
	}
	var u uint64
	for i := len(b) - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[i])
	}
	if neg && len(b) < 8 {
		u |= math.MaxUint64 << (8 * uint(len(b)))
	}
	v := Value{kind: KindInt, x: u}
	if !neg && u > math.MaxInt64 {
		v.big = true
	}
	return p.push(v)
}

// counted reads the str and bytes opcodes with a length prefix.
func (p *pickleState) counted() error {
	var width uint64 = 4
	switch p.op {
	case opShortBinunicod, opShortBinbytes:
		width = 1
	case opBinunicode8, opBinbytes8:
		width = 8
	}
	if err := p.need(width); err != nil {
		return err
	}
	var n uint64
	switch width {
	case 1:
		n = uint64(p.src[p.pos])
	case 4:
		n = uint64(binary.LittleEndian.Uint32(p.src[p.pos:]))
	default:
		n = binary.LittleEndian.Uint64(p.src[p.pos:])
	}
	p.pos += int(width)
	if err := p.need(n); err != nil {
		return err
	}
	b := p.src[p.pos : p.pos+int(n) : p.pos+int(n)]
	p.pos += int(n)
	if p.op == opShortBinbytes || p.op == opBinbytes || p.op == opBinbytes8 {
		return p.push(Bytes(b))
	}
	if !validStr(b) {
		return p.fail(ErrInvalidUTF8, "")
	}
	return p.push(Str(b))
}

func (p *pickleState) memoKey() (uint64, error) {
	d := p.d
	switch p.op {
	case opBinput, opBinget:
		if err := p.need(1); err != nil {
			return 0, err
		}
		p.pos++
		return uint64(p.src[p.pos-1]), nil
	case opLongBinput, opLongBinget:
		if err := p.need(4); err != nil {
			return 0, err
		}
		p.pos += 4
		return uint64(binary.LittleEndian.Uint32(p.src[p.pos-4:])), nil
	}
	return uint64(d.memoN), nil // MEMOIZE
}

// put stores the top of the stack in the memo.
func (p *pickleState) put() error {
	d := p.d
	key, err := p.memoKey()
	if err != nil {
		return err
	}
	if err := p.avail(1); err != nil {
		return err
	}
	// Sequential picklers never use a key above the number of opcodes.
	if key > uint64(len(p.src)) || key >= uint64(d.opts.MaxValues) {
		return p.fail(ErrTooLarge, "memo key beyond the input size")
	}
	for uint64(len(d.memo)) <= key {
		d.memo = append(d.memo, Value{kind: kindUnset})
	}
	if d.memo[key].kind == kindUnset {
		d.memoN++
	}
	d.memo[key] = d.stack[len(d.stack)-1]
	d.memoOps = append(d.memoOps, int32(p.at))
	return nil
}

// get pushes a memoized value.
func (p *pickleState) get() error {
	d := p.d
	key, err := p.memoKey()
	if err != nil {
		return err
	}
	if key >= uint64(len(d.memo)) || d.memo[key].kind == kindUnset {
		return p.fail(ErrBadPickle, "memo key not defined")
	}
	d.memoOps = append(d.memoOps, int32(p.at))
	return p.push(d.memo[key])
}

// global reads GLOBAL's two newline-terminated lines.
func (p *pickleState) global() error {
	var lines [2][]byte
	for i := range lines {
		nl := bytes.IndexByte(p.src[p.pos:], '\n')
		if nl < 0 {
			return p.fail(ErrTruncated, "GLOBAL line without newline")
		}
		lines[i] = p.src[p.pos : p.pos+nl : p.pos+nl]
		p.pos += nl + 1
	}
	if !validStr(lines[0]) || !validStr(lines[1]) {
		return p.fail(ErrInvalidUTF8, "")
	}
	return p.makeGlobal(Str(lines[0]), Str(lines[1]))
}

func (p *pickleState) makeGlobal(mod, name Value) error {
	if len(name.b) == 0 || !allowedGlobalModule(mod.b) {
		return p.fail(ErrForbiddenGlobal, string(mod.b)+"."+string(name.b))
	}
	v, e := p.d.newObj(KindGlobal, []Value{mod, name}, 0, p.at)
	if e != nil {
		return p.limit(e)
	}
	return p.push(v)
}

// reduce builds an object from REDUCE (callable, args) or NEWOBJ (cls,
// args); state comes later from BUILD.
func (p *pickleState) reduce() error {
	d := p.d
	if err := p.avail(2); err != nil {
		return err
	}
	h := len(d.stack) - 2
	fn, args := d.stack[h], d.stack[h+1]
	if fn.kind != KindGlobal {
		return p.fail(ErrBadPickle, "REDUCE/NEWOBJ of a "+fn.kind.String()+", not a global")
	}
	if args.kind != KindTuple {
		return p.fail(ErrBadPickle, "REDUCE/NEWOBJ arguments are a "+args.kind.String()+", not a tuple")
	}
	v, e := d.newObj(KindObject, d.stack[h:], 3, int(fn.off))
	if e != nil {
		return p.limit(e)
	}
	d.objs[v.x].flag = p.op == opNewobj
	d.stack = d.stack[:h]
	d.stack = append(d.stack, v)
	return nil
}
