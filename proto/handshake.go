// Connection negotiation: ZEO's greeting, the native hellos, and telling
// stock ZEO clients and gozeo clients apart.

package proto

import (
	"encoding/binary"
	"fmt"
)

// Version is the native protocol version this package speaks.
const Version = 1

// Features are the optional capabilities negotiated by the hellos: the
// client offers some, the server accepts a subset.
type Features uint32

const (
	// FeatureCompressedRecords: the client accepts compressed object
	// records in load replies.
	FeatureCompressedRecords Features = 1 << 0
)

// Handshake sizes. Handshake frames are a u32 length and a payload, like
// ZEO's frames; MaxHandshakeSize bounds the length so that a stray
// protocol (an HTTP request, a TLS hello) is rejected at once.
const (
	MaxHandshakeSize = 1024
	helloLen         = 8  // "GZ" u16 version u32 features
	serverHelloLen   = 12 // "GZ" u16 version u32 features u32 max frame
)

// HandshakeKind is what a client's first frame says it is.
type HandshakeKind uint8

const (
	HandshakeGarbage HandshakeKind = iota // none of the below; close
	HandshakeNative                       // a gozeo hello ("GZ" ...)
	HandshakeZ5                           // a stock ZEO 5 client, pickle encoding
	HandshakeM5                           // a stock ZEO 5 client, msgpack encoding
	HandshakeRuok                         // ZEO's health check: send stats JSON and close
)

func (k HandshakeKind) String() string {
	switch k {
	case HandshakeNative:
		return "native"
	case HandshakeZ5:
		return "Z5"
	case HandshakeM5:
		return "M5"
	case HandshakeRuok:
		return "ruok"
	}
	return "garbage"
}

// Hello is the gozeo client's answer to the server's greeting.
type Hello struct {
	Version  uint16
	Features Features // offered
}

// ServerHello is the server's answer to a Hello it accepts.
type ServerHello struct {
	Version      uint16
	Features     Features // accepted: a subset of the offered ones
	MaxFrameSize uint32   // the largest frame length the server reads
}

// ReadHandshake reads one handshake frame (u32 length, payload) at the
// start of buf, as ReadFrame does for frames: n == 0 and a nil error while
// it is incomplete, a *FrameError when the length prefix is 0 or larger
// than MaxHandshakeSize. payload aliases buf.
func ReadHandshake(buf []byte) (payload []byte, n int, err error) {
	if len(buf) < 4 {
		return nil, 0, nil
	}
	length := binary.BigEndian.Uint32(buf)
	if length > MaxHandshakeSize {
		return nil, 0, &FrameError{Length: length, Max: MaxHandshakeSize, Err: ErrFrameTooLarge,
			Reason: "handshake frame"}
	}
	if length == 0 {
		return nil, 0, &FrameError{Length: 0, Max: MaxHandshakeSize, Err: ErrBadFrame,
			Reason: "empty handshake frame"}
	}
	size := int(length) + 4
	if len(buf) < size {
		return nil, 0, nil
	}
	return buf[4:size:size], size, nil
}

// AppendGreeting appends the server's first frame, ZEO's "Z5" (or "M5"
// when the server is configured for msgpack), so that stock ZEO clients
// can connect to the same port.
func AppendGreeting(dst []byte, msgpack bool) []byte {
	letter := byte('Z')
	if msgpack {
		letter = 'M'
	}
	return append(appendU32(dst, 2), letter, '5')
}

// ParseGreeting checks the server's greeting payload and returns its
// encoding letter ('Z' or 'M').
func ParseGreeting(payload []byte) (letter byte, err error) {
	if len(payload) == 2 && (payload[0] == 'Z' || payload[0] == 'M') && payload[1] == '5' {
		return payload[0], nil
	}
	return 0, &ProtocolError{Msg: fmt.Sprintf("unexpected server greeting %s", quoteHead(payload))}
}

// AppendHello appends a gozeo client's hello frame.
func AppendHello(dst []byte, h Hello) []byte {
	dst = append(appendU32(dst, helloLen), 'G', 'Z')
	return appendU32(appendU16(dst, h.Version), uint32(h.Features))
}

