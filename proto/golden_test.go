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

type goldenMsg struct {
	name string
	msg  Message
	hex  string // the body
}

// goldenMsgs holds at least one case per message type (TestGoldenCoversAll
// checks it). The hex is written from the layouts, not produced by the code.
var goldenMsgs = []goldenMsg{
	{"register", &RegisterRequest{Storage: "1", ReadOnly: true}, "00000001 31 01"},
	{"register reply", &RegisterReply{LastTid: tid1}, "03f58e0004444444"},
	{"get_info", &GetInfoRequest{}, ""},
	{"get_info reply", &GetInfoReply{
		Info:       StorageInfo{Name: "1", Length: 3, Size: 4096, SupportsUndo: true, ReadOnly: true},
		Interfaces: []string{"IStorageUndoable", "IExternalGC"},
	}, "0000000000000003 0000000000001000 01 00 01 00000001 31 00000002" +
		"00000010 4953746f72616765556e646f61626c65 0000000b 4945787465726e616c4743"},
	{"lastTransaction", &LastTransactionRequest{}, ""},
	{"lastTransaction reply", &LastTransactionReply{Tid: tid2}, "03f58e0008888888"},
	{"ping", &PingRequest{}, ""},
	{"ping reply", &PingReply{}, ""},
	{"server_status", &ServerStatusRequest{}, ""},
	{"server_status reply", &ServerStatusReply{Stats: Stats{
		Connections: 1, Loads: 2, Stores: 3, Commits: 4, Aborts: 5, ActiveTxns: 6, Conflicts: 7,
		ConflictsResolved: 8, Waiting: 9, Verifying: 10, LockTime: 1.5, Start: 2,
		LastTransaction: tid1, TimeoutEnabled: true,
	}}, "0000000000000001 0000000000000002 0000000000000003 0000000000000004 0000000000000005" +
		"0000000000000006 0000000000000007 0000000000000008 0000000000000009 000000000000000a" +
		"3ff8000000000000 4000000000000000 03f58e0004444444 01"},
	{"loadBefore", &LoadBeforeRequest{Oid: 0xaa, Before: tid2}, "00000000000000aa 03f58e0008888888"},
	{"loadBefore reply", &LoadBeforeReply{Found: true, Data: []byte("DATA"), Start: tid1, End: tid2},
		"01 00000004 44415441 03f58e0004444444 03f58e0008888888"},
	{"loadBefore reply current", &LoadBeforeReply{Found: true, Data: []byte("x"), Start: tid1},
		"01 00000001 78 03f58e0004444444 0000000000000000"},
	{"loadBefore reply none", &LoadBeforeReply{}, "00"},
	{"loadSerial", &LoadSerialRequest{Oid: 0xaa, Serial: tid1}, "00000000000000aa 03f58e0004444444"},
	{"loadSerial reply", &LoadSerialReply{Data: []byte("DATA")}, "00000004 44415441"},
	{"new_oids", &NewOIDsRequest{N: 100}, "00000064"},
	{"new_oids reply", &NewOIDsReply{Oids: []Oid{1, 2}}, "00000002 0000000000000001 0000000000000002"},
	{"getInvalidations", &GetInvalidationsRequest{Tid: tid1}, "03f58e0004444444"},
	{"getInvalidations reply", &GetInvalidationsReply{Tid: tid2, Oids: []Oid{0xaa}},
		"01 03f58e0008888888 00000001 00000000000000aa"},
	{"getInvalidations too old", &GetInvalidationsReply{TooOld: true}, "00"},
	{"history", &HistoryRequest{Oid: 0xaa, Size: 5}, "00000000000000aa 00000005"},
	{"history reply", &HistoryReply{Entries: []HistoryEntry{
		{Tid: tid1, Size: 12, User: []byte("u"), Description: []byte("d")},
	}}, "00000001 03f58e0004444444 000000000000000c 00000001 75 00000001 64 00000000"},
	{"record_iternext", &RecordIterNextRequest{Next: 0xaa}, "00000000000000aa"},
	{"record_iternext reply more", &RecordIterNextReply{Found: true, More: true, Next: 0xab,
		Record: DataRecord{Oid: 0xaa, Tid: tid1, Data: []byte("DATA")}},
		"02 00000000000000aa 03f58e0004444444 0000000000000000 00000004 44415441 00000000000000ab"},
	{"record_iternext reply last", &RecordIterNextReply{Found: true,
		Record: DataRecord{Oid: 0xab, Tid: tid2, Data: []byte("x")}},
		"01 00000000000000ab 03f58e0008888888 0000000000000000 00000001 78 0000000000000000"},
	{"record_iternext reply none", &RecordIterNextReply{}, "00"},
	{"iterator_start", &IteratorStartRequest{Start: tid1}, "03f58e0004444444 0000000000000000"},
	{"iterator_start reply", &IteratorStartReply{ID: 7}, "0000000000000007"},
	{"iterator_next", &IteratorNextRequest{ID: 7}, "0000000000000007"},
	{"iterator_next reply", &IteratorNextReply{Found: true, Txn: TxnInfo{
		Tid: tid1, Status: ' ', User: []byte("u"), Description: []byte("d"), Extension: []byte("e"),
	}}, "01 03f58e0004444444 20 00000001 75 00000001 64 00000001 65"},
	{"iterator_next reply end", &IteratorNextReply{}, "00"},
	{"iterator_record_start", &IteratorRecordStartRequest{TxnIter: 7, Tid: tid1},
		"0000000000000007 03f58e0004444444"},
	{"iterator_record_start reply", &IteratorRecordStartReply{ID: 8}, "0000000000000008"},
	{"iterator_record_next", &IteratorRecordNextRequest{ID: 8}, "0000000000000008"},
	{"iterator_record_next backpointer", &IteratorRecordNextReply{Found: true,
		Record: DataRecord{Oid: 0xaa, Tid: tid2, DataTxn: tid1}},
		"01 00000000000000aa 03f58e0008888888 03f58e0004444444 ffffffff"},
	{"iterator_record_next empty data", &IteratorRecordNextReply{Found: true,
		Record: DataRecord{Oid: 1, Tid: tid1, Data: []byte{}}},
		"01 0000000000000001 03f58e0004444444 0000000000000000 00000000"},
	{"iterator_record_next end", &IteratorRecordNextReply{}, "00"},
	{"iterator_gc", &IteratorGCRequest{IDs: []uint64{7, 8}}, "00000002 0000000000000007 0000000000000008"},
	{"pack", &PackRequest{PackTime: tid2, GC: true}, "03f58e0008888888 01 00"},
	{"pack reply", &PackReply{}, ""},
	{"undoLog", &UndoLogRequest{First: 0, Last: -20}, "0000000000000000 ffffffffffffffec"},
	{"undoLog reply", &UndoLogReply{Entries: []UndoEntry{
		{ID: []byte("id1"), Tid: tid1, Size: 100, User: []byte("u"), Description: []byte("d")},
	}}, "00000001 00000003 696431 03f58e0004444444 0000000000000064 00000001 75 00000001 64 00000000"},
	{"undoInfo", &UndoInfoRequest{Last: 20, User: []byte("u")},
		"0000000000000000 0000000000000014 00000001 75 ffffffff"},
	{"undoInfo empty filter", &UndoInfoRequest{User: []byte{}, Description: []byte("d")},
		"0000000000000000 0000000000000000 00000000 00000001 64"},
	{"undoInfo reply", &UndoInfoReply{}, "00000000"},
	{"undo", &UndoRequest{Txn: txnX, ID: []byte("id1")}, "1122334455667788 00000003 696431"},
	{"tpc_begin", &TpcBeginRequest{Txn: txnX, Meta: TxnMeta{User: []byte("u"), Description: []byte("d")}},
		"1122334455667788 0000000000000000 00 00000001 75 00000001 64 00000000"},
	{"tpc_begin restore", &TpcBeginRequest{Txn: txnX, Meta: TxnMeta{Tid: tid1, Status: 'p', Extension: []byte{0x7d}}},
		"1122334455667788 03f58e0004444444 70 00000000 00000000 00000001 7d"},
	{"store", &StoreRequest{Txn: txnX, Oid: 0xaa, Serial: tid1, Data: []byte("DATA")},
		"1122334455667788 00000000000000aa 03f58e0004444444 00000004 44415441"},
	{"checkCurrentSerial", &CheckCurrentSerialRequest{Txn: txnX, Oid: 0xaa, Serial: tid1},
		"1122334455667788 00000000000000aa 03f58e0004444444"},
	{"restore nil data", &RestoreRequest{Txn: txnX, Oid: 0xaa, Serial: tid2, PrevTxn: tid1},
		"1122334455667788 00000000000000aa 03f58e0008888888 03f58e0004444444 ffffffff"},
	{"restore data", &RestoreRequest{Txn: txnX, Oid: 0xaa, Serial: tid2, Data: []byte("x")},
		"1122334455667788 00000000000000aa 03f58e0008888888 0000000000000000 00000001 78"},
	{"deleteObject", &DeleteObjectRequest{Txn: txnX, Oid: 0xab, Serial: tid2},
		"1122334455667788 00000000000000ab 03f58e0008888888"},
	{"vote", &VoteRequest{Txn: txnX}, "1122334455667788"},
	{"vote reply", &VoteReply{Tid: tid2, Resolved: []Oid{0xaa}},
		"03f58e0008888888 00000000 00000001 00000000000000aa"},
	{"vote reply conflicts", &VoteReply{Conflicts: []Conflict{{Oid: 0xaa, Committed: tid2, Read: tid1, Data: []byte("DATA")}}},
		"0000000000000000 00000001 00000000000000aa 03f58e0008888888 03f58e0004444444 00000004 44415441 00000000"},
	{"tpc_finish", &TpcFinishRequest{Txn: txnX}, "1122334455667788"},
	{"tpc_finish reply", &TpcFinishReply{Tid: tid2}, "03f58e0008888888"},
	{"tpc_abort", &TpcAbortRequest{Txn: txnX}, "1122334455667788"},
	{"tpc_abort reply", &TpcAbortReply{}, ""},
	{"invalidateTransaction", &InvalidateTransaction{Tid: tid2, Oids: []Oid{0xaa, 0xab}},
		"03f58e0008888888 00000002 00000000000000aa 00000000000000ab"},
	{"info", &Info{Length: 3, Size: 4096}, "0000000000000003 0000000000001000"},
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

// TestDecodeBadValues checks values a field's type does not allow.
func TestDecodeBadValues(t *testing.T) {
	cases := []struct {
		m     Message
		body  string
		field string
		off   int
	}{
		{&RegisterRequest{}, "00000001 31 02", "read_only", 5},
		{&LoadBeforeReply{}, "02", "found", 0},
		{&LoadBeforeReply{}, "01 ffffffff 03f58e0004444444 0000000000000000", "data", 1},
		{&RecordIterNextReply{}, "03", "status", 0},
		{&GetInvalidationsReply{}, "ff", "known", 0},
		{&PackRequest{}, "03f58e0008888888 00 07", "wait", 9},
		{&StoreRequest{}, "1122334455667788 00000000000000aa 03f58e0004444444 ffffffff", "data", 24},
	}
	for _, c := range cases {
		err := c.m.Decode(hx(c.body))
		var me *MessageError
		if !errors.Is(err, ErrBadValue) || !errors.As(err, &me) || me.Field != c.field || me.Offset != c.off {
			t.Errorf("%T.Decode(%s) = %v; want ErrBadValue at %s offset %d", c.m, c.body, err, c.field, c.off)
		}
	}
	err := (&StoreRequest{}).Decode(hx("1122334455667788 00000000000000aa"))
	if err == nil || err.Error() != "proto: decode Store request: serial at offset 16: short buffer" {
		t.Fatalf("error text: %v", err)
	}
}

// TestHugeLengths checks lengths and counts near 2^32: they are rejected
// with ErrShortBuffer, without overflow and without allocating for them.
func TestHugeLengths(t *testing.T) {
	for _, body := range []string{
		"fffffffe 0102",             // data length just below the nil marker
		"ffffffff",                  // nil marker where nil is not allowed
		"80000000 00",               // 2^31
		"fffffff8 0000000000000000", // length that would wrap a 32-bit offset
	} {
		var m LoadSerialReply
		if err := m.Decode(hx(body)); err == nil {
			t.Errorf("LoadSerialReply accepted %s", body)
		}
	}
	var oids NewOIDsReply
	if err := oids.Decode(hx("ffffffff 0000000000000001")); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("count 2^32-1: %v", err)
	}
	if cap(oids.Oids) != 0 {
		t.Fatalf("hostile count allocated %d oids", cap(oids.Oids))
	}
	var h HistoryReply
	if err := h.Decode(hx("20000000 03f58e0004444444")); !errors.Is(err, ErrShortBuffer) || cap(h.Entries) != 0 {
		t.Fatalf("history count 2^29: %v (cap %d)", err, cap(h.Entries))
	}
	var v VoteReply
	if err := v.Decode(hx("0000000000000000 00000000 ffffffff")); !errors.Is(err, ErrShortBuffer) || cap(v.Resolved) != 0 {
		t.Fatalf("vote resolved count: %v", err)
	}
	var u UndoInfoRequest
	if err := u.Decode(hx("0000000000000000 0000000000000000 fffffffe 00")); !errors.Is(err, ErrShortBuffer) {
		t.Fatalf("optional field of 2^32-2: %v", err)
	}
	var gi GetInfoReply
	if err := gi.Decode(hx("0000000000000000 0000000000000000 00 00 00 00000000 7fffffff")); !errors.Is(err, ErrShortBuffer) || cap(gi.Interfaces) != 0 {
		t.Fatalf("interfaces count: %v", err)
	}
}
