// Frames: the pure frame reader and the in-place frame writer.

package proto

import (
	"encoding/binary"
	"math"
)

// Frame layout sizes.
const (
	// FrameHeaderSize is the u32 length, u32 msgid, u8 op and u8 flags.
	FrameHeaderSize = 10
	// frameMinLen is the smallest length prefix: msgid, op and flags.
	frameMinLen = FrameHeaderSize - 4
	// DefaultMaxFrameSize is the largest length prefix ReadFrame accepts
	// when called with max 0.
	DefaultMaxFrameSize = 64 << 20
)

// Frame is one decoded frame. Body aliases the buffer given to ReadFrame
// and is valid only as long as that buffer is.
type Frame struct {
	MsgID uint32
	Op    Op
	Flags Flags
	Body  []byte
}

// IsReply reports whether the frame answers a request (result or error).
func (f *Frame) IsReply() bool { return f.Flags&FlagReply != 0 }

// IsError reports whether the frame carries an error (see DecodeError).
func (f *Frame) IsError() bool { return f.Flags&FlagError != 0 }

// IsPush reports whether the frame is a server push.
func (f *Frame) IsPush() bool { return f.Flags&FlagPush != 0 }

// IsOneWay reports whether the frame is a request that wants no reply.
func (f *Frame) IsOneWay() bool { return f.Flags&FlagOneWay != 0 }

// FrameSize returns the size of the frame at the start of buf, length
// prefix included, from the prefix alone: 0 with a nil error while buf
// holds fewer than 4 bytes, a *FrameError (ErrFrameTooLarge) when the
// length exceeds max (DefaultMaxFrameSize when max is 0), or a *FrameError
// (ErrBadFrame) when it is shorter than a frame header. A server peeks 4
// bytes, calls FrameSize, and waits for that many bytes before ReadFrame.
func FrameSize(buf []byte, max uint32) (int, error) {
	if len(buf) < 4 {
		return 0, nil
	}
	if max == 0 {
		max = DefaultMaxFrameSize
	}
	length := binary.BigEndian.Uint32(buf)
	if length > max || uint64(length)+4 > math.MaxInt {
		return 0, &FrameError{Length: length, Max: max, Err: ErrFrameTooLarge}
	}
	if length < frameMinLen {
		return 0, &FrameError{Length: length, Max: max, Err: ErrBadFrame,
			Reason: "shorter than the frame header"}
	}
	return int(length) + 4, nil
}

// ReadFrame decodes the frame at the start of buf. It returns n == 0 and a
// nil error while the frame is incomplete, and otherwise n, the number of
// bytes the frame takes. The size limit is checked on the length prefix
// alone, before anything waits for or allocates the body (see FrameSize).
// Frames with undefined or contradictory flags are rejected with
// ErrBadFrame; unknown ops are not (the receiver answers them with an
// error). ReadFrame allocates nothing but its error values; f.Body aliases
// buf and has its capacity clipped, so appending to it cannot overwrite the
// next frame.
func ReadFrame(buf []byte, max uint32) (f Frame, n int, err error) {
	size, err := FrameSize(buf, max)
	if err != nil || size == 0 || len(buf) < size {
		return Frame{}, 0, err
	}
	f = Frame{
		MsgID: binary.BigEndian.Uint32(buf[4:]),
		Op:    Op(buf[8]),
		Flags: Flags(buf[9]),
		Body:  buf[FrameHeaderSize:size:size],
	}
	if !f.Flags.Valid() {
		return Frame{}, 0, badFlags(buf, f)
	}
	return f, size, nil
}

// badFlags builds the error out of line so that ReadFrame's result does not
// escape on the good path.
func badFlags(buf []byte, f Frame) error {
	return &FrameError{Length: binary.BigEndian.Uint32(buf), MsgID: f.MsgID, Flags: f.Flags,
		Err: ErrBadFrame, Reason: "invalid flags " + f.Flags.String()}
}

// StartFrame appends a frame header with a placeholder length and returns
// start, the frame's position in out. Append the body, then call
// FinishFrame(out, start). To abandon the frame (say, the load failed),
// truncate to out[:start] and append an error frame instead.
func StartFrame(dst []byte, msgid uint32, op Op, flags Flags) (out []byte, start int) {
	start = len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = appendU32(dst, msgid)
	return append(dst, byte(op), byte(flags)), start
}

// FinishFrame patches the length prefix of the frame started at start. It
// panics if start is not a position StartFrame returned for dst or if the
// frame exceeds 4 GiB; the caller keeps frames under the peer's maximum.
func FinishFrame(dst []byte, start int) []byte {
	n := len(dst) - start - 4
	if start < 0 || n < frameMinLen {
		panic("proto: BUG: FinishFrame start out of range")
	}
	if uint64(n) > math.MaxUint32 {
		panic("proto: BUG: frame longer than 4 GiB")
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(n))
	return dst
}

// AppendEmptyFrame appends a whole frame with an empty body.
func AppendEmptyFrame(dst []byte, msgid uint32, op Op, flags Flags) []byte {
	dst, start := StartFrame(dst, msgid, op, flags)
	return FinishFrame(dst, start)
}
