// Whole messages: the (msgid, flags, name, args) frame for calls, async
// calls, replies and error replies, through the Writer.

package zeo5

// Flags values on the wire.
const (
	FlagsReply = 0 // a normal reply
	FlagsError = 2 // an error reply: args is (class_name, state)
)

// replyName is the method name of every reply.
const replyName = ".reply"

// beginMessage opens a frame and the 4-sequence.
func (w *Writer) beginMessage() {
	if w.err != nil {
		return
	}
	if w.depth != 0 || w.frameAt >= 0 {
		w.misuse("message begun inside another value")
		return
	}
	w.buf, w.frameAt = StartFrame(w.buf)
	if w.enc == Pickle {
		w.buf = append(w.buf, opProto, 3, opMark)
	} else {
		w.buf = append(w.buf, 0x94)
	}
	w.push(kindMessage, 4)
}

// EndMessage closes any containers left open by the Begin* helpers (which
// must be complete), the message and its frame. On error the buffer is cut
// back to where the message began, and the Writer is ready for the next one.
func (w *Writer) EndMessage() error {
	for w.err == nil && w.depth > 1 {
		w.End()
	}
	if w.err == nil && (w.depth != 1 || w.frames[0].kind != kindMessage) {
		w.misuse("EndMessage without a message")
	}
	if w.err == nil && w.frames[0].i != 4 {
		w.misuse("message without args")
	}
	if w.err == nil && w.enc == Pickle {
		w.buf = append(w.buf, opTuple, opStop)
	}
	if w.err == nil {
		w.buf, w.err = FinishFrame(w.buf, w.frameAt)
	}
	err := w.err
	if err != nil && w.frameAt >= 0 && w.frameAt <= len(w.buf) {
		w.buf = w.buf[:w.frameAt]
	}
	w.err, w.depth, w.frameAt = nil, 0, -1
	if !w.enc.Valid() {
		w.err = ErrBadEncoding
	}
	return err
}

// BeginCall starts a synchronous call (flags False) with an int msgid;
// write the argument tuple next, then EndMessage.
func (w *Writer) BeginCall(msgid int64, name string) {
	w.beginMessage()
	w.Int(msgid)
	w.Bool(false)
	w.Str(name)
}

// BeginCallID starts a synchronous call whose msgid is given encoded (as
// loadBefore's (oid, tid) msgid).
func (w *Writer) BeginCallID(msgid []byte, name string) {
	w.beginMessage()
	w.Raw(msgid)
	w.Bool(false)
	w.Str(name)
}

// BeginAsync starts a one-way call: msgid 0, flags True. Servers use it
// for their callbacks (invalidateTransaction, info, receiveBlob*).
func (w *Writer) BeginAsync(name string) {
	w.beginMessage()
	w.Int(0)
	w.Bool(true)
	w.Str(name)
}

// BeginReply starts a normal reply echoing msgid (as received, e.g.
// Message.MsgIDRaw); write the result next, then EndMessage.
func (w *Writer) BeginReply(msgid []byte) {
	w.beginMessage()
	w.Raw(msgid)
	w.Int(FlagsReply)
	w.Str(replyName)
}

// BeginErrorReply starts an error reply (flags 2) whose args are
// (class, state); write the state next, then EndMessage.
func (w *Writer) BeginErrorReply(msgid []byte, class string) {
	w.beginMessage()
	w.Raw(msgid)
	w.Int(FlagsError)
	w.Str(replyName)
	w.BeginTuple(2)
	w.Str(class)
}

// Message writes a decoded message back, re-encoding every element from
// its value (the msgid too), as one frame.
func (w *Writer) Message(d *Decoder, m *Message) error {
	w.beginMessage()
	w.Value(d, m.MsgID)
	if m.FlagsBool {
		w.Bool(m.Flags != 0)
	} else {
		w.Int(int64(m.Flags))
	}
	w.StrBytes(m.Name)
	w.Value(d, m.Args)
	return w.EndMessage()
}

// AppendHeartbeat appends the client heartbeat frame (-1, 0, ".reply",
// None), which servers ignore.
func AppendHeartbeat(dst []byte, enc Encoding) []byte {
	dst, start := StartFrame(dst)
	if enc == Pickle {
		dst = append(dst, opProto, 3, opMark, opBinint, 0xff, 0xff, 0xff, 0xff, opBinint1, 0)
		dst = appendPickleStr(dst, replyName)
		dst = append(dst, opNone, opTuple, opStop)
	} else {
		dst = append(dst, 0x94, 0xff, 0x00)
		dst = appendMsgpackStr(dst, replyName)
		dst = append(dst, 0xc0)
	}
	dst, _ = FinishFrame(dst, start)
	return dst
}
