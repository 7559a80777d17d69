// Hot-path encoders that need no Writer: loadBefore replies with object
// data appended in place, tid replies, and the invalidateTransaction and
// info pushes. None of them allocates when dst has room.

package zeo5

import (
	"encoding/binary"
	"math"

	"github.com/gozeo/gozeo/proto"
)

// bytesReserve is the header room ReserveBytes leaves: the largest header
// (pickle BINBYTES or msgpack bin32: one byte and a u32).
const bytesReserve = 5

// ReserveBytes appends room for the header of a bytes value whose content
// the caller appends next (straight from storage, without a copy), and
// returns the header's position for FinishBytes.
func ReserveBytes(dst []byte) ([]byte, int) {
	return append(dst, 0, 0, 0, 0, 0), len(dst)
}

// FinishBytes writes the canonical header of the bytes value reserved at
// at, whose content is everything appended since. When that header is
// smaller than the room reserved (pickle SHORT_BINBYTES below 256 bytes;
// msgpack bin8/bin16), the content moves back over the unused bytes, so
// the output equals what zodbpickle or msgpack would write.
func FinishBytes(dst []byte, enc Encoding, at int) ([]byte, error) {
	if at < 0 || at+bytesReserve > len(dst) {
		return dst, ErrWriter
	}
	n := len(dst) - at - bytesReserve
	if uint64(n) > math.MaxUint32 {
		return dst[:at], ErrNotEncodable
	}
	var hdr [bytesReserve]byte
	var h []byte
	if enc == Pickle {
		h = appendPickleBytesHeader(hdr[:0], n)
	} else {
		h = appendMsgpackBinHeader(hdr[:0], n)
	}
	if len(h) < bytesReserve {
		copy(dst[at+len(h):], dst[at+bytesReserve:])
		dst = dst[:len(dst)-(bytesReserve-len(h))]
	}
	copy(dst[at:], h)
	return dst, nil
}

// appendReplyHead starts a framed reply: prefix, message opener, msgid,
// flags 0 and ".reply". It returns the frame's position.
func appendReplyHead(dst []byte, enc Encoding, msgid []byte) ([]byte, int) {
	dst, start := StartFrame(dst)
	if enc == Pickle {
		dst = append(dst, opProto, 3, opMark)
		dst = append(dst, msgid...)
		dst = append(dst, opBinint1, 0)
		dst = appendPickleStr(dst, replyName)
	} else {
		dst = append(dst, 0x94)
		dst = append(dst, msgid...)
		dst = append(dst, 0)
		dst = appendMsgpackStr(dst, replyName)
	}
	return dst, start
}

// appendAsyncHead starts a framed server callback: msgid 0, flags True.
func appendAsyncHead(dst []byte, enc Encoding, name string) ([]byte, int) {
	dst, start := StartFrame(dst)
	if enc == Pickle {
		dst = append(dst, opProto, 3, opMark, opBinint1, 0, opNewtrue)
		dst = appendPickleStr(dst, name)
	} else {
		dst = append(dst, 0x94, 0, 0xc3)
		dst = appendMsgpackStr(dst, name)
	}
	return dst, start
}

// finishMessage closes the 4-sequence and the frame.
func finishMessage(dst []byte, enc Encoding, start int) ([]byte, error) {
	if enc == Pickle {
		dst = append(dst, opTuple, opStop)
	}
	return FinishFrame(dst, start)
}

func appendID(dst []byte, enc Encoding, id uint64) []byte {
	if enc == Pickle {
		dst = append(dst, opShortBinbytes, 8)
	} else {
		dst = append(dst, 0xc4, 8)
	}
	return binary.BigEndian.AppendUint64(dst, id)
}

// AppendTidReply appends a reply whose result is a tid: register,
// lastTransaction, tpc_finish, getTid.
func AppendTidReply(dst []byte, enc Encoding, msgid []byte, tid proto.Tid) []byte {
	dst, start := appendReplyHead(dst, enc, msgid)
	dst = appendID(dst, enc, uint64(tid))
	dst, _ = finishMessage(dst, enc, start)
	return dst
}

// AppendNilReply appends a reply whose result is None: ping, pack,
// tpc_abort, sendBlob, and loadBefore when there is no revision before the
// tid.
func AppendNilReply(dst []byte, enc Encoding, msgid []byte) []byte {
	dst, start := appendReplyHead(dst, enc, msgid)
	dst = appendScalar(dst, enc, Value{})
	dst, _ = finishMessage(dst, enc, start)
	return dst
}

