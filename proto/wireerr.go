// Error replies: error codes, and the mapping between error values and
// their wire form.

package proto

import "errors"

// ErrorCode is the first byte of an error frame's body; it says which
// error value the fields that follow rebuild.
type ErrorCode uint8

// Error codes. Codes are part of the wire format and never change meaning.
const (
	ErrCodePOSKey             ErrorCode = 1  // *POSKeyError: u64 oid
	ErrCodeConflict           ErrorCode = 2  // *ConflictError: u64 oid, u64 committed, u64 read, str class, str message
	ErrCodeReadConflict       ErrorCode = 3  // *ReadConflictError: as ErrCodeConflict
	ErrCodeReadOnly           ErrorCode = 4  // *ReadOnlyError: str msg
	ErrCodeStorageTransaction ErrorCode = 5  // *StorageTransactionError: str msg
	ErrCodeUndo               ErrorCode = 6  // *UndoError: u8 has_oid, u64 oid, str msg
	ErrCodeServer             ErrorCode = 7  // *ServerError: str class, str message
	ErrCodeProtocol           ErrorCode = 8  // *ProtocolError: str msg
	ErrCodeVersion            ErrorCode = 9  // *VersionError: u16 client, u16 server
	ErrCodeNoRevision         ErrorCode = 10 // ErrNoRevision: no fields
)

// genericErrorClass is the ServerError class of errors that are none of
// the proto error values.
const genericErrorClass = "Error"

// AppendError appends a whole error frame (flags FlagReply|FlagError)
// answering request msgid of op. See AppendErrorBody for the mapping.
func AppendError(dst []byte, msgid uint32, op Op, err error) []byte {
	dst, start := StartFrame(dst, msgid, op, FlagReply|FlagError)
	return FinishFrame(AppendErrorBody(dst, err), start)
}

// AppendErrorBody appends the body of an error frame for err. The proto
// error values (*POSKeyError, *ConflictError, *ReadConflictError,
// *ReadOnlyError, *StorageTransactionError, *UndoError, *ServerError,
// *ProtocolError, *VersionError, ErrNoRevision) are found with errors.As /
// errors.Is, through any wrapping, and sent with their fields; the context
// added by wrapping is not sent. Any other error becomes a ServerError of
// class "Error" whose message is err.Error().
func AppendErrorBody(dst []byte, err error) []byte {
	var (
		pk *POSKeyError
		ce *ConflictError
		rc *ReadConflictError
		ro *ReadOnlyError
		st *StorageTransactionError
		ue *UndoError
		se *ServerError
		pe *ProtocolError
		ve *VersionError
	)
	switch {
	case err == nil:
		return appendServerError(dst, genericErrorClass, "nil error")
	case errors.As(err, &pk):
		return appendU64(append(dst, byte(ErrCodePOSKey)), uint64(pk.Oid))
	case errors.As(err, &ce):
		return appendConflict(dst, ErrCodeConflict, ce.Oid, ce.Committed, ce.Read, ce.Class, ce.Message)
	case errors.As(err, &rc):
		return appendConflict(dst, ErrCodeReadConflict, rc.Oid, rc.Committed, rc.Read, rc.Class, rc.Message)
	case errors.As(err, &ro):
		return appendString(append(dst, byte(ErrCodeReadOnly)), ro.Msg)
	case errors.As(err, &st):
		return appendString(append(dst, byte(ErrCodeStorageTransaction)), st.Msg)
	case errors.As(err, &ue):
		dst = appendU64(appendBool(append(dst, byte(ErrCodeUndo)), ue.HasOid), uint64(ue.Oid))
		return appendString(dst, ue.Msg)
	case errors.As(err, &se):
		return appendServerError(dst, se.Class, se.Message)
	case errors.As(err, &pe):
		return appendString(append(dst, byte(ErrCodeProtocol)), pe.Msg)
	case errors.As(err, &ve):
		return appendU16(appendU16(append(dst, byte(ErrCodeVersion)), ve.Client), ve.Server)
	case errors.Is(err, ErrNoRevision):
		return append(dst, byte(ErrCodeNoRevision))
	}
	return appendServerError(dst, genericErrorClass, err.Error())
}

func appendServerError(dst []byte, class, msg string) []byte {
	return appendString(appendString(append(dst, byte(ErrCodeServer)), class), msg)
}

func appendConflict(dst []byte, code ErrorCode, oid Oid, committed, read Tid, class, msg string) []byte {
	dst = appendU64(append(dst, byte(code)), uint64(oid))
	dst = appendU64(appendU64(dst, uint64(committed)), uint64(read))
	return appendString(appendString(dst, class), msg)
}

// DecodeError rebuilds the error value an error frame's body carries, so
// that the receiver can match it with errors.As (or errors.Is for
// ErrNoRevision). A body that cannot be decoded gives a *ProtocolError
// wrapping the *MessageError that says why.
func DecodeError(body []byte) error {
	e, err := decodeErrorBody(body)
	if err != nil {
		return &ProtocolError{Msg: "malformed error reply", Err: err}
	}
	return e
}

func decodeErrorBody(body []byte) (value, err error) {
	d := decoder{src: body}
	code := ErrorCode(d.u8("code"))
	switch code {
	case ErrCodePOSKey:
		value = &POSKeyError{Oid: d.oid("oid")}
	case ErrCodeConflict:
		e := &ConflictError{}
		e.Oid, e.Committed, e.Read, e.Class, e.Message = d.conflict()
		value = e
	case ErrCodeReadConflict:
		e := &ReadConflictError{}
		e.Oid, e.Committed, e.Read, e.Class, e.Message = d.conflict()
		value = e
	case ErrCodeReadOnly:
		value = &ReadOnlyError{Msg: d.str("msg")}
	case ErrCodeStorageTransaction:
		value = &StorageTransactionError{Msg: d.str("msg")}
	case ErrCodeUndo:
		e := &UndoError{HasOid: d.bool("has_oid")}
		e.Oid = d.oid("oid")
		e.Msg = d.str("msg")
		value = e
	case ErrCodeServer:
		e := &ServerError{Class: d.str("class")}
		e.Message = d.str("message")
		value = e
	case ErrCodeProtocol:
		value = &ProtocolError{Msg: d.str("msg")}
	case ErrCodeVersion:
		e := &VersionError{Client: d.u16("client")}
		e.Server = d.u16("server")
		value = e
	case ErrCodeNoRevision:
		value = ErrNoRevision
	default:
		if d.err == nil {
			d.off = 0
			d.fail("code", ErrBadValue)
		}
	}
	if err := d.finish(OpNone, "error reply"); err != nil {
		return nil, err
	}
	return value, nil
}

func (d *decoder) conflict() (oid Oid, committed, read Tid, class, msg string) {
	oid = d.oid("oid")
	committed = d.tid("committed")
	read = d.tid("read")
	class = d.str("class")
	msg = d.str("message")
	return
}
