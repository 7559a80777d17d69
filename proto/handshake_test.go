// Handshake tests: greeting and hello bytes, classifying a client's first
// frame, and the version-mismatch answer.

package proto

import (
	"bytes"
	"errors"
	"testing"
)

func TestHandshakeGoldenBytes(t *testing.T) {
	cases := []struct {
		name string
		got  []byte
		hex  string
	}{
		{"greeting Z5", AppendGreeting(nil, false), "00000002 5a35"},
		{"greeting M5", AppendGreeting(nil, true), "00000002 4d35"},
		{"hello", AppendHello(nil, Hello{Version: Version, Features: FeatureCompressedRecords}),
			"00000008 475a 0001 00000001"},
		{"server hello", AppendServerHello(nil, ServerHello{Version: 1, Features: 1, MaxFrameSize: DefaultMaxFrameSize}),
			"0000000c 475a 0001 00000001 04000000"},
		{"version error", AppendHandshakeError(nil, &VersionError{Client: 2, Server: 1}),
			"0000000b 00000000 7f 03 09 0002 0001"},
	}
	for _, c := range cases {
		if want := hx(c.hex); !bytes.Equal(c.got, want) {
			t.Errorf("%s:\n got %x\nwant %x", c.name, c.got, want)
		}
	}
	if got := AppendHello([]byte("ab"), Hello{Version: 1}); !bytes.Equal(got, hx("6162 00000008 475a 0001 00000000")) {
		t.Errorf("prefix not kept: %x", got)
	}
}

func TestReadHandshake(t *testing.T) {
	frame := hx("00000002 5a35 00000008")
	for k := 0; k < 6; k++ {
		if p, n, err := ReadHandshake(frame[:k]); p != nil || n != 0 || err != nil {
			t.Fatalf("prefix %d: %x %d %v", k, p, n, err)
		}
	}
	p, n, err := ReadHandshake(frame)
	if err != nil || n != 6 || string(p) != "Z5" {
		t.Fatalf("%q %d %v", p, n, err)
	}
	if letter, err := ParseGreeting(p); err != nil || letter != 'Z' {
		t.Fatalf("ParseGreeting: %c %v", letter, err)
	}
	for _, bad := range []string{"Z4", "X5", "Z55", ""} {
		var pe *ProtocolError
		if _, err := ParseGreeting([]byte(bad)); !errors.As(err, &pe) {
			t.Errorf("ParseGreeting(%q) = %v", bad, err)
		}
	}
	// An HTTP request or a TLS hello is rejected from its first 4 bytes.
	for _, prefix := range []string{"47455420", "16030100", "00000401"} {
		if _, _, err := ReadHandshake(hx(prefix)); !errors.Is(err, ErrFrameTooLarge) {
			t.Errorf("prefix %s: %v", prefix, err)
		}
	}
	if _, _, err := ReadHandshake(hx("00000000")); !errors.Is(err, ErrBadFrame) {
		t.Errorf("empty handshake frame: %v", err)
	}
}

func TestClassifyClientHandshake(t *testing.T) {
	cases := []struct {
		payload string
		kind    HandshakeKind
		version uint16
		errText string
	}{
		{"Z5", HandshakeZ5, 0, ""},
		{"M5", HandshakeM5, 0, ""},
		{"ruok", HandshakeRuok, 0, ""},
		{"GZ\x00\x01\x00\x00\x00\x01", HandshakeNative, 1, ""},
		{"GZ\x00\x02\x00\x00\x00\x00", HandshakeNative, 2, "gozeo protocol version 2 not supported (server speaks 1)"},
		{"GZ\x00\x01\x00\x00", HandshakeNative, 0,
			"protocol error: malformed gozeo hello: proto: decode Hello client hello: features at offset 4: short buffer"},
		{"GZ\x00\x01\x00\x00\x00\x01\x00", HandshakeNative, 0,
			"protocol error: malformed gozeo hello: proto: decode Hello client hello: end at offset 8: trailing bytes after the message"},
		{"Z4", HandshakeGarbage, 0, `protocol error: unsupported ZEO protocol "Z4" (only 5 is)`},
		{"M309", HandshakeGarbage, 0, `protocol error: unsupported ZEO protocol "M309" (only 5 is)`},
		{"ruok\n", HandshakeGarbage, 0, `protocol error: bad handshake "ruok\n"`},
		{"", HandshakeGarbage, 0, `protocol error: bad handshake ""`},
		{"GET / HTTP/1.1\r\nHost: x\r\n", HandshakeGarbage, 0,
			`protocol error: bad handshake "GET / HTTP/1.1\r\n"... (25 bytes)`},
	}
	for _, c := range cases {
		kind, version, err := ClassifyClientHandshake([]byte(c.payload))
		errText := ""
		if err != nil {
			errText = err.Error()
		}
		if kind != c.kind || version != c.version || errText != c.errText {
			t.Errorf("%q: got %s %d %q; want %s %d %q", c.payload, kind, version, errText, c.kind, c.version, c.errText)
		}
	}
}

