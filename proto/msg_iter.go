// Iterator messages: IteratorStart, IteratorNext, IteratorRecordStart,
// IteratorRecordNext and IteratorGC.

package proto

// IteratorStartRequest opens a transaction iterator over tids Start..Stop,
// both included. ZeroTid for Start means from the first transaction; for
// Stop, to the last.
type IteratorStartRequest struct {
	Start Tid
	Stop  Tid
}

func (*IteratorStartRequest) Op() Op { return OpIteratorStart }

func (m *IteratorStartRequest) AppendTo(dst []byte) []byte {
	return appendU64(appendU64(dst, uint64(m.Start)), uint64(m.Stop))
}

func (m *IteratorStartRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorStart, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorStartRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Start = d.tid("start")
	m.Stop = d.tid("stop")
	return d.finish(OpIteratorStart, whatRequest)
}

// IteratorStartReply carries the new iterator's id (per connection).
type IteratorStartReply struct {
	ID uint64
}

func (*IteratorStartReply) Op() Op { return OpIteratorStart }

func (m *IteratorStartReply) AppendTo(dst []byte) []byte { return appendU64(dst, m.ID) }

func (m *IteratorStartReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorStart, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorStartReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.ID = d.u64("id")
	return d.finish(OpIteratorStart, whatReply)
}

// IteratorNextRequest asks iterator ID for its next transaction.
type IteratorNextRequest struct {
	ID uint64
}

func (*IteratorNextRequest) Op() Op { return OpIteratorNext }

func (m *IteratorNextRequest) AppendTo(dst []byte) []byte { return appendU64(dst, m.ID) }

func (m *IteratorNextRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorNext, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorNextRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.ID = d.u64("id")
	return d.finish(OpIteratorNext, whatRequest)
}

// IteratorNextReply carries the next transaction; Found false means the
// iterator is exhausted (and the server has discarded it).
type IteratorNextReply struct {
	Found bool
	Txn   TxnInfo
}

func (*IteratorNextReply) Op() Op { return OpIteratorNext }

func (m *IteratorNextReply) AppendTo(dst []byte) []byte {
	if !m.Found {
		return append(dst, 0)
	}
	t := &m.Txn
	dst = append(appendU64(append(dst, 1), uint64(t.Tid)), t.Status)
	dst = AppendBytesField(dst, t.User)
	dst = AppendBytesField(dst, t.Description)
	return AppendBytesField(dst, t.Extension)
}

func (m *IteratorNextReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorNext, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorNextReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Found = d.bool("found")
	m.Txn = TxnInfo{}
	if m.Found {
		t := &m.Txn
		t.Tid = d.tid("tid")
		t.Status = d.u8("status")
		t.User = d.bytes("user")
		t.Description = d.bytes("description")
		t.Extension = d.bytes("extension")
	}
	return d.finish(OpIteratorNext, whatReply)
}

// IteratorRecordStartRequest opens a record iterator over the transaction
// that iterator TxnIter returned last; Tid must be that transaction's tid.
type IteratorRecordStartRequest struct {
	TxnIter uint64
	Tid     Tid
}

func (*IteratorRecordStartRequest) Op() Op { return OpIteratorRecordStart }

func (m *IteratorRecordStartRequest) AppendTo(dst []byte) []byte {
	return appendU64(appendU64(dst, m.TxnIter), uint64(m.Tid))
}

func (m *IteratorRecordStartRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorRecordStart, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorRecordStartRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.TxnIter = d.u64("txn_iter")
	m.Tid = d.tid("tid")
	return d.finish(OpIteratorRecordStart, whatRequest)
}

// IteratorRecordStartReply carries the record iterator's id.
type IteratorRecordStartReply struct {
	ID uint64
}

func (*IteratorRecordStartReply) Op() Op { return OpIteratorRecordStart }

func (m *IteratorRecordStartReply) AppendTo(dst []byte) []byte { return appendU64(dst, m.ID) }

func (m *IteratorRecordStartReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorRecordStart, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorRecordStartReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.ID = d.u64("id")
	return d.finish(OpIteratorRecordStart, whatReply)
}

// IteratorRecordNextRequest asks record iterator ID for its next record.
type IteratorRecordNextRequest struct {
	ID uint64
}

func (*IteratorRecordNextRequest) Op() Op { return OpIteratorRecordNext }

func (m *IteratorRecordNextRequest) AppendTo(dst []byte) []byte { return appendU64(dst, m.ID) }

func (m *IteratorRecordNextRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorRecordNext, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorRecordNextRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.ID = d.u64("id")
	return d.finish(OpIteratorRecordNext, whatRequest)
}

// IteratorRecordNextReply carries the next record; Found false means the
// transaction has no more records.
type IteratorRecordNextReply struct {
	Found  bool
	Record DataRecord
}

func (*IteratorRecordNextReply) Op() Op { return OpIteratorRecordNext }

func (m *IteratorRecordNextReply) AppendTo(dst []byte) []byte {
	if !m.Found {
		return append(dst, 0)
	}
	return appendRecord(append(dst, 1), &m.Record)
}

func (m *IteratorRecordNextReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorRecordNext, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorRecordNextReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Found = d.bool("found")
	m.Record = DataRecord{}
	if m.Found {
		d.record(&m.Record)
	}
	return d.finish(OpIteratorRecordNext, whatReply)
}

// IteratorGCRequest discards iterators (one-way; unknown ids are ignored).
type IteratorGCRequest struct {
	IDs []uint64
}

func (*IteratorGCRequest) Op() Op { return OpIteratorGC }

func (m *IteratorGCRequest) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, uint32(len(m.IDs)))
	for _, id := range m.IDs {
		dst = appendU64(dst, id)
	}
	return dst
}

func (m *IteratorGCRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpIteratorGC, FlagOneWay)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *IteratorGCRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.IDs = d.u64s("ids", m.IDs[:0])
	return d.finish(OpIteratorGC, whatRequest)
}
