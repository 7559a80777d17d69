// The narrow storage interface the server needs; fsstore satisfies it
// through a thin adapter in tools (engine never imports fsstore).

package engine

import (
	"context"
	"errors"

	"github.com/gozeo/gozeo/proto"
)

// ErrWouldBlock is returned by Storage.TryLoadBefore when answering would
// touch data that is not in memory. The server then retries the load with
// LoadBefore on a worker goroutine, so the event loop never waits for disk.
var ErrWouldBlock = errors.New("engine: load would block")

// Storage is one named storage served by the engine. Methods may be called
// concurrently. Loads append the object's data to dst and return the
// extended slice; they must not retain dst.
type Storage interface {
	// LastTransaction returns the tid of the last committed transaction,
	// proto.ZeroTid for an empty storage.
	LastTransaction() proto.Tid
	// Len is the number of objects, Size the storage's size in bytes.
	Len() int
	Size() int64

	// LoadBefore returns the revision of oid valid just before tid:
	// start < before <= end, end == ZeroTid when current. It returns
	// proto.ErrNoRevision when no revision precedes before, and a
	// *proto.POSKeyError when the object does not exist.
	LoadBefore(oid proto.Oid, before proto.Tid, dst []byte) (data []byte, start, end proto.Tid, err error)
	// TryLoadBefore is LoadBefore that returns ErrWouldBlock rather than
	// wait for disk. It runs on the event loop and must not allocate.
	TryLoadBefore(oid proto.Oid, before proto.Tid, dst []byte) (data []byte, start, end proto.Tid, err error)
	LoadSerial(oid proto.Oid, serial proto.Tid, dst []byte) ([]byte, error)
	History(oid proto.Oid, size int) ([]proto.HistoryEntry, error)
	// NewOIDs appends n new oids to dst; an oid is never handed out twice.
	NewOIDs(dst []proto.Oid, n int) ([]proto.Oid, error)
	// RecordIterNext returns the current record of the first oid >= next,
	// and the oid to ask for next (more == false at the end).
	RecordIterNext(next proto.Oid, dst []byte) (rec proto.DataRecord, nextOid proto.Oid, more bool, err error)
	// Iterate returns an iterator over committed transactions with
	// start <= tid <= stop; ZeroTid leaves a bound open.
	Iterate(start, stop proto.Tid) (TxnIterator, error)
	// UndoLog lists undoable transactions, newest first, skipping first
	// entries and returning up to last-first; filter may be nil.
	UndoLog(first, last int, filter func(*proto.UndoEntry) bool) ([]proto.UndoEntry, error)
	// TxnOids returns the oids a committed transaction wrote.
	TxnOids(tid proto.Tid) ([]proto.Oid, error)
	// LastInvalidations returns up to n of the newest transactions, oldest
	// first, to seed the invalidation queue at startup.
	LastInvalidations(n int) ([]Invalidation, error)

	// Begin starts a storage transaction. The engine calls it at vote time
	// with the oids the transaction touches already locked, replays the
	// client's stores, and votes.
	Begin(meta proto.TxnMeta) (Txn, error)
	// Pack removes revisions older than packTime that are not needed, and
	// with gc, objects unreachable from the root.
	Pack(ctx context.Context, packTime proto.Tid, gc bool) error
}

// Txn is a storage transaction between Begin and Finish or Abort.
type Txn interface {
	// Store buffers a new revision; a *proto.ConflictError means serial is
	// not the current revision, and nothing was buffered for it.
	Store(oid proto.Oid, serial proto.Tid, data []byte) error
	CheckCurrentSerial(oid proto.Oid, serial proto.Tid) error
	Delete(oid proto.Oid, serial proto.Tid) error
	Restore(oid proto.Oid, serial proto.Tid, data []byte, prevTxn proto.Tid) error
	Undo(tid proto.Tid) ([]proto.Oid, error)
	// Vote assigns the tid and makes the transaction ready to finish:
	// after it succeeds, Finish cannot fail for a conflict or lack of space.
	Vote() (proto.Tid, error)
	// Finish makes the transaction durable and visible. onCommit is called
	// once, in tid order across all transactions, after that; it must not
	// block.
	Finish(onCommit func(tid proto.Tid)) (proto.Tid, error)
	Abort() error
}

// TxnIterator walks committed transactions.
type TxnIterator interface {
	Next() (proto.TxnInfo, bool, error)
	// Records iterates over the records of the transaction Next returned
	// last.
	Records() RecordIterator
	Close()
}

// RecordIterator walks the data records of one transaction.
type RecordIterator interface {
	Next() (proto.DataRecord, bool, error)
}

// Invalidation is one committed transaction's tid and the oids it changed.
type Invalidation struct {
	Tid  proto.Tid
	Oids []proto.Oid
}
