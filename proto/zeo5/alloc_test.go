// Allocation gates for the hot paths: decoding loadBefore, storea and the
// commit calls with a reused Decoder, and encoding the loadBefore reply in
// place and invalidateTransaction, in both encodings.

package zeo5

import (
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// hotFrames builds the payloads of the hot calls as a stock client sends
// them.
type hotFrames struct {
	loadBefore, storea, vote, checkCurrent []byte
}

var testTxn = Uint(140019460073360)

func makeHotFrames(t testing.TB, enc Encoding, dataLen int) hotFrames {
	oid, tid := proto.Oid(1), proto.Tid(0x03f58e0011111111)
	var id Writer
	id.Reset(enc, nil)
	id.BeginTuple(2)
	id.Oid(oid)
	id.Tid(tid)
	id.End()
	msgid := id.Bytes()
	var h hotFrames
	w := NewWriter(enc, nil)
	payload := func() []byte {
		if err := w.EndMessage(); err != nil {
			t.Fatal(err)
		}
		p := append([]byte(nil), w.Bytes()[4:]...)
		w.Reset(enc, nil)
		return p
	}
	w.BeginCallID(msgid, "loadBefore")
	w.BeginTuple(2)
	w.Oid(oid)
	w.Tid(tid)
	w.End()
	h.loadBefore = payload()
	w.BeginAsync("storea")
	w.BeginTuple(4)
	w.Oid(oid)
	w.Tid(tid)
	w.Bin(make([]byte, dataLen))
	w.Value(nil, testTxn)
	w.End()
	h.storea = payload()
	w.BeginCall(6, "vote")
	w.BeginTuple(1)
	w.Value(nil, testTxn)
	w.End()
	h.vote = payload()
	w.BeginAsync("checkCurrentSerialInTransaction")
	w.BeginTuple(3)
	w.Oid(oid)
	w.Tid(tid)
	w.Value(nil, testTxn)
	w.End()
	h.checkCurrent = payload()
	return h
}

func TestHotDecodeNoAllocs(t *testing.T) {
	for _, mode := range modes {
		h := makeHotFrames(t, mode.enc, 100)
		var d Decoder
		var sinkOid proto.Oid
		var sinkTxn TxnID
		check := func(name string, f func() error) {
			if err := f(); err != nil {
				t.Fatalf("%s %s: %v", mode.name, name, err)
			}
			if n := testing.AllocsPerRun(100, func() { _ = f() }); n != 0 {
				t.Errorf("%s %s: %v allocs per run", mode.name, name, n)
			}
		}
		check("loadBefore", func() error {
			m, err := d.Decode(mode.enc, h.loadBefore)
			if err != nil {
				return err
			}
			sinkOid, _, err = d.LoadBeforeArgs(&m)
			return err
		})
		check("storea", func() error {
			m, err := d.Decode(mode.enc, h.storea)
			if err != nil {
				return err
			}
			s, err := d.StoreaArgs(&m)
			sinkTxn = s.Txn
			return err
		})
		check("vote", func() error {
			m, err := d.Decode(mode.enc, h.vote)
			if err != nil {
				return err
			}
			sinkTxn, err = d.TxnArgs(&m)
			return err
		})
		check("checkCurrentSerialInTransaction", func() error {
			m, err := d.Decode(mode.enc, h.checkCurrent)
			if err != nil {
				return err
			}
			_, _, sinkTxn, err = d.CheckCurrentArgs(&m)
			return err
		})
		if want, _ := TxnIDOf(testTxn); sinkOid != 1 || sinkTxn != want {
			t.Fatalf("%s: decoded %v %v", mode.name, sinkOid, sinkTxn)
		}
	}
}

func TestHotEncodeNoAllocs(t *testing.T) {
	data := make([]byte, 300)
	oids := make([]proto.Oid, 10)
	for i := range oids {
		oids[i] = proto.Oid(i + 1)
	}
	for _, mode := range modes {
		msgid := intID(mode.enc, 12)
		buf := make([]byte, 0, 4096)
		var err error
		loadReply := func() {
			var m DataMark
			buf, m = BeginLoadBeforeReply(buf[:0], mode.enc, msgid)
			buf = append(buf, data...)
			buf, err = FinishLoadBeforeReply(buf, m, 0x03f58e000ccccccc, 0x03f58e0011111111, false)
		}
		if n := testing.AllocsPerRun(100, loadReply); n != 0 || err != nil {
			t.Errorf("%s loadBefore reply: %v allocs, %v", mode.name, n, err)
		}
		invalidate := func() {
			buf, err = AppendInvalidateTransaction(buf[:0], mode.enc, 0x03f58e0011111111, oids)
		}
		if n := testing.AllocsPerRun(100, invalidate); n != 0 || err != nil {
			t.Errorf("%s invalidateTransaction: %v allocs, %v", mode.name, n, err)
		}
		w := NewWriter(mode.enc, buf[:0])
		replies := func() {
			w.Reset(mode.enc, w.Bytes()[:0])
			err = w.ReplyGetInfo(msgid, proto.StorageInfo{Name: "Data.fs", Length: 3, Size: 843}, FileStorageInterfaces)
			if err == nil {
				err = w.ReplyOids(msgid, oids)
			}
			if err == nil {
				err = w.ReplyTid(msgid, 0x03f58e0011111111)
			}
		}
		if n := testing.AllocsPerRun(100, replies); n != 0 || err != nil {
			t.Errorf("%s Writer replies: %v allocs, %v", mode.name, n, err)
		}
	}
}

// TestInPlaceBytesSizes: the reserved data header is fixed to the
// canonical form at every size boundary.
func TestInPlaceBytesSizes(t *testing.T) {
	for _, mode := range modes {
		for _, n := range []int{0, 1, 255, 256, 65535, 65536, 70000} {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(i * 7)
			}
			dst, at := ReserveBytes([]byte("prefix"))
			dst = append(dst, data...)
			dst, err := FinishBytes(dst, mode.enc, at)
			if err != nil {
				t.Fatal(err)
			}
			want := appendScalar([]byte("prefix"), mode.enc, Bytes(data))
			if string(dst) != string(want) {
				t.Fatalf("%s size %d: header %x want %x", mode.name, n, dst[6:12], want[6:12])
			}
		}
	}
}
