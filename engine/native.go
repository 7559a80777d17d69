// The native protocol codec: gozeo's binary frames (package proto) to and
// from engine requests and replies.

package engine

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// zodbInterfaces are the ZODB interfaces every storage we serve provides;
// get_info lists them (ZEO clients decide features from them).
var zodbInterfaces = []string{
	"ZODB.interfaces.IStorageRestoreable",
	"ZODB.interfaces.IStorageIteration",
	"ZODB.interfaces.IStorageUndoable",
	"ZODB.interfaces.IStorageCurrentRecordIteration",
	"ZODB.interfaces.IExternalGC",
}

type nativeCodec struct{}

func (nativeCodec) kind() codecKind { return kindNative }

var errNotRequest = errors.New("frame is not a request")

// decode parses a native request frame. Unknown ops decode to opInvalid
// without error: the dispatcher answers them with a ProtocolError.
func (nativeCodec) decode(payload []byte, r *request) error {
	if len(payload) < proto.FrameHeaderSize-4 {
		return fmt.Errorf("frame of %d bytes is shorter than a frame header", len(payload))
	}
	r.msgid = uint32(payload[0])<<24 | uint32(payload[1])<<16 | uint32(payload[2])<<8 | uint32(payload[3])
	op, flags := proto.Op(payload[4]), proto.Flags(payload[5])
	body := payload[proto.FrameHeaderSize-4:]
	r.wireOp = uint8(op)
	if !flags.Valid() || flags&(proto.FlagReply|proto.FlagPush) != 0 {
		return fmt.Errorf("%w: flags %s", errNotRequest, flags)
	}
	r.oneway = flags&proto.FlagOneWay != 0
	if op.IsRequest() && r.oneway != op.IsOneWay() {
		return fmt.Errorf("%s sent with flags %s", op, flags)
	}
	var err error
	switch op {
	case proto.OpRegister:
		var m proto.RegisterRequest
		err = m.Decode(body)
		r.op, r.str, r.flag = opRegister, []byte(m.Storage), m.ReadOnly
	case proto.OpGetInfo:
		r.op, err = opGetInfo, (&proto.GetInfoRequest{}).Decode(body)
	case proto.OpLastTransaction:
		r.op, err = opLastTransaction, (&proto.LastTransactionRequest{}).Decode(body)
	case proto.OpPing:
		r.op, err = opPing, (&proto.PingRequest{}).Decode(body)
	case proto.OpServerStatus:
		r.op, err = opServerStatus, (&proto.ServerStatusRequest{}).Decode(body)
	case proto.OpLoadBefore:
		var m proto.LoadBeforeRequest
		err = m.Decode(body)
		r.op, r.oid, r.tid = opLoadBefore, m.Oid, m.Before
	case proto.OpLoadSerial:
		var m proto.LoadSerialRequest
		err = m.Decode(body)
		r.op, r.oid, r.tid = opLoadSerial, m.Oid, m.Serial
	case proto.OpNewOIDs:
		var m proto.NewOIDsRequest
		err = m.Decode(body)
		r.op, r.n = opNewOIDs, int(m.N)
	case proto.OpGetInvalidations:
		var m proto.GetInvalidationsRequest
		err = m.Decode(body)
		r.op, r.tid = opGetInvalidations, m.Tid
	case proto.OpHistory:
		var m proto.HistoryRequest
		err = m.Decode(body)
		r.op, r.oid, r.n = opHistory, m.Oid, int(m.Size)
	case proto.OpRecordIterNext:
		var m proto.RecordIterNextRequest
		err = m.Decode(body)
		r.op, r.oid = opRecordIterNext, m.Next
	case proto.OpIteratorStart:
		var m proto.IteratorStartRequest
		err = m.Decode(body)
		r.op, r.tid, r.tid2 = opIteratorStart, m.Start, m.Stop
	case proto.OpIteratorNext:
		var m proto.IteratorNextRequest
		err = m.Decode(body)
		r.op, r.n = opIteratorNext, int(m.ID)
	case proto.OpIteratorRecordStart:
		var m proto.IteratorRecordStartRequest
		err = m.Decode(body)
		r.op, r.n, r.tid = opIteratorRecordStart, int(m.TxnIter), m.Tid
	case proto.OpIteratorRecordNext:
		var m proto.IteratorRecordNextRequest
		err = m.Decode(body)
		r.op, r.n = opIteratorRecordNext, int(m.ID)
	case proto.OpIteratorGC:
		m := proto.IteratorGCRequest{IDs: r.ids[:0]}
		err = m.Decode(body)
		r.op, r.ids = opIteratorGC, m.IDs
	case proto.OpPack:
		var m proto.PackRequest
		err = m.Decode(body)
		r.op, r.tid, r.flag, r.wait = opPack, m.PackTime, m.GC, m.Wait
	case proto.OpUndoLog:
		var m proto.UndoLogRequest
		err = m.Decode(body)
		r.op, r.n, r.n2 = opUndoLog, int(m.First), int(m.Last)
	case proto.OpUndoInfo:
		var m proto.UndoInfoRequest
		err = m.Decode(body)
		r.op, r.n, r.n2, r.filterUser, r.filterDesc = opUndoInfo, int(m.First), int(m.Last), m.User, m.Description
	case proto.OpUndo:
		var m proto.UndoRequest
		err = m.Decode(body)
		r.op, r.txn, r.str = opUndo, m.Txn, m.ID
	case proto.OpTpcBegin:
		var m proto.TpcBeginRequest
		err = m.Decode(body)
		r.op, r.txn, r.meta = opTpcBegin, m.Txn, m.Meta
	case proto.OpStore:
		var m proto.StoreRequest
		err = m.Decode(body)
		r.op, r.txn, r.oid, r.tid, r.data = opStore, m.Txn, m.Oid, m.Serial, m.Data
	case proto.OpCheckCurrentSerial:
		var m proto.CheckCurrentSerialRequest
		err = m.Decode(body)
		r.op, r.txn, r.oid, r.tid = opCheckCurrentSerial, m.Txn, m.Oid, m.Serial
	case proto.OpRestore:
		var m proto.RestoreRequest
		err = m.Decode(body)
		r.op, r.txn, r.oid, r.tid, r.tid2 = opRestore, m.Txn, m.Oid, m.Serial, m.PrevTxn
		r.data, r.hasData = m.Data, m.Data != nil
	case proto.OpDeleteObject:
		var m proto.DeleteObjectRequest
		err = m.Decode(body)
		r.op, r.txn, r.oid, r.tid = opDeleteObject, m.Txn, m.Oid, m.Serial
	case proto.OpVote:
		var m proto.VoteRequest
		err = m.Decode(body)
		r.op, r.txn = opVote, m.Txn
	case proto.OpTpcFinish:
		var m proto.TpcFinishRequest
		err = m.Decode(body)
		r.op, r.txn = opTpcFinish, m.Txn
	case proto.OpTpcAbort:
		var m proto.TpcAbortRequest
		err = m.Decode(body)
		r.op, r.txn = opTpcAbort, m.Txn
	default:
		r.op = opInvalid
	}
	return err
}

