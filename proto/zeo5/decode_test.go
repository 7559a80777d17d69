// Decoding every recorded frame of both recordings, re-encoding it byte for
// byte, the spec's hex examples, streams and truncated prefixes.

package zeo5

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestRecordedFramesDecodeAndReencode(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			recs := loadRecording(t, mode.name)
			var d Decoder
			w := NewWriter(mode.enc, nil)
			n := 0
			for _, r := range recs {
				switch r.Kind {
				case "handshake":
					checkHandshake(t, r)
					continue
				case "ruok-json":
					continue
				}
				m, err := d.Decode(mode.enc, r.payload)
				if err != nil {
					t.Fatalf("seq %d (%s): %v", r.Seq, r.Kind, err)
				}
				if err := matchMessage(t, &d, &m, r.Decoded); err != nil {
					t.Fatalf("seq %d (%s): %v\n%s", r.Seq, r.Kind, err, r.Decoded)
				}
				if got := isRPCKind(&m); got != r.Kind {
					t.Errorf("seq %d: classified as %s, recorded %s", r.Seq, got, r.Kind)
				}
				w.Reset(mode.enc, w.Bytes()[:0])
				if err := w.Message(&d, &m); err != nil {
					t.Fatalf("seq %d: re-encode: %v", r.Seq, err)
				}
				if got := w.Bytes()[4:]; !bytes.Equal(got, r.payload) {
					t.Fatalf("seq %d: re-encoded\n got %x\nwant %x", r.Seq, got, r.payload)
				}
				// The raw msgid is exactly the recorded element.
				var w2 Writer
				w2.Reset(mode.enc, nil)
				w2.Value(&d, m.MsgID)
				if !bytes.Equal(w2.Bytes(), m.MsgIDRaw) {
					t.Fatalf("seq %d: MsgIDRaw %x, re-encoded msgid %x", r.Seq, m.MsgIDRaw, w2.Bytes())
				}
				n++
			}
			if n < 90 {
				t.Fatalf("only %d RPC frames checked", n)
			}
		})
	}
}

func isRPCKind(m *Message) string {
	switch {
	case m.IsHeartbeat():
		return "heartbeat"
	case m.IsError():
		return "error-reply"
	case m.IsReply():
		return "reply"
	case m.Async:
		return "async-call"
	}
	return "call"
}

func checkHandshake(t *testing.T, r record) {
	t.Helper()
	if r.Dir == "c2s" {
		enc, isRuok, err := ParseClientHandshake(r.payload)
		if err != nil || (!isRuok && byte(enc) != r.payload[0]) {
			t.Errorf("seq %d: client handshake %q: %v", r.Seq, r.payload, err)
		}
		if isRuok && !bytes.Equal(AppendRuok(nil)[4:], r.payload) {
			t.Errorf("seq %d: ruok frame", r.Seq)
		}
		return
	}
	enc, err := ParseServerHandshake(r.payload)
	if err != nil || !bytes.Equal(AppendHandshake(nil, enc)[4:], r.payload) {
		t.Errorf("seq %d: server handshake %q: %v", r.Seq, r.payload, err)
	}
}

// TestRecordedStreams rebuilds each connection's byte stream in each
// direction and reads it back with ReadFrame, feeding it in uneven pieces.
func TestRecordedStreams(t *testing.T) {
	for _, mode := range modes {
		recs := loadRecording(t, mode.name)
		streams := map[[2]int][]record{}
		for _, r := range recs {
			dir := 0
			if r.Dir == "s2c" {
				dir = 1
			}
			k := [2]int{r.Conn, dir}
			streams[k] = append(streams[k], r)
		}
		for k, rs := range streams {
			var stream []byte
			for _, r := range rs {
				stream = AppendFrame(stream, r.payload)
			}
			for _, step := range []int{1, 3, 7, 64, len(stream)} {
				var buf []byte
				got := 0
				for off := 0; off < len(stream); off += step {
					buf = append(buf, stream[off:min(off+step, len(stream))]...)
					for {
						p, n, err := ReadFrame(buf, 0)
						if err != nil {
							t.Fatalf("%s conn %v: %v", mode.name, k, err)
						}
						if n == 0 {
							break
						}
						if !bytes.Equal(p, rs[got].payload) {
							t.Fatalf("%s conn %v frame %d differs", mode.name, k, got)
						}
						got++
						buf = buf[n:]
					}
				}
				if got != len(rs) || len(buf) != 0 {
					t.Fatalf("%s conn %v step %d: %d of %d frames, %d left", mode.name, k, step, got, len(rs), len(buf))
				}
			}
		}
	}
}

func TestReadFrameLimits(t *testing.T) {
	if _, n, err := ReadFrame([]byte{0, 0, 0}, 0); n != 0 || err != nil {
		t.Fatal("short prefix")
	}
	_, _, err := ReadFrame([]byte{0, 0, 0, 0}, 0)
	if !errors.Is(err, proto.ErrBadFrame) {
		t.Fatalf("zero length: %v", err)
	}
	// Over max is rejected from the prefix alone.
	_, _, err = ReadFrame([]byte{0, 0, 1, 0}, 255)
	if !errors.Is(err, proto.ErrFrameTooLarge) {
		t.Fatalf("over max: %v", err)
	}
	_, _, err = ReadFrame([]byte{0xff, 0xff, 0xff, 0xff}, 0)
	if !errors.Is(err, proto.ErrFrameTooLarge) {
		t.Fatalf("4 GiB: %v", err)
	}
	p, n, err := ReadFrame([]byte{0, 0, 0, 2, 'M', '5', 'x'}, 0)
	if err != nil || n != 6 || string(p) != "M5" || cap(p) != 2 {
		t.Fatalf("got %q %d %v cap %d", p, n, err, cap(p))
	}
	if _, err := FinishFrame([]byte{1, 2, 3, 4}, 0); !errors.Is(err, proto.ErrBadFrame) {
		t.Fatalf("empty frame written: %v", err)
	}
}

