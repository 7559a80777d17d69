// Known-bytes tests: every message type against hex computed by hand from
// the layouts in doc.go.

package proto

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

const (
	tid1 Tid    = 0x03f58e0004444444
	tid2 Tid    = 0x03f58e0008888888
	txnX uint64 = 0x1122334455667788
)

// hx decodes hex written with spaces for readability.
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// newLike returns a zero message of m's type, found through the frame m
// encodes to, so the test also checks AppendFrame's op and flags.
func newLike(t *testing.T, m Message) (Message, Frame) {
	t.Helper()
	frame := m.AppendFrame(nil, 42)
	f, n, err := ReadFrame(frame, 0)
	if err != nil || n != len(frame) {
		t.Fatalf("ReadFrame(%x) = n %d, err %v", frame, n, err)
	}
	fresh := NewMessage(f.Op, f.Flags)
	if fresh == nil || fmt.Sprintf("%T", fresh) != fmt.Sprintf("%T", m) {
		t.Fatalf("frame op %s flags %s gives %T, want %T", f.Op, f.Flags, fresh, m)
	}
	return fresh, f
}

func TestGoldenBytes(t *testing.T) {
	for _, c := range goldenMsgs {
		t.Run(c.name, func(t *testing.T) {
			want := hx(c.hex)
			if got := c.msg.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("AppendTo:\n got %x\nwant %x", got, want)
			}
			prefix := []byte("prefix")
			if got := c.msg.AppendTo(prefix[:len(prefix):len(prefix)]); !bytes.Equal(got, append([]byte("prefix"), want...)) {
				t.Fatalf("AppendTo with prefix: %x", got)
			}
			framed := c.msg.AppendFrame([]byte("pre"), 42)
			if pf, n, err := ReadFrame(framed[3:], 0); string(framed[:3]) != "pre" || err != nil ||
				n != len(framed)-3 || !bytes.Equal(pf.Body, want) {
				t.Fatalf("AppendFrame with prefix: %x (%v)", framed, err)
			}
			fresh, f := newLike(t, c.msg)
			if f.MsgID != 42 || f.Op != c.msg.Op() || !bytes.Equal(f.Body, want) {
				t.Fatalf("frame: msgid %d op %s body %x", f.MsgID, f.Op, f.Body)
			}
			if err := fresh.Decode(want); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := fresh.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("re-encode:\n got %x\nwant %x", got, want)
			}
		})
	}
}

func TestGoldenTruncatedAndTrailing(t *testing.T) {
	for _, c := range goldenMsgs {
		want := hx(c.hex)
		fresh, _ := newLike(t, c.msg)
		for k := 0; k < len(want); k++ {
			err := fresh.Decode(want[:k:k])
			var me *MessageError
			if !errors.Is(err, ErrShortBuffer) || !errors.As(err, &me) || me.Op != c.msg.Op() {
				t.Fatalf("%s: Decode of %d of %d bytes: %v", c.name, k, len(want), err)
			}
		}
		err := fresh.Decode(append(append([]byte{}, want...), 0))
		if !errors.Is(err, ErrTrailingBytes) {
			t.Fatalf("%s: trailing byte: %v", c.name, err)
		}
	}
}

func TestZeroValuesRoundTrip(t *testing.T) {
	for _, c := range goldenMsgs {
		zero, _ := newLike(t, c.msg)
		enc := zero.AppendTo(nil)
		again, _ := newLike(t, c.msg)
		if err := again.Decode(enc); err != nil {
			t.Fatalf("%T zero value: decode %x: %v", zero, enc, err)
		}
		if got := again.AppendTo(nil); !bytes.Equal(got, enc) {
			t.Fatalf("%T zero value: %x re-encodes as %x", zero, enc, got)
		}
	}
}

// TestGoldenCoversAll checks that every op has the message types it needs
// and that the golden table has a case for each of them.
func TestGoldenCoversAll(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range goldenMsgs {
		covered[fmt.Sprintf("%T", c.msg)] = true
	}
	for i := 0; i < 256; i++ {
		op := Op(i)
		var need []Message
		switch {
		case op.IsCall():
			need = []Message{NewRequest(op), NewReply(op)}
		case op.IsOneWay():
			need = []Message{NewRequest(op)}
			if NewReply(op) != nil {
				t.Errorf("one-way op %s has a reply type", op)
			}
		case op.IsPush():
			need = []Message{NewPush(op)}
		default:
			if NewRequest(op) != nil || NewReply(op) != nil || NewPush(op) != nil {
				t.Errorf("op %s is not a request or push but has a message type", op)
			}
		}
		for _, m := range need {
			if m == nil {
				t.Errorf("op %s lacks a message type", op)
				continue
			}
			if m.Op() != op {
				t.Errorf("%T.Op() = %s, want %s", m, m.Op(), op)
			}
			if !covered[fmt.Sprintf("%T", m)] {
				t.Errorf("no golden case for %T", m)
			}
		}
	}
}

