// Fuzz targets: frames fed as a split stream with decode/encode stability,
// and handshakes; plus a corruption sweep over the golden frames.

package proto

import (
	"bytes"
	"flag"
	"fmt"
	"testing"
)

var long = flag.Bool("long", false, "run the long modes (every byte value in the corruption sweep)")

// fuzzMax keeps fuzzed frames small; the limit logic is the same at any max.
const fuzzMax = 1 << 16

// goldenStream returns every golden message and error as frames, one seed
// each, plus all of them back to back.
func goldenSeeds() [][]byte {
	var seeds [][]byte
	var all []byte
	for i, c := range goldenMsgs {
		fr := c.msg.AppendFrame(nil, uint32(i))
		seeds = append(seeds, fr)
		all = append(all, fr...)
	}
	for i, c := range goldenErrors {
		fr := AppendError(nil, uint32(i), OpLoadBefore, c.err)
		seeds = append(seeds, fr)
		all = append(all, fr...)
	}
	for _, c := range goldenFrames {
		seeds = append(seeds, hx(c.hex))
	}
	return append(seeds, all)
}

func FuzzFrame(f *testing.F) {
	for _, s := range goldenSeeds() {
		f.Add(s, uint16(len(s)/2))
	}
	f.Add(hx("04000001"), uint16(2))
	f.Add(hx("00000006 00000001 04 10"), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		checkStream(t, data, int(split)%(len(data)+1))
	})
}

type readResult struct {
	frames []Frame
	err    error
	rest   int // bytes left unread (an incomplete frame)
}

// drain reads frames from buf until it is empty, incomplete or bad.
func drain(buf []byte, into *readResult) []byte {
	for len(buf) > 0 {
		fr, n, err := ReadFrame(buf, fuzzMax)
		if err != nil {
			into.err = err
			return buf
		}
		if n == 0 {
			return buf
		}
		if n < FrameHeaderSize || n > len(buf) {
			panic(fmt.Sprintf("ReadFrame consumed %d of %d bytes", n, len(buf)))
		}
		into.frames = append(into.frames, fr)
		buf = buf[n:]
	}
	return buf
}

// checkStream reads data as a stream reader would: first data[:k], then
// the rest appended to what was left over. The frames and the outcome must
// match reading data in one go, and every decodable frame must be stable
// under decode → encode → decode.
func checkStream(t *testing.T, data []byte, k int) {
	var whole readResult
	whole.rest = len(drain(data, &whole))

	var split readResult
	left := drain(append([]byte(nil), data[:k]...), &split)
	if split.err == nil {
		left = drain(append(append([]byte(nil), left...), data[k:]...), &split)
	}
	split.rest = len(left)

	if len(whole.frames) != len(split.frames) || (whole.err == nil) != (split.err == nil) ||
		(whole.err == nil && whole.rest != split.rest) {
		t.Fatalf("split at %d: %d frames, err %v, rest %d; whole: %d frames, err %v, rest %d",
			k, len(split.frames), split.err, split.rest, len(whole.frames), whole.err, whole.rest)
	}
	if whole.err != nil && split.err.Error() != whole.err.Error() {
		t.Fatalf("split at %d: error %q, whole: %q", k, split.err, whole.err)
	}
	for i, a := range whole.frames {
		b := split.frames[i]
		if a.MsgID != b.MsgID || a.Op != b.Op || a.Flags != b.Flags || !bytes.Equal(a.Body, b.Body) {
			t.Fatalf("frame %d differs: %+v vs %+v", i, a, b)
		}
		checkFrameStable(t, a)
	}
}

