// Pickle decoder: the stack machine for the protocol 2-4 subset ZEO peers
// emit, plus memo and FRAME opcodes, with ZEO's global whitelist.

package zeo5

import (
	"bytes"
	"encoding/binary"
	"math"
)

// Pickle opcodes this package reads (and, marked *, writes).
const (
	opMark           = '(' // *
	opStop           = '.' // *
	opBinint         = 'J' // *
	opBinint1        = 'K' // *
	opBinint2        = 'M' // *
	opNone           = 'N' // *
	opBinunicode     = 'X' // *
	opAppend         = 'a' // *
	opBuild          = 'b' // *
	opGlobal         = 'c' // *
	opEmptyDict      = '}' // *
	opAppends        = 'e' // *
	opBinget         = 'h'
	opLongBinget     = 'j'
	opEmptyList      = ']' // *
	opBinput         = 'q' // * (extension pickles only)
	opLongBinput     = 'r' // * (extension pickles only)
	opSetitem        = 's' // *
	opTuple          = 't' // *
	opEmptyTuple     = ')' // *
	opSetitems       = 'u' // *
	opBinfloat       = 'G' // *
	opReduce         = 'R' // *
	opProto          = 0x80
	opNewobj         = 0x81 // *
	opTuple1         = 0x85 // *
	opTuple2         = 0x86 // *
	opTuple3         = 0x87 // *
	opNewtrue        = 0x88 // *
	opNewfalse       = 0x89 // *
	opLong1          = 0x8a // *
	opLong4          = 0x8b
	opBinbytes       = 'B' // *
	opShortBinbytes  = 'C' // *
	opShortBinunicod = 0x8c
	opBinunicode8    = 0x8d
	opBinbytes8      = 0x8e
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
)

var opNames = map[byte]string{
	opMark: "MARK", opStop: "STOP", opBinint: "BININT", opBinint1: "BININT1",
	opBinint2: "BININT2", opNone: "NONE", opBinunicode: "BINUNICODE",
	opAppend: "APPEND", opBuild: "BUILD", opGlobal: "GLOBAL",
	opEmptyDict: "EMPTY_DICT", opAppends: "APPENDS", opBinget: "BINGET",
	opLongBinget: "LONG_BINGET", opEmptyList: "EMPTY_LIST", opBinput: "BINPUT",
	opLongBinput: "LONG_BINPUT", opSetitem: "SETITEM", opTuple: "TUPLE",
	opEmptyTuple: "EMPTY_TUPLE", opSetitems: "SETITEMS", opBinfloat: "BINFLOAT",
	opReduce: "REDUCE", opProto: "PROTO", opNewobj: "NEWOBJ", opTuple1: "TUPLE1",
	opTuple2: "TUPLE2", opTuple3: "TUPLE3", opNewtrue: "NEWTRUE",
	opNewfalse: "NEWFALSE", opLong1: "LONG1", opLong4: "LONG4",
	opBinbytes: "BINBYTES", opShortBinbytes: "SHORT_BINBYTES",
	opShortBinunicod: "SHORT_BINUNICODE", opBinunicode8: "BINUNICODE8",
	opBinbytes8: "BINBYTES8", opStackGlobal: "STACK_GLOBAL",
	opMemoize: "MEMOIZE", opFrame: "FRAME",
}

func opcodeName(op byte) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return "unknown"
}

// allowedGlobalModules are the modules ZEO's server unpickler lets a GLOBAL
// name; anything else closes the connection there.
func allowedGlobalModule(m []byte) bool {
	switch string(m) {
	case "ZopeUndo.Prefix", "zodbpickle", "builtins", "copy_reg", "__builtin__":
		return true
	}
	return false
}

// pickleState is the cursor of one decodePickle run.
type pickleState struct {
	d   *Decoder
	src []byte
	pos int // next byte to read
	at  int // offset of the current opcode
	op  byte
}

func (p *pickleState) fail(err error, detail string) error {
	return &DecodeError{Enc: Pickle, Offset: p.at, Op: p.op, Err: err, Detail: detail}
}

