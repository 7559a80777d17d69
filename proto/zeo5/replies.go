// Reply shapes of ZEO's server methods (spec section 2) as Writer methods,
// with the exact key names, key order and types stock clients expect.

package zeo5

import (
	"github.com/gozeo/gozeo/proto"
)

// Interface names one zope.interface a storage provides, as get_info
// lists them.
type Interface struct {
	Module, Name string
}

// FileStorageInterfaces is what ZEO's get_info lists for a FileStorage
// without a blob directory, in the same order.
var FileStorageInterfaces = []Interface{
	{"ZODB.interfaces", "IStorageRestoreable"},
	{"ZODB.interfaces", "IStorageIteration"},
	{"ZODB.interfaces", "IStorageUndoable"},
	{"ZODB.interfaces", "IStorageCurrentRecordIteration"},
	{"ZODB.interfaces", "IExternalGC"},
	{"ZODB.interfaces", "IStorage"},
	{"zope.interface", "Interface"},
}

// ready checks that the Writer is between messages before a hot-path
// helper appends a whole frame to its buffer; a pending error is returned
// (and cleared, as EndMessage does).
func (w *Writer) ready() error {
	if w.err != nil {
		err := w.err
		w.err = nil
		return err
	}
	if w.depth != 0 {
		return ErrWriter
	}
	return nil
}

// ReplyNil writes a reply whose result is None.
func (w *Writer) ReplyNil(msgid []byte) error {
	if err := w.ready(); err != nil {
		return err
	}
	w.buf = AppendNilReply(w.buf, w.enc, msgid)
	return nil
}

// ReplyTid writes a reply whose result is a tid (register,
// lastTransaction, tpc_finish, getTid).
func (w *Writer) ReplyTid(msgid []byte, tid proto.Tid) error {
	if err := w.ready(); err != nil {
		return err
	}
	w.buf = AppendTidReply(w.buf, w.enc, msgid, tid)
	return nil
}

// ReplyBytes writes a reply whose result is bytes (loadSerial).
func (w *Writer) ReplyBytes(msgid, b []byte) error {
	w.BeginReply(msgid)
	w.Bin(b)
	return w.EndMessage()
}

// ReplyInt writes a reply whose result is an int (iterator_start).
func (w *Writer) ReplyInt(msgid []byte, n int64) error {
	w.BeginReply(msgid)
	w.Int(n)
	return w.EndMessage()
}

// ReplyGetInfo writes get_info's map: length, size, name, supportsUndo,
// supports_record_iternext and interfaces as (module, name) str pairs.
func (w *Writer) ReplyGetInfo(msgid []byte, info proto.StorageInfo, ifaces []Interface) error {
	w.BeginReply(msgid)
	w.BeginMap(6)
	w.Str("length")
	w.Int(info.Length)
	w.Str("size")
	w.Int(info.Size)
	w.Str("name")
	w.Str(info.Name)
	w.Str("supportsUndo")
	w.Bool(info.SupportsUndo)
	w.Str("supports_record_iternext")
	w.Bool(info.SupportsRecordIterNext)
	w.Str("interfaces")
	w.BeginTuple(len(ifaces))
	for _, it := range ifaces {
		w.BeginTuple(2)
		w.Str(it.Module)
		w.Str(it.Name)
		w.End()
	}
	w.End()
	w.End()
	return w.EndMessage()
}

// ReplyOids writes a list of oids: new_oids, and vote's list of oids the
// server resolved or undid.
func (w *Writer) ReplyOids(msgid []byte, oids []proto.Oid) error {
	w.BeginReply(msgid)
	w.oidList(oids)
	return w.EndMessage()
}

func (w *Writer) oidList(oids []proto.Oid) {
	w.BeginList(len(oids))
	for _, oid := range oids {
		w.Oid(oid)
	}
	w.End()
}

// ReplyGetInvalidations writes getInvalidations' (tid, [oids]), or None
// when ok is false (the client's tid is too old).
func (w *Writer) ReplyGetInvalidations(msgid []byte, tid proto.Tid, oids []proto.Oid, ok bool) error {
	w.BeginReply(msgid)
	if ok {
		w.BeginTuple(2)
		w.Tid(tid)
		w.oidList(oids)
		w.End()
	} else {
		w.Nil()
	}
	return w.EndMessage()
}