// DecodeHello decodes a hello payload (as ReadHandshake returns it).
func DecodeHello(payload []byte) (Hello, error) {
	d := decoder{src: payload}
	d.magic()
	h := Hello{Version: d.u16("version"), Features: Features(d.u32("features"))}
	if err := d.finish(OpHello, "client hello"); err != nil {
		return Hello{}, err
	}
	return h, nil
}

// AppendServerHello appends the server's hello frame.
func AppendServerHello(dst []byte, h ServerHello) []byte {
	dst = append(appendU32(dst, serverHelloLen), 'G', 'Z')
	return appendU32(appendU32(appendU16(dst, h.Version), uint32(h.Features)), h.MaxFrameSize)
}

// AppendHandshakeError appends the error frame a server sends in place of
// its hello (msgid 0, op OpHello, flags FlagReply|FlagError), for example
// the *VersionError of ClassifyClientHandshake, before closing. Keep its
// messages short: clients read it with ReadHandshake.
func AppendHandshakeError(dst []byte, err error) []byte {
	return AppendError(dst, 0, OpHello, err)
}

// DecodeServerHello decodes the payload of the server's answer to a hello.
// If the server sent an error frame instead (AppendHandshakeError), the
// error it carries is returned, such as a *VersionError.
func DecodeServerHello(payload []byte) (ServerHello, error) {
	if len(payload) >= 2 && payload[0] == 'G' && payload[1] == 'Z' {
		d := decoder{src: payload}
		d.magic()
		h := ServerHello{Version: d.u16("version"), Features: Features(d.u32("features"))}
		h.MaxFrameSize = d.u32("max_frame_size")
		if err := d.finish(OpHello, "server hello"); err != nil {
			return ServerHello{}, err
		}
		return h, nil
	}
	// An error frame: the payload is a frame without its length prefix.
	if len(payload) >= frameMinLen && Flags(payload[5]) == FlagReply|FlagError {
		return ServerHello{}, DecodeError(payload[frameMinLen:])
	}
	return ServerHello{}, &ProtocolError{Msg: fmt.Sprintf("unexpected answer to hello %s", quoteHead(payload))}
}

// ClassifyClientHandshake tells apart what a client sent as its first frame
// (the payload ReadHandshake returns): a gozeo hello, a stock ZEO client's
// "Z5" or "M5", ZEO's "ruok" health check, or garbage. For a native hello
// it returns the requested version; if that is not Version, err is a
// *VersionError to send back with AppendHandshakeError. A malformed hello
// or garbage gives a *ProtocolError.
func ClassifyClientHandshake(payload []byte) (kind HandshakeKind, version uint16, err error) {
	switch string(payload) {
	case "Z5":
		return HandshakeZ5, 0, nil
	case "M5":
		return HandshakeM5, 0, nil
	case "ruok":
		return HandshakeRuok, 0, nil
	}
	if len(payload) >= 2 && payload[0] == 'G' && payload[1] == 'Z' {
		h, err := DecodeHello(payload)
		if err != nil {
			return HandshakeNative, 0, &ProtocolError{Msg: "malformed gozeo hello", Err: err}
		}
		if h.Version != Version {
			return HandshakeNative, h.Version, &VersionError{Client: h.Version, Server: Version}
		}
		return HandshakeNative, h.Version, nil
	}
	if len(payload) >= 2 && (payload[0] == 'Z' || payload[0] == 'M') {
		return HandshakeGarbage, 0, &ProtocolError{Msg: fmt.Sprintf("unsupported ZEO protocol %s (only 5 is)", quoteHead(payload))}
	}
	return HandshakeGarbage, 0, &ProtocolError{Msg: fmt.Sprintf("bad handshake %s", quoteHead(payload))}
}

func (d *decoder) magic() {
	if m := d.u16("magic"); d.err == nil && m != 'G'<<8|'Z' {
		d.off -= 2
		d.fail("magic", ErrBadValue)
	}
}

// quoteHead quotes the first bytes of b for an error message.
func quoteHead(b []byte) string {
	const n = 16
	if len(b) > n {
		return fmt.Sprintf("%q... (%d bytes)", b[:n], len(b))
	}
	return fmt.Sprintf("%q", b)
}
