// The ZEO 5 codec: stock ZEO clients' (msgid, flags, name, args) messages,
// in pickle (Z5) or msgpack (M5), to and from engine requests.

package engine

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
)

// zeoCodec serves one ZEO connection. Decoding uses the connection's own
// decoder (loop only); replies use pooled writers, so workers may encode
// concurrently.
type zeoCodec struct {
	enc zeo5.Encoding
	dec *zeo5.Decoder
	ext []byte // tpc_begin's extension, pickled (valid for one frame)
}

func zeoCodecFor(msgpack bool) *zeoCodec {
	enc := zeo5.Pickle
	if msgpack {
		enc = zeo5.Msgpack
	}
	dec, _ := zeo5.NewDecoder(nil)
	return &zeoCodec{enc: enc, dec: dec}
}

func (z *zeoCodec) name() string {
	if z.enc == zeo5.Msgpack {
		return "zeo5-msgpack"
	}
	return "zeo5-pickle"
}

func (z *zeoCodec) kind() codecKind {
	if z.enc == zeo5.Msgpack {
		return kindZEOMsgpack
	}
	return kindZEOPickle
}

// zeoMethods maps ZEO's method names to operations. Names not here are
// invalid methods: ZEO logs them and closes the connection.
var zeoMethods = map[string]op{
	"register": opRegister, "get_info": opGetInfo, "lastTransaction": opLastTransaction,
	"ping": opPing, "loadBefore": opLoadBefore, "loadSerial": opLoadSerial, "getTid": opGetTid,
	"new_oids": opNewOIDs, "getInvalidations": opGetInvalidations, "history": opHistory,
	"record_iternext": opRecordIterNext, "iterator_start": opIteratorStart,
	"iterator_next": opIteratorNext, "iterator_record_start": opIteratorRecordStart,
	"iterator_record_next": opIteratorRecordNext, "iterator_gc": opIteratorGC, "pack": opPack,
	"undoLog": opUndoLog, "undoInfo": opUndoInfo, "undoa": opUndo, "tpc_begin": opTpcBegin,
	"storea": opStore, "checkCurrentSerialInTransaction": opCheckCurrentSerial,
	"restorea": opRestore, "deleteObject": opDeleteObject, "vote": opVote,
	"tpc_finish": opTpcFinish, "tpc_abort": opTpcAbort, "server_status": opServerStatus,
	"set_client_label": opSetClientLabel,
	// Blobs are not offered (get_info does not list IBlobStorage).
	"storeBlobStart": opUnsupported, "storeBlobChunk": opUnsupported, "storeBlobEnd": opUnsupported,
	"storeBlobShared": opUnsupported, "sendBlob": opUnsupported,
	// Listed by ZEO but broken there (AttributeError / NotImplementedError).
	"new_oid": opUnsupported, "undo": opUnsupported,
}

var errBadZEOArgs = errors.New("bad arguments")

