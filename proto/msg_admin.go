// Pack and undo messages: Pack, UndoLog, UndoInfo and Undo.

package proto

// PackRequest packs the storage as of PackTime (a tid made from the pack
// time, see TidFromUnix). GC asks for garbage collection of unreachable
// objects. With Wait the reply comes after the pack finished; without, at
// once while the pack runs on. Allowed on read-only connections.
type PackRequest struct {
	PackTime Tid
	GC       bool
	Wait     bool
}

func (*PackRequest) Op() Op { return OpPack }

func (m *PackRequest) AppendTo(dst []byte) []byte {
	return appendBool(appendBool(appendU64(dst, uint64(m.PackTime)), m.GC), m.Wait)
}

func (m *PackRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpPack, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *PackRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.PackTime = d.tid("pack_time")
	m.GC = d.bool("gc")
	m.Wait = d.bool("wait")
	return d.finish(OpPack, whatRequest)
}

// PackReply answers PackRequest.
type PackReply struct{}

func (*PackReply) Op() Op                     { return OpPack }
func (*PackReply) AppendTo(dst []byte) []byte { return dst }
func (*PackReply) AppendFrame(dst []byte, msgid uint32) []byte {
	return AppendEmptyFrame(dst, msgid, OpPack, FlagReply)
}
func (*PackReply) Decode(body []byte) error { return decodeEmpty(body, OpPack, whatReply) }

// UndoLogRequest lists undoable transactions, newest first, skipping First
// and stopping before Last; a negative Last means First-Last, as in ZODB's
// undoLog.
type UndoLogRequest struct {
	First int64
	Last  int64
}

func (*UndoLogRequest) Op() Op { return OpUndoLog }

func (m *UndoLogRequest) AppendTo(dst []byte) []byte {
	return appendU64(appendU64(dst, uint64(m.First)), uint64(m.Last))
}

func (m *UndoLogRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpUndoLog, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *UndoLogRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.First = d.i64("first")
	m.Last = d.i64("last")
	return d.finish(OpUndoLog, whatRequest)
}

// UndoLogReply lists the undoable transactions.
type UndoLogReply struct {
	Entries []UndoEntry
}

func (*UndoLogReply) Op() Op { return OpUndoLog }

func (m *UndoLogReply) AppendTo(dst []byte) []byte { return appendUndoEntries(dst, m.Entries) }

func (m *UndoLogReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpUndoLog, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *UndoLogReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Entries = d.undoEntries(m.Entries[:0])
	return d.finish(OpUndoLog, whatReply)
}

// UndoInfoRequest is UndoLogRequest with a filter: a non-nil User or
// Description keeps only the transactions whose user or description equals
// it exactly (nil matches anything).
type UndoInfoRequest struct {
	First       int64
	Last        int64
	User        []byte
	Description []byte
}

func (*UndoInfoRequest) Op() Op { return OpUndoInfo }

func (m *UndoInfoRequest) AppendTo(dst []byte) []byte {
	dst = appendU64(appendU64(dst, uint64(m.First)), uint64(m.Last))
	return AppendOptBytesField(AppendOptBytesField(dst, m.User), m.Description)
}

func (m *UndoInfoRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpUndoInfo, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *UndoInfoRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.First = d.i64("first")
	m.Last = d.i64("last")
	m.User = d.optBytes("user")
	m.Description = d.optBytes("description")
	return d.finish(OpUndoInfo, whatRequest)
}

// UndoInfoReply lists the matching undoable transactions.
type UndoInfoReply struct {
	Entries []UndoEntry
}

func (*UndoInfoReply) Op() Op { return OpUndoInfo }

func (m *UndoInfoReply) AppendTo(dst []byte) []byte { return appendUndoEntries(dst, m.Entries) }

func (m *UndoInfoReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpUndoInfo, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *UndoInfoReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Entries = d.undoEntries(m.Entries[:0])
	return d.finish(OpUndoInfo, whatReply)
}

// UndoRequest undoes the transaction with undo id ID inside transaction Txn
// (one-way, like ZEO's undoa). The oids it touches come back in the
// Resolved list of the Vote reply.
type UndoRequest struct {
	Txn uint64
	ID  []byte
}

func (*UndoRequest) Op() Op { return OpUndo }

func (m *UndoRequest) AppendTo(dst []byte) []byte {
	return AppendBytesField(appendU64(dst, m.Txn), m.ID)
}

func (m *UndoRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpUndo, FlagOneWay)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *UndoRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	m.ID = d.bytes("id")
	return d.finish(OpUndo, whatRequest)
}

func appendUndoEntries(dst []byte, entries []UndoEntry) []byte {
	dst = appendU32(dst, uint32(len(entries)))
	for i := range entries {
		e := &entries[i]
		dst = AppendBytesField(dst, e.ID)
		dst = appendU64(appendU64(dst, uint64(e.Tid)), uint64(e.Size))
		dst = AppendBytesField(dst, e.User)
		dst = AppendBytesField(dst, e.Description)
		dst = AppendBytesField(dst, e.Extension)
	}
	return dst
}

func (d *decoder) undoEntries(dst []UndoEntry) []UndoEntry {
	n := d.count("entries", 32)
	for i := 0; i < n && d.err == nil; i++ {
		var e UndoEntry
		e.ID = d.bytes("id")
		e.Tid = d.tid("tid")
		e.Size = d.i64("size")
		e.User = d.bytes("user")
		e.Description = d.bytes("description")
		e.Extension = d.bytes("extension")
		dst = append(dst, e)
	}
	return dst
}
