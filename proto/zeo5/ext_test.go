// Extension dicts: reading stored extension pickles, pickling a client's
// ext as ZODB does, and merging extensions into history/undo maps.

package zeo5

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/prototest"
)

// TestExtensionFromRecordedTpcBegin: the ext a stock client sent with
// tpc_begin pickles to the exact bytes ZEO stored for that transaction.
func TestExtensionFromRecordedTpcBegin(t *testing.T) {
	for _, mode := range modes {
		stored := map[string]bool{}
		for _, e := range serverExtensions(t, mode.name) {
			stored[hex.EncodeToString(e)] = true
		}
		var d Decoder
		nonEmpty := 0
		for _, r := range loadRecording(t, mode.name) {
			if !isRPC(r.Kind) {
				continue
			}
			m, err := d.Decode(mode.enc, r.payload)
			if err != nil || string(m.Name) != "tpc_begin" {
				continue
			}
			tb, err := d.TpcBeginArgs(&m)
			if err != nil {
				t.Fatalf("seq %d: %v", r.Seq, err)
			}
			if tb.HasTid || tb.Status != ' ' {
				t.Fatalf("seq %d: tid/status %v %q", r.Seq, tb.HasTid, tb.Status)
			}
			got, err := AppendExtensionPickle(nil, &d, tb.Ext, mode.enc)
			if err != nil {
				t.Fatal(err)
			}
			if !stored[hex.EncodeToString(got)] {
				t.Fatalf("seq %d: ext pickled to %x, not a stored extension", r.Seq, got)
			}
			if len(got) > 0 {
				nonEmpty++
				if want := "80037d71005803000000617070710158100000007a656f2d776972652d666978747572657102732e"; hex.EncodeToString(got) != want {
					t.Fatalf("seq %d: %x", r.Seq, got)
				}
			}
		}
		if nonEmpty != 1 {
			t.Fatalf("%s: %d non-empty extensions", mode.name, nonEmpty)
		}
	}
}

// TestStoredExtensionsRoundTrip: every extension in the FileStorage
// fixtures decodes to its recorded value and pickles back to its bytes.
func TestStoredExtensionsRoundTrip(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(prototest.FixturesDir(t), "filestorage", "*", "*.txns.jsonl"))
	if len(files) == 0 {
		t.Fatal("no txns.jsonl fixtures")
	}
	var d Decoder
	n := 0
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var tx struct {
				Tid          string          `json:"tid"`
				ExtensionHex string          `json:"extension_hex"`
				Extension    json.RawMessage `json:"extension"`
			}
			if err := json.Unmarshal(sc.Bytes(), &tx); err != nil {
				t.Fatal(err)
			}
			ext := mustHex(t, tx.ExtensionHex)
			v, err := ExtensionToValue(&d, ext)
			if err != nil {
				t.Fatalf("%s %s: %v", filepath.Base(path), tx.Tid, err)
			}
			if err := match(&d, v, parseJSON(t, tx.Extension), "ext"); err != nil {
				t.Fatalf("%s %s: %v", filepath.Base(path), tx.Tid, err)
			}
			got, err := AppendExtensionPickle(nil, &d, v, Pickle)
			if err != nil || hex.EncodeToString(got) != tx.ExtensionHex {
				t.Fatalf("%s %s: re-pickled %x, want %s (%v)", filepath.Base(path), tx.Tid, got, tx.ExtensionHex, err)
			}
			// Bytes given as ext are loaded and dumped again.
			got2, err := AppendExtensionPickle(nil, &d, Bytes(ext), Pickle)
			if err != nil || hex.EncodeToString(got2) != tx.ExtensionHex {
				t.Fatalf("%s %s: from bytes %x (%v)", filepath.Base(path), tx.Tid, got2, err)
			}
			n++
		}
		f.Close()
	}
	if n < 20 {
		t.Fatalf("only %d extensions", n)
	}
}

