// Rebuilding every recorded server frame with the reply-shape helpers,
// from the values in its decoded form, byte for byte.

package zeo5

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/prototest"
)

// serverExtensions maps tid -> stored extension bytes of the recorded
// server's Data.fs.
func serverExtensions(t *testing.T, mode string) map[proto.Tid][]byte {
	f, err := os.Open(prototest.Fixture(t, "zeo-wire/"+mode+"/server-Data.txns.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[proto.Tid][]byte{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var tx struct {
			Tid          string `json:"tid"`
			ExtensionHex string `json:"extension_hex"`
		}
		if err := json.Unmarshal(sc.Bytes(), &tx); err != nil {
			t.Fatal(err)
		}
		tid, _ := proto.ParseTid(tx.Tid)
		out[tid] = mustHex(t, tx.ExtensionHex)
	}
	return out
}

func mustOid(t *testing.T, v Value) proto.Oid {
	t.Helper()
	o, ok := v.AsOid()
	if !ok {
		t.Fatalf("not an oid: %v", v.kind)
	}
	return o
}

func mustTid(t *testing.T, v Value) proto.Tid {
	t.Helper()
	o, ok := v.AsTid()
	if !ok {
		t.Fatalf("not a tid: %v", v.kind)
	}
	return o
}

func mustInt(t *testing.T, v Value) int64 {
	t.Helper()
	i, ok := v.AsInt()
	if !ok {
		t.Fatalf("not an int: %v", v.kind)
	}
	return i
}

func oidsOf(t *testing.T, d *Decoder, v Value) []proto.Oid {
	var oids []proto.Oid
	for i := 0; i < d.Len(v); i++ {
		oids = append(oids, mustOid(t, d.Index(v, i)))
	}
	return oids
}

func field(t *testing.T, d *Decoder, m Value, key string) Value {
	t.Helper()
	v, ok := d.Lookup(m, key)
	if !ok {
		t.Fatalf("no key %q", key)
	}
	return v
}

// TestRebuildServerFrames: every frame the recorded server sent (replies,
// error replies, callbacks) is reproduced by this package's helpers from
// the values it carries.
func TestRebuildServerFrames(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			exts := serverExtensions(t, mode.name)
			recs := loadRecording(t, mode.name)
			calls := map[[2]string]string{} // (conn, msgid bytes) -> method
			var d Decoder
			w := NewWriter(mode.enc, nil)
			rebuilt := map[string]int{}
			for _, r := range recs {
				if !isRPC(r.Kind) {
					continue
				}
				m, err := d.Decode(mode.enc, r.payload)
				if err != nil {
					t.Fatal(err)
				}
				key := [2]string{string(rune(r.Conn)), string(m.MsgIDRaw)}
				if r.Dir == "c2s" {
					calls[key] = string(m.Name)
					continue
				}
				method := string(m.Name)
				if m.IsReply() {
					method = calls[key]
				}
				w.Reset(mode.enc, nil)
				rebuildFrame(t, w, &d, &m, method, exts)
				if got := w.Bytes(); len(got) < 4 || !bytes.Equal(got[4:], r.payload) {
					t.Fatalf("seq %d (%s %s): rebuilt\n got %x\nwant %x", r.Seq, r.Kind, method, got, r.payload)
				}
				if _, n, err := ReadFrame(w.Bytes(), 0); err != nil || n != len(w.Bytes()) {
					t.Fatalf("seq %d: frame prefix wrong", r.Seq)
				}
				rebuilt[method]++
			}
			for _, want := range []string{"register", "get_info", "loadBefore", "vote", "tpc_finish",
				"info", "invalidateTransaction", "new_oids", "tpc_abort", "lastTransaction", "ping",
				"history", "undoLog", "pack", "getInvalidations"} {
				if rebuilt[want] == 0 {
					t.Errorf("no %s frame rebuilt", want)
				}
			}
		})
	}
}

