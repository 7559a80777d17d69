// Record layouts of Data.fs: transaction and data headers and their codecs.

package fsstore

import (
	"encoding/binary"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// File magics. We write Magic30; Magic21 (Python 2 era) is read-only.
const (
	Magic30 = "FS30"
	Magic21 = "FS21"
)

// Fixed sizes of the format.
const (
	MagicSize      = 4
	TxnHeaderSize  = 23 // tid, tlen, status, ulen, dlen, elen
	DataHeaderSize = 42 // oid, tid, prev, tloc, vlen, plen
	BackSize       = 8  // the backpointer that follows a plen=0 header
	RedundantSize  = 8  // the copy of tlen after each transaction
	MaxMetaLen     = 65535
)

// TxnHeader is a transaction record's header: 23 fixed bytes followed by
// the user, description and extension bytes.
//
// Decode leaves User, Description and Extension aliasing src.
type TxnHeader struct {
	Tid         proto.Tid
	Len         uint64 // tlen: the record length without the redundant copy
	Status      byte
	User        []byte
	Description []byte
	Extension   []byte
}

// HeaderLen is the length of the header with its metadata.
func (h *TxnHeader) HeaderLen() int64 {
	return TxnHeaderSize + int64(len(h.User)) + int64(len(h.Description)) + int64(len(h.Extension))
}

// AppendTo appends the header and its metadata. Metadata longer than
// 65535 bytes is truncated in its length field; callers check it first.
func (h *TxnHeader) AppendTo(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.Tid))
	dst = binary.BigEndian.AppendUint64(dst, h.Len)
	dst = append(dst, h.Status)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(h.User)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(h.Description)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(h.Extension)))
	dst = append(dst, h.User...)
	dst = append(dst, h.Description...)
	return append(dst, h.Extension...)
}

// Decode decodes a header and its metadata from src, returning the bytes
// used. It returns proto.ErrShortBuffer when src ends early. It checks
// nothing else: validation against the file is the reader's job.
func (h *TxnHeader) Decode(src []byte) (n int, err error) {
	if len(src) < TxnHeaderSize {
		return 0, proto.ErrShortBuffer
	}
	ul := int(binary.BigEndian.Uint16(src[17:]))
	dl := int(binary.BigEndian.Uint16(src[19:]))
	el := int(binary.BigEndian.Uint16(src[21:]))
	n = TxnHeaderSize + ul + dl + el
	if len(src) < n {
		return 0, proto.ErrShortBuffer
	}
	h.Tid = proto.Tid(binary.BigEndian.Uint64(src))
	h.Len = binary.BigEndian.Uint64(src[8:])
	h.Status = src[16]
	p := TxnHeaderSize
	h.User = src[p : p+ul : p+ul]
	p += ul
	h.Description = src[p : p+dl : p+dl]
	p += dl
	h.Extension = src[p : p+el : p+el]
	return n, nil
}

// DecodeTxnHeader decodes a transaction header with its metadata.
func DecodeTxnHeader(src []byte) (TxnHeader, error) {
	var h TxnHeader
	_, err := h.Decode(src)
	return h, err
}

// txnFixed is the fixed part of a transaction header, decoded without
// touching the metadata (the scan's hot path).
type txnFixed struct {
	tid        proto.Tid
	tlen       uint64
	status     byte
	ul, dl, el uint16
}

// decodeTxnFixed needs len(b) >= TxnHeaderSize.
func decodeTxnFixed(b []byte) txnFixed {
	_ = b[TxnHeaderSize-1]
	return txnFixed{
		tid:    proto.Tid(binary.BigEndian.Uint64(b)),
		tlen:   binary.BigEndian.Uint64(b[8:]),
		status: b[16],
		ul:     binary.BigEndian.Uint16(b[17:]),
		dl:     binary.BigEndian.Uint16(b[19:]),
		el:     binary.BigEndian.Uint16(b[21:]),
	}
}

func (t txnFixed) headerLen() uint64 {
	return TxnHeaderSize + uint64(t.ul) + uint64(t.dl) + uint64(t.el)
}

// DataHeader is a data record's 42-byte header. When Plen is 0 an 8-byte
// backpointer follows it (Back); otherwise Plen bytes of pickle.
type DataHeader struct {
	Oid  proto.Oid
	Tid  proto.Tid
	Prev uint64 // position of the oid's previous record, 0 if none
	Tloc uint64 // position of the enclosing transaction header
	Vlen uint16 // always 0 (versions are gone)
	Plen uint64
	Back uint64 // only when Plen == 0: 0 means "no data"
}

// RecordLen is the length of the whole record: header, then pickle or
// backpointer.
func (h *DataHeader) RecordLen() uint64 {
	if h.Plen == 0 {
		return DataHeaderSize + BackSize
	}
	return DataHeaderSize + h.Plen
}

// AppendTo appends the header, and the backpointer when Plen is 0. The
// pickle itself is the caller's to append.
func (h *DataHeader) AppendTo(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.Oid))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.Tid))
	dst = binary.BigEndian.AppendUint64(dst, h.Prev)
	dst = binary.BigEndian.AppendUint64(dst, h.Tloc)
	dst = binary.BigEndian.AppendUint16(dst, h.Vlen)
	dst = binary.BigEndian.AppendUint64(dst, h.Plen)
	if h.Plen == 0 {
		dst = binary.BigEndian.AppendUint64(dst, h.Back)
	}
	return dst
}

// Decode decodes the header (and the backpointer when Plen is 0) from
// src, returning the bytes used (42 or 50). proto.ErrShortBuffer when src
// ends early.
func (h *DataHeader) Decode(src []byte) (n int, err error) {
	if len(src) < DataHeaderSize {
		return 0, proto.ErrShortBuffer
	}
	h.decodeFixed(src)
	if h.Plen != 0 {
		h.Back = 0
		return DataHeaderSize, nil
	}
	if len(src) < DataHeaderSize+BackSize {
		return 0, proto.ErrShortBuffer
	}
	h.Back = binary.BigEndian.Uint64(src[DataHeaderSize:])
	return DataHeaderSize + BackSize, nil
}

// decodeFixed needs len(b) >= DataHeaderSize; it does not read Back.
func (h *DataHeader) decodeFixed(b []byte) {
	_ = b[DataHeaderSize-1]
	h.Oid = proto.Oid(binary.BigEndian.Uint64(b))
	h.Tid = proto.Tid(binary.BigEndian.Uint64(b[8:]))
	h.Prev = binary.BigEndian.Uint64(b[16:])
	h.Tloc = binary.BigEndian.Uint64(b[24:])
	h.Vlen = binary.BigEndian.Uint16(b[32:])
	h.Plen = binary.BigEndian.Uint64(b[34:])
}

// DecodeDataHeader decodes a data header with its backpointer.
func DecodeDataHeader(src []byte) (DataHeader, error) {
	var h DataHeader
	_, err := h.Decode(src)
	return h, err
}

// String renders the header fields for dumps and error messages.
func (h *DataHeader) String() string {
	return fmt.Sprintf("oid=%s tid=%s prev=%d tloc=%d vlen=%d plen=%d back=%d",
		h.Oid, h.Tid, h.Prev, h.Tloc, h.Vlen, h.Plen, h.Back)
}

func be64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
