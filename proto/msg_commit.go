// Two-phase commit messages sent before the vote (all one-way): TpcBegin,
// Store, CheckCurrentSerial, Restore and DeleteObject.

package proto

// TpcBeginRequest starts transaction Txn, a client-chosen id compared only
// for equality (one-way). It records Meta; the tid is assigned at vote
// unless Meta.Tid is set (restore / copy).
type TpcBeginRequest struct {
	Txn  uint64
	Meta TxnMeta
}

func (*TpcBeginRequest) Op() Op { return OpTpcBegin }

func (m *TpcBeginRequest) AppendTo(dst []byte) []byte {
	dst = append(appendU64(appendU64(dst, m.Txn), uint64(m.Meta.Tid)), m.Meta.Status)
	dst = AppendBytesField(dst, m.Meta.User)
	dst = AppendBytesField(dst, m.Meta.Description)
	return AppendBytesField(dst, m.Meta.Extension)
}

func (m *TpcBeginRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpTpcBegin, FlagOneWay)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *TpcBeginRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	m.Meta.Tid = d.tid("tid")
	m.Meta.Status = d.u8("status")
	m.Meta.User = d.bytes("user")
	m.Meta.Description = d.bytes("description")
	m.Meta.Extension = d.bytes("extension")
	return d.finish(OpTpcBegin, whatRequest)
}

// StoreRequest stores Data as the new revision of Oid in transaction Txn
// (one-way). Serial is the revision the data was based on (ZeroTid for a
// new object); a mismatch is a conflict reported by Vote.
type StoreRequest struct {
	Txn    uint64
	Oid    Oid
	Serial Tid
	Data   []byte
}

func (*StoreRequest) Op() Op { return OpStore }

func (m *StoreRequest) AppendTo(dst []byte) []byte {
	dst = appendU64(appendU64(appendU64(dst, m.Txn), uint64(m.Oid)), uint64(m.Serial))
	return AppendBytesField(dst, m.Data)
}

func (m *StoreRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpStore, FlagOneWay)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *StoreRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	m.Oid = d.oid("oid")
	m.Serial = d.tid("serial")
	m.Data = d.bytes("data")
	return d.finish(OpStore, whatRequest)
}

// CheckCurrentSerialRequest asks Vote to check that revision Serial of Oid
// is still current, or fail with ReadConflictError (one-way).
type CheckCurrentSerialRequest struct {
	Txn    uint64
	Oid    Oid
	Serial Tid
}

func (*CheckCurrentSerialRequest) Op() Op { return OpCheckCurrentSerial }

func (m *CheckCurrentSerialRequest) AppendTo(dst []byte) []byte {
	return appendU64(appendU64(appendU64(dst, m.Txn), uint64(m.Oid)), uint64(m.Serial))
}

func (m *CheckCurrentSerialRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpCheckCurrentSerial, FlagOneWay)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *CheckCurrentSerialRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	m.Oid = d.oid("oid")
	m.Serial = d.tid("serial")
	return d.finish(OpCheckCurrentSerial, whatRequest)
}

// RestoreRequest writes a revision as-is, without a conflict check, as
// copyTransactionsFrom does (one-way). Data nil means the object does not
// exist in this revision; PrevTxn, when set, makes the record a
// backpointer to that transaction's revision.
type RestoreRequest struct {
	Txn     uint64
	Oid     Oid
	Serial  Tid
	PrevTxn Tid
	Data    []byte
}

func (*RestoreRequest) Op() Op { return OpRestore }

func (m *RestoreRequest) AppendTo(dst []byte) []byte {
	dst = appendU64(appendU64(appendU64(dst, m.Txn), uint64(m.Oid)), uint64(m.Serial))
	return AppendOptBytesField(appendU64(dst, uint64(m.PrevTxn)), m.Data)
}

func (m *RestoreRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpRestore, FlagOneWay)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *RestoreRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	m.Oid = d.oid("oid")
	m.Serial = d.tid("serial")
	m.PrevTxn = d.tid("prev_txn")
	m.Data = d.optBytes("data")
	return d.finish(OpRestore, whatRequest)
}

// DeleteObjectRequest deletes Oid, whose current revision must be Serial
// (external garbage collection; one-way).
type DeleteObjectRequest struct {
	Txn    uint64
	Oid    Oid
	Serial Tid
}

func (*DeleteObjectRequest) Op() Op { return OpDeleteObject }

func (m *DeleteObjectRequest) AppendTo(dst []byte) []byte {
	return appendU64(appendU64(appendU64(dst, m.Txn), uint64(m.Oid)), uint64(m.Serial))
}

func (m *DeleteObjectRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpDeleteObject, FlagOneWay)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *DeleteObjectRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	m.Oid = d.oid("oid")
	m.Serial = d.tid("serial")
	return d.finish(OpDeleteObject, whatRequest)
}
