// Reply shapes of ZEO's server methods (spec section 2) as Writer methods,
// with the exact key names, key order and types stock clients expect.

package zeo5

import (
	"encoding/base64"

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

// flush moves a hot-path helper's output into the Writer, which must be
// between messages.
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

// extDecoder returns the Writer's scratch Decoder for extension dicts.
func (w *Writer) extDecoder() *Decoder {
	if w.ext == nil {
		w.ext = &Decoder{}
	}
	return w.ext
}

// ReplyIteratorNext writes iterator_next's (tid, status, user,
// description, extension): status a one-character str, the extension as a
// map; a nil info writes None (the end).
func (w *Writer) ReplyIteratorNext(msgid []byte, info *proto.TxnInfo) error {
	if info == nil {
		return w.ReplyNil(msgid)
	}
	d := w.extDecoder()
	ext, err := ExtensionToValue(d, info.Extension)
	if err != nil {
		return err
	}
	status := info.Status
	if status == 0 {
		status = proto.StatusCommitted
	}
	w.BeginReply(msgid)
	w.BeginTuple(5)
	w.Tid(info.Tid)
	w.StrBytes([]byte{status})
	w.Bin(info.User)
	w.Bin(info.Description)
	w.Value(d, ext)
	w.End()
	return w.EndMessage()
}

// historyKeys are the keys FileStorage.history sets over the extension's.
var historyKeys = [...]string{"time", "user_name", "description", "tid", "size"}

// ReplyHistory writes history's list of maps. As FileStorage builds them,
// each map starts from the transaction's extension dict and then sets
// time, user_name, description, tid and size (a same-named extension key
// keeps its position and takes the standard value).
func (w *Writer) ReplyHistory(msgid []byte, entries []proto.HistoryEntry) error {
	if err := w.ready(); err != nil {
		return err
	}
	d := w.extDecoder()
	w.BeginReply(msgid)
	w.BeginList(len(entries))
	for i := range entries {
		e := &entries[i]
		ext, err := ExtensionToValue(d, e.Extension)
		if err != nil {
			w.fail(err)
			break
		}
		std := func(k int) {
			switch k {
			case 0:
				w.Float(e.Tid.Unix())
			case 1:
				w.Bin(e.User)
			case 2:
				w.Bin(e.Description)
			case 3:
				w.Tid(e.Tid)
			case 4:
				w.Int(e.Size)
			}
		}
		w.mergedMap(d, ext, historyKeys[:], std, true)
	}
	w.End()
	return w.EndMessage()
}

// undoKeys are the keys FileStorage's undo log sets before the extension's.
var undoKeys = [...]string{"id", "time", "user_name", "size", "description"}

// ReplyUndoLog writes undoLog's (and undoInfo's) list of maps: id, time,
// user_name, size and description, then the extension's keys (which win
// over a standard key of the same name, in its position). An entry without
// ID gets ZODB's id, base64 of the tid.
func (w *Writer) ReplyUndoLog(msgid []byte, entries []proto.UndoEntry) error {
	if err := w.ready(); err != nil {
		return err
	}
	d := w.extDecoder()
	w.BeginReply(msgid)
	w.BeginList(len(entries))
	for i := range entries {
		e := &entries[i]
		ext, err := ExtensionToValue(d, e.Extension)
		if err != nil {
			w.fail(err)
			break
		}
		std := func(k int) {
			switch k {
			case 0:
				if e.ID != nil {
					w.Bin(e.ID)
				} else {
					b := e.Tid.Bytes()
					var id [12]byte
					base64.StdEncoding.Encode(id[:], b[:])
					w.Bin(id[:])
				}
			case 1:
				w.Float(e.Tid.Unix())
			case 2:
				w.Bin(e.User)
			case 3:
				w.Int(e.Size)
			case 4:
				w.Bin(e.Description)
			}
		}
		w.mergedMap(d, ext, undoKeys[:], std, false)
	}
	w.End()
	return w.EndMessage()
}

// mergedMap writes a dict built from the standard keys (values written by
// std) and the pairs of the extension map ext. extFirst: d = ext;
// d.update(standard) (history). Otherwise: d = standard; d.update(ext)
// (undo log).
func (w *Writer) mergedMap(d *Decoder, ext Value, keys []string, std func(int), extFirst bool) {
	n := d.Len(ext)
	stdIndex := func(k Value) int {
		if k.kind == KindStr {
			for j, name := range keys {
				if string(k.b) == name {
					return j
				}
			}
		}
		return -1
	}
	var inExt uint32 // bit j: standard key j also in ext
	for i := 0; i < n; i++ {
		if j := stdIndex(d.Key(ext, i)); j >= 0 {
			inExt |= 1 << j
		}
	}
	count := n
	for j := range keys {
		if inExt&(1<<j) == 0 {
			count++
		}
	}
	w.BeginMap(count)
	if extFirst {
		for i := 0; i < n; i++ {
			k := d.Key(ext, i)
			w.Value(d, k)
			if j := stdIndex(k); j >= 0 {
				std(j)
			} else {
				w.Value(d, d.Val(ext, i))
			}
		}
		for j, name := range keys {
			if inExt&(1<<j) == 0 {
				w.Str(name)
				std(j)
			}
		}
	} else {
		for j, name := range keys {
			w.Str(name)
			if inExt&(1<<j) == 0 {
				std(j)
				continue
			}
			// The extension's (last) value for this key wins.
			v, _ := d.Lookup(ext, name)
			w.Value(d, v)
		}
		for i := 0; i < n; i++ {
			if k := d.Key(ext, i); stdIndex(k) < 0 {
				w.Value(d, k)
				w.Value(d, d.Val(ext, i))
			}
		}
	}
	w.End()
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
