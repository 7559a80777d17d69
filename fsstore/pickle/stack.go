// Stack, mark and memo helpers of the machine, and the error constructor.

package pickle

// errAt builds the positioned error of the opcode at start.
func errAt(start int, op byte, err error) (int, value, error) {
	return start, value{}, &Error{Offset: start, Op: op, Err: err}
}

// argWidth is the fixed argument size of the opaque scalar opcodes.
func argWidth(op byte) int {
	switch op {
	case 'J', 0x84:
		return 4
	case 'K', 0x82:
		return 1
	case 'M', 0x83:
		return 2
	default: // 'G'
		return 8
	}
}

// popMark removes the innermost MARK, lowers the fence to the one below it
// and returns the stack length at the MARK.
func (s *Scanner) popMark(fence *int) (int, bool) {
	if len(s.marks) == 0 {
		return 0, false
	}
	m := s.marks[len(s.marks)-1]
	s.marks = s.marks[:len(s.marks)-1]
	if len(s.marks) > 0 {
		*fence = s.marks[len(s.marks)-1]
	} else {
		*fence = 0
	}
	return m, true
}

// newSeq records a tuple or list of the given items.
func (s *Scanner) newSeq(k kind, items []value) value {
	var q seq
	q.n = len(items)
	copy(q.item[:], items)
	s.seqs = append(s.seqs, q)
	return value{kind: k, idx: int32(len(s.seqs) - 1)}
}

// newGlobal records a class reference.
func (s *Scanner) newGlobal(mod, name value) value {
	s.seqs = append(s.seqs, seq{n: 2, item: [3]value{mod, name}})
	return value{kind: kGlobal, idx: int32(len(s.seqs) - 1)}
}

// appendTo appends items to the list target (a no-op for other targets,
// whose append calls the scanner does not model).
func (s *Scanner) appendTo(target value, items []value) {
	if target.kind != kList {
		return
	}
	q := &s.seqs[target.idx]
	for _, v := range items {
		if q.n < len(q.item) {
			q.item[q.n] = v
		}
		q.n++
	}
}

// denseSlack is how far past the dense memo a PUT may land and still grow
// it; picklers use consecutive indices, so only odd input goes sparse.
const denseSlack = 1024

func (s *Scanner) memoPut(idx uint64, v value) {
	if idx < uint64(len(s.memo)) {
		if s.memo[idx].kind == kNone {
			s.memoCount++
		}
		s.memo[idx] = v
		return
	}
	if idx < uint64(len(s.memo))+denseSlack {
		n := int(idx) + 1
		old := len(s.memo)
		if n <= cap(s.memo) {
			s.memo = s.memo[:n]
			clear(s.memo[old:])
		} else {
			s.memo = append(s.memo, make([]value, n-old)...)
		}
		s.memo[idx] = v
		s.memoCount++
		return
	}
	if s.memoSparse == nil {
		s.memoSparse = make(map[uint64]value)
	}
	if _, ok := s.memoSparse[idx]; !ok {
		s.memoCount++
	}
	s.memoSparse[idx] = v
}

func (s *Scanner) memoGet(idx uint64) (value, bool) {
	if idx < uint64(len(s.memo)) {
		v := s.memo[idx]
		return v, v.kind != kNone
	}
	if s.memoSparse != nil {
		v, ok := s.memoSparse[idx]
		return v, ok
	}
	return value{}, false
}
