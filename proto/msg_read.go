// Read messages besides loads: NewOIDs, GetInvalidations, History and
// RecordIterNext.

package proto

// MaxNewOIDs is the most oids one NewOIDs call returns; servers cap larger
// requests (and raise 0 to 1), as ZEO does.
const MaxNewOIDs = 100

// NewOIDsRequest asks for N new oids (capped to 1..MaxNewOIDs by the
// server).
type NewOIDsRequest struct {
	N uint32
}

func (*NewOIDsRequest) Op() Op { return OpNewOIDs }

func (m *NewOIDsRequest) AppendTo(dst []byte) []byte { return appendU32(dst, m.N) }

func (m *NewOIDsRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpNewOIDs, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *NewOIDsRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.N = d.u32("n")
	return d.finish(OpNewOIDs, whatRequest)
}

// NewOIDsReply carries the new oids.
type NewOIDsReply struct {
	Oids []Oid
}

func (*NewOIDsReply) Op() Op { return OpNewOIDs }

func (m *NewOIDsReply) AppendTo(dst []byte) []byte { return appendOids(dst, m.Oids) }

func (m *NewOIDsReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpNewOIDs, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *NewOIDsReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Oids = d.oids("oids", m.Oids[:0])
	return d.finish(OpNewOIDs, whatReply)
}

// GetInvalidationsRequest asks which objects changed after Tid, the last
// tid a client's cache saw.
type GetInvalidationsRequest struct {
	Tid Tid
}

func (*GetInvalidationsRequest) Op() Op { return OpGetInvalidations }

func (m *GetInvalidationsRequest) AppendTo(dst []byte) []byte { return appendU64(dst, uint64(m.Tid)) }

func (m *GetInvalidationsRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpGetInvalidations, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *GetInvalidationsRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Tid = d.tid("tid")
	return d.finish(OpGetInvalidations, whatRequest)
}

// GetInvalidationsReply is (Tid, Oids): the newest tid the server knows and
// every oid changed after the client's tid. TooOld means the server's
// queue does not reach back that far: the client must drop its cache.
type GetInvalidationsReply struct {
	TooOld bool
	Tid    Tid
	Oids   []Oid
}

func (*GetInvalidationsReply) Op() Op { return OpGetInvalidations }

func (m *GetInvalidationsReply) AppendTo(dst []byte) []byte {
	if m.TooOld {
		return append(dst, 0)
	}
	return appendOids(appendU64(append(dst, 1), uint64(m.Tid)), m.Oids)
}

func (m *GetInvalidationsReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpGetInvalidations, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *GetInvalidationsReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.TooOld = !d.bool("known")
	m.Tid, m.Oids = 0, m.Oids[:0]
	if !m.TooOld {
		m.Tid = d.tid("tid")
		m.Oids = d.oids("oids", m.Oids)
	}
	return d.finish(OpGetInvalidations, whatReply)
}

// HistoryRequest asks for up to Size revisions of Oid, newest first.
type HistoryRequest struct {
	Oid  Oid
	Size uint32
}

func (*HistoryRequest) Op() Op { return OpHistory }

func (m *HistoryRequest) AppendTo(dst []byte) []byte {
	return appendU32(appendU64(dst, uint64(m.Oid)), m.Size)
}

func (m *HistoryRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpHistory, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *HistoryRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Oid = d.oid("oid")
	m.Size = d.u32("size")
	return d.finish(OpHistory, whatRequest)
}

// HistoryReply lists the revisions, newest first.
type HistoryReply struct {
	Entries []HistoryEntry
}

func (*HistoryReply) Op() Op { return OpHistory }

func (m *HistoryReply) AppendTo(dst []byte) []byte {
	dst = appendU32(dst, uint32(len(m.Entries)))
	for i := range m.Entries {
		e := &m.Entries[i]
		dst = appendU64(appendU64(dst, uint64(e.Tid)), uint64(e.Size))
		dst = AppendBytesField(dst, e.User)
		dst = AppendBytesField(dst, e.Description)
		dst = AppendBytesField(dst, e.Extension)
	}
	return dst
}

func (m *HistoryReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpHistory, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *HistoryReply) Decode(body []byte) error {
	d := decoder{src: body}
	n := d.count("entries", 28)
	m.Entries = m.Entries[:0]
	for i := 0; i < n && d.err == nil; i++ {
		var e HistoryEntry
		e.Tid = d.tid("tid")
		e.Size = d.i64("size")
		e.User = d.bytes("user")
		e.Description = d.bytes("description")
		e.Extension = d.bytes("extension")
		m.Entries = append(m.Entries, e)
	}
	return d.finish(OpHistory, whatReply)
}

// RecordIterNextRequest asks for the current record of the first oid at
// or after Next (0 to start).
type RecordIterNextRequest struct {
	Next Oid
}

func (*RecordIterNextRequest) Op() Op { return OpRecordIterNext }

func (m *RecordIterNextRequest) AppendTo(dst []byte) []byte { return appendU64(dst, uint64(m.Next)) }

func (m *RecordIterNextRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpRecordIterNext, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *RecordIterNextRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Next = d.oid("next")
	return d.finish(OpRecordIterNext, whatRequest)
}

// RecordIterNextReply carries one current record. Found is false when there
// is none (an empty storage, or Next past the last oid). More says that
// Next is the oid to ask for next; without it the iteration is over.
type RecordIterNextReply struct {
	Found  bool
	More   bool
	Record DataRecord
	Next   Oid
}

func (*RecordIterNextReply) Op() Op { return OpRecordIterNext }

func (m *RecordIterNextReply) AppendTo(dst []byte) []byte {
	switch {
	case !m.Found:
		return append(dst, 0)
	case m.More:
		dst = append(dst, 2)
	default:
		dst = append(dst, 1)
	}
	return appendU64(appendRecord(dst, &m.Record), uint64(m.Next))
}

func (m *RecordIterNextReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpRecordIterNext, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *RecordIterNextReply) Decode(body []byte) error {
	d := decoder{src: body}
	status := d.u8("status")
	m.Found, m.More, m.Record, m.Next = status != 0, status == 2, DataRecord{}, 0
	if status > 2 {
		d.off--
		d.fail("status", ErrBadValue)
	}
	if m.Found {
		d.record(&m.Record)
		m.Next = d.oid("next")
	}
	return d.finish(OpRecordIterNext, whatReply)
}
