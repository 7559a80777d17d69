// Error vocabulary: sentinels and the typed decode error carrying the
// encoding, byte offset and opcode of a failure.

package zeo5

import (
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// Sentinels. Decoding failures are *DecodeError values wrapping one of these;
// match them with errors.Is.
var (
	// ErrTruncated means the input ends inside a value. It wraps
	// proto.ErrShortBuffer: errors.Is(err, proto.ErrShortBuffer) holds.
	ErrTruncated = fmt.Errorf("zeo5: truncated input: %w", proto.ErrShortBuffer)
	// ErrTrailingBytes means bytes follow the end of the message.
	ErrTrailingBytes = errors.New("zeo5: trailing bytes after the message")
	// ErrUnknownOpcode means a pickle opcode or msgpack type byte this
	// package does not accept (see doc.go for the accepted set).
	ErrUnknownOpcode = errors.New("zeo5: unknown or unsupported opcode")
	// ErrForbiddenGlobal means a pickle GLOBAL outside ZEO's allowed modules.
	ErrForbiddenGlobal = errors.New("zeo5: global not allowed")
	// ErrTooDeep means containers nest deeper than the decoder's MaxDepth.
	ErrTooDeep = errors.New("zeo5: nesting too deep")
	// ErrTooLarge means a declared length or count exceeds what the input
	// can hold, or the message holds more values than MaxValues.
	ErrTooLarge = errors.New("zeo5: declared size too large")
	// ErrInvalidUTF8 means a str is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("zeo5: str is not valid UTF-8")
	// ErrBadMapKey means a map key of a type the peer cannot accept (msgpack:
	// anything but str or bin; pickle: an unhashable list or dict).
	ErrBadMapKey = errors.New("zeo5: bad map key")
	// ErrStackUnderflow means a pickle opcode found too few values on the
	// stack (or no MARK where one was needed).
	ErrStackUnderflow = errors.New("zeo5: pickle stack underflow")
	// ErrBadPickle means a structurally invalid pickle: an opcode applied to
	// the wrong kind of value, an unknown memo key, leftover stack items or
	// marks at STOP, a missing STOP.
	ErrBadPickle = errors.New("zeo5: invalid pickle")
	// ErrIntRange means an integer outside [-2^63, 2^64-1].
	ErrIntRange = errors.New("zeo5: integer out of 64-bit range")
	// ErrBadMessage means the payload is not a (msgid, flags, name, args)
	// sequence of the right types.
	ErrBadMessage = errors.New("zeo5: not a ZEO message")
	// ErrBadArgs means a call's arguments do not have the shape the method
	// takes (typed fast paths).
	ErrBadArgs = errors.New("zeo5: bad call arguments")
	// ErrNotEncodable means a value the target encoding cannot carry (a
	// pickle global or object in msgpack, a non-str map key in msgpack).
	ErrNotEncodable = errors.New("zeo5: value not encodable")
	// ErrWriter means the Writer was used out of order: more or fewer items
	// than a container declared, End without Begin, nesting too deep.
	ErrWriter = errors.New("zeo5: writer misuse")
	// ErrBadHandshake means a handshake frame other than Z5, M5 or ruok.
	ErrBadHandshake = errors.New("zeo5: bad handshake")
	// ErrBadEncoding means an Encoding other than Pickle or Msgpack.
	ErrBadEncoding = errors.New("zeo5: unknown encoding")
)

// DecodeError is a payload that failed to decode: in which encoding, at which
// byte offset of the payload, on which opcode (pickle) or type byte
// (msgpack), and why. Err is one of the sentinels above.
type DecodeError struct {
	Enc    Encoding
	Offset int
	Op     byte
	AtEnd  bool   // the input ended where an opcode or type byte was due
	Detail string // what exactly was wrong, if more than Err says
	Err    error
}

func (e *DecodeError) Error() string {
	var s string
	if e.AtEnd {
		s = fmt.Sprintf("zeo5: decode %s: end of input at offset %d: %s", e.Enc, e.Offset, trimPrefix(e.Err))
	} else if e.Enc == Pickle {
		s = fmt.Sprintf("zeo5: decode pickle: opcode 0x%02x (%s) at offset %d: %s",
			e.Op, opcodeName(e.Op), e.Offset, trimPrefix(e.Err))
	} else {
		s = fmt.Sprintf("zeo5: decode msgpack: type byte 0x%02x at offset %d: %s",
			e.Op, e.Offset, trimPrefix(e.Err))
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *DecodeError) Unwrap() error { return e.Err }

func trimPrefix(err error) string {
	s := err.Error()
	if len(s) > 6 && s[:6] == "zeo5: " {
		return s[6:]
	}
	return s
}