func checkFrameStable(t *testing.T, fr Frame) {
	if fr.IsError() {
		v, err := decodeErrorBody(fr.Body)
		if err != nil {
			return
		}
		enc := AppendErrorBody(nil, v)
		if !bytes.Equal(enc, fr.Body) {
			t.Fatalf("error body %x decodes to %#v, which encodes as %x", fr.Body, v, enc)
		}
		v2, err := decodeErrorBody(enc)
		if err != nil || v2.Error() != v.Error() {
			t.Fatalf("error re-decode: %v, %v", v2, err)
		}
		return
	}
	m := NewMessage(fr.Op, fr.Flags)
	if m == nil || m.Decode(fr.Body) != nil {
		return
	}
	enc := m.AppendTo(nil)
	if !bytes.Equal(enc, fr.Body) {
		t.Fatalf("%T body %x re-encodes as %x", m, fr.Body, enc)
	}
	frame := m.AppendFrame(nil, fr.MsgID)
	if g, _, err := ReadFrame(frame, 0); err != nil || g.Op != fr.Op || g.Flags != fr.Flags || g.MsgID != fr.MsgID {
		t.Fatalf("%T frame re-encodes as %x (%v)", m, frame, err)
	}
	m2 := NewMessage(fr.Op, fr.Flags)
	if err := m2.Decode(enc); err != nil {
		t.Fatalf("%T re-decode: %v", m, err)
	}
	if enc2 := m2.AppendTo(nil); !bytes.Equal(enc2, enc) {
		t.Fatalf("%T unstable: %x then %x", m, enc, enc2)
	}
}

func FuzzHandshake(f *testing.F) {
	for _, s := range [][]byte{
		AppendGreeting(nil, false), AppendGreeting(nil, true),
		AppendHello(nil, Hello{Version: Version, Features: FeatureCompressedRecords}),
		AppendHello(nil, Hello{Version: 2}),
		AppendServerHello(nil, ServerHello{Version: Version, Features: 1, MaxFrameSize: DefaultMaxFrameSize}),
		AppendHandshakeError(nil, &VersionError{Client: 2, Server: 1}),
		AppendHandshakeError(nil, &ProtocolError{Msg: "bad"}),
		hx("00000004 72756f6b"), // ruok
		[]byte("GET / HTTP/1.1\r\n"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		payload, n, err := ReadHandshake(data)
		switch {
		case err != nil:
			if n != 0 || payload != nil {
				t.Fatalf("error %v with n %d", err, n)
			}
			return
		case n == 0:
			if len(data) >= 4 && len(data) >= 4+int(uint32(data[0])<<24|uint32(data[1])<<16|uint32(data[2])<<8|uint32(data[3])) {
				t.Fatalf("complete frame %x reported incomplete", data)
			}
			return
		case n != 4+len(payload) || n > len(data):
			t.Fatalf("n %d, payload %d, data %d", n, len(payload), len(data))
		}
		frame := data[:n]
		kind, version, err := ClassifyClientHandshake(payload)
		if kind == HandshakeNative && err == nil {
			h, err := DecodeHello(payload)
			if err != nil || h.Version != version {
				t.Fatalf("classified native but DecodeHello: %+v %v", h, err)
			}
			if enc := AppendHello(nil, h); !bytes.Equal(enc, frame) {
				t.Fatalf("hello %x re-encodes as %x", frame, enc)
			}
		}
		if kind == HandshakeGarbage && err == nil {
			t.Fatal("garbage without an error")
		}
		if sh, err := DecodeServerHello(payload); err == nil {
			if enc := AppendServerHello(nil, sh); !bytes.Equal(enc, frame) {
				t.Fatalf("server hello %x re-encodes as %x", frame, enc)
			}
		}
		if letter, err := ParseGreeting(payload); err == nil {
			if enc := AppendGreeting(nil, letter == 'M'); !bytes.Equal(enc, frame) {
				t.Fatalf("greeting %x re-encodes as %x", frame, enc)
			}
		}
	})
}

// TestCorruptGolden overwrites each byte of each golden frame and reads the
// result as split and whole streams: never a panic, and whatever decodes
// re-encodes to the same bytes. -long tries every byte value.
func TestCorruptGolden(t *testing.T) {
	for _, seed := range goldenSeeds()[:len(goldenSeeds())-1] {
		for i := range seed {
			values := []byte{0, 0xff, seed[i] ^ 1, seed[i] ^ 0x80}
			if *long {
				values = values[:0]
				for v := 0; v < 256; v++ {
					values = append(values, byte(v))
				}
			}
			for _, v := range values {
				data := append([]byte(nil), seed...)
				data[i] = v
				checkStream(t, data, i)
				checkStream(t, data[:i], i/2)
			}
		}
	}
}
