// Codec errors: sentinels and the typed errors of frames, message decoding,
// protocol violations and version mismatches.

package proto

import (
	"errors"
	"fmt"
	"strings"
)

// Codec sentinels, beside ErrShortBuffer and ErrFrameTooLarge (errors.go).
var (
	// ErrTrailingBytes means a message body is longer than its fields.
	ErrTrailingBytes = errors.New("proto: trailing bytes after the message")
	// ErrBadValue means a field holds a value its type does not allow
	// (a bool that is not 0 or 1, a nil marker where nil is not allowed,
	// an unknown status or error code).
	ErrBadValue = errors.New("proto: invalid field value")
	// ErrBadFrame means a frame header is malformed (length below the
	// header size, undefined or contradictory flags).
	ErrBadFrame = errors.New("proto: malformed frame")
)

func sentinelText(err error) string {
	return strings.TrimPrefix(err.Error(), "proto: ")
}

// FrameError is a frame rejected by ReadFrame or ReadHandshake, from its
// header alone. Err is ErrFrameTooLarge or ErrBadFrame.
type FrameError struct {
	Length uint32 // the frame's length prefix
	Max    uint32 // the limit in force
	MsgID  uint32 // 0 if the header was not read
	Flags  Flags  // 0 if the header was not read
	Reason string // what was wrong, for ErrBadFrame
	Err    error
}

func (e *FrameError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "proto: frame of length %d", e.Length)
	if e.MsgID != 0 {
		fmt.Fprintf(&b, " (msgid %d)", e.MsgID)
	}
	b.WriteString(": ")
	b.WriteString(sentinelText(e.Err))
	if errors.Is(e.Err, ErrFrameTooLarge) {
		fmt.Fprintf(&b, " (max %d)", e.Max)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

func (e *FrameError) Unwrap() error { return e.Err }

// MessageError is a message body that failed to decode: which message, which
// field, at what offset in the body, and why (ErrShortBuffer,
// ErrTrailingBytes or ErrBadValue).
type MessageError struct {
	Op     Op
	What   string // "request", "reply", "push", "error reply", "hello", ...
	Field  string
	Offset int
	Err    error
}

func (e *MessageError) Error() string {
	what := e.What
	if e.Op != OpNone {
		what = e.Op.String() + " " + what
	}
	return fmt.Sprintf("proto: decode %s: %s at offset %d: %s", what, e.Field, e.Offset, sentinelText(e.Err))
}

func (e *MessageError) Unwrap() error { return e.Err }

// ProtocolError means a peer broke the protocol: a bad handshake, a frame
// that cannot be decoded, an op not allowed in the connection's state. A
// server sends it as the reason before closing the connection; clients
// rebuild it from the error reply.
type ProtocolError struct {
	Msg string
	Err error // the local cause, if any; never sent on the wire
}

func (e *ProtocolError) Error() string {
	if e.Err != nil {
		return "protocol error: " + e.Msg + ": " + e.Err.Error()
	}
	return "protocol error: " + e.Msg
}

func (e *ProtocolError) Unwrap() error { return e.Err }

// VersionError is a handshake whose native protocol version the server does
// not speak. The server answers it in place of its hello and closes.
type VersionError struct {
	Client uint16 // the version the client asked for
	Server uint16 // the version the server speaks
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("gozeo protocol version %d not supported (server speaks %d)", e.Client, e.Server)
}
