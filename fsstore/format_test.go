// Header codecs: known bytes from a Python-written file, every truncated
// prefix, zero values, appending after a prefix.

package fsstore

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestTxnHeaderCodec(t *testing.T) {
	b := fileBytes(t, copyFixture(t, "filestorage/basic/basic.fs"))
	// The second transaction of basic.fs, at 166 (see basic.txns.jsonl).
	var h TxnHeader
	n, err := h.Decode(b[166:])
	if err != nil || n != 23+5+17+46 {
		t.Fatalf("decode: %d %v", n, err)
	}
	if h.Tid != 0x03f58e0008888888 || h.Len != 516 || h.Status != ' ' || string(h.User) != "alice" ||
		string(h.Description) != "create containers" || len(h.Extension) != 46 || h.HeaderLen() != int64(n) {
		t.Fatalf("decoded %+v", h)
	}
	if got := h.AppendTo([]byte("prefix")); !bytes.Equal(got, append([]byte("prefix"), b[166:166+n]...)) {
		t.Fatalf("re-encoding differs")
	}
	for l := 0; l < n; l++ {
		if _, err := h.Decode(b[166 : 166+l]); !errors.Is(err, proto.ErrShortBuffer) {
			t.Fatalf("prefix %d: %v", l, err)
		}
	}
	var zero TxnHeader
	enc := zero.AppendTo(nil)
	if len(enc) != TxnHeaderSize {
		t.Fatalf("zero header is %d bytes", len(enc))
	}
	back, err := DecodeTxnHeader(enc)
	if err != nil || back.Tid != 0 || back.Len != 0 || len(back.User) != 0 {
		t.Fatalf("zero round trip %+v %v", back, err)
	}
	// Metadata is aliased with capacity clipped: appending cannot clobber.
	back2, _ := DecodeTxnHeader(b[166:])
	_ = append(back2.User, 'X')
	if b[166+23+5] != 'c' {
		t.Fatal("appending to User overwrote the description")
	}
}

func TestDataHeaderCodec(t *testing.T) {
	b := fileBytes(t, copyFixture(t, "filestorage/undo/undo.fs"))
	// A backpointer record at 1316 and a data record at 660.
	cases := []struct {
		pos  int64
		want DataHeader
		n    int
	}{
		{1316, DataHeader{Oid: 1, Tid: 0x03f58e0015555555, Prev: 660, Tloc: 1284, Plen: 0, Back: 504}, 50},
		{660, DataHeader{Oid: 1, Tid: 0x03f58e000ccccccc, Prev: 504, Tloc: 633, Plen: 79}, 42},
		{1517, DataHeader{Oid: 3, Tid: 0x03f58e0019999999, Prev: 1155, Tloc: 1374}, 50},
	}
	for _, c := range cases {
		var h DataHeader
		n, err := h.Decode(b[c.pos:])
		if err != nil || n != c.n || h != c.want {
			t.Fatalf("at %d: %+v %d %v", c.pos, h, n, err)
		}
		if got := h.AppendTo([]byte{9}); !bytes.Equal(got[1:], b[c.pos:c.pos+int64(n)]) || got[0] != 9 {
			t.Fatalf("at %d: re-encoding differs", c.pos)
		}
		if h.RecordLen() != uint64(c.n)+uint64(h.Plen) {
			t.Fatalf("RecordLen %d", h.RecordLen())
		}
		for l := 0; l < n; l++ {
			if _, err := h.Decode(b[c.pos : c.pos+int64(l)]); !errors.Is(err, proto.ErrShortBuffer) {
				t.Fatalf("prefix %d: %v", l, err)
			}
		}
	}
	var zero DataHeader
	if got, err := DecodeDataHeader(zero.AppendTo(nil)); err != nil || got != zero {
		t.Fatalf("zero: %+v %v", got, err)
	}
	hostile := bytes.Repeat([]byte{0xff}, 64)
	h, err := DecodeDataHeader(hostile)
	if err != nil || h.Plen != ^uint64(0) {
		t.Fatalf("hostile: %+v %v", h, err)
	}
	if h.String() == "" {
		t.Fatal("no String")
	}
}