func TestDecodeValues(t *testing.T) {
	var r LoadBeforeReply
	if err := r.Decode(hx("01 00000004 44415441 03f58e0004444444 03f58e0008888888")); err != nil {
		t.Fatal(err)
	}
	if !r.Found || string(r.Data) != "DATA" || r.Start != tid1 || r.End != tid2 || r.Err() != nil {
		t.Fatalf("decoded %+v", r)
	}
	// Reusing the message for a "none" reply clears the old fields.
	if err := r.Decode(hx("00")); err != nil {
		t.Fatal(err)
	}
	if r.Found || r.Data != nil || r.Start != 0 || !errors.Is(r.Err(), ErrNoRevision) {
		t.Fatalf("decoded none as %+v", r)
	}

	// Optional byte fields keep nil and empty apart; plain ones decode
	// empty, not nil.
	var it IteratorRecordNextReply
	if err := it.Decode(hx("01 00000000000000aa 03f58e0008888888 03f58e0004444444 ffffffff")); err != nil {
		t.Fatal(err)
	}
	if it.Record.Data != nil || it.Record.DataTxn != tid1 || it.Record.Oid != 0xaa {
		t.Fatalf("backpointer record %+v", it.Record)
	}
	if err := it.Decode(hx("01 0000000000000001 03f58e0004444444 0000000000000000 00000000")); err != nil {
		t.Fatal(err)
	}
	if it.Record.Data == nil || len(it.Record.Data) != 0 {
		t.Fatalf("empty data decoded as %#v", it.Record.Data)
	}
	var s LoadSerialReply
	if err := s.Decode(hx("00000000")); err != nil || s.Data == nil {
		t.Fatalf("empty LoadSerial data: %#v, %v", s.Data, err)
	}

	// Lists decode into the message's slice, shrinking it on reuse.
	var inv InvalidateTransaction
	if err := inv.Decode(hx("03f58e0008888888 00000002 00000000000000aa 00000000000000ab")); err != nil {
		t.Fatal(err)
	}
	first := &inv.Oids[0]
	if err := inv.Decode(hx("03f58e0004444444 00000001 0000000000000007")); err != nil {
		t.Fatal(err)
	}
	if inv.Tid != tid1 || len(inv.Oids) != 1 || inv.Oids[0] != 7 || &inv.Oids[0] != first {
		t.Fatalf("reused decode: %+v", inv)
	}

	var rec RecordIterNextReply
	if err := rec.Decode(hx("02 00000000000000aa 03f58e0004444444 0000000000000000 00000004 44415441 00000000000000ab")); err != nil {
		t.Fatal(err)
	}
	if !rec.Found || !rec.More || rec.Next != 0xab || string(rec.Record.Data) != "DATA" {
		t.Fatalf("record_iternext %+v", rec)
	}
	var gi GetInfoReply
	if err := gi.Decode(goldenBody(t, "get_info reply")); err != nil {
		t.Fatal(err)
	}
	if gi.Info.Name != "1" || gi.Info.Size != 4096 || !gi.Info.SupportsUndo || gi.Info.SupportsRecordIterNext ||
		!gi.Info.ReadOnly || len(gi.Interfaces) != 2 || gi.Interfaces[1] != "IExternalGC" {
		t.Fatalf("get_info %+v", gi)
	}
	var tb TpcBeginRequest
	if err := tb.Decode(goldenBody(t, "tpc_begin restore")); err != nil {
		t.Fatal(err)
	}
	if tb.Txn != txnX || tb.Meta.Tid != tid1 || tb.Meta.Status != 'p' || string(tb.Meta.Extension) != "}" {
		t.Fatalf("tpc_begin %+v", tb)
	}
}

func goldenBody(t *testing.T, name string) []byte {
	t.Helper()
	for _, c := range goldenMsgs {
		if c.name == name {
			return hx(c.hex)
		}
	}
	t.Fatalf("no golden case %q", name)
	return nil
}