// TestExtensionSharing checks the memo sharing rules against output of
// CPython's pickle.dumps(ext, 3) for objects built as each unpickler
// builds them.
func TestExtensionSharing(t *testing.T) {
	// Pickle-decoded: {"a1": {"a1": 1, "x": "x", "b": b"", "c": b""},
	// "lst": ["ab", "ab", ()], "t": (1, "zz")}; str objects distinct except
	// the one-character ones, b"" a singleton.
	w := NewWriter(Pickle, nil)
	w.BeginMap(3)
	w.Str("a1")
	w.BeginMap(4)
	w.Str("a1")
	w.Int(1)
	w.Str("x")
	w.Str("x")
	w.Str("b")
	w.Bin(nil)
	w.Str("c")
	w.Bin([]byte{})
	w.End()
	w.Str("lst")
	w.BeginList(3)
	w.Str("ab")
	w.Str("ab")
	w.BeginTuple(0)
	w.End()
	w.End()
	w.Str("t")
	w.BeginTuple(2)
	w.Int(1)
	w.Str("zz")
	w.End()
	w.End()
	checkExt(t, Pickle, wrapPickle(w.Bytes()), "80037d7100285802000000613171017d7102285802000000613171034b0158010000007871046804580100000062710543007106580100000063710768067558030000006c737471085d71092858020000006162710a58020000006162710b2965580100000074710c4b0158020000007a7a710d86710e752e")
	// Msgpack-decoded {"a1": {"a1": 1, "x": "a1"}}: map keys are interned
	// (shared), the value "a1" is not.
	w.Reset(Msgpack, nil)
	w.BeginMap(1)
	w.Str("a1")
	w.BeginMap(2)
	w.Str("a1")
	w.Int(1)
	w.Str("x")
	w.Str("a1")
	w.End()
	w.End()
	checkExt(t, Msgpack, w.Bytes(), "80037d71005802000000613171017d71022868014b01580100000078710358020000006131710475732e")
}

// wrapPickle makes a whole pickle of one value's opcodes: PROTO 3 ... STOP.
func wrapPickle(b []byte) []byte {
	return append(append([]byte{opProto, 3}, b...), opStop)
}

func checkExt(t *testing.T, enc Encoding, encoded []byte, want string) {
	t.Helper()
	var d Decoder
	v, err := d.DecodeValue(enc, encoded)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AppendExtensionPickle(nil, &d, v, enc)
	if err != nil || hex.EncodeToString(got) != want {
		t.Fatalf("%s ext\n got %x\nwant %s (%v)", enc, got, want, err)
	}
	// The result reads back as the same dict.
	var d2 Decoder
	v2, err := ExtensionToValue(&d2, got)
	if err != nil || !Equal(&d, v, &d2, v2) {
		t.Fatalf("re-read: %v", err)
	}
}