// DataMark remembers an open reply whose object data is being appended in
// place (BeginLoadBeforeReply).
type DataMark struct {
	enc   Encoding
	frame int
	data  int
}

// BeginLoadBeforeReply starts the reply (data, start, end) to loadBefore
// and reserves the data's header; append the object data to the returned
// slice, then call FinishLoadBeforeReply.
func BeginLoadBeforeReply(dst []byte, enc Encoding, msgid []byte) ([]byte, DataMark) {
	dst, start := appendReplyHead(dst, enc, msgid)
	if enc == Msgpack {
		dst = append(dst, 0x93)
	}
	dst, at := ReserveBytes(dst)
	return dst, DataMark{enc: enc, frame: start, data: at}
}

// FinishLoadBeforeReply completes a reply begun by BeginLoadBeforeReply:
// the data header, the revision's start tid and its end tid, or None when
// current is true. On error dst is cut back to where the reply began.
func FinishLoadBeforeReply(dst []byte, m DataMark, start, end proto.Tid, current bool) ([]byte, error) {
	dst, err := FinishBytes(dst, m.enc, m.data)
	if err != nil {
		return dst[:min(m.frame, len(dst))], err
	}
	dst = appendID(dst, m.enc, uint64(start))
	if current {
		dst = appendScalar(dst, m.enc, Value{})
	} else {
		dst = appendID(dst, m.enc, uint64(end))
	}
	if m.enc == Pickle {
		dst = append(dst, opTuple3)
	}
	return finishMessage(dst, m.enc, m.frame)
}

// AppendLoadBeforeReply appends the loadBefore reply (data, start, end),
// end None when current.
func AppendLoadBeforeReply(dst []byte, enc Encoding, msgid, data []byte, start, end proto.Tid, current bool) ([]byte, error) {
	dst, m := BeginLoadBeforeReply(dst, enc, msgid)
	dst = append(dst, data...)
	return FinishLoadBeforeReply(dst, m, start, end, current)
}

// AppendInvalidateTransaction appends the callback
// invalidateTransaction(tid, [oids]) (a list in pickle). The frame does not
// depend on the connection: encode it once per encoding and share it.
func AppendInvalidateTransaction(dst []byte, enc Encoding, tid proto.Tid, oids []proto.Oid) ([]byte, error) {
	dst, start := appendAsyncHead(dst, enc, "invalidateTransaction")
	if enc == Pickle {
		dst = appendID(dst, enc, uint64(tid))
		dst = append(dst, opEmptyList)
		for i, oid := range oids {
			if pickleBatchOpen(i, len(oids)) {
				dst = append(dst, opMark)
			}
			dst = appendID(dst, enc, uint64(oid))
			if c := pickleBatchClose(i, len(oids), false); c != 0 {
				dst = append(dst, c)
			}
		}
		dst = append(dst, opTuple2)
	} else {
		dst = append(dst, 0x92)
		dst = appendID(dst, enc, uint64(tid))
		dst = appendMsgpackArrayHeader(dst, len(oids))
		for _, oid := range oids {
			dst = appendID(dst, enc, uint64(oid))
		}
	}
	return finishMessage(dst, enc, start)
}

// AppendInfo appends the callback info({"length": length, "size": size}),
// sent to a committer before its tpc_finish reply and to every client after
// a pack.
func AppendInfo(dst []byte, enc Encoding, length, size int64) []byte {
	dst, start := appendAsyncHead(dst, enc, "info")
	if enc == Pickle {
		dst = append(dst, opEmptyDict, opMark)
		dst = appendPickleStr(dst, "length")
		dst = appendPickleInt(dst, length)
		dst = appendPickleStr(dst, "size")
		dst = appendPickleInt(dst, size)
		dst = append(dst, opSetitems, opTuple1)
	} else {
		dst = append(dst, 0x91, 0x82)
		dst = appendMsgpackStr(dst, "length")
		dst = appendMsgpackInt(dst, length)
		dst = appendMsgpackStr(dst, "size")
		dst = appendMsgpackInt(dst, size)
	}
	dst, _ = finishMessage(dst, enc, start)
	return dst
}
