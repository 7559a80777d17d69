// The Message interface and the op-to-type table used by generic decoders.

package proto

// Message is implemented by every request, reply and push type (as a
// pointer). The conventions are uniform:
//
//   - AppendTo appends the body only, so a caller can wrap it itself with
//     StartFrame / FinishFrame.
//   - AppendFrame appends the whole frame: header with the message's op and
//     the flags of its role (FlagOneWay for one-way requests, FlagReply for
//     replies, FlagPush for pushes), then the body.
//   - Decode reads a whole body. Byte fields alias body; lists are decoded
//     into the message's own slices (truncated to length 0 and appended),
//     so a message reused for decoding stops allocating once its slices
//     have grown. Strings are copied. On error the fields are unspecified.
//
// Calling AppendFrame on a concrete type does not allocate; calling it
// through this interface makes the message escape to the heap.
type Message interface {
	Op() Op
	AppendTo(dst []byte) []byte
	AppendFrame(dst []byte, msgid uint32) []byte
	Decode(body []byte) error
}

// NewRequest returns a new, zero request message for op, or nil if op is
// not a request.
func NewRequest(op Op) Message {
	if f := requestTypes[op]; f != nil {
		return f()
	}
	return nil
}

// NewReply returns a new, zero reply message for op, or nil if op gets no
// reply.
func NewReply(op Op) Message {
	if f := replyTypes[op]; f != nil {
		return f()
	}
	return nil
}

// NewPush returns a new, zero push message for op, or nil if op is not a
// push.
func NewPush(op Op) Message {
	if f := pushTypes[op]; f != nil {
		return f()
	}
	return nil
}

// NewMessage returns a new, zero message of the type a frame with this op
// and these flags carries: a request, a reply or a push. It returns nil for
// error frames (decode them with DecodeError), for invalid flags and for
// unknown ops. It allocates; hot paths keep typed messages instead.
func NewMessage(op Op, flags Flags) Message {
	switch flags {
	case 0, FlagOneWay:
		if flags == op.RequestFlags() {
			return NewRequest(op)
		}
	case FlagReply:
		return NewReply(op)
	case FlagPush:
		return NewPush(op)
	}
	return nil
}

var requestTypes = [256]func() Message{
	OpRegister:            func() Message { return new(RegisterRequest) },
	OpGetInfo:             func() Message { return new(GetInfoRequest) },
	OpLastTransaction:     func() Message { return new(LastTransactionRequest) },
	OpPing:                func() Message { return new(PingRequest) },
	OpServerStatus:        func() Message { return new(ServerStatusRequest) },
	OpLoadBefore:          func() Message { return new(LoadBeforeRequest) },
	OpLoadSerial:          func() Message { return new(LoadSerialRequest) },
	OpNewOIDs:             func() Message { return new(NewOIDsRequest) },
	OpGetInvalidations:    func() Message { return new(GetInvalidationsRequest) },
	OpHistory:             func() Message { return new(HistoryRequest) },
	OpRecordIterNext:      func() Message { return new(RecordIterNextRequest) },
	OpIteratorStart:       func() Message { return new(IteratorStartRequest) },
	OpIteratorNext:        func() Message { return new(IteratorNextRequest) },
	OpIteratorRecordStart: func() Message { return new(IteratorRecordStartRequest) },
	OpIteratorRecordNext:  func() Message { return new(IteratorRecordNextRequest) },
	OpIteratorGC:          func() Message { return new(IteratorGCRequest) },
	OpPack:                func() Message { return new(PackRequest) },
	OpUndoLog:             func() Message { return new(UndoLogRequest) },
	OpUndoInfo:            func() Message { return new(UndoInfoRequest) },
	OpUndo:                func() Message { return new(UndoRequest) },
	OpTpcBegin:            func() Message { return new(TpcBeginRequest) },
	OpStore:               func() Message { return new(StoreRequest) },
	OpCheckCurrentSerial:  func() Message { return new(CheckCurrentSerialRequest) },
	OpRestore:             func() Message { return new(RestoreRequest) },
	OpDeleteObject:        func() Message { return new(DeleteObjectRequest) },
	OpVote:                func() Message { return new(VoteRequest) },
	OpTpcFinish:           func() Message { return new(TpcFinishRequest) },
	OpTpcAbort:            func() Message { return new(TpcAbortRequest) },
}

var replyTypes = [256]func() Message{
	OpRegister:            func() Message { return new(RegisterReply) },
	OpGetInfo:             func() Message { return new(GetInfoReply) },
	OpLastTransaction:     func() Message { return new(LastTransactionReply) },
	OpPing:                func() Message { return new(PingReply) },
	OpServerStatus:        func() Message { return new(ServerStatusReply) },
	OpLoadBefore:          func() Message { return new(LoadBeforeReply) },
	OpLoadSerial:          func() Message { return new(LoadSerialReply) },
	OpNewOIDs:             func() Message { return new(NewOIDsReply) },
	OpGetInvalidations:    func() Message { return new(GetInvalidationsReply) },
	OpHistory:             func() Message { return new(HistoryReply) },
	OpRecordIterNext:      func() Message { return new(RecordIterNextReply) },
	OpIteratorStart:       func() Message { return new(IteratorStartReply) },
	OpIteratorNext:        func() Message { return new(IteratorNextReply) },
	OpIteratorRecordStart: func() Message { return new(IteratorRecordStartReply) },
	OpIteratorRecordNext:  func() Message { return new(IteratorRecordNextReply) },
	OpPack:                func() Message { return new(PackReply) },
	OpUndoLog:             func() Message { return new(UndoLogReply) },
	OpUndoInfo:            func() Message { return new(UndoInfoReply) },
	OpVote:                func() Message { return new(VoteReply) },
	OpTpcFinish:           func() Message { return new(TpcFinishReply) },
	OpTpcAbort:            func() Message { return new(TpcAbortReply) },
}

var pushTypes = [256]func() Message{
	OpInvalidateTransaction: func() Message { return new(InvalidateTransaction) },
	OpInfo:                  func() Message { return new(Info) },
}
