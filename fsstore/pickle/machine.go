// The stack machine: one pass over one pickle, opcode by opcode.

package pickle

import (
	"encoding/binary"
	"fmt"
)

// run executes the pickle that starts at data[pos] up to its STOP and
// returns the offset after the STOP and the value STOP popped. The stack
// and marks start empty; the memo carries over from the previous pickle.
func (s *Scanner) run(data []byte, pos int) (int, value, error) {
	s.stack = s.stack[:0]
	s.marks = s.marks[:0]
	fence := 0 // stack length at the innermost MARK: nothing below it may be popped
	for {
		if pos >= len(data) {
			return pos, value{}, &Error{Offset: pos, Err: ErrTruncated}
		}
		start := pos
		op := data[pos]
		pos++
		switch op {
		case '.': // STOP
			if len(s.stack)-fence < 1 {
				return errAt(start, op, ErrStackUnderflow)
			}
			return pos, s.stack[len(s.stack)-1], nil

		case '(': // MARK
			if len(s.marks) >= MaxMarkDepth {
				return errAt(start, op, ErrTooDeep)
			}
			s.marks = append(s.marks, len(s.stack))
			fence = len(s.stack)

		case 0x80: // PROTO
			if pos >= len(data) {
				return errAt(start, op, ErrTruncated)
			}
			if data[pos] > 5 {
				return errAt(start, op, fmt.Errorf("%w: unsupported protocol %d", ErrBadArgument, data[pos]))
			}
			pos++
		case 0x95: // FRAME: a buffering hint, its 8-byte length is skipped
			if len(data)-pos < 8 {
				return errAt(start, op, ErrTruncated)
			}
			pos += 8

		// Bytes-like and str values, kept as views of the input.
		case 'C', 'U', 'B', 'T', 0x8e, 'X', 0x8c, 0x8d:
			var n uint64
			var w int
			switch op {
			case 'C', 'U', 0x8c:
				w = 1
			case 'B', 'T', 'X':
				w = 4
			default:
				w = 8
			}
			if len(data)-pos < w {
				return errAt(start, op, ErrTruncated)
			}
			switch w {
			case 1:
				n = uint64(data[pos])
			case 4:
				n = uint64(binary.LittleEndian.Uint32(data[pos:]))
				if op == 'T' && n >= 1<<31 {
					return errAt(start, op, fmt.Errorf("%w: negative BINSTRING length", ErrBadArgument))
				}
			default:
				n = binary.LittleEndian.Uint64(data[pos:])
			}
			pos += w
			if uint64(len(data)-pos) < n {
				return errAt(start, op, fmt.Errorf("%w: %d-byte argument, %d bytes left", ErrTruncated, n, len(data)-pos))
			}
			k := kBytes
			if op == 'X' || op == 0x8c || op == 0x8d {
				k = kStr
			}
			end := pos + int(n)
			s.stack = append(s.stack, value{kind: k, b: data[pos:end:end]})
			pos = end
		case 'S': // STRING: a quoted, escaped line
			line, next, ok := readLine(data, pos)
			if !ok {
				return errAt(start, op, ErrTruncated)
			}
			b, err := s.decodeString(line)
			if err != nil {
				return errAt(start, op, err)
			}
			s.stack = append(s.stack, value{kind: kBytes, b: b})
			pos = next
		case 'V': // UNICODE: a raw-unicode-escape line
			line, next, ok := readLine(data, pos)
			if !ok {
				return errAt(start, op, ErrTruncated)
			}
			b, err := s.decodeRawUnicode(line)
			if err != nil {
				return errAt(start, op, err)
			}
			s.stack = append(s.stack, value{kind: kStr, b: b})
			pos = next

		// Opaque scalars.
		case 'N', 0x88, 0x89, '}', 0x8f, 0x97:
			s.stack = append(s.stack, value{kind: kOpaque})
		case 'J', 'K', 'M', 'G', 0x82, 0x83, 0x84:
			w := argWidth(op)
			if len(data)-pos < w {
				return errAt(start, op, ErrTruncated)
			}
			pos += w
			s.stack = append(s.stack, value{kind: kOpaque})
		case 0x8a, 0x8b, 0x96: // LONG1, LONG4, BYTEARRAY8
			var n uint64
			switch op {
			case 0x8a:
				if pos >= len(data) {
					return errAt(start, op, ErrTruncated)
				}
				n = uint64(data[pos])
				pos++
			case 0x8b:
				if len(data)-pos < 4 {
					return errAt(start, op, ErrTruncated)
				}
				n = uint64(binary.LittleEndian.Uint32(data[pos:]))
				if n >= 1<<31 {
					return errAt(start, op, fmt.Errorf("%w: negative LONG4 length", ErrBadArgument))
				}
				pos += 4
			default:
				if len(data)-pos < 8 {
					return errAt(start, op, ErrTruncated)
				}
				n = binary.LittleEndian.Uint64(data[pos:])
				pos += 8
			}
			if uint64(len(data)-pos) < n {
				return errAt(start, op, fmt.Errorf("%w: %d-byte argument, %d bytes left", ErrTruncated, n, len(data)-pos))
			}
			pos += int(n)
			s.stack = append(s.stack, value{kind: kOpaque})
		case 'I', 'L', 'F':
			_, next, ok := readLine(data, pos)
			if !ok {
				return errAt(start, op, ErrTruncated)
			}
			pos = next
			s.stack = append(s.stack, value{kind: kOpaque})
		case 0x98: // READONLY_BUFFER
			if len(s.stack)-fence < 1 {
				return errAt(start, op, ErrStackUnderflow)
			}

		// Globals.
		case 'c': // GLOBAL: module line, name line
			mod, next, ok := readLine(data, pos)
			if !ok {
				return errAt(start, op, ErrTruncated)
			}
			name, next2, ok := readLine(data, next)
			if !ok {
				return errAt(start, op, ErrTruncated)
			}
			pos = next2
			s.stack = append(s.stack, s.newGlobal(value{kind: kStr, b: mod}, value{kind: kStr, b: name}))
		case 0x93: // STACK_GLOBAL
			if len(s.stack)-fence < 2 {
				return errAt(start, op, ErrStackUnderflow)
			}
			mod, name := s.stack[len(s.stack)-2], s.stack[len(s.stack)-1]
			s.stack = s.stack[:len(s.stack)-2]
			if mod.isText() && name.isText() {
				s.stack = append(s.stack, s.newGlobal(mod, name))
			} else {
				s.stack = append(s.stack, value{kind: kOpaque})
			}
		case 'i': // INST: module line, name line, args since MARK
			_, next, ok := readLine(data, pos)
			if !ok {
				return errAt(start, op, ErrTruncated)
			}
			_, next2, ok := readLine(data, next)
			if !ok {
				return errAt(start, op, ErrTruncated)
			}
			pos = next2
			m, ok := s.popMark(&fence)
			if !ok {
				return errAt(start, op, ErrNoMark)
			}
			s.stack = append(s.stack[:m], value{kind: kOpaque})

		// Tuples and lists.
		case ')':
			s.stack = append(s.stack, s.newSeq(kTuple, nil))
		case 0x85, 0x86, 0x87: // TUPLE1..3
			n := int(op - 0x84)
			if len(s.stack)-fence < n {
				return errAt(start, op, ErrStackUnderflow)
			}
			at := len(s.stack) - n
			v := s.newSeq(kTuple, s.stack[at:])
			s.stack = append(s.stack[:at], v)
		case 't', 'l': // TUPLE, LIST: items since MARK
			m, ok := s.popMark(&fence)
			if !ok {
				return errAt(start, op, ErrNoMark)
			}
			k := kTuple
			if op == 'l' {
				k = kList
			}
			v := s.newSeq(k, s.stack[m:])
			s.stack = append(s.stack[:m], v)
		case ']':
			s.stack = append(s.stack, s.newSeq(kList, nil))
		case 'a': // APPEND
			if len(s.stack)-fence < 2 {
				return errAt(start, op, ErrStackUnderflow)
			}
			n := len(s.stack) - 1
			s.appendTo(s.stack[n-1], s.stack[n:])
			s.stack = s.stack[:n]
		case 'e': // APPENDS
			m, ok := s.popMark(&fence)
			if !ok {
				return errAt(start, op, ErrNoMark)
			}
			if m <= fence {
				return errAt(start, op, ErrStackUnderflow)
			}
			s.appendTo(s.stack[m-1], s.stack[m:])
			s.stack = s.stack[:m]

		// Dicts, sets and object construction: opaque results.
		case 'd', 0x91: // DICT, FROZENSET: items since MARK
			m, ok := s.popMark(&fence)
			if !ok {
				return errAt(start, op, ErrNoMark)
			}
			if op == 'd' && (len(s.stack)-m)%2 != 0 {
				return errAt(start, op, fmt.Errorf("%w: odd number of items for DICT", ErrBadArgument))
			}
			s.stack = append(s.stack[:m], value{kind: kOpaque})
		case 's': // SETITEM
			if len(s.stack)-fence < 3 {
				return errAt(start, op, ErrStackUnderflow)
			}
			s.stack = s.stack[:len(s.stack)-2]
		case 'u', 0x90: // SETITEMS, ADDITEMS
			m, ok := s.popMark(&fence)
			if !ok {
				return errAt(start, op, ErrNoMark)
			}
			if m <= fence {
				return errAt(start, op, ErrStackUnderflow)
			}
			if op == 'u' && (len(s.stack)-m)%2 != 0 {
				return errAt(start, op, fmt.Errorf("%w: odd number of items for SETITEMS", ErrBadArgument))
			}
			s.stack = s.stack[:m]
		case 'b': // BUILD
			if len(s.stack)-fence < 2 {
				return errAt(start, op, ErrStackUnderflow)
			}
			s.stack = s.stack[:len(s.stack)-1]
		case 'R', 0x81, 0x92: // REDUCE, NEWOBJ, NEWOBJ_EX
			n := 2
			if op == 0x92 {
				n = 3
			}
			if len(s.stack)-fence < n {
				return errAt(start, op, ErrStackUnderflow)
			}
			s.stack = append(s.stack[:len(s.stack)-n], value{kind: kOpaque})
		case 'o': // OBJ: class and args since MARK
			m, ok := s.popMark(&fence)
			if !ok {
				return errAt(start, op, ErrNoMark)
			}
			if len(s.stack)-m < 1 {
				return errAt(start, op, ErrStackUnderflow)
			}
			s.stack = append(s.stack[:m], value{kind: kOpaque})

		// Stack manipulation.
		case '0': // POP: pops a value, or an empty MARK
			if len(s.marks) > 0 && s.marks[len(s.marks)-1] == len(s.stack) {
				s.popMark(&fence)
			} else if len(s.stack)-fence < 1 {
				return errAt(start, op, ErrStackUnderflow)
			} else {
				s.stack = s.stack[:len(s.stack)-1]
			}
		case '1': // POP_MARK
			m, ok := s.popMark(&fence)
			if !ok {
				return errAt(start, op, ErrNoMark)
			}
			s.stack = s.stack[:m]
		case '2': // DUP
			if len(s.stack)-fence < 1 {
				return errAt(start, op, ErrStackUnderflow)
			}
			s.stack = append(s.stack, s.stack[len(s.stack)-1])

		// Memo.
		case 'q', 'r', 'p', 0x94: // BINPUT, LONG_BINPUT, PUT, MEMOIZE
			var idx uint64
			switch op {
			case 'q':
				if pos >= len(data) {
					return errAt(start, op, ErrTruncated)
				}
				idx = uint64(data[pos])
				pos++
			case 'r':
				if len(data)-pos < 4 {
					return errAt(start, op, ErrTruncated)
				}
				idx = uint64(binary.LittleEndian.Uint32(data[pos:]))
				pos += 4
			case 'p':
				line, next, ok := readLine(data, pos)
				if !ok {
					return errAt(start, op, ErrTruncated)
				}
				v, ok := parseIndex(line)
				if !ok {
					return errAt(start, op, fmt.Errorf("%w: PUT index %q", ErrBadArgument, line))
				}
				idx = v
				pos = next
			default:
				idx = uint64(s.memoCount)
			}
			if len(s.stack)-fence < 1 {
				return errAt(start, op, ErrStackUnderflow)
			}
			s.memoPut(idx, s.stack[len(s.stack)-1])
		case 'h', 'j', 'g': // BINGET, LONG_BINGET, GET
			var idx uint64
			switch op {
			case 'h':
				if pos >= len(data) {
					return errAt(start, op, ErrTruncated)
				}
				idx = uint64(data[pos])
				pos++
			case 'j':
				if len(data)-pos < 4 {
					return errAt(start, op, ErrTruncated)
				}
				idx = uint64(binary.LittleEndian.Uint32(data[pos:]))
				pos += 4
			default:
				line, next, ok := readLine(data, pos)
				if !ok {
					return errAt(start, op, ErrTruncated)
				}
				v, ok := parseIndex(line)
				if !ok {
					return errAt(start, op, fmt.Errorf("%w: GET index %q", ErrBadArgument, line))
				}
				idx = v
				pos = next
			}
			v, ok := s.memoGet(idx)
			if !ok {
				return errAt(start, op, fmt.Errorf("%w: index %d", ErrMemo, idx))
			}
			s.stack = append(s.stack, v)

		// Persistent ids.
		case 'Q': // BINPERSID
			if len(s.stack)-fence < 1 {
				return errAt(start, op, ErrStackUnderflow)
			}
			pid := s.stack[len(s.stack)-1]
			if err := s.persistentID(pid); err != nil {
				return errAt(start, op, err)
			}
			s.stack[len(s.stack)-1] = value{kind: kOpaque}
		case 'P': // PERSID: a text line, a str pid
			line, next, ok := readLine(data, pos)
			if !ok {
				return errAt(start, op, ErrTruncated)
			}
			pos = next
			if err := s.persistentID(value{kind: kStr, b: line}); err != nil {
				return errAt(start, op, err)
			}
			s.stack = append(s.stack, value{kind: kOpaque})

		default:
			return errAt(start, op, ErrUnknownOpcode)
		}
	}
}
