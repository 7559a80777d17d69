// Framing and handshake: the 4-byte length prefix, ReadFrame, in-place frame
// writing, and the Z5/M5/ruok greeting frames.

package zeo5

import (
	"encoding/binary"
	"math"

	"github.com/gozeo/gozeo/proto"
)

// Encoding is the message encoding of a connection, named by the letter of
// its handshake: 'Z' for pickle, 'M' for msgpack.
type Encoding byte

const (
	// Pickle is ZEO's default encoding (handshake "Z5"): zodbpickle protocol 3.
	Pickle Encoding = 'Z'
	// Msgpack is the encoding of "M5": msgpack with bin and str types.
	Msgpack Encoding = 'M'
)

// Valid reports whether e is Pickle or Msgpack.
func (e Encoding) Valid() bool { return e == Pickle || e == Msgpack }

// String returns "pickle", "msgpack" or a description of a bad value.
func (e Encoding) String() string {
	switch e {
	case Pickle:
		return "pickle"
	case Msgpack:
		return "msgpack"
	}
	return "encoding(" + string(rune(e)) + ")"
}

// Version is the only protocol version ZEO 5 and 6 speak.
const Version = '5'

// DefaultMaxFrameSize is the largest frame ReadFrame accepts when called with
// max 0. ZEO itself has no limit; object data and blob chunks (59000 bytes)
// fit far below it.
const DefaultMaxFrameSize = 64 << 20

// ruok is the monitoring handshake a client sends instead of Z5/M5.
const ruok = "ruok"

// ReadFrame returns the payload of the frame at the start of buf and the
// number of bytes the frame takes. While buf holds less than a whole frame it
// returns n == 0 and a nil error. The limit max (DefaultMaxFrameSize when 0)
// is checked on the length prefix alone, before the payload has arrived; a
// zero length prefix is invalid (ZEO's reader cannot decode it). Errors are
// *proto.FrameError wrapping proto.ErrFrameTooLarge or proto.ErrBadFrame.
// ReadFrame never allocates; payload aliases buf with its capacity clipped.
func ReadFrame(buf []byte, max uint32) (payload []byte, n int, err error) {
	if len(buf) < 4 {
		return nil, 0, nil
	}
	if max == 0 {
		max = DefaultMaxFrameSize
	}
	length := binary.BigEndian.Uint32(buf)
	if length > max || uint64(length)+4 > math.MaxInt {
		return nil, 0, &proto.FrameError{Length: length, Max: max, Err: proto.ErrFrameTooLarge}
	}
	if length == 0 {
		return nil, 0, &proto.FrameError{Length: 0, Max: max, Err: proto.ErrBadFrame,
			Reason: "zero-length frame"}
	}
	size := int(length) + 4
	if len(buf) < size {
		return nil, 0, nil
	}
	return buf[4:size:size], size, nil
}

// StartFrame appends a placeholder length prefix to dst and returns the
// extended slice and the prefix's position, for FinishFrame.
func StartFrame(dst []byte) ([]byte, int) {
	return append(dst, 0, 0, 0, 0), len(dst)
}

// FinishFrame writes the length of everything appended since StartFrame
// into the prefix at start. An empty payload or one over 4 GiB is refused
// with a *proto.FrameError, and dst is cut back to start.
func FinishFrame(dst []byte, start int) ([]byte, error) {
	if start < 0 || start+4 > len(dst) {
		return dst, ErrWriter
	}
	n := uint64(len(dst) - start - 4)
	if n == 0 {
		return dst[:start], &proto.FrameError{Err: proto.ErrBadFrame, Reason: "zero-length frame"}
	}
	if n > math.MaxUint32 {
		return dst[:start], &proto.FrameError{Length: math.MaxUint32, Max: math.MaxUint32, Err: proto.ErrFrameTooLarge}
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(n))
	return dst, nil
}

// AppendFrame appends payload as one frame.
func AppendFrame(dst, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

// AppendHandshake appends the greeting frame of enc: "Z5" or "M5". The server
// sends it first; the client answers with the same two bytes.
func AppendHandshake(dst []byte, enc Encoding) []byte {
	return append(dst, 0, 0, 0, 2, byte(enc), Version)
}

// AppendRuok appends the monitoring handshake frame "ruok".
func AppendRuok(dst []byte) []byte {
	return append(dst, 0, 0, 0, 4, 'r', 'u', 'o', 'k')
}

// ParseClientHandshake checks the first frame a client sends: "Z5" or "M5"
// selects the encoding of the connection (the client's letter wins, whatever
// the server announced); "ruok" asks for the status JSON.
func ParseClientHandshake(payload []byte) (enc Encoding, isRuok bool, err error) {
	if string(payload) == ruok {
		return 0, true, nil
	}
	if len(payload) == 2 && Encoding(payload[0]).Valid() && payload[1] == Version {
		return Encoding(payload[0]), false, nil
	}
	return 0, false, ErrBadHandshake
}

// ParseServerHandshake checks the greeting a server sends, as a stock client
// does: the letter picks the encoding and the version must not sort below
// "5" (min(version, "5") must be "5").
func ParseServerHandshake(payload []byte) (Encoding, error) {
	if len(payload) < 2 || !Encoding(payload[0]).Valid() {
		return 0, ErrBadHandshake
	}
	// Byte-wise, any version starting with a byte >= '5' is >= "5".
	if payload[1] < Version {
		return 0, ErrBadHandshake
	}
	return Encoding(payload[0]), nil
}
