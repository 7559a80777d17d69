// Error values: sentinels and OpError, which carries the server address,
// the operation and the oid.

package client

import (
	"errors"
	"strings"

	"github.com/gozeo/gozeo/proto"
)

var (
	// ErrDisconnected is ZEO's ClientDisconnected: the client has no
	// connection to a server (and none came within WaitTimeout), or the
	// connection a call or transaction was using was lost. It is
	// transient: retry later.
	ErrDisconnected = errors.New("client: disconnected from the server")
	// ErrClosed is returned by every method of a closed Client.
	ErrClosed = errors.New("client: closed")
	// ErrTxnDone is a call on a transaction that was finished or aborted.
	ErrTxnDone = errors.New("client: transaction already finished or aborted")
	// ErrTxnState is a two-phase-commit call out of order (Finish before a
	// successful Vote, Store after Vote).
	ErrTxnState = errors.New("client: transaction call out of order")
	// ErrCacheAhead means a server's last transaction is older than the
	// client cache's: the server lost transactions (restored from an older
	// copy?), and the client refuses it, as ZEO does.
	ErrCacheAhead = errors.New("client: server is behind the client cache")
	// ErrNoMoreRecords is RecordIterNext's answer when no object exists
	// at or after the oid asked for.
	ErrNoMoreRecords = errors.New("client: no object at or after the oid")
	// ErrTooLarge is a request larger than the server accepts.
	ErrTooLarge = errors.New("client: request larger than the server's frame limit")
	// ErrBadOptions marks an invalid Options value.
	ErrBadOptions = errors.New("client: bad options")
	// ErrProtocol marks a server that broke the protocol (an unexpected
	// frame or reply); the connection is dropped.
	ErrProtocol = errors.New("client: protocol violation by the server")
)

// OpError is a failed client operation: which server, which operation,
// which object (when one), and why. Errors from the server are rebuilt as
// proto values (*proto.POSKeyError, *proto.ConflictError, ...) and wrapped
// here, so errors.As finds them.
type OpError struct {
	Addr   string // the server's address, "" when none was involved
	Op     string // "load", "vote", "connect", ...
	Oid    proto.Oid
	HasOid bool
	Err    error
}

func (e *OpError) Error() string {
	var b strings.Builder
	b.WriteString("client: ")
	b.WriteString(e.Op)
	if e.HasOid {
		b.WriteString(" oid ")
		b.WriteString(e.Oid.Repr())
	}
	if e.Addr != "" {
		b.WriteString(" (")
		b.WriteString(e.Addr)
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *OpError) Unwrap() error { return e.Err }

// opErr wraps err for op without an oid.
func opErr(addr, op string, err error) error {
	return &OpError{Addr: addr, Op: op, Err: err}
}

// oidErr wraps err for op on oid.
func oidErr(addr, op string, oid proto.Oid, err error) error {
	return &OpError{Addr: addr, Op: op, Oid: oid, HasOid: true, Err: err}
}
