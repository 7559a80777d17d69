// Vote and the end of two-phase commit: Vote, TpcFinish and TpcAbort.

package proto

// appendTxn appends the body of Vote, TpcFinish and TpcAbort requests.
func appendTxn(dst []byte, txn uint64) []byte { return appendU64(dst, txn) }

// VoteRequest votes transaction Txn: the server takes its locks, assigns
// the tid, replays the stores and checks, and reports the first error of
// any one-way call of the transaction.
type VoteRequest struct {
	Txn uint64
}

func (*VoteRequest) Op() Op                       { return OpVote }
func (m *VoteRequest) AppendTo(dst []byte) []byte { return appendTxn(dst, m.Txn) }

func (m *VoteRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpVote, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *VoteRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	return d.finish(OpVote, whatRequest)
}

// VoteReply is the vote's outcome. With no Conflicts the transaction is
// voted: Tid is its tid and Resolved lists oids the server resolved or
// undid (the client must not cache its own data for them). With Conflicts
// (client conflict resolution) nothing is locked and Tid is ZeroTid: the
// client resolves each, stores again and votes again.
type VoteReply struct {
	Tid       Tid
	Conflicts []Conflict
	Resolved  []Oid
}

func (*VoteReply) Op() Op { return OpVote }

func (m *VoteReply) AppendTo(dst []byte) []byte {
	dst = appendU32(appendU64(dst, uint64(m.Tid)), uint32(len(m.Conflicts)))
	for i := range m.Conflicts {
		c := &m.Conflicts[i]
		dst = appendU64(appendU64(appendU64(dst, uint64(c.Oid)), uint64(c.Committed)), uint64(c.Read))
		dst = AppendBytesField(dst, c.Data)
	}
	return appendOids(dst, m.Resolved)
}

func (m *VoteReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpVote, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *VoteReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Tid = d.tid("tid")
	n := d.count("conflicts", 28)
	m.Conflicts = m.Conflicts[:0]
	for i := 0; i < n && d.err == nil; i++ {
		var c Conflict
		c.Oid = d.oid("oid")
		c.Committed = d.tid("committed")
		c.Read = d.tid("read")
		c.Data = d.bytes("data")
		m.Conflicts = append(m.Conflicts, c)
	}
	m.Resolved = d.oids("resolved", m.Resolved[:0])
	return d.finish(OpVote, whatReply)
}

// TpcFinishRequest commits the voted transaction Txn.
type TpcFinishRequest struct {
	Txn uint64
}

func (*TpcFinishRequest) Op() Op                       { return OpTpcFinish }
func (m *TpcFinishRequest) AppendTo(dst []byte) []byte { return appendTxn(dst, m.Txn) }

func (m *TpcFinishRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpTpcFinish, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *TpcFinishRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	return d.finish(OpTpcFinish, whatRequest)
}

// TpcFinishReply carries the committed tid. Every invalidation of an
// earlier tid reaches the client before it.
type TpcFinishReply struct {
	Tid Tid
}

func (*TpcFinishReply) Op() Op                       { return OpTpcFinish }
func (m *TpcFinishReply) AppendTo(dst []byte) []byte { return appendU64(dst, uint64(m.Tid)) }

func (m *TpcFinishReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpTpcFinish, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *TpcFinishReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Tid = d.tid("tid")
	return d.finish(OpTpcFinish, whatReply)
}

// TpcAbortRequest abandons transaction Txn; a no-op if it is not the
// connection's transaction (it may already be gone after a failed vote).
type TpcAbortRequest struct {
	Txn uint64
}

func (*TpcAbortRequest) Op() Op                       { return OpTpcAbort }
func (m *TpcAbortRequest) AppendTo(dst []byte) []byte { return appendTxn(dst, m.Txn) }

func (m *TpcAbortRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpTpcAbort, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *TpcAbortRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Txn = d.u64("txn")
	return d.finish(OpTpcAbort, whatRequest)
}

// TpcAbortReply answers TpcAbortRequest.
type TpcAbortReply struct{}

func (*TpcAbortReply) Op() Op                     { return OpTpcAbort }
func (*TpcAbortReply) AppendTo(dst []byte) []byte { return dst }
func (*TpcAbortReply) AppendFrame(dst []byte, msgid uint32) []byte {
	return AppendEmptyFrame(dst, msgid, OpTpcAbort, FlagReply)
}
func (*TpcAbortReply) Decode(body []byte) error { return decodeEmpty(body, OpTpcAbort, whatReply) }
