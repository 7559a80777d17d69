// Pickle decoder: the stack machine for the protocol 2-4 subset ZEO peers
// emit, plus memo and FRAME opcodes, with ZEO's global whitelist.

package zeo5

import "encoding/binary"

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
