// ZODB-level error values shared by storages, the server and clients, and
// the codec sentinels.

package proto

import (
	"errors"
	"fmt"
	"strings"
)

// Codec sentinels.
var (
	// ErrShortBuffer means the input ends before the value does; with more
	// bytes, decoding may succeed.
	ErrShortBuffer = errors.New("proto: short buffer")
	// ErrFrameTooLarge means a frame's length prefix exceeds the limit.
	ErrFrameTooLarge = errors.New("proto: frame too large")
	// ErrNoRevision is LoadBefore's "no revision before that tid": the
	// object did not exist yet, or its history was packed away. ZEO answers
	// nil for it, unlike POSKeyError.
	ErrNoRevision = errors.New("proto: no revision before the given tid")
)

// POSKeyError means the object does not exist, or does not exist in the
// requested revision (an undone creation, a deleted object).
type POSKeyError struct {
	Oid Oid
}

func (e *POSKeyError) Error() string { return "POSKeyError: " + e.Oid.Repr() }

// ConflictError is a write conflict: the client's data was based on serial
// Read, but Committed is current. Class is the object's class when known.
type ConflictError struct {
	Oid       Oid
	Committed Tid
	Read      Tid
	Class     string
	Message   string // defaults to "database conflict error"
}

func (e *ConflictError) Error() string {
	return formatConflict("ConflictError", e.Message, e.Oid, e.Class, e.Read, e.Committed)
}

// ReadConflictError is a failed checkCurrentSerialInTransaction: the object
// read at Read changed to Committed before the transaction voted.
type ReadConflictError struct {
	Oid       Oid
	Committed Tid
	Read      Tid
	Class     string
	Message   string // defaults to "database read conflict error"
}

func (e *ReadConflictError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "database read conflict error"
	}
	return formatConflict("ReadConflictError", msg, e.Oid, e.Class, e.Read, e.Committed)
}

func formatConflict(kind, msg string, oid Oid, class string, read, committed Tid) string {
	if msg == "" {
		msg = "database conflict error"
	}
	var b strings.Builder
	b.WriteString(kind)
	b.WriteString(": ")
	b.WriteString(msg)
	b.WriteString(" (oid ")
	b.WriteString(oid.Repr())
	if class != "" {
		b.WriteString(", class ")
		b.WriteString(class)
	}
	fmt.Fprintf(&b, ", serial this txn started with %s %s, serial currently committed %s %s)",
		read.Repr(), read.TimeString(), committed.Repr(), committed.TimeString())
	return b.String()
}

// ReadOnlyError means a write was attempted on a read-only storage or
// connection.
type ReadOnlyError struct {
	Msg string
}

func (e *ReadOnlyError) Error() string {
	if e.Msg == "" {
		return "ReadOnlyError"
	}
	return "ReadOnlyError: " + e.Msg
}

// StorageTransactionError means a two-phase-commit call came in the wrong
// state or for the wrong transaction.
type StorageTransactionError struct {
	Msg string
}

func (e *StorageTransactionError) Error() string { return "StorageTransactionError: " + e.Msg }

// UndoError means a transaction cannot be undone. Oid is set when one object
// is the reason.
type UndoError struct {
	Oid    Oid
	HasOid bool
	Msg    string
}

func (e *UndoError) Error() string {
	if e.HasOid {
		return fmt.Sprintf("UndoError: %s (oid %s)", e.Msg, e.Oid.Repr())
	}
	return "UndoError: " + e.Msg
}

// ServerError is any other error reported by a server: Class names the
// error kind (for ZEO, the Python exception class), Message says what
// happened.
type ServerError struct {
	Class   string
	Message string
}

func (e *ServerError) Error() string { return e.Class + ": " + e.Message }

// IsConflict reports whether err is a write or read conflict, which the
// application can retry.
func IsConflict(err error) bool {
	var ce *ConflictError
	var rce *ReadConflictError
	return errors.As(err, &ce) || errors.As(err, &rce)
}
