// The protocol-neutral request: both codecs decode into it, and the
// dispatcher acts on it.

package engine

import (
	"github.com/gozeo/gozeo/proto"
)

// op is a server operation, whatever the wire protocol.
type op uint8

const (
	opInvalid op = iota
	opRegister
	opGetInfo
	opLastTransaction
	opPing
	opLoadBefore
	opLoadSerial
	opGetTid
	opNewOIDs
	opGetInvalidations
	opHistory
	opRecordIterNext
	opIteratorStart
	opIteratorNext
	opIteratorRecordStart
	opIteratorRecordNext
	opIteratorGC
	opPack
	opUndoLog
	opUndoInfo
	opUndo
	opTpcBegin
	opStore
	opCheckCurrentSerial
	opRestore
	opDeleteObject
	opVote
	opTpcFinish
	opTpcAbort
	opServerStatus
	opSetClientLabel
	opHeartbeat
	opUnsupported // a method we know but do not offer (blobs)
)

var opNames = [...]string{
	opInvalid: "invalid", opRegister: "register", opGetInfo: "get_info",
	opLastTransaction: "lastTransaction", opPing: "ping", opLoadBefore: "loadBefore",
	opLoadSerial: "loadSerial", opGetTid: "getTid", opNewOIDs: "new_oids",
	opGetInvalidations: "getInvalidations", opHistory: "history",
	opRecordIterNext: "record_iternext", opIteratorStart: "iterator_start",
	opIteratorNext: "iterator_next", opIteratorRecordStart: "iterator_record_start",
	opIteratorRecordNext: "iterator_record_next", opIteratorGC: "iterator_gc",
	opPack: "pack", opUndoLog: "undoLog", opUndoInfo: "undoInfo", opUndo: "undoa",
	opTpcBegin: "tpc_begin", opStore: "storea",
	opCheckCurrentSerial: "checkCurrentSerialInTransaction", opRestore: "restorea",
	opDeleteObject: "deleteObject", opVote: "vote", opTpcFinish: "tpc_finish",
	opTpcAbort: "tpc_abort", opServerStatus: "server_status",
	opSetClientLabel: "set_client_label", opHeartbeat: "heartbeat",
	opUnsupported: "unsupported",
}

func (o op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "op?"
}

// request is one decoded call. Byte slices alias the frame they were
// decoded from until detach copies them; a request handed to another
// goroutine is always detached first.
type request struct {
	op     op
	oneway bool   // no reply is expected
	msgid  uint32 // native protocol message id
	zid    []byte // ZEO: the encoded msgid, echoed verbatim in the reply
	name   []byte // ZEO: the method name as sent (for errors and logs)

	oid     proto.Oid
	tid     proto.Tid // tid, serial, before, start, pack time
	tid2    proto.Tid // stop, prev_txn
	data    []byte
	hasData bool   // restore: data given (nil data means "no data")
	txn     uint64 // the client's transaction id
	n, n2   int    // count, size, first/last
	flag    bool   // read_only, gc
	wait    bool   // pack: wait for the result
	str     []byte // storage name, client label, undo id
	meta    proto.TxnMeta
	ids     []uint64 // iterator ids
	wireOp  uint8    // native: the request's op code, echoed in the reply

	// undoInfo filters (nil: no filter)
	filterUser, filterDesc []byte

	owned []byte // backing store of a detached request
}

// detach copies every aliased byte slice into r.owned so r outlives the
// frame it was decoded from.
func (r *request) detach() {
	need := len(r.zid) + len(r.name) + len(r.data) + len(r.str) +
		len(r.meta.User) + len(r.meta.Description) + len(r.meta.Extension) +
		len(r.filterUser) + len(r.filterDesc)
	buf := make([]byte, 0, need)
	cp := func(b []byte) []byte {
		if b == nil {
			return nil
		}
		start := len(buf)
		buf = append(buf, b...)
		return buf[start:len(buf):len(buf)]
	}
	r.zid = cp(r.zid)
	r.name = cp(r.name)
	r.data = cp(r.data)
	r.str = cp(r.str)
	r.meta.User = cp(r.meta.User)
	r.meta.Description = cp(r.meta.Description)
	r.meta.Extension = cp(r.meta.Extension)
	r.filterUser = cp(r.filterUser)
	r.filterDesc = cp(r.filterDesc)
	if r.ids != nil {
		r.ids = append([]uint64(nil), r.ids...)
	}
	r.owned = buf
}

// reset clears r for reuse, keeping the ids slice's capacity.
func (r *request) reset() {
	ids := r.ids[:0]
	*r = request{ids: ids}
}