func rebuildFrame(t *testing.T, w *Writer, d *Decoder, m *Message, method string, exts map[proto.Tid][]byte) {
	t.Helper()
	enc, id, a := w.Encoding(), m.MsgIDRaw, m.Args
	var err error
	if m.IsError() {
		class, _ := d.Index(a, 0).AsStr()
		state := d.Index(a, 1)
		switch string(class) {
		case ClassPOSKeyError:
			err = w.ErrorReply(id, &proto.POSKeyError{Oid: mustOid(t, d.Index(state, 0))})
		case ClassConflictError:
			serials := field(t, d, state, "serials")
			cn, _ := field(t, d, state, "class_name").AsStr()
			msg, _ := field(t, d, state, "message").AsStr()
			ce := &proto.ConflictError{Oid: mustOid(t, field(t, d, state, "oid")),
				Committed: mustTid(t, d.Index(serials, 0)), Read: mustTid(t, d.Index(serials, 1)),
				Class: string(cn)}
			if string(msg) != "database conflict error" {
				t.Fatalf("message %q", msg)
			}
			err = w.ErrorReply(id, ce)
		default:
			t.Fatalf("unexpected error class %s", class)
		}
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	switch method {
	case "register", "lastTransaction", "tpc_finish":
		err = w.ReplyTid(id, mustTid(t, a))
	case "ping", "pack", "tpc_abort":
		err = w.ReplyNil(id)
	case "loadBefore":
		if a.IsNil() {
			w.buf = AppendNilReply(w.buf, enc, id)
			return
		}
		data, _ := d.Index(a, 0).AsBytes()
		end := d.Index(a, 2)
		var mark DataMark
		w.buf, mark = BeginLoadBeforeReply(w.buf, enc, id)
		w.buf = append(w.buf, data...) // "from storage", in place
		var endTid proto.Tid
		if !end.IsNil() {
			endTid = mustTid(t, end)
		}
		w.buf, err = FinishLoadBeforeReply(w.buf, mark, mustTid(t, d.Index(a, 1)), endTid, end.IsNil())
	case "get_info":
		info := proto.StorageInfo{
			Length: mustInt(t, field(t, d, a, "length")), Size: mustInt(t, field(t, d, a, "size")),
		}
		name, _ := field(t, d, a, "name").AsStr()
		info.Name = string(name)
		info.SupportsUndo, _ = field(t, d, a, "supportsUndo").AsBool()
		info.SupportsRecordIterNext, _ = field(t, d, a, "supports_record_iternext").AsBool()
		err = w.ReplyGetInfo(id, info, FileStorageInterfaces)
	case "vote":
		err = w.ReplyVote(id, oidsOf(t, d, a), nil)
	case "new_oids":
		err = w.ReplyOids(id, oidsOf(t, d, a))
	case "getInvalidations":
		err = w.ReplyGetInvalidations(id, mustTid(t, d.Index(a, 0)), oidsOf(t, d, d.Index(a, 1)), true)
	case "history":
		var hs []proto.HistoryEntry
		for i := 0; i < d.Len(a); i++ {
			h := d.Index(a, i)
			tid := mustTid(t, field(t, d, h, "tid"))
			user, _ := field(t, d, h, "user_name").AsBytes()
			desc, _ := field(t, d, h, "description").AsBytes()
			if f, _ := field(t, d, h, "time").AsFloat(); f != tid.Unix() {
				t.Fatalf("history time %v, tid.Unix %v", f, tid.Unix())
			}
			hs = append(hs, proto.HistoryEntry{Tid: tid, User: user, Description: desc,
				Size: mustInt(t, field(t, d, h, "size")), Extension: exts[tid]})
		}
		err = w.ReplyHistory(id, hs)
	case "undoLog":
		var us []proto.UndoEntry
		for i := 0; i < d.Len(a); i++ {
			u := d.Index(a, i)
			idb, _ := field(t, d, u, "id").AsBytes()
			raw, derr := base64.StdEncoding.DecodeString(string(idb))
			if derr != nil || len(raw) != 8 {
				t.Fatalf("undo id %q", idb)
			}
			tid := proto.TidFromBytes(raw)
			user, _ := field(t, d, u, "user_name").AsBytes()
			desc, _ := field(t, d, u, "description").AsBytes()
			us = append(us, proto.UndoEntry{Tid: tid, User: user, Description: desc,
				Size: mustInt(t, field(t, d, u, "size")), Extension: exts[tid]})
		}
		err = w.ReplyUndoLog(id, us)
	case "info":
		info := d.Index(a, 0)
		err = w.Info(mustInt(t, field(t, d, info, "length")), mustInt(t, field(t, d, info, "size")))
	case "invalidateTransaction":
		err = w.InvalidateTransaction(mustTid(t, d.Index(a, 0)), oidsOf(t, d, d.Index(a, 1)))
	default:
		t.Fatalf("no helper for %q", method)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestRuokJSON rebuilds the recorded ruok JSON from its values, and the
// start string from the time it names.
func TestRuokJSON(t *testing.T) {
	for _, mode := range modes {
		for _, r := range loadRecording(t, mode.name) {
			if r.Kind != "ruok-json" {
				continue
			}
			var doc map[string]struct {
				Connections, Loads, Stores, Commits, Aborts int64
				ActiveTxns                                  int64    `json:"active_txns"`
				LockTime                                    *float64 `json:"lock_time"`
				Conflicts                                   int64
				ConflictsResolved                           int64 `json:"conflicts_resolved"`
				Start                                       string
				Waiting                                     int64
				Timeout                                     any    `json:"timeout-thread-is-alive"`
				Last                                        string `json:"last-transaction"`
			}
			if err := json.Unmarshal(r.payload, &doc); err != nil {
				t.Fatal(err)
			}
			s := doc["1"]
			start, err := time.Parse("Mon Jan _2 15:04:05 2006", s.Start)
			if err != nil {
				t.Fatal(err)
			}
			last, _ := proto.ParseTid(s.Last)
			st := NewServerStatus(proto.Stats{Connections: s.Connections, Loads: s.Loads,
				Stores: s.Stores, Commits: s.Commits, Aborts: s.Aborts, ActiveTxns: s.ActiveTxns,
				Conflicts: s.Conflicts, ConflictsResolved: s.ConflictsResolved,
				Start: float64(start.Unix()) + 0.25, Waiting: s.Waiting, LastTransaction: last}, time.UTC)
			if s.Timeout != "stub" || s.LockTime != nil {
				t.Fatalf("fixture changed: %v %v", s.Timeout, s.LockTime)
			}
			got := AppendRuokJSON(nil, []NamedStatus{{Name: "1", Status: st}})
			if !bytes.Equal(got, r.payload) {
				t.Fatalf("%s ruok\n got %s\nwant %s", mode.name, got, r.payload)
			}
			frames := AppendRuokReply(nil, mode.enc, []NamedStatus{{Name: "1", Status: st}})
			p1, n1, _ := ReadFrame(frames, 0)
			p2, n2, _ := ReadFrame(frames[n1:], 0)
			if string(p1) != string(mode.enc)+"5" || !bytes.Equal(p2, r.payload) || n1+n2 != len(frames) {
				t.Fatalf("ruok frames %q", frames)
			}
		}
	}
}

func TestServerStatusReply(t *testing.T) {
	st := ServerStatus{Connections: 3, Loads: 300, LockTime: 1704067204.5, Locked: true,
		Start: "Mon Jan  1 00:00:00 2024", TimeoutThread: TimeoutAlive, LastTransaction: 0x03f58e001ddddddd}
	for _, mode := range modes {
		w := NewWriter(mode.enc, nil)
		if err := w.ReplyServerStatus(intID(mode.enc, 7), &st); err != nil {
			t.Fatal(err)
		}
		var d Decoder
		m, err := d.Decode(mode.enc, w.Bytes()[4:])
		if err != nil {
			t.Fatal(err)
		}
		if d.Len(m.Args) != len(statusKeys) {
			t.Fatalf("%d keys", d.Len(m.Args))
		}
		for i, k := range statusKeys {
			if ks, _ := d.Key(m.Args, i).AsStr(); string(ks) != k {
				t.Fatalf("key %d = %q want %q", i, ks, k)
			}
		}
		if v, _ := d.Lookup(m.Args, "lock_time"); mustFloat(t, v) != 1704067204.5 {
			t.Fatal("lock_time")
		}
		if v, _ := d.Lookup(m.Args, "last-transaction"); string(v.b) != "03f58e001ddddddd" || v.kind != KindStr {
			t.Fatal("last-transaction")
		}
		if v, _ := d.Lookup(m.Args, "timeout-thread-is-alive"); v.kind != KindBool || v.x != 1 {
			t.Fatal("timeout")
		}
	}
}

// intID returns an int msgid encoded for enc.
func intID(enc Encoding, id int64) []byte {
	return appendScalar(nil, enc, Int(id))
}

func mustFloat(t *testing.T, v Value) float64 {
	f, ok := v.AsFloat()
	if !ok {
		t.Fatalf("not a float: %v", v.kind)
	}
	return f
}

func TestPyFloatAndJSON(t *testing.T) {
	cases := map[float64]string{0: "0.0", 1: "1.0", -2.5: "-2.5", 1704067204.5: "1704067204.5",
		1e16: "1e+16", 1234567890123456: "1234567890123456.0", 0.0001: "0.0001", 1e-5: "1e-05",
		0.1: "0.1", 1.5e300: "1.5e+300", 123.456: "123.456", 1e22: "1e+22", 5e-324: "5e-324"}
	for f, want := range cases {
		if got := string(AppendPyFloat(nil, f)); got != want {
			t.Errorf("%v: got %s want %s", f, got, want)
		}
	}
	if got := string(appendJSONString(nil, "a\"\\\n\x01é😀")); got != `"a\"\\\n\u0001\u00e9\ud83d\ude00"` {
		t.Errorf("json string %s", got)
	}
	if Ctime(time.Date(2026, 11, 2, 2, 7, 1, 0, time.UTC)) != "Mon Nov  2 02:07:01 2026" {
		t.Error(Ctime(time.Date(2026, 11, 2, 2, 7, 1, 0, time.UTC)))
	}
}

func TestErrorReplyShapes(t *testing.T) {
	cases := []struct {
		err   error
		class string
		state string // hex of the state in msgpack
	}{
		{&proto.ReadConflictError{Oid: 1, Committed: 2, Read: 3}, ClassReadConflictError,
			"84a76d657373616765bc6461746162617365207265616420636f6e666c696374206572726f72a36f6964c4080000000000000001aa636c6173735f6e616d65c0a773657269616c7392c4080000000000000002c4080000000000000003"},
		{&proto.ReadOnlyError{}, ClassReadOnlyError, "90"},
		{&proto.StorageTransactionError{Msg: "x"}, ClassStorageTransactionError, "91a178"},
		{&proto.UndoError{Msg: "r", Oid: 5, HasOid: true}, ClassUndoError, "82a75f726561736f6ea172a45f6f6964c4080000000000000005"},
		{&proto.ServerError{Class: "KeyError", Message: "k"}, ClassKeyError, "91a16b"},
		{&proto.ServerError{Class: "ZEO.Exceptions.X", Message: "k"}, "ZEO.Exceptions.X", "91a16b"},
		{ErrNotEncodable, ClassValueError, "91b8436f756c646e2774207069636b6c6520726573706f6e7365"},
		{os.ErrNotExist, ClassStorageError, "91b366696c6520646f6573206e6f74206578697374"},
	}
	for _, c := range cases {
		w := NewWriter(Msgpack, nil)
		if err := w.ErrorReply([]byte{5}, c.err); err != nil {
			t.Fatal(err)
		}
		var d Decoder
		m, err := d.Decode(Msgpack, w.Bytes()[4:])
		if err != nil || !m.IsError() || m.Flags != FlagsError {
			t.Fatalf("%v: %v", c.err, err)
		}
		class, _ := d.Index(m.Args, 0).AsStr()
		st := d.Index(m.Args, 1)
		var sw Writer
		sw.Reset(Msgpack, nil)
		sw.Value(&d, st)
		if string(class) != c.class || hex.EncodeToString(sw.Bytes()) != c.state {
			t.Errorf("%v: %s %x", c.err, class, sw.Bytes())
		}
	}
}
