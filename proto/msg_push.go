// Server pushes: InvalidateTransaction and Info.

package proto

// InvalidateTransaction tells a client that transaction Tid changed Oids.
// The server sends one per committed transaction, in tid order, to every
// connection to the storage except the committer's.
type InvalidateTransaction struct {
	Tid  Tid
	Oids []Oid
}

func (*InvalidateTransaction) Op() Op { return OpInvalidateTransaction }

func (m *InvalidateTransaction) AppendTo(dst []byte) []byte {
	return appendOids(appendU64(dst, uint64(m.Tid)), m.Oids)
}

func (m *InvalidateTransaction) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpInvalidateTransaction, FlagPush)
	return FinishFrame(m.AppendTo(dst), s)
}

// Decode decodes into m.Oids[:0], so a reused message does not allocate.
func (m *InvalidateTransaction) Decode(body []byte) error {
	d := decoder{src: body}
	m.Tid = d.tid("tid")
	m.Oids = d.oids("oids", m.Oids[:0])
	return d.finish(OpInvalidateTransaction, whatPush)
}

// Info updates the client's view of the storage's size: sent to the
// committer before its TpcFinish reply and to everyone after a pack.
type Info struct {
	Length int64 // number of objects
	Size   int64 // bytes
}

func (*Info) Op() Op { return OpInfo }

func (m *Info) AppendTo(dst []byte) []byte {
	return appendU64(appendU64(dst, uint64(m.Length)), uint64(m.Size))
}

func (m *Info) AppendFrame(dst []byte, msgid uint32) []byte {
	dst, s := StartFrame(dst, msgid, OpInfo, FlagPush)
	return FinishFrame(m.AppendTo(dst), s)
}

func (m *Info) Decode(body []byte) error {
	d := decoder{src: body}
	m.Length = d.i64("length")
	m.Size = d.i64("size")
	return d.finish(OpInfo, whatPush)
}