// TestVersionMismatch plays a version-2 client against this server: the
// server answers an error frame, the client rebuilds a *VersionError.
func TestVersionMismatch(t *testing.T) {
	clientHello := AppendHello(nil, Hello{Version: 2})
	payload, _, err := ReadHandshake(clientHello)
	if err != nil {
		t.Fatal(err)
	}
	kind, v, err := ClassifyClientHandshake(payload)
	if kind != HandshakeNative || v != 2 || err == nil {
		t.Fatalf("classify: %s %d %v", kind, v, err)
	}
	answer := AppendHandshakeError(nil, err)
	payload, n, err := ReadHandshake(answer)
	if err != nil || n != len(answer) {
		t.Fatal(n, err)
	}
	_, err = DecodeServerHello(payload)
	var ve *VersionError
	if !errors.As(err, &ve) || ve.Client != 2 || ve.Server != Version {
		t.Fatalf("client got %v", err)
	}
	if err.Error() != "gozeo protocol version 2 not supported (server speaks 1)" {
		t.Fatalf("message %q", err)
	}
}

func TestHelloRoundTrip(t *testing.T) {
	frame := AppendHello(nil, Hello{Version: Version, Features: 0xdeadbeef})
	payload, _, _ := ReadHandshake(frame)
	h, err := DecodeHello(payload)
	if err != nil || h.Version != Version || h.Features != 0xdeadbeef {
		t.Fatalf("%+v %v", h, err)
	}
	frame = AppendServerHello(nil, ServerHello{Version: Version, Features: FeatureCompressedRecords, MaxFrameSize: 1 << 20})
	payload, _, _ = ReadHandshake(frame)
	sh, err := DecodeServerHello(payload)
	if err != nil || sh.Version != Version || sh.Features != FeatureCompressedRecords || sh.MaxFrameSize != 1<<20 {
		t.Fatalf("%+v %v", sh, err)
	}
	for k := 0; k < len(payload); k++ {
		if _, err := DecodeServerHello(payload[:k]); err == nil {
			t.Fatalf("server hello prefix %d accepted", k)
		}
	}
	for k := 2; k < 8; k++ {
		if _, err := DecodeHello(payload[:k]); !errors.Is(err, ErrShortBuffer) {
			t.Fatalf("hello prefix %d: %v", k, err)
		}
	}
	if _, err := DecodeHello([]byte("XZ\x00\x01\x00\x00\x00\x00")); !errors.Is(err, ErrBadValue) {
		t.Fatalf("bad magic: %v", err)
	}
	var pe *ProtocolError
	if _, err := DecodeServerHello([]byte("Z5")); !errors.As(err, &pe) {
		t.Fatalf("garbage answer: %v", err)
	}
	// A server may also refuse with another error, e.g. a protocol error.
	refusal := AppendHandshakeError(nil, &ProtocolError{Msg: "server shutting down"})
	payload, _, _ = ReadHandshake(refusal)
	if _, err := DecodeServerHello(payload); !errors.As(err, &pe) || pe.Msg != "server shutting down" {
		t.Fatalf("refusal: %v", err)
	}
}
