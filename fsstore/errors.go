// Error values of the FileStorage engine: sentinels and RecordError.

package fsstore

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinels. Errors returned by the package wrap these (test with errors.Is).
var (
	// ErrCorruption marks every error that reports damaged or impossible
	// bytes in the log. Every *RecordError matches it.
	ErrCorruption = errors.New("fsstore: corruption")
	// ErrClosed is returned by every call on a closed Store or File.
	ErrClosed = errors.New("fsstore: store is closed")
	// ErrReadOnly is returned by writes on a read-only store. The error
	// also matches *proto.ReadOnlyError, which is what ZEO clients get.
	ErrReadOnly = errors.New("fsstore: store is read-only")
	// ErrWouldBlock is TryLoadBefore's answer when a byte it must read is
	// not resident in the page cache: retry with LoadBefore off the event
	// loop.
	ErrWouldBlock = errors.New("fsstore: data not resident in memory, load would block")
	// ErrLocked means another process (or another Store in this process)
	// holds the database lock file.
	ErrLocked = errors.New("fsstore: database is locked")
	// ErrEmptyData rejects an empty pickle: the format cannot hold one
	// (plen 0 always means that a backpointer follows).
	ErrEmptyData = errors.New("fsstore: empty data cannot be stored")
	// ErrTidOrder rejects a transaction id that is not greater than the last
	// one in the file.
	ErrTidOrder = errors.New("fsstore: transaction id is not greater than the last transaction")
	// ErrMetaTooLong rejects user, description or extension longer than
	// 65535 bytes.
	ErrMetaTooLong = errors.New("fsstore: transaction metadata too long")
	// ErrVoteOverlap is a Vote that touches an oid of another transaction
	// that is voted but not finished. The server's per-oid locks prevent
	// it; the store refuses it to stay safe.
	ErrVoteOverlap = errors.New("fsstore: oid is in another voted, unfinished transaction")
	// ErrPackInProgress refuses a Pack while another pack of the store
	// runs.
	ErrPackInProgress = errors.New("fsstore: a pack is already running")
	// ErrRepacked ends an iteration whose transaction a concurrent pack
	// rewrote or dropped, and fails a Vote whose undo or restore
	// backpointers a concurrent pack moved (retry it).
	ErrRepacked = errors.New("fsstore: the file was packed meanwhile")
	// ErrBroken is returned by every write after a write, truncate or sync
	// of the log failed: the tail of the file is in an unknown state until
	// the store is reopened (which recovers it).
	ErrBroken = errors.New("fsstore: store is broken by an earlier write failure; reopen it")
	// ErrFormat is a file that is not a FileStorage at all (bad magic) or
	// a version this package cannot write.
	ErrFormat = errors.New("fsstore: unsupported file format")
)

// RecordError reports damaged bytes in a Data.fs: which file, the position
// of the record, what kind of record, and what was wrong. It matches
// ErrCorruption with errors.Is.
type RecordError struct {
	Path string
	Pos  int64
	Kind string // "transaction record", "data record", "file header", ...
	Op   string // what the package was doing: "open", "load", "verify", ...
	Err  error
}

func (e *RecordError) Error() string {
	s := e.Path + ": " + e.Kind + " @" + strconv.FormatInt(e.Pos, 10)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying reason.
func (e *RecordError) Unwrap() error { return e.Err }

// Is makes every RecordError match ErrCorruption.
func (e *RecordError) Is(target error) bool { return target == ErrCorruption }

// Record kinds used in RecordError.Kind.
const (
	kindFile = "file header"
	kindTxn  = "transaction record"
	kindData = "data record"
)

func recErr(path string, pos int64, kind, op string, format string, args ...any) *RecordError {
	return &RecordError{Path: path, Pos: pos, Kind: kind, Op: op, Err: fmt.Errorf(format, args...)}
}
