// Fuzz targets: any payload decodes or fails cleanly, and what decodes
// re-encodes to bytes that decode to the same message.

package zeo5

import (
	"bytes"
	"testing"
)

func FuzzDecodePickle(f *testing.F) { fuzzDecode(f, Pickle, "pickle") }

func FuzzDecodeMsgpack(f *testing.F) { fuzzDecode(f, Msgpack, "msgpack") }

func fuzzDecode(f *testing.F, enc Encoding, mode string) {
	for _, p := range recordedMessages(mode) {
		f.Add(p)
	}
	// Seeds that do not need the fixtures: a heartbeat, and for pickle the
	// memo, FRAME and object opcodes.
	f.Add(AppendHeartbeat(nil, enc)[4:])
	if enc == Pickle {
		f.Add([]byte("\x80\x04\x95\x14\x00\x00\x00\x00\x00\x00\x00(\x8c\x04ping\x94\x85\x94K\x01\x8c\x04ping\x94h\x01t."))
		f.Add([]byte("\x80\x03(K\x01\x89X\x04\x00\x00\x00undocZopeUndo.Prefix\nPrefix\nX\x01\x00\x00\x00a\x85R}bt."))
		f.Add([]byte("\x80\x03}q\x00(X\x01\x00\x00\x00aq\x01]q\x02(K\x01\x8a\x09\xff\xff\xff\xff\xff\xff\xff\xff\x00eh\x01h\x02u."))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var d Decoder
		m, err := d.Decode(enc, payload)
		if enc == Pickle {
			// Extension reading shares the pickle machine.
			var dx Decoder
			_, _ = ExtensionToValue(&dx, payload)
		}
		if err != nil {
			return
		}
		w := NewWriter(enc, nil)
		if err := w.Message(&d, &m); err != nil {
			t.Fatalf("decoded message does not re-encode: %v", err)
		}
		again := w.Bytes()[4:]
		var d2 Decoder
		m2, err := d2.Decode(enc, again)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v\n%x", err, again)
		}
		if !Equal(&d, m.MsgID, &d2, m2.MsgID) || !Equal(&d, m.Args, &d2, m2.Args) ||
			m.Flags != m2.Flags || m.FlagsBool != m2.FlagsBool || !bytes.Equal(m.Name, m2.Name) {
			t.Fatalf("round trip changed the message:\n%x\n%x", payload, again)
		}
		// The echoed msgid is a complete item: a reply built from it decodes.
		w.Reset(enc, nil)
		if err := w.ReplyNil(m.MsgIDRaw); err != nil {
			t.Fatal(err)
		}
		var d3 Decoder
		m3, err := d3.Decode(enc, w.Bytes()[4:])
		if err != nil || !Equal(&d, m.MsgID, &d3, m3.MsgID) {
			t.Fatalf("reply echoing msgid %x: %v", m.MsgIDRaw, err)
		}
		// A second encode of the re-decoded message is byte-identical.
		w.Reset(enc, nil)
		if err := w.Message(&d2, &m2); err != nil || !bytes.Equal(w.Bytes()[4:], again) {
			t.Fatalf("encoding not stable: %v", err)
		}
	})
}
