// The codec seam: each wire protocol decodes frames into requests and
// encodes every kind of reply and push.

package engine

import "github.com/gozeo/gozeo/proto"

// codecKind indexes per-protocol shared encodings (an invalidation is
// encoded once per kind and the bytes are written to every connection of
// that kind).
type codecKind uint8

const (
	kindNative codecKind = iota
	kindZEOPickle
	kindZEOMsgpack
	numCodecKinds
)

// codec is one wire protocol. Every append method appends one complete
// frame, length prefix included, to dst. A codec value may be shared by
// many connections and goroutines: it holds no per-call state.
type codec interface {
	kind() codecKind
	// decode parses one frame payload (after the length prefix) into r.
	// Errors are protocol errors: the connection is closed.
	decode(payload []byte, r *request) error

	appendNil(dst []byte, r *request) []byte
	appendTid(dst []byte, r *request, tid proto.Tid) []byte
	appendData(dst []byte, r *request, data []byte) []byte
	// appendLoadBefore loads the revision straight into the reply. With
	// try it uses Storage.TryLoadBefore and, on ErrWouldBlock, returns dst
	// unchanged with that error. Other storage errors are encoded as error
	// replies (POSKeyError) or as the "no revision" answer.
	appendLoadBefore(dst []byte, r *request, st Storage, try bool) ([]byte, error)
	appendOids(dst []byte, r *request, oids []proto.Oid) []byte
	// appendInvalidations answers getInvalidations; ok false = too old.
	appendInvalidations(dst []byte, r *request, tid proto.Tid, oids []proto.Oid, ok bool) []byte
	appendInfo(dst []byte, r *request, info *proto.StorageInfo) []byte
	appendHistory(dst []byte, r *request, h []proto.HistoryEntry) []byte
	appendUndoLog(dst []byte, r *request, u []proto.UndoEntry) []byte
	appendIterID(dst []byte, r *request, id uint64) []byte
	appendTxnInfo(dst []byte, r *request, info *proto.TxnInfo, ok bool) []byte
	appendRecord(dst []byte, r *request, rec *proto.DataRecord, ok bool) []byte
	appendRecordIterNext(dst []byte, r *request, rec *proto.DataRecord, next proto.Oid, more bool) []byte
	// appendVote answers a vote: the tid (native only), the conflicts the
	// client must resolve, and the oids undone.
	appendVote(dst []byte, r *request, tid proto.Tid, conflicts []proto.Conflict, undone []proto.Oid) []byte
	appendStats(dst []byte, r *request, stats *proto.Stats) []byte
	appendError(dst []byte, r *request, err error) []byte

	pushInvalidate(dst []byte, tid proto.Tid, oids []proto.Oid) []byte
	pushInfo(dst []byte, length, size int64) []byte
}