func TestExtensionErrors(t *testing.T) {
	var d Decoder
	for _, bad := range []string{"80034b012e", "80035d712e", "8003", "ff"} {
		if _, err := ExtensionToValue(&d, mustHex(t, bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := AppendExtensionPickle(nil, &d, Int(3), Pickle); !errors.Is(err, ErrBadArgs) {
		t.Errorf("int ext: %v", err)
	}
	for _, empty := range []Value{Nil(), Bytes(nil)} {
		if got, err := AppendExtensionPickle([]byte("x"), &d, empty, Msgpack); err != nil || string(got) != "x" {
			t.Errorf("empty ext: %q %v", got, err)
		}
	}
	v, err := ExtensionToValue(&d, nil)
	if err != nil || v.Kind() != KindMap || d.Len(v) != 0 {
		t.Fatalf("empty extension: %v", err)
	}
}

// TestMergedMaps: an extension key named like a standard key keeps its
// position in history (standard value wins) and wins the value in undoLog.
func TestMergedMaps(t *testing.T) {
	w := NewWriter(Pickle, nil)
	w.BeginMap(2)
	w.Str("size")
	w.Str("from-ext")
	w.Str("k")
	w.Int(7)
	w.End()
	var d Decoder
	v, err := d.DecodeValue(Pickle, wrapPickle(w.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ext, err := AppendExtensionPickle(nil, &d, v, Pickle)
	if err != nil {
		t.Fatal(err)
	}
	tid := proto.Tid(0x03f58e0004444444)
	w.Reset(Msgpack, nil)
	if err := w.ReplyHistory([]byte{1}, []proto.HistoryEntry{{Tid: tid, User: []byte("u"), Size: 9, Extension: ext}}); err != nil {
		t.Fatal(err)
	}
	m, err := d.Decode(Msgpack, w.Bytes()[4:])
	if err != nil {
		t.Fatal(err)
	}
	h := d.Index(m.Args, 0)
	wantKeys := []string{"size", "k", "time", "user_name", "description", "tid"}
	checkKeys(t, &d, h, wantKeys)
	if s, _ := d.Lookup(h, "size"); mustInt(t, s) != 9 {
		t.Fatal("history size must be the standard value")
	}
	w.Reset(Msgpack, nil)
	if err := w.ReplyUndoLog([]byte{1}, []proto.UndoEntry{{Tid: tid, Size: 9, Extension: ext}}); err != nil {
		t.Fatal(err)
	}
	if m, err = d.Decode(Msgpack, w.Bytes()[4:]); err != nil {
		t.Fatal(err)
	}
	u := d.Index(m.Args, 0)
	checkKeys(t, &d, u, []string{"id", "time", "user_name", "size", "description", "k"})
	if s, _ := d.Lookup(u, "size"); string(s.b) != "from-ext" {
		t.Fatal("undo size must be the extension's value")
	}
	if id, _ := d.Lookup(u, "id"); string(id.b) != "A/WOAAREREQ=" {
		t.Fatalf("undo id %q", id.b)
	}
}

func checkKeys(t *testing.T, d *Decoder, m Value, want []string) {
	t.Helper()
	if d.Len(m) != len(want) {
		t.Fatalf("%d keys, want %v", d.Len(m), want)
	}
	for i, k := range want {
		if ks, _ := d.Key(m, i).AsStr(); string(ks) != k {
			t.Fatalf("key %d = %q, want %q", i, ks, k)
		}
	}
}

func TestIteratorReplies(t *testing.T) {
	for _, mode := range modes {
		w := NewWriter(mode.enc, nil)
		ext := mustHex(t, "80037d71005803000000617070710158100000007a656f2d776972652d666978747572657102732e")
		info := &proto.TxnInfo{Tid: 0x03f58e000ccccccc, Status: 'p', User: []byte("alice"), Extension: ext}
		id := intID(mode.enc, 4)
		if err := w.ReplyIteratorNext(id, info); err != nil {
			t.Fatal(err)
		}
		if err := w.ReplyIteratorRecordNext(id, &proto.DataRecord{Oid: 1, Tid: 2, DataTxn: 3}); err != nil {
			t.Fatal(err)
		}
		if err := w.ReplyIteratorNext(id, nil); err != nil {
			t.Fatal(err)
		}
		buf := w.Bytes()
		var d Decoder
		p, n, _ := ReadFrame(buf, 0)
		m, err := d.Decode(mode.enc, p)
		if err != nil {
			t.Fatal(err)
		}
		want := `[{"$bytes": "03f58e000ccccccc"}, "p", {"$bytes": "616c696365"}, {"$bytes": ""}, {"app": "zeo-wire-fixture"}]`
		if err := match(&d, m.Args, parseJSON(t, []byte(want)), "iterator_next"); err != nil {
			t.Fatal(err)
		}
		p, n2, _ := ReadFrame(buf[n:], 0)
		if m, err = d.Decode(mode.enc, p); err != nil {
			t.Fatal(err)
		}
		want = `[{"$bytes": "0000000000000001"}, {"$bytes": "0000000000000002"}, null, {"$bytes": "0000000000000003"}]`
		if err := match(&d, m.Args, parseJSON(t, []byte(want)), "iterator_record_next"); err != nil {
			t.Fatal(err)
		}
		p, _, _ = ReadFrame(buf[n+n2:], 0)
		if m, err = d.Decode(mode.enc, p); err != nil || !m.Args.IsNil() {
			t.Fatal("end of iteration", err)
		}
	}
}
