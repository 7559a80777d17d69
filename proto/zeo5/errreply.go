// Error replies: (class_name, state) with the class names and state shapes
// ZEO's client rebuilds exceptions from (spec section 1.5).

package zeo5

import (
	"errors"
	"strings"

	"github.com/gozeo/gozeo/proto"
)

// Exception class names stock clients recognise.
const (
	ClassConflictError           = "ZODB.POSException.ConflictError"
	ClassReadConflictError       = "ZODB.POSException.ReadConflictError"
	ClassPOSKeyError             = "ZODB.POSException.POSKeyError"
	ClassReadOnlyError           = "ZODB.POSException.ReadOnlyError"
	ClassStorageTransactionError = "ZODB.POSException.StorageTransactionError"
	ClassUndoError               = "ZODB.POSException.UndoError"
	ClassStorageError            = "ZODB.POSException.StorageError"
	ClassKeyError                = "builtins.KeyError"
	ClassTypeError               = "builtins.TypeError"
	ClassValueError              = "builtins.ValueError"
)

// couldNotEncode is the message ZEO sends when a result cannot be encoded.
const couldNotEncode = "Couldn't pickle response"

// ErrorReply writes the error reply for err, found with errors.As:
//
//   - *proto.ConflictError, *proto.ReadConflictError: the exception's
//     __dict__ as a map {message, oid, class_name (None when unknown),
//     serials: (committed, read)}, in that key order.
//   - *proto.POSKeyError: args (oid,).
//   - *proto.ReadOnlyError: args () or (msg,); *proto.StorageTransactionError:
//     args (msg,).
//   - *proto.UndoError: its __dict__ {_reason, _oid}.
//   - *proto.ServerError: Class (a bare name like "KeyError" gets
//     "builtins.") with args (Message,).
//   - ErrNotEncodable (a result the encoding cannot carry):
//     builtins.ValueError("Couldn't pickle response").
//   - anything else: ZODB.POSException.StorageError with args (err text,).
func (w *Writer) ErrorReply(msgid []byte, err error) error {
	var (
		ce  *proto.ConflictError
		rce *proto.ReadConflictError
		pke *proto.POSKeyError
		roe *proto.ReadOnlyError
		ste *proto.StorageTransactionError
		ue  *proto.UndoError
		se  *proto.ServerError
	)
	switch {
	case errors.As(err, &ce):
		msg := ce.Message
		if msg == "" {
			msg = "database conflict error"
		}
		w.BeginErrorReply(msgid, ClassConflictError)
		w.conflictState(msg, ce.Oid, ce.Class, ce.Committed, ce.Read)
	case errors.As(err, &rce):
		msg := rce.Message
		if msg == "" {
			msg = "database read conflict error"
		}
		w.BeginErrorReply(msgid, ClassReadConflictError)
		w.conflictState(msg, rce.Oid, rce.Class, rce.Committed, rce.Read)
	case errors.As(err, &pke):
		w.BeginErrorReply(msgid, ClassPOSKeyError)
		w.BeginTuple(1)
		w.Oid(pke.Oid)
		w.End()
	case errors.As(err, &roe):
		w.BeginErrorReply(msgid, ClassReadOnlyError)
		w.argsState(roe.Msg, roe.Msg != "")
	case errors.As(err, &ste):
		w.BeginErrorReply(msgid, ClassStorageTransactionError)
		w.argsState(ste.Msg, true)
	case errors.As(err, &ue):
		w.BeginErrorReply(msgid, ClassUndoError)
		w.BeginMap(2)
		w.Str("_reason")
		w.Str(ue.Msg)
		w.Str("_oid")
		if ue.HasOid {
			w.Oid(ue.Oid)
		} else {
			w.Nil()
		}
		w.End()
	case errors.As(err, &se):
		class := se.Class
		if !strings.Contains(class, ".") {
			class = "builtins." + class
		}
		w.BeginErrorReply(msgid, class)
		w.argsState(se.Message, true)
	case errors.Is(err, ErrNotEncodable):
		w.BeginErrorReply(msgid, ClassValueError)
		w.argsState(couldNotEncode, true)
	case err == nil:
		w.BeginErrorReply(msgid, ClassStorageError)
		w.argsState("unknown error", true)
	default:
		w.BeginErrorReply(msgid, ClassStorageError)
		w.argsState(err.Error(), true)
	}
	return w.EndMessage()
}

func (w *Writer) conflictState(msg string, oid proto.Oid, class string, committed, read proto.Tid) {
	w.BeginMap(4)
	w.Str("message")
	w.Str(msg)
	w.Str("oid")
	w.Oid(oid)
	w.Str("class_name")
	if class != "" {
		w.Str(class)
	} else {
		w.Nil()
	}
	w.Str("serials")
	w.BeginTuple(2)
	w.Tid(committed)
	w.Tid(read)
	w.End()
	w.End()
}

// argsState writes exc.args: () or (msg,).
func (w *Writer) argsState(msg string, has bool) {
	if !has {
		w.BeginTuple(0)
		w.End()
		return
	}
	w.BeginTuple(1)
	w.Str(msg)
	w.End()
}
