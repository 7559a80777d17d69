// The interfaces a backend implements for the suite.

package storagetest

import (
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// Harness creates fresh databases.
type Harness struct {
	// Name labels the backend in test names.
	Name string
	// New returns a fresh, empty database. Cleanup is the harness's job
	// (t.Cleanup).
	New func(t *testing.T) DB
}

// DB is one database; Conn opens another connection (client) to it.
type DB interface {
	Conn(t *testing.T) Conn
}

// Conn is what one client sees of the database.
type Conn interface {
	LoadBefore(oid proto.Oid, before proto.Tid, dst []byte) ([]byte, proto.Tid, proto.Tid, error)
	LoadSerial(oid proto.Oid, serial proto.Tid, dst []byte) ([]byte, error)
	History(oid proto.Oid, size int) ([]proto.HistoryEntry, error)
	NewOIDs(n int) ([]proto.Oid, error)
	LastTransaction() proto.Tid
	UndoLog(first, last int) ([]proto.UndoEntry, error)
	// Transactions returns every committed transaction with start <= tid
	// <= stop (ZeroTid: open), with its records.
	Transactions(start, stop proto.Tid) ([]TxnRecords, error)
	Begin(meta proto.TxnMeta) (Txn, error)
	// Sync returns once every invalidation committed before the call has
	// been delivered (a no-op for a direct backend).
	Sync() error
	// Invalidations returns, and forgets, the other connections' commits
	// delivered so far, in commit order; ok is false when the backend has
	// no such notion.
	Invalidations() (invs []Invalidation, ok bool)
}

// Txn is a two-phase commit.
type Txn interface {
	Store(oid proto.Oid, serial proto.Tid, data []byte) error
	CheckCurrentSerial(oid proto.Oid, serial proto.Tid) error
	Undo(id []byte) error
	// Vote returns the store conflicts the caller must resolve (store
	// again with serial = Committed and vote again), or an error that ends
	// the transaction (a read conflict, for instance).
	Vote() ([]proto.Conflict, error)
	Finish() (proto.Tid, error)
	Abort() error
}

// TxnRecords is a committed transaction and its records.
type TxnRecords struct {
	Info    proto.TxnInfo
	Records []proto.DataRecord
}

// Invalidation is a commit made by another connection.
type Invalidation struct {
	Tid  proto.Tid
	Oids []proto.Oid
}