func TestHandshakes(t *testing.T) {
	for _, bad := range []string{"", "Z", "Z4", "X5", "M55", "ruok!", "z5"} {
		if _, _, err := ParseClientHandshake([]byte(bad)); !errors.Is(err, ErrBadHandshake) {
			t.Errorf("client handshake %q accepted", bad)
		}
	}
	for _, s := range []string{"Z4", "M3101", "Q5", "M"} {
		if _, err := ParseServerHandshake([]byte(s)); err == nil {
			t.Errorf("server handshake %q accepted", s)
		}
	}
	if enc, err := ParseServerHandshake([]byte("M51")); err != nil || enc != Msgpack {
		t.Errorf("M51: %v", err)
	}
	if got := hex.EncodeToString(AppendHandshake(nil, Msgpack)); got != "000000024d35" {
		t.Fatal(got)
	}
}

// TestSpecHexExamples reproduces the examples of spec section 1.7.
func TestSpecHexExamples(t *testing.T) {
	oid, tid := proto.Oid(1), proto.Tid(0x03ff000000000001)
	loadCall := mustHex(t, "9492c4080000000000000001c40803ff000000000001c2aa6c6f61644265666f726592c4080000000000000001c40803ff000000000001")
	var d Decoder
	m, err := d.Decode(Msgpack, loadCall)
	if err != nil || len(loadCall) != 0x37 {
		t.Fatalf("loadBefore call (%d bytes): %v", len(loadCall), err)
	}
	o, ti, err := d.LoadBeforeArgs(&m)
	if err != nil || o != oid || ti != tid || string(m.Name) != "loadBefore" || m.Async {
		t.Fatalf("loadBefore args %v %v %v", o, ti, err)
	}
	// The call itself, written by a client.
	w := NewWriter(Msgpack, nil)
	w.BeginCallID(m.MsgIDRaw, "loadBefore")
	w.BeginTuple(2)
	w.Oid(oid)
	w.Tid(tid)
	w.End()
	if err := w.EndMessage(); err != nil || !bytes.Equal(w.Bytes(), append([]byte{0, 0, 0, 0x37}, loadCall...)) {
		t.Fatalf("call: %x %v", w.Bytes(), err)
	}
	reply, err := AppendLoadBeforeReply(nil, Msgpack, m.MsgIDRaw, []byte("DATA"), 0x03ff000000000000, 0, true)
	want := "9492c4080000000000000001c40803ff00000000000100a62e7265706c7993c40444415441c40803ff000000000000c0"
	if err != nil || hex.EncodeToString(reply[4:]) != want || len(reply) != 4+48 {
		t.Fatalf("reply %x %v", reply, err)
	}
	w.Reset(Msgpack, nil)
	if err := w.ErrorReply(m.MsgIDRaw, &proto.POSKeyError{Oid: oid}); err != nil {
		t.Fatal(err)
	}
	want = "9492c4080000000000000001c40803ff00000000000102a62e7265706c7992bd5a4f44422e504f53457863657074696f6e2e504f534b65794572726f7291c4080000000000000001"
	if got := hex.EncodeToString(w.Bytes()[4:]); got != want {
		t.Fatalf("POSKeyError reply\n got %s\nwant %s", got, want)
	}
	if got := hex.EncodeToString(AppendHeartbeat(nil, Msgpack)); got != "0000000b94ff00a62e7265706c79c0" {
		t.Fatalf("heartbeat %s", got)
	}
	if got := hex.EncodeToString(AppendHeartbeat(nil, Pickle)[4:]); got != "8003284affffffff4b0058060000002e7265706c794e742e" {
		t.Fatalf("pickle heartbeat %s", got)
	}
	w.Reset(Msgpack, nil)
	w.BeginCall(1, "register")
	w.BeginTuple(2)
	w.Str("1")
	w.Int(0)
	w.End()
	if err := w.EndMessage(); err != nil || hex.EncodeToString(w.Bytes()[4:]) != "9401c2a8726567697374657292a13100" {
		t.Fatalf("register %x %v", w.Bytes(), err)
	}
	push, err := AppendInvalidateTransaction(nil, Msgpack, tid, []proto.Oid{oid})
	want = "9400c3b5696e76616c69646174655472616e73616374696f6e92c40803ff00000000000191c4080000000000000001"
	if err != nil || hex.EncodeToString(push[4:]) != want {
		t.Fatalf("invalidateTransaction %x", push)
	}
}

// TestTruncatedPrefixes: every proper prefix of every recorded payload is
// rejected with an error, never a panic.
func TestTruncatedPrefixes(t *testing.T) {
	for _, mode := range modes {
		var d Decoder
		for _, r := range loadRecording(t, mode.name) {
			if !isRPC(r.Kind) {
				continue
			}
			for k := 0; k < len(r.payload); k++ {
				if _, err := d.Decode(mode.enc, r.payload[:k]); err == nil {
					t.Fatalf("%s seq %d: prefix of %d/%d bytes accepted", mode.name, r.Seq, k, len(r.payload))
				}
			}
		}
	}
}