func (p *pickleState) limit(e *errLimit) error { return p.fail(e.err, e.detail) }

// need checks that n more bytes are present, in 64-bit arithmetic.
func (p *pickleState) need(n uint64) error {
	if uint64(len(p.src)-p.pos) < n {
		return p.fail(ErrTruncated, "")
	}
	return nil
}

// base is the stack height above the innermost open MARK.
func (p *pickleState) base() int {
	d := p.d
	if len(d.marks) == 0 {
		return 0
	}
	return int(d.marks[len(d.marks)-1].height)
}

// avail checks that the current MARK frame holds at least n values.
func (p *pickleState) avail(n int) error {
	if len(p.d.stack)-p.base() < n {
		return p.fail(ErrStackUnderflow, "")
	}
	return nil
}

func (p *pickleState) push(v Value) error {
	v.off = uint32(p.at)
	d := p.d
	if d.nvals++; d.nvals > d.opts.MaxValues {
		return p.limit(errTooMany)
	}
	d.stack = append(d.stack, v)
	return nil
}

// popMark closes the innermost MARK and returns the stack height it had.
func (p *pickleState) popMark() (mark, error) {
	d := p.d
	if len(d.marks) == 0 {
		return mark{}, p.fail(ErrStackUnderflow, "no MARK")
	}
	m := d.marks[len(d.marks)-1]
	d.marks = d.marks[:len(d.marks)-1]
	return m, nil
}

func (d *Decoder) decodePickle() (Value, error) {
	d.stack = d.stack[:0]
	d.marks = d.marks[:0]
	d.memo = d.memo[:0]
	d.memoN = 0
	d.memoOps = d.memoOps[:0]
	p := pickleState{d: d, src: d.src}
	for {
		if p.pos >= len(p.src) {
			return Value{}, &DecodeError{Enc: Pickle, Offset: p.pos, AtEnd: true, Err: ErrTruncated, Detail: "no STOP"}
		}
		p.at, p.op = p.pos, p.src[p.pos]
		p.pos++
		if p.op == opStop {
			if len(d.marks) != 0 || len(d.stack) != 1 {
				return Value{}, p.fail(ErrBadPickle, "STOP with other than one value on the stack")
			}
			if p.pos != len(p.src) {
				return Value{}, p.fail(ErrTrailingBytes, "")
			}
			return d.stack[0], nil
		}
		// The opcodes of a stock client's calls are handled here, without
		// a call per opcode; the rest in step.
		var err error
		switch p.op {
		case opBinint1:
			if p.pos < len(p.src) {
				p.pos++
				err = p.push(Value{kind: KindInt, x: uint64(p.src[p.pos-1])})
			} else {
				err = p.fail(ErrTruncated, "")
			}
		case opShortBinbytes:
			if p.pos < len(p.src) && int(p.src[p.pos]) < len(p.src)-p.pos {
				n := int(p.src[p.pos])
				b := p.src[p.pos+1 : p.pos+1+n : p.pos+1+n]
				p.pos += 1 + n
				err = p.push(Value{kind: KindBytes, b: b})
			} else {
				err = p.fail(ErrTruncated, "")
			}
		case opNewtrue, opNewfalse:
			err = p.push(Value{kind: KindBool, x: uint64(opNewfalse - p.op)})
		case opNone:
			err = p.push(Value{})
		case opMark:
			if len(d.marks) >= d.opts.MaxDepth {
				err = p.fail(ErrTooDeep, "too many open MARKs")
			} else {
				d.marks = append(d.marks, mark{height: int32(len(d.stack)), off: int32(p.at)})
			}
		default:
			err = p.step()
		}
		if err != nil {
			return Value{}, err
		}
	}
}

