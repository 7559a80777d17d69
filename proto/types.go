// Values shared by storages, the server and clients: transaction metadata,
// history and undo entries, iterator records and vote conflicts.

package proto

// Transaction status bytes, as stored in a FileStorage transaction header.
const (
	StatusCommitted  byte = ' ' // committed normally
	StatusPacked     byte = 'p' // committed, rewritten by pack
	StatusCheckpoint byte = 'c' // voted, not finished (never seen by readers)
	StatusUndone     byte = 'u' // obsolete; never written
)

// TxnMeta is what a client gives at tpc_begin. User and Description are raw
// bytes (UTF-8 by convention); Extension is the pickled extension dict as
// stored in Data.fs (a protocol-3 dict pickle, or empty for an empty dict).
// Tid and Status are set only when copying transactions (restore): a zero Tid
// means "assign one at vote", a zero Status means StatusCommitted.
type TxnMeta struct {
	User        []byte
	Description []byte
	Extension   []byte
	Tid         Tid
	Status      byte
}

// TxnInfo describes one committed transaction, as the transaction iterator
// yields it.
type TxnInfo struct {
	Tid         Tid
	Status      byte
	User        []byte
	Description []byte
	Extension   []byte
}

// DataRecord is one data record of a transaction, as the record iterators
// yield it. Data is nil when the record says the object does not exist in
// this revision (an undone creation or a deleteObject). DataTxn is the tid of
// the record a backpointer points at (one hop), or ZeroTid.
type DataRecord struct {
	Oid     Oid
	Tid     Tid
	Data    []byte
	DataTxn Tid
}

// HistoryEntry is one revision of an object, newest first in History
// results. Size is the pickle length (0 for a backpointer record).
type HistoryEntry struct {
	Tid         Tid
	User        []byte
	Description []byte
	Extension   []byte
	Size        int64
}

// UndoEntry describes an undoable transaction (undoLog / undoInfo). ID is
// the opaque undo id clients pass back to undo: in ZODB, base64 of the tid.
type UndoEntry struct {
	ID          []byte
	Tid         Tid
	User        []byte
	Description []byte
	Extension   []byte
	Size        int64
}

// Conflict is a store that failed its serial check at vote, reported to the
// client so it can resolve the conflict and store again (ZEO's
// client-conflict-resolution mode). Committed is the serial now current on
// the server, Read the serial the client's data was based on, Data the
// client's pickle.
type Conflict struct {
	Oid       Oid
	Committed Tid
	Read      Tid
	Data      []byte
}

// StorageInfo is what get_info reports about a storage.
type StorageInfo struct {
	Name                   string
	Length                 int64 // number of objects
	Size                   int64 // bytes
	SupportsUndo           bool
	SupportsRecordIterNext bool
	ReadOnly               bool
}

// Stats are a storage's server statistics (server_status, ruok, the monitor
// report and /metrics).
type Stats struct {
	Connections       int64
	Loads             int64
	Stores            int64
	Commits           int64
	Aborts            int64
	ActiveTxns        int64
	Conflicts         int64
	ConflictsResolved int64
	Waiting           int64
	Verifying         int64
	LockTime          float64 // Unix time the oldest held commit lock was taken, 0 if none
	Start             float64 // Unix time the server started
	LastTransaction   Tid
	TimeoutEnabled    bool
}