func (z *zeoCodec) decode(payload []byte, r *request) error {
	m, err := z.dec.Decode(z.enc, payload)
	if err != nil {
		return err
	}
	if m.IsHeartbeat() {
		r.op = opHeartbeat
		return nil
	}
	r.zid, r.name, r.oneway = m.MsgIDRaw, m.Name, m.Async
	if m.IsReply() {
		return fmt.Errorf("unexpected reply from client")
	}
	r.op = zeoMethods[string(m.Name)] // opInvalid when unknown
	d := z.dec
	arg := func(i int) zeo5.Value {
		if i < d.Len(m.Args) {
			return d.Index(m.Args, i)
		}
		return zeo5.Value{}
	}
	nargs := d.Len(m.Args)
	bad := func(what string) error { return fmt.Errorf("%w to %s: %s", errBadZEOArgs, m.Name, what) }
	txnOf := func(v zeo5.Value) (uint64, error) {
		if u, ok := v.AsUint(); ok {
			return u, nil
		}
		if i, ok := v.AsInt(); ok {
			return uint64(i), nil
		}
		return 0, bad("transaction id is not an int")
	}
	oidOf := func(i int) (uint64, error) {
		o, ok := arg(i).AsOid()
		if !ok {
			return 0, bad(fmt.Sprintf("argument %d is not an 8-byte id", i))
		}
		return uint64(o), nil
	}
	intOf := func(i int, def int) (int, error) {
		v := arg(i)
		if i >= nargs || v.IsNil() {
			return def, nil
		}
		n, ok := v.AsInt()
		if !ok {
			return 0, bad(fmt.Sprintf("argument %d is not an int", i))
		}
		return int(n), nil
	}
	optTid := func(i int) (proto.Tid, error) {
		if v := arg(i); i >= nargs || v.IsNil() {
			return 0, nil
		}
		t, err := oidOf(i)
		return proto.Tid(t), err
	}
	var x uint64
	switch r.op {
	case opRegister:
		r.str, r.flag, err = d.RegisterArgs(&m)
	case opLoadBefore:
		r.oid, r.tid, err = d.LoadBeforeArgs(&m)
	case opLoadSerial:
		if x, err = oidOf(0); err == nil {
			r.oid = proto.Oid(x)
			x, err = oidOf(1)
			r.tid = proto.Tid(x)
		}
	case opGetTid, opGetInvalidations:
		var id uint64
		id, _, err = d.OidArgs(&m, 0)
		r.oid, r.tid = proto.Oid(id), proto.Tid(id)
	case opHistory:
		var id uint64
		var n int64
		id, n, err = d.OidArgs(&m, 1)
		r.oid, r.n = proto.Oid(id), int(n)
	case opNewOIDs:
		r.n, err = d.NewOidsArgs(&m)
	case opRecordIterNext:
		var t proto.Tid
		t, err = optTid(0)
		r.oid = proto.Oid(t)
	case opIteratorStart:
		if r.tid, err = optTid(0); err == nil {
			r.tid2, err = optTid(1)
		}
	case opIteratorNext, opIteratorRecordNext:
		r.n, err = intOf(0, -1)
	case opIteratorRecordStart:
		if r.n, err = intOf(0, -1); err == nil {
			var t uint64
			t, err = oidOf(1)
			r.tid = proto.Tid(t)
		}
	case opIteratorGC:
		r.ids = r.ids[:0]
		l := arg(0)
		for i := 0; i < d.Len(l); i++ {
			if n, ok := d.Index(l, i).AsInt(); ok {
				r.ids = append(r.ids, uint64(n))
			}
		}
	case opPack:
		t, ok := arg(0).AsFloat()
		if !ok {
			n, isInt := arg(0).AsInt()
			if !isInt {
				return bad("pack time is not a number")
			}
			t = float64(n)
		}
		r.tid = proto.TidFromUnix(t)
		r.flag = true
		r.wait = nargs < 2 || arg(1).Truthy()
	case opUndoLog, opUndoInfo:
		if r.n, err = intOf(0, 0); err == nil {
			r.n2, err = intOf(1, 20)
		}
	case opUndo:
		b, ok := arg(0).AsBytes()
		if !ok {
			if b, ok = arg(0).AsStr(); !ok {
				return bad("undo id is not bytes")
			}
		}
		r.str = b
		r.txn, err = txnOf(arg(1))
	case opTpcBegin:
		var tb zeo5.TpcBegin
		if tb, err = d.TpcBeginArgs(&m); err != nil {
			break
		}
		r.txn, err = txnOf(tb.Txn.Value())
		r.meta = proto.TxnMeta{User: tb.User, Description: tb.Description, Status: tb.Status}
		if tb.HasTid {
			r.meta.Tid = tb.Tid
		}
		if err == nil && !tb.Ext.IsNil() {
			z.ext, err = zeo5.AppendExtensionPickle(z.ext[:0], d, tb.Ext, z.enc)
			r.meta.Extension = z.ext
		}
	case opStore:
		var s zeo5.StoreArgs
		if s, err = d.StoreaArgs(&m); err == nil {
			r.oid, r.tid, r.data = s.Oid, s.Serial, s.Data
			r.txn, err = txnOf(s.Txn.Value())
		}
	case opCheckCurrentSerial, opDeleteObject:
		var t zeo5.TxnID
		if r.oid, r.tid, t, err = d.CheckCurrentArgs(&m); err == nil {
			r.txn, err = txnOf(t.Value())
		}
	case opRestore:
		if nargs != 5 {
			return bad("restorea takes 5 arguments")
		}
		if x, err = oidOf(0); err != nil {
			break
		}
		r.oid = proto.Oid(x)
		if x, err = oidOf(1); err != nil {
			break
		}
		r.tid = proto.Tid(x)
		if data, ok := arg(2).AsBytes(); ok {
			r.data, r.hasData = data, true
		} else if !arg(2).IsNil() {
			return bad("data is neither bytes nor None")
		}
		if r.tid2, err = optTid(3); err == nil {
			r.txn, err = txnOf(arg(4))
		}
	case opVote, opTpcFinish, opTpcAbort:
		var t zeo5.TxnID
		if t, err = d.TxnArgs(&m); err == nil {
			r.txn, err = txnOf(t.Value())
		}
	case opSetClientLabel:
		if b, ok := arg(0).AsStr(); ok {
			r.str = b
		} else if b, ok := arg(0).AsBytes(); ok {
			r.str = b
		}
	}
	return err
}

var zeoWriters = sync.Pool{New: func() any { return zeo5.NewWriter(zeo5.Pickle, nil) }}

// write runs fn on a pooled writer appending to dst; an encoding failure
// becomes the error reply ZEO sends for it.
func (z *zeoCodec) write(dst []byte, r *request, fn func(w *zeo5.Writer) error) []byte {
	w := zeoWriters.Get().(*zeo5.Writer)
	w.Reset(z.enc, dst)
	if err := fn(w); err != nil {
		w.Reset(z.enc, dst)
		_ = w.ErrorReply(r.zid, err)
	}
	out := w.Bytes()
	w.Reset(z.enc, nil)
	zeoWriters.Put(w)
	return out
}

