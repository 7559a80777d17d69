// Error sentinels and the positioned *Error type of the pickle scanner.

package pickle

import (
	"errors"
	"strconv"
)

// Sentinels, matched with errors.Is through *Error.
var (
	// ErrTruncated means the input ends inside an opcode argument or before
	// the STOP of a pickle.
	ErrTruncated = errors.New("pickle: truncated pickle")
	// ErrUnknownOpcode means a byte that is no pickle opcode.
	ErrUnknownOpcode = errors.New("pickle: unknown opcode")
	// ErrStackUnderflow means an opcode needs more values than the stack
	// holds above the innermost MARK.
	ErrStackUnderflow = errors.New("pickle: stack underflow")
	// ErrNoMark means an opcode that works on the items since the last
	// MARK found no MARK.
	ErrNoMark = errors.New("pickle: could not find MARK")
	// ErrMemo means a memo GET of an index that was never PUT, or a
	// negative PUT/GET index.
	ErrMemo = errors.New("pickle: memo index not found")
	// ErrTooDeep means MARKs nested deeper than MaxMarkDepth.
	ErrTooDeep = errors.New("pickle: marks nested too deep")
	// ErrBadArgument means a malformed opcode argument: a bad decimal line,
	// an unquoted STRING, a bad escape, a negative length, an unsupported
	// protocol number.
	ErrBadArgument = errors.New("pickle: malformed opcode argument")
	// ErrBadPid means a persistent id that referencesf cannot turn into an
	// oid: not a tuple, bytes, str or list; an empty tuple; an oid that is
	// not 8 bytes or a str that is not ASCII.
	ErrBadPid = errors.New("pickle: bad persistent id")
	// ErrTooLarge means a record over MaxRecordSize.
	ErrTooLarge = errors.New("pickle: record too large")
	// ErrNoClass means the class pickle is none of the forms ZODB writes.
	ErrNoClass = errors.New("pickle: no class in the class pickle")
)

// Error is a scan failure at a byte offset of the record.
type Error struct {
	Offset int   // offset of the opcode that failed, from the record start
	Op     byte  // that opcode
	Err    error // a sentinel above, possibly wrapped with detail
}

func (e *Error) Error() string {
	b := make([]byte, 0, 96)
	b = append(b, "pickle: offset "...)
	b = strconv.AppendInt(b, int64(e.Offset), 10)
	if e.Op == 0 && e.Err == ErrTruncated {
		// The input ended where an opcode was expected.
		b = append(b, " (end of input)"...)
	} else if e.Err == ErrTooLarge {
		// Not at an opcode: the record as a whole.
	} else {
		b = append(b, " (opcode "...)
		b = strconv.AppendQuoteRuneToASCII(b, rune(e.Op))
		if name := opNames[e.Op]; name != "" {
			b = append(b, ' ')
			b = append(b, name...)
		}
		b = append(b, ')')
	}
	b = append(b, ": "...)
	msg := e.Err.Error()
	if len(msg) > 8 && msg[:8] == "pickle: " {
		msg = msg[8:]
	}
	b = append(b, msg...)
	return string(b)
}

func (e *Error) Unwrap() error { return e.Err }

// opNames names the opcodes for error messages.
var opNames = [256]string{
	'(': "MARK", '.': "STOP", '0': "POP", '1': "POP_MARK", '2': "DUP",
	'F': "FLOAT", 'I': "INT", 'J': "BININT", 'K': "BININT1", 'L': "LONG",
	'M': "BININT2", 'N': "NONE", 'P': "PERSID", 'Q': "BINPERSID",
	'R': "REDUCE", 'S': "STRING", 'T': "BINSTRING", 'U': "SHORT_BINSTRING",
	'V': "UNICODE", 'X': "BINUNICODE", 'a': "APPEND", 'b': "BUILD",
	'c': "GLOBAL", 'd': "DICT", '}': "EMPTY_DICT", 'e': "APPENDS",
	'g': "GET", 'h': "BINGET", 'i': "INST", 'j': "LONG_BINGET", 'l': "LIST",
	']': "EMPTY_LIST", 'o': "OBJ", 'p': "PUT", 'q': "BINPUT",
	'r': "LONG_BINPUT", 's': "SETITEM", 't': "TUPLE", ')': "EMPTY_TUPLE",
	'u': "SETITEMS", 'G': "BINFLOAT", 'B': "BINBYTES", 'C': "SHORT_BINBYTES",
	0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4",
	0x85: "TUPLE1", 0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE",
	0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4", 0x8c: "SHORT_BINUNICODE",
	0x8d: "BINUNICODE8", 0x8e: "BINBYTES8", 0x8f: "EMPTY_SET",
	0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX",
	0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME",
	0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
}
