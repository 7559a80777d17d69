// Pickle primitives as zodbpickle's protocol-3 Pickler writes them (fast
// mode: no memo): ints, floats, bytes, str, and container openers/closers.

package zeo5

import (
	"encoding/binary"
	"math"
)

// pickleBatch is the pickler's batch size for APPENDS and SETITEMS.
const pickleBatch = 1000

// pickleHeader starts every pickled message: PROTO 3.
var pickleHeader = [2]byte{opProto, 3}

func appendPickleInt(dst []byte, i int64) []byte {
	switch {
	case i >= 0 && i <= 0xff:
		return append(dst, opBinint1, byte(i))
	case i >= 0 && i <= 0xffff:
		return append(dst, opBinint2, byte(i), byte(i>>8))
	case i >= math.MinInt32 && i <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(dst, opBinint), uint32(i))
	}
	return appendLong1(dst, uint64(i), i < 0)
}

func appendPickleUint(dst []byte, u uint64) []byte {
	if u <= math.MaxInt64 {
		return appendPickleInt(dst, int64(u))
	}
	return appendLong1(dst, u, false)
}

// appendLong1 writes LONG1 with the fewest little-endian two's complement
// bytes that keep the sign, as pickle's encode_long does.
func appendLong1(dst []byte, x uint64, neg bool) []byte {
	var b [9]byte
	binary.LittleEndian.PutUint64(b[:], x)
	n := 9
	if neg {
		b[8] = 0xff
		for n > 1 && b[n-1] == 0xff && b[n-2]&0x80 != 0 {
			n--
		}
	} else {
		for n > 1 && b[n-1] == 0 && b[n-2]&0x80 == 0 {
			n--
		}
	}
	dst = append(dst, opLong1, byte(n))
	return append(dst, b[:n]...)
}

func appendPickleFloat(dst []byte, f float64) []byte {
	return binary.BigEndian.AppendUint64(append(dst, opBinfloat), math.Float64bits(f))
}

// appendPickleBytesHeader writes SHORT_BINBYTES below 256 bytes, else
// BINBYTES (protocol 3 has no larger form).
func appendPickleBytesHeader(dst []byte, n int) []byte {
	if n < 256 {
		return append(dst, opShortBinbytes, byte(n))
	}
	return binary.LittleEndian.AppendUint32(append(dst, opBinbytes), uint32(n))
}

func appendPickleBytes(dst, b []byte) []byte {
	return append(appendPickleBytesHeader(dst, len(b)), b...)
}

func appendPickleStr(dst []byte, s string) []byte {
	dst = binary.LittleEndian.AppendUint32(append(dst, opBinunicode), uint32(len(s)))
	return append(dst, s...)
}

func appendPickleStrBytes(dst, s []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(append(dst, opBinunicode), uint32(len(s)))
	return append(dst, s...)
}

func appendPickleBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, opNewtrue)
	}
	return append(dst, opNewfalse)
}

// pickleTupleEnd is the closer of an n-tuple: EMPTY_TUPLE, TUPLE1-3, or
// TUPLE after a MARK written at the start (pickleTupleNeedsMark).
func pickleTupleEnd(n int) byte {
	switch n {
	case 0:
		return opEmptyTuple
	case 1, 2, 3:
		return opTuple1 + byte(n-1)
	}
	return opTuple
}

func pickleTupleNeedsMark(n int) bool { return n > 3 }

// pickleBatchOpen reports whether a MARK precedes item i of an n-item list
// or dict (pairs), and pickleBatchClose which closer follows it (0: none):
// a single item gets APPEND/SETITEM, otherwise each batch of 1000 is
// MARK ... APPENDS/SETITEMS.
func pickleBatchOpen(i, n int) bool { return n > 1 && i%pickleBatch == 0 }

func pickleBatchClose(i, n int, isMap bool) byte {
	switch {
	case n == 1 && isMap:
		return opSetitem
	case n == 1:
		return opAppend
	case (i+1)%pickleBatch == 0 || i+1 == n:
		if isMap {
			return opSetitems
		}
		return opAppends
	}
	return 0
}
