// Connection-level messages: Register, GetInfo, LastTransaction, Ping,
// ServerStatus.

package proto

const (
	whatRequest = "request"
	whatReply   = "reply"
	whatPush    = "push"
)

// RegisterRequest selects the storage the connection works on; it must be
// the first request. ReadOnly asks for a read-only connection.
type RegisterRequest struct {
	Storage  string
	ReadOnly bool
}

func (*RegisterRequest) Op() Op { return OpRegister }

func (m *RegisterRequest) AppendTo(dst []byte) []byte {
	return appendBool(appendString(dst, m.Storage), m.ReadOnly)
}

func (m *RegisterRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpRegister, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *RegisterRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Storage = d.str("storage")
	m.ReadOnly = d.bool("read_only")
	return d.finish(OpRegister, whatRequest)
}

// RegisterReply carries the storage's last committed tid (ZeroTid when
// empty).
type RegisterReply struct {
	LastTid Tid
}

func (*RegisterReply) Op() Op { return OpRegister }

func (m *RegisterReply) AppendTo(dst []byte) []byte { return appendU64(dst, uint64(m.LastTid)) }

func (m *RegisterReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpRegister, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *RegisterReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.LastTid = d.tid("last_tid")
	return d.finish(OpRegister, whatReply)
}

// GetInfoRequest asks for the storage's description.
type GetInfoRequest struct{}

func (*GetInfoRequest) Op() Op                     { return OpGetInfo }
func (*GetInfoRequest) AppendTo(dst []byte) []byte { return dst }
func (*GetInfoRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	return AppendEmptyFrame(dst, msgid, OpGetInfo, 0)
}
func (*GetInfoRequest) Decode(body []byte) error { return decodeEmpty(body, OpGetInfo, whatRequest) }

// GetInfoReply describes the storage. Interfaces lists the ZODB interface
// names the storage provides ("IStorageUndoable", ...), as ZEO's get_info
// does.
type GetInfoReply struct {
	Info       StorageInfo
	Interfaces []string
}

func (*GetInfoReply) Op() Op { return OpGetInfo }

func (m *GetInfoReply) AppendTo(dst []byte) []byte {
	dst = appendU64(dst, uint64(m.Info.Length))
	dst = appendU64(dst, uint64(m.Info.Size))
	dst = appendBool(dst, m.Info.SupportsUndo)
	dst = appendBool(dst, m.Info.SupportsRecordIterNext)
	dst = appendBool(dst, m.Info.ReadOnly)
	dst = appendString(dst, m.Info.Name)
	dst = appendU32(dst, uint32(len(m.Interfaces)))
	for _, s := range m.Interfaces {
		dst = appendString(dst, s)
	}
	return dst
}

func (m *GetInfoReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpGetInfo, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *GetInfoReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Info.Length = d.i64("length")
	m.Info.Size = d.i64("size")
	m.Info.SupportsUndo = d.bool("supports_undo")
	m.Info.SupportsRecordIterNext = d.bool("supports_record_iternext")
	m.Info.ReadOnly = d.bool("read_only")
	m.Info.Name = d.str("name")
	n := d.count("interfaces", 4)
	m.Interfaces = m.Interfaces[:0]
	for i := 0; i < n && d.err == nil; i++ {
		m.Interfaces = append(m.Interfaces, d.str("interface"))
	}
	return d.finish(OpGetInfo, whatReply)
}

// LastTransactionRequest asks for the last committed tid.
type LastTransactionRequest struct{}

func (*LastTransactionRequest) Op() Op                     { return OpLastTransaction }
func (*LastTransactionRequest) AppendTo(dst []byte) []byte { return dst }
func (*LastTransactionRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	return AppendEmptyFrame(dst, msgid, OpLastTransaction, 0)
}
func (*LastTransactionRequest) Decode(body []byte) error {
	return decodeEmpty(body, OpLastTransaction, whatRequest)
}

// LastTransactionReply carries the last committed tid.
type LastTransactionReply struct {
	Tid Tid
}

func (*LastTransactionReply) Op() Op { return OpLastTransaction }

func (m *LastTransactionReply) AppendTo(dst []byte) []byte { return appendU64(dst, uint64(m.Tid)) }

func (m *LastTransactionReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpLastTransaction, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *LastTransactionReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Tid = d.tid("tid")
	return d.finish(OpLastTransaction, whatReply)
}

// PingRequest is a round trip; invalidations sent before its reply arrive
// before it.
type PingRequest struct{}

func (*PingRequest) Op() Op                     { return OpPing }
func (*PingRequest) AppendTo(dst []byte) []byte { return dst }
func (*PingRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	return AppendEmptyFrame(dst, msgid, OpPing, 0)
}
func (*PingRequest) Decode(body []byte) error { return decodeEmpty(body, OpPing, whatRequest) }

// PingReply answers PingRequest.
type PingReply struct{}

func (*PingReply) Op() Op                     { return OpPing }
func (*PingReply) AppendTo(dst []byte) []byte { return dst }
func (*PingReply) AppendFrame(dst []byte, msgid uint32) []byte {
	return AppendEmptyFrame(dst, msgid, OpPing, FlagReply)
}
func (*PingReply) Decode(body []byte) error { return decodeEmpty(body, OpPing, whatReply) }

// ServerStatusRequest asks for the storage's server statistics.
type ServerStatusRequest struct{}

func (*ServerStatusRequest) Op() Op                     { return OpServerStatus }
func (*ServerStatusRequest) AppendTo(dst []byte) []byte { return dst }
func (*ServerStatusRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	return AppendEmptyFrame(dst, msgid, OpServerStatus, 0)
}
func (*ServerStatusRequest) Decode(body []byte) error {
	return decodeEmpty(body, OpServerStatus, whatRequest)
}

// ServerStatusReply carries the statistics.
type ServerStatusReply struct {
	Stats Stats
}

func (*ServerStatusReply) Op() Op { return OpServerStatus }

func (m *ServerStatusReply) AppendTo(dst []byte) []byte {
	s := &m.Stats
	for _, v := range [...]int64{s.Connections, s.Loads, s.Stores, s.Commits, s.Aborts,
		s.ActiveTxns, s.Conflicts, s.ConflictsResolved, s.Waiting, s.Verifying} {
		dst = appendU64(dst, uint64(v))
	}
	dst = appendF64(dst, s.LockTime)
	dst = appendF64(dst, s.Start)
	dst = appendU64(dst, uint64(s.LastTransaction))
	return appendBool(dst, s.TimeoutEnabled)
}

func (m *ServerStatusReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpServerStatus, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *ServerStatusReply) Decode(body []byte) error {
	d := decoder{src: body}
	s := &m.Stats
	s.Connections = d.i64("connections")
	s.Loads = d.i64("loads")
	s.Stores = d.i64("stores")
	s.Commits = d.i64("commits")
	s.Aborts = d.i64("aborts")
	s.ActiveTxns = d.i64("active_txns")
	s.Conflicts = d.i64("conflicts")
	s.ConflictsResolved = d.i64("conflicts_resolved")
	s.Waiting = d.i64("waiting")
	s.Verifying = d.i64("verifying")
	s.LockTime = d.f64("lock_time")
	s.Start = d.f64("start")
	s.LastTransaction = d.tid("last_transaction")
	s.TimeoutEnabled = d.bool("timeout_enabled")
	return d.finish(OpServerStatus, whatReply)
}

func decodeEmpty(body []byte, op Op, what string) error {
	d := decoder{src: body}
	return d.finish(op, what)
}