// ReplyVote writes vote's list: the oids the server resolved or undid,
// then, in client-conflict-resolution mode, one map {oid, serials:
// (committed, read), data} per conflict.
func (w *Writer) ReplyVote(msgid []byte, resolved []proto.Oid, conflicts []proto.Conflict) error {
	w.BeginReply(msgid)
	w.BeginList(len(resolved) + len(conflicts))
	for _, oid := range resolved {
		w.Oid(oid)
	}
	for i := range conflicts {
		c := &conflicts[i]
		w.BeginMap(3)
		w.Str("oid")
		w.Oid(c.Oid)
		w.Str("serials")
		w.BeginTuple(2)
		w.Tid(c.Committed)
		w.Tid(c.Read)
		w.End()
		w.Str("data")
		w.Bin(c.Data)
		w.End()
	}
	w.End()
	return w.EndMessage()
}

// ReplyRecordIternext writes record_iternext's (oid, tid, data,
// next_oid), next_oid None at the end (hasNext false).
func (w *Writer) ReplyRecordIternext(msgid []byte, oid proto.Oid, tid proto.Tid, data []byte, next proto.Oid, hasNext bool) error {
	w.BeginReply(msgid)
	w.BeginTuple(4)
	w.Oid(oid)
	w.Tid(tid)
	w.Bin(data)
	if hasNext {
		w.Oid(next)
	} else {
		w.Nil()
	}
	w.End()
	return w.EndMessage()
}

// ReplyIteratorRecordNext writes iterator_record_next's (oid, tid, data,
// data_txn), data None for a record without data and data_txn None unless
// the record is a backpointer; a nil rec writes None (the end).
func (w *Writer) ReplyIteratorRecordNext(msgid []byte, rec *proto.DataRecord) error {
	w.BeginReply(msgid)
	if rec == nil {
		w.Nil()
		return w.EndMessage()
	}
	w.BeginTuple(4)
	w.Oid(rec.Oid)
	w.Tid(rec.Tid)
	if rec.Data == nil {
		w.Nil()
	} else {
		w.Bin(rec.Data)
	}
	if rec.DataTxn == proto.ZeroTid {
		w.Nil()
	} else {
		w.Tid(rec.DataTxn)
	}
	w.End()
	return w.EndMessage()
}

// ReceiveBlobStart writes the callback receiveBlobStart(oid, serial).
func (w *Writer) ReceiveBlobStart(oid proto.Oid, serial proto.Tid) error {
	return w.blobCall("receiveBlobStart", oid, serial, nil)
}

// ReceiveBlobChunk writes the callback receiveBlobChunk(oid, serial, chunk).
func (w *Writer) ReceiveBlobChunk(oid proto.Oid, serial proto.Tid, chunk []byte) error {
	return w.blobCall("receiveBlobChunk", oid, serial, chunk)
}

// ReceiveBlobStop writes the callback receiveBlobStop(oid, serial).
func (w *Writer) ReceiveBlobStop(oid proto.Oid, serial proto.Tid) error {
	return w.blobCall("receiveBlobStop", oid, serial, nil)
}

func (w *Writer) blobCall(name string, oid proto.Oid, serial proto.Tid, chunk []byte) error {
	w.BeginAsync(name)
	n := 2
	if chunk != nil {
		n = 3
	}
	w.BeginTuple(n)
	w.Oid(oid)
	w.Tid(serial)
	if chunk != nil {
		w.Bin(chunk)
	}
	w.End()
	return w.EndMessage()
}

// Info writes the callback info({"length", "size"}).
func (w *Writer) Info(length, size int64) error {
	if err := w.ready(); err != nil {
		return err
	}
	w.buf = AppendInfo(w.buf, w.enc, length, size)
	return nil
}

// InvalidateTransaction writes the callback invalidateTransaction(tid,
// [oids]).
func (w *Writer) InvalidateTransaction(tid proto.Tid, oids []proto.Oid) error {
	if err := w.ready(); err != nil {
		return err
	}
	var err error
	w.buf, err = AppendInvalidateTransaction(w.buf, w.enc, tid, oids)
	return err
}