func (nativeCodec) frame(dst []byte, r *request) ([]byte, int) {
	return proto.StartFrame(dst, r.msgid, proto.Op(r.wireOp), proto.FlagReply)
}

func (c nativeCodec) appendNil(dst []byte, r *request) []byte {
	return proto.AppendEmptyFrame(dst, r.msgid, proto.Op(r.wireOp), proto.FlagReply)
}

func (c nativeCodec) appendTid(dst []byte, r *request, tid proto.Tid) []byte {
	dst, s := c.frame(dst, r)
	b := tid.Bytes()
	return proto.FinishFrame(append(dst, b[:]...), s)
}

func (c nativeCodec) appendData(dst []byte, r *request, data []byte) []byte {
	return (&proto.LoadSerialReply{Data: data}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendLoadBefore(dst []byte, r *request, st Storage, try bool) ([]byte, error) {
	out, start, mark := proto.StartLoadBeforeReply(dst, r.msgid)
	var data []byte
	var serial, end proto.Tid
	var err error
	if try {
		data, serial, end, err = st.TryLoadBefore(r.oid, r.tid, out)
	} else {
		data, serial, end, err = st.LoadBefore(r.oid, r.tid, out)
	}
	switch {
	case err == nil:
		return proto.FinishLoadBeforeReply(data, start, mark, serial, end), nil
	case errors.Is(err, ErrWouldBlock):
		return dst[:start], err
	case errors.Is(err, proto.ErrNoRevision):
		return (&proto.LoadBeforeReply{}).AppendFrame(dst[:start], r.msgid), nil
	}
	return proto.AppendError(dst[:start], r.msgid, proto.OpLoadBefore, err), nil
}

func (c nativeCodec) appendOids(dst []byte, r *request, oids []proto.Oid) []byte {
	return (&proto.NewOIDsReply{Oids: oids}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendInvalidations(dst []byte, r *request, tid proto.Tid, oids []proto.Oid, ok bool) []byte {
	return (&proto.GetInvalidationsReply{TooOld: !ok, Tid: tid, Oids: oids}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendInfo(dst []byte, r *request, info *proto.StorageInfo) []byte {
	return (&proto.GetInfoReply{Info: *info, Interfaces: zodbInterfaces}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendHistory(dst []byte, r *request, h []proto.HistoryEntry) []byte {
	return (&proto.HistoryReply{Entries: h}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendUndoLog(dst []byte, r *request, u []proto.UndoEntry) []byte {
	if r.op == opUndoInfo {
		return (&proto.UndoInfoReply{Entries: u}).AppendFrame(dst, r.msgid)
	}
	return (&proto.UndoLogReply{Entries: u}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendIterID(dst []byte, r *request, id uint64) []byte {
	if r.op == opIteratorRecordStart {
		return (&proto.IteratorRecordStartReply{ID: id}).AppendFrame(dst, r.msgid)
	}
	return (&proto.IteratorStartReply{ID: id}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendTxnInfo(dst []byte, r *request, info *proto.TxnInfo, ok bool) []byte {
	return (&proto.IteratorNextReply{Found: ok, Txn: *info}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendRecord(dst []byte, r *request, rec *proto.DataRecord, ok bool) []byte {
	return (&proto.IteratorRecordNextReply{Found: ok, Record: *rec}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendRecordIterNext(dst []byte, r *request, rec *proto.DataRecord, next proto.Oid, more bool) []byte {
	found := rec.Tid != 0 || rec.Data != nil
	return (&proto.RecordIterNextReply{Found: found, More: more, Record: *rec, Next: next}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendVote(dst []byte, r *request, tid proto.Tid, conflicts []proto.Conflict, undone []proto.Oid) []byte {
	return (&proto.VoteReply{Tid: tid, Conflicts: conflicts, Resolved: undone}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendStats(dst []byte, r *request, stats *proto.Stats) []byte {
	return (&proto.ServerStatusReply{Stats: *stats}).AppendFrame(dst, r.msgid)
}

func (c nativeCodec) appendError(dst []byte, r *request, err error) []byte {
	return proto.AppendError(dst, r.msgid, proto.Op(r.wireOp), err)
}

func (c nativeCodec) pushInvalidate(dst []byte, tid proto.Tid, oids []proto.Oid) []byte {
	return (&proto.InvalidateTransaction{Tid: tid, Oids: oids}).AppendFrame(dst, 0)
}

func (c nativeCodec) pushInfo(dst []byte, length, size int64) []byte {
	return (&proto.Info{Length: length, Size: size}).AppendFrame(dst, 0)
}

// undoFilter turns undoInfo's exact-match filters into a storage filter.
func undoFilter(r *request) func(*proto.UndoEntry) bool {
	if r.filterUser == nil && r.filterDesc == nil {
		return nil
	}
	user, desc := r.filterUser, r.filterDesc
	return func(e *proto.UndoEntry) bool {
		return (user == nil || bytes.Equal(e.User, user)) && (desc == nil || bytes.Equal(e.Description, desc))
	}
}
