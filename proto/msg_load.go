// Load messages: LoadBefore (with its in-place reply writer) and LoadSerial.

package proto

// LoadBeforeRequest asks for the revision of Oid valid just before tid
// Before (MaxTid for the current one).
type LoadBeforeRequest struct {
	Oid    Oid
	Before Tid
}

func (*LoadBeforeRequest) Op() Op { return OpLoadBefore }

func (m *LoadBeforeRequest) AppendTo(dst []byte) []byte {
	return appendU64(appendU64(dst, uint64(m.Oid)), uint64(m.Before))
}

func (m *LoadBeforeRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpLoadBefore, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *LoadBeforeRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Oid = d.oid("oid")
	m.Before = d.tid("before")
	return d.finish(OpLoadBefore, whatRequest)
}

// LoadBeforeReply is the revision with Start < Before <= End; End is
// ZeroTid when the revision is current. Found false is ZEO's None: the
// object has no revision before that tid (ErrNoRevision); it is a result,
// not an error. A missing object is an error reply (POSKeyError).
type LoadBeforeReply struct {
	Found bool
	Data  []byte
	Start Tid
	End   Tid
}

func (*LoadBeforeReply) Op() Op { return OpLoadBefore }

// Err returns ErrNoRevision when the reply says "no revision", else nil.
func (m *LoadBeforeReply) Err() error {
	if !m.Found {
		return ErrNoRevision
	}
	return nil
}

func (m *LoadBeforeReply) AppendTo(dst []byte) []byte {
	if !m.Found {
		return append(dst, 0)
	}
	dst = AppendBytesField(append(dst, 1), m.Data)
	return appendU64(appendU64(dst, uint64(m.Start)), uint64(m.End))
}

func (m *LoadBeforeReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpLoadBefore, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *LoadBeforeReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Found = d.bool("found")
	m.Data, m.Start, m.End = nil, 0, 0
	if m.Found {
		m.Data = d.bytes("data")
		m.Start = d.tid("start")
		m.End = d.tid("end")
	}
	return d.finish(OpLoadBefore, whatReply)
}

// StartLoadBeforeReply begins a found LoadBefore reply frame whose data the
// caller appends in place (one copy, from the storage into the reply):
//
//	dst, start, mark := proto.StartLoadBeforeReply(dst, msgid)
//	dst = append(dst, data...) // or a storage reading into dst
//	dst = proto.FinishLoadBeforeReply(dst, start, mark, serial, end)
//
// The result is identical to LoadBeforeReply.AppendFrame. To answer with
// an error instead, truncate dst to dst[:start].
func StartLoadBeforeReply(dst []byte, msgid uint32) (out []byte, start, mark int) {
	dst, start = StartFrame(dst, msgid, OpLoadBefore, FlagReply)
	dst, mark = StartBytesField(append(dst, 1))
	return dst, start, mark
}

// FinishLoadBeforeReply completes a frame begun by StartLoadBeforeReply.
func FinishLoadBeforeReply(dst []byte, start, mark int, serial, end Tid) []byte {
	dst = FinishBytesField(dst, mark)
	dst = appendU64(appendU64(dst, uint64(serial)), uint64(end))
	return FinishFrame(dst, start)
}

// LoadSerialRequest asks for the data of exactly revision Serial of Oid.
type LoadSerialRequest struct {
	Oid    Oid
	Serial Tid
}

func (*LoadSerialRequest) Op() Op { return OpLoadSerial }

func (m *LoadSerialRequest) AppendTo(dst []byte) []byte {
	return appendU64(appendU64(dst, uint64(m.Oid)), uint64(m.Serial))
}

func (m *LoadSerialRequest) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpLoadSerial, 0)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *LoadSerialRequest) Decode(body []byte) error {
	d := decoder{src: body}
	m.Oid = d.oid("oid")
	m.Serial = d.tid("serial")
	return d.finish(OpLoadSerial, whatRequest)
}

// LoadSerialReply carries the revision's data.
type LoadSerialReply struct {
	Data []byte
}

func (*LoadSerialReply) Op() Op { return OpLoadSerial }

func (m *LoadSerialReply) AppendTo(dst []byte) []byte { return AppendBytesField(dst, m.Data) }

func (m *LoadSerialReply) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpLoadSerial, FlagReply)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *LoadSerialReply) Decode(body []byte) error {
	d := decoder{src: body}
	m.Data = d.bytes("data")
	return d.finish(OpLoadSerial, whatReply)
}