func (z *zeoCodec) appendNil(dst []byte, r *request) []byte {
	return zeo5.AppendNilReply(dst, z.enc, r.zid)
}

func (z *zeoCodec) appendTid(dst []byte, r *request, tid proto.Tid) []byte {
	return zeo5.AppendTidReply(dst, z.enc, r.zid, tid)
}

func (z *zeoCodec) appendData(dst []byte, r *request, data []byte) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyBytes(r.zid, data) })
}

func (z *zeoCodec) appendLoadBefore(dst []byte, r *request, st Storage, try bool) ([]byte, error) {
	out, mark := zeo5.BeginLoadBeforeReply(dst, z.enc, r.zid)
	var data []byte
	var start, end proto.Tid
	var err error
	if try {
		data, start, end, err = st.TryLoadBefore(r.oid, r.tid, out)
	} else {
		data, start, end, err = st.LoadBefore(r.oid, r.tid, out)
	}
	switch {
	case err == nil:
		out, err = zeo5.FinishLoadBeforeReply(data, mark, start, end, end == 0)
		if err != nil {
			return z.appendError(dst[:len(dst):len(dst)], r, err), nil
		}
		return out, nil
	case errors.Is(err, ErrWouldBlock):
		return dst, err
	case errors.Is(err, proto.ErrNoRevision):
		return zeo5.AppendNilReply(dst, z.enc, r.zid), nil
	}
	return z.appendError(dst, r, err), nil
}

func (z *zeoCodec) appendOids(dst []byte, r *request, oids []proto.Oid) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyOids(r.zid, oids) })
}

func (z *zeoCodec) appendInvalidations(dst []byte, r *request, tid proto.Tid, oids []proto.Oid, ok bool) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyGetInvalidations(r.zid, tid, oids, ok) })
}

func (z *zeoCodec) appendInfo(dst []byte, r *request, info *proto.StorageInfo) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error {
		return w.ReplyGetInfo(r.zid, *info, zeo5.FileStorageInterfaces)
	})
}

func (z *zeoCodec) appendHistory(dst []byte, r *request, h []proto.HistoryEntry) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyHistory(r.zid, h) })
}

func (z *zeoCodec) appendUndoLog(dst []byte, r *request, u []proto.UndoEntry) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyUndoLog(r.zid, u) })
}

func (z *zeoCodec) appendIterID(dst []byte, r *request, id uint64) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyInt(r.zid, int64(id)) })
}

func (z *zeoCodec) appendTxnInfo(dst []byte, r *request, info *proto.TxnInfo, ok bool) []byte {
	if !ok {
		info = nil
	}
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyIteratorNext(r.zid, info) })
}

func (z *zeoCodec) appendRecord(dst []byte, r *request, rec *proto.DataRecord, ok bool) []byte {
	if !ok {
		rec = nil
	}
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyIteratorRecordNext(r.zid, rec) })
}

func (z *zeoCodec) appendRecordIterNext(dst []byte, r *request, rec *proto.DataRecord, next proto.Oid, more bool) []byte {
	if rec.Tid == 0 {
		return z.appendError(dst, r, &proto.ServerError{Class: "builtins.ValueError", Message: "empty storage"})
	}
	return z.write(dst, r, func(w *zeo5.Writer) error {
		return w.ReplyRecordIternext(r.zid, rec.Oid, rec.Tid, rec.Data, next, more)
	})
}

func (z *zeoCodec) appendVote(dst []byte, r *request, tid proto.Tid, conflicts []proto.Conflict, undone []proto.Oid) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyVote(r.zid, undone, conflicts) })
}

func (z *zeoCodec) appendStats(dst []byte, r *request, stats *proto.Stats) []byte {
	st := zeo5.NewServerStatus(*stats, time.Local)
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ReplyServerStatus(r.zid, &st) })
}

func (z *zeoCodec) appendError(dst []byte, r *request, err error) []byte {
	return z.write(dst, r, func(w *zeo5.Writer) error { return w.ErrorReply(r.zid, err) })
}

func (z *zeoCodec) pushInvalidate(dst []byte, tid proto.Tid, oids []proto.Oid) []byte {
	out, err := zeo5.AppendInvalidateTransaction(dst, z.enc, tid, oids)
	if err != nil {
		return dst
	}
	return out
}

func (z *zeoCodec) pushInfo(dst []byte, length, size int64) []byte {
	return zeo5.AppendInfo(dst, z.enc, length, size)
}

// appendRuok answers ZEO's health probe: one JSON frame with every
// storage's statistics (the greeting was sent when the connection opened).
func (s *Server) appendRuok(dst []byte) []byte {
	named := make([]zeo5.NamedStatus, 0, len(s.names))
	for _, name := range s.names {
		named = append(named, zeo5.NamedStatus{Name: name, Status: zeo5.NewServerStatus(s.storages[name].snapshot(), time.Local)})
	}
	dst, start := zeo5.StartFrame(dst)
	dst = zeo5.AppendRuokJSON(dst, named)
	dst, _ = zeo5.FinishFrame(dst, start)
	return dst
}
