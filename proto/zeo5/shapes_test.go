// Reply shapes without a recorded frame (conflict-resolution votes,
// iterators, blobs, ...) checked against their documented tagged-JSON
// form in both encodings, and Writer misuse.

package zeo5

import (
	"errors"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestReplyShapes(t *testing.T) {
	oid1, tid1, tid2 := proto.Oid(1), proto.Tid(0x03f58e0011111111), proto.Tid(0x03f58e000ccccccc)
	cases := []struct {
		name  string
		write func(w *Writer, id []byte) error
		// tagged JSON of args; lists are {"$list"} in pickle, plain in msgpack
		pickle, msgpack string
	}{
		{"vote conflicts", func(w *Writer, id []byte) error {
			return w.ReplyVote(id, nil, []proto.Conflict{{Oid: oid1, Committed: tid1, Read: tid2, Data: []byte("d")}})
		}, `{"$list": [{"oid": {"$bytes": "0000000000000001"}, "serials": [{"$bytes": "03f58e0011111111"}, {"$bytes": "03f58e000ccccccc"}], "data": {"$bytes": "64"}}]}`,
			`[{"oid": {"$bytes": "0000000000000001"}, "serials": [{"$bytes": "03f58e0011111111"}, {"$bytes": "03f58e000ccccccc"}], "data": {"$bytes": "64"}}]`},
		{"getInvalidations too old", func(w *Writer, id []byte) error {
			return w.ReplyGetInvalidations(id, 0, nil, false)
		}, `null`, `null`},
		{"record_iternext", func(w *Writer, id []byte) error {
			return w.ReplyRecordIternext(id, oid1, tid1, []byte{1}, 2, true)
		}, `[{"$bytes": "0000000000000001"}, {"$bytes": "03f58e0011111111"}, {"$bytes": "01"}, {"$bytes": "0000000000000002"}]`,
			`[{"$bytes": "0000000000000001"}, {"$bytes": "03f58e0011111111"}, {"$bytes": "01"}, {"$bytes": "0000000000000002"}]`},
		{"record_iternext end", func(w *Writer, id []byte) error {
			return w.ReplyRecordIternext(id, oid1, tid1, []byte{1}, 0, false)
		}, `[{"$bytes": "0000000000000001"}, {"$bytes": "03f58e0011111111"}, {"$bytes": "01"}, null]`,
			`[{"$bytes": "0000000000000001"}, {"$bytes": "03f58e0011111111"}, {"$bytes": "01"}, null]`},
		{"loadSerial", func(w *Writer, id []byte) error { return w.ReplyBytes(id, []byte("data")) },
			`{"$bytes": "64617461"}`, `{"$bytes": "64617461"}`},
		{"iterator_start", func(w *Writer, id []byte) error { return w.ReplyInt(id, 0) }, `0`, `0`},
		{"undo data record", func(w *Writer, id []byte) error {
			return w.ReplyIteratorRecordNext(id, &proto.DataRecord{Oid: oid1, Tid: tid1, Data: []byte{}})
		}, `[{"$bytes": "0000000000000001"}, {"$bytes": "03f58e0011111111"}, {"$bytes": ""}, null]`,
			`[{"$bytes": "0000000000000001"}, {"$bytes": "03f58e0011111111"}, {"$bytes": ""}, null]`},
		{"empty history", func(w *Writer, id []byte) error { return w.ReplyHistory(id, nil) }, `{"$list": []}`, `[]`},
	}
	for _, mode := range modes {
		for _, c := range cases {
			w := NewWriter(mode.enc, nil)
			id := intID(mode.enc, 9)
			if err := c.write(w, id); err != nil {
				t.Fatalf("%s %s: %v", mode.name, c.name, err)
			}
			var d Decoder
			m, err := d.Decode(mode.enc, w.Bytes()[4:])
			if err != nil || !m.IsReply() || m.IsError() || m.FlagsBool {
				t.Fatalf("%s %s: %v", mode.name, c.name, err)
			}
			want := c.pickle
			if mode.enc == Msgpack {
				want = c.msgpack
			}
			if err := match(&d, m.Args, parseJSON(t, []byte(want)), c.name); err != nil {
				t.Errorf("%s: %v", mode.name, err)
			}
		}
		// Blob callbacks are async calls.
		w := NewWriter(mode.enc, nil)
		if err := w.ReceiveBlobChunk(oid1, tid1, []byte("chunk")); err != nil {
			t.Fatal(err)
		}
		var d Decoder
		m, err := d.Decode(mode.enc, w.Bytes()[4:])
		if err != nil || !m.Async || !m.FlagsBool || string(m.Name) != "receiveBlobChunk" || d.Len(m.Args) != 3 {
			t.Fatalf("%s blob chunk: %v", mode.name, err)
		}
		if i, _ := m.MsgID.AsInt(); i != 0 {
			t.Fatal("async msgid")
		}
	}
}

func TestWriterMisuse(t *testing.T) {
	w := NewWriter(Msgpack, []byte("keep"))
	w.BeginReply([]byte{1})
	w.BeginTuple(1)
	w.Int(1)
	w.Int(2) // one too many
	if err := w.EndMessage(); !errors.Is(err, ErrWriter) || string(w.Bytes()) != "keep" {
		t.Fatalf("too many items: %v %q", err, w.Bytes())
	}
	w.BeginReply([]byte{1})
	w.BeginList(2)
	w.Int(1)
	if err := w.EndMessage(); !errors.Is(err, ErrWriter) || string(w.Bytes()) != "keep" {
		t.Fatalf("too few items: %v", err)
	}
	w.BeginReply([]byte{1})
	if err := w.EndMessage(); !errors.Is(err, ErrWriter) {
		t.Fatalf("no result: %v", err)
	}
	w.End()
	if !errors.Is(w.Err(), ErrWriter) {
		t.Fatal("End without Begin")
	}
	w.Reset(Msgpack, nil)
	// The Writer works again after errors.
	if err := w.ReplyNil([]byte{1}); err != nil || len(w.Bytes()) != 4+11 {
		t.Fatalf("after errors: %v %x", err, w.Bytes())
	}
	w.Reset(Encoding('Q'), nil)
	if err := w.ReplyTid([]byte{1}, 1); !errors.Is(err, ErrBadEncoding) {
		t.Fatalf("bad encoding: %v", err)
	}
	w.Reset(Msgpack, nil)
	for i := 0; i < writerMaxDepth+1; i++ {
		w.BeginTuple(1)
	}
	if !errors.Is(w.Err(), ErrTooDeep) {
		t.Fatalf("deep writer: %v", w.Err())
	}
	// Values a peer cannot decode are refused: an int map key in msgpack.
	var d Decoder
	v, err := d.DecodeValue(Pickle, []byte("\x80\x03}K\x01K\x02s."))
	if err != nil {
		t.Fatal(err)
	}
	w.Reset(Msgpack, nil)
	w.BeginReply([]byte{1})
	w.Value(&d, v)
	err = w.EndMessage()
	if !errors.Is(err, ErrBadMapKey) || !errors.Is(err, ErrNotEncodable) || len(w.Bytes()) != 0 {
		t.Fatalf("int key: %v", err)
	}
	// A reply that fails to encode becomes ZEO's ValueError reply.
	if err := w.ErrorReply([]byte{1}, err); err != nil {
		t.Fatal(err)
	}
	m, err := d.Decode(Msgpack, w.Bytes()[4:])
	if class, _ := d.Index(m.Args, 0).AsStr(); err != nil || string(class) != ClassValueError {
		t.Fatalf("%s %v", class, err)
	}
	// Even a nil error gives a well-formed error reply.
	w.Reset(Msgpack, nil)
	if err := w.ErrorReply([]byte{1}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestCallArgs(t *testing.T) {
	for _, mode := range modes {
		w := NewWriter(mode.enc, nil)
		var d Decoder
		decode := func() *Message {
			t.Helper()
			m, err := d.Decode(mode.enc, w.Bytes()[4:])
			if err != nil {
				t.Fatal(err)
			}
			w.Reset(mode.enc, nil)
			return &m
		}
		w.BeginCall(1, "register")
		w.BeginTuple(2)
		w.Str("1")
		w.Bool(true)
		w.End()
		w.EndMessage()
		if name, ro, err := d.RegisterArgs(decode()); err != nil || string(name) != "1" || !ro {
			t.Fatalf("register %q %v %v", name, ro, err)
		}
		w.BeginAsync("tpc_begin")
		w.BeginTuple(6)
		w.Uint(1 << 63)
		w.Str("zoë")
		w.Bin([]byte("desc"))
		w.BeginMap(0)
		w.End()
		w.Tid(5)
		w.Str("p")
		w.End()
		w.EndMessage()
		tb, err := d.TpcBeginArgs(decode())
		if err != nil || string(tb.User) != "zoë" || !tb.HasTid || tb.Tid != 5 || tb.Status != 'p' || tb.Txn.String() != "9223372036854775808" {
			t.Fatalf("tpc_begin %+v %v", tb, err)
		}
		w.BeginCall(2, "new_oids")
		w.BeginTuple(1)
		w.Int(1000)
		w.End()
		w.EndMessage()
		if n, err := d.NewOidsArgs(decode()); n != 100 || err != nil {
			t.Fatalf("new_oids %d %v", n, err)
		}
		w.BeginCall(2, "new_oids")
		w.BeginTuple(0)
		w.End()
		w.EndMessage()
		if n, err := d.NewOidsArgs(decode()); n != 100 || err != nil {
			t.Fatalf("new_oids() %d %v", n, err)
		}
		w.BeginCall(3, "history")
		w.BeginTuple(1)
		w.Oid(7)
		w.End()
		w.EndMessage()
		if oid, size, err := d.OidArgs(decode(), 1); oid != 7 || size != 1 || err != nil {
			t.Fatalf("history %d %d %v", oid, size, err)
		}
		w.BeginCall(4, "loadBefore")
		w.BeginTuple(2)
		w.Oid(7)
		w.Str("not a tid")
		w.End()
		w.EndMessage()
		if _, _, err := d.LoadBeforeArgs(decode()); !errors.Is(err, ErrBadArgs) {
			t.Fatalf("bad loadBefore: %v", err)
		}
		w.BeginAsync("storea")
		w.BeginTuple(3)
		w.Oid(7)
		w.Tid(1)
		w.Bin(nil)
		w.End()
		w.EndMessage()
		if _, err := d.StoreaArgs(decode()); !errors.Is(err, ErrBadArgs) {
			t.Fatalf("short storea: %v", err)
		}
	}
}