// step executes the opcode p.op.
func (p *pickleState) step() error {
	d := p.d
	switch p.op {
	case opProto:
		if err := p.need(1); err != nil {
			return err
		}
		if p.src[p.pos] > 5 {
			return p.fail(ErrBadPickle, "unsupported protocol")
		}
		p.pos++
	case opFrame:
		if err := p.need(8); err != nil {
			return err
		}
		n := binary.LittleEndian.Uint64(p.src[p.pos:])
		p.pos += 8
		if err := p.need(n); err != nil {
			return err
		}
		d.memoOps = append(d.memoOps, int32(p.at))
	case opMark:
		if len(d.marks) >= d.opts.MaxDepth {
			return p.fail(ErrTooDeep, "too many open MARKs")
		}
		d.marks = append(d.marks, mark{height: int32(len(d.stack)), off: int32(p.at)})
	case opNone:
		return p.push(Value{})
	case opNewtrue:
		return p.push(Bool(true))
	case opNewfalse:
		return p.push(Bool(false))
	case opBinint1:
		if err := p.need(1); err != nil {
			return err
		}
		p.pos++
		return p.push(Int(int64(p.src[p.pos-1])))
	case opBinint2:
		if err := p.need(2); err != nil {
			return err
		}
		p.pos += 2
		return p.push(Int(int64(binary.LittleEndian.Uint16(p.src[p.pos-2:]))))
	case opBinint:
		if err := p.need(4); err != nil {
			return err
		}
		p.pos += 4
		return p.push(Int(int64(int32(binary.LittleEndian.Uint32(p.src[p.pos-4:])))))
	case opLong1, opLong4:
		return p.long()
	case opBinfloat:
		if err := p.need(8); err != nil {
			return err
		}
		p.pos += 8
		return p.push(Value{kind: KindFloat, x: binary.BigEndian.Uint64(p.src[p.pos-8:])})
	case opShortBinunicod, opBinunicode, opBinunicode8, opShortBinbytes, opBinbytes, opBinbytes8:
		return p.counted()
	case opEmptyTuple, opEmptyList, opEmptyDict:
		kind := KindTuple
		if p.op == opEmptyList {
			kind = KindList
		} else if p.op == opEmptyDict {
			kind = KindMap
		}
		v, e := d.newObj(kind, nil, 0, p.at)
		if e != nil {
			return p.limit(e)
		}
		return p.push(v)
	case opTuple:
		m, err := p.popMark()
		if err != nil {
			return err
		}
		return p.tuple(int(m.height), int(m.off))
	case opTuple1, opTuple2, opTuple3:
		k := int(p.op-opTuple1) + 1
		if err := p.avail(k); err != nil {
			return err
		}
		h := len(d.stack) - k
		return p.tuple(h, int(d.stack[h].off))
	case opAppend, opSetitem:
		k := 2
		if p.op == opSetitem {
			k = 3
		}
		if err := p.avail(k); err != nil {
			return err
		}
		return p.extend(len(d.stack) - k + 1)
	case opAppends, opSetitems:
		m, err := p.popMark()
		if err != nil {
			return err
		}
		if int(m.height)-1 < p.base() {
			return p.fail(ErrStackUnderflow, "no container below MARK")
		}
		return p.extend(int(m.height))
	case opBinput, opLongBinput, opMemoize:
		return p.put()
	case opBinget, opLongBinget:
		return p.get()
	case opGlobal:
		return p.global()
	case opStackGlobal:
		if err := p.avail(2); err != nil {
			return err
		}
		mod, name := d.stack[len(d.stack)-2], d.stack[len(d.stack)-1]
		if mod.kind != KindStr || name.kind != KindStr {
			return p.fail(ErrBadPickle, "STACK_GLOBAL needs two str")
		}
		d.stack = d.stack[:len(d.stack)-2]
		return p.makeGlobal(mod, name)
	case opReduce, opNewobj:
		return p.reduce()
	case opBuild:
		if err := p.avail(2); err != nil {
			return err
		}
		target := d.stack[len(d.stack)-2]
		if target.kind != KindObject || d.objs[target.x].n != 2 {
			return p.limit(errBuildTarget)
		}
		if e := d.grow(target, d.stack[len(d.stack)-1:]); e != nil {
			return p.limit(e)
		}
		d.stack = d.stack[:len(d.stack)-1]
	default:
		return p.fail(ErrUnknownOpcode, "")
	}
	return nil
}

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
			if !d.hashable(items[i], 0) {
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
