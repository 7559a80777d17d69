// The file format: header, last-tid slots, block words and record headers.

package cache

import (
	"encoding/binary"
	"hash/crc32"
	"sync/atomic"
	"unsafe"

	"github.com/gozeo/gozeo/proto"
)

// Header layout (see doc.go for the picture).
const (
	headerSize   = 64 // the first block starts here
	magic        = "GZCF"
	version      = 1
	offVersion   = 4
	offSize      = 8
	offHeaderCRC = 20
	offSlot0     = 32
	slotSize     = 16
	headerCRCLen = 20 // bytes [0,20) are covered by the header CRC
)

// Record layout.
const (
	recOverhead = 56 // header bytes before the data
	offSeq      = 8
	offOid      = 16
	offStart    = 24
	offEnd      = 32
	offDlen     = 40
	offDataCRC  = 44
	offHdrCRC   = 48
	hdrCRCLen   = 48 // bytes [0,48) are covered by the record header CRC
	align       = 8
)

// Block kinds (the low byte of a block word).
const (
	kindAlloc = 'a'
	kindFree  = 'f'
)

// maxBlockSize is the largest size a block word can hold (48 bits).
const maxBlockSize = 1<<48 - 8

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// RecordSize returns the bytes a record of dlen data bytes takes in the
// cache file (header and padding included).
func RecordSize(dlen int) int64 { return recordSize(dlen) }

// recordSize is the block size of a record holding dlen data bytes.
func recordSize(dlen int) int64 { return alignUp(int64(recOverhead) + int64(dlen)) }

func alignUp(n int64) int64 { return (n + align - 1) &^ (align - 1) }

// makeWord builds a block word: kind in byte 0, a check byte in byte 1 and
// the block size in bytes 2..7, little-endian.
func makeWord(kind byte, size int64) uint64 {
	v := uint64(size)<<16 | uint64(kind)
	return v | uint64(checkByte(v))<<8
}

// checkByte is a one-byte hash of a word's kind and size, so that a random
// or torn word is recognised with probability 255/256.
func checkByte(v uint64) byte {
	v &^= 0xff00
	v *= 0x9e3779b97f4a7c15
	return byte(v>>56) ^ 0xa5
}

// parseWord splits a block word; ok is false unless the kind is known, the
// check byte matches and the size is a positive multiple of 8.
func parseWord(w uint64) (kind byte, size int64, ok bool) {
	kind = byte(w)
	size = int64(w >> 16)
	ok = (kind == kindAlloc || kind == kindFree) && byte(w>>8) == checkByte(w) &&
		size >= align && size%align == 0
	return kind, size, ok
}

// wordAt reads the block word at off.
func wordAt(buf []byte, off int64) uint64 { return binary.LittleEndian.Uint64(buf[off:]) }

// storeWord writes a block word at off (8-aligned) with one atomic store:
// the commit point of every change to the block chain. The atomic store
// also keeps the compiler and CPU from moving earlier writes after it.
func storeWord(buf []byte, off int64, w uint64) {
	var le [8]byte
	binary.LittleEndian.PutUint64(le[:], w)
	atomic.StoreUint64((*uint64)(unsafe.Pointer(&buf[off])), *(*uint64)(unsafe.Pointer(&le)))
}

// storeU32 writes a little-endian uint32 at off (4-aligned) atomically.
func storeU32(buf []byte, off int64, v uint32) {
	var le [4]byte
	binary.LittleEndian.PutUint32(le[:], v)
	atomic.StoreUint32((*uint32)(unsafe.Pointer(&buf[off])), *(*uint32)(unsafe.Pointer(&le)))
}

// recHeader is a decoded record header.
type recHeader struct {
	size    int64
	seq     uint64
	oid     proto.Oid
	start   proto.Tid
	end     proto.Tid
	dlen    uint32
	dataCRC uint32
	hdrCRC  uint32
}

// encodeRecHeader returns the record header for h, word included, and sets
// h.hdrCRC. The caller copies bytes [8:] into the file and stores the word
// (bytes [0:8]) last, with storeWord; the header CRC covers that final word.
//
// b is caller-owned scratch (the cache keeps one): a local array would
// escape to the heap through the CRC call.
func encodeRecHeader(h *recHeader, b *[recOverhead]byte) {
	le := binary.LittleEndian
	le.PutUint64(b[0:], makeWord(kindAlloc, h.size))
	le.PutUint64(b[offSeq:], h.seq)
	le.PutUint64(b[offOid:], uint64(h.oid))
	le.PutUint64(b[offStart:], uint64(h.start))
	le.PutUint64(b[offEnd:], uint64(h.end))
	le.PutUint32(b[offDlen:], h.dlen)
	le.PutUint32(b[offDataCRC:], h.dataCRC)
	h.hdrCRC = crc(b[:hdrCRCLen])
	le.PutUint32(b[offHdrCRC:], h.hdrCRC)
	le.PutUint32(b[offHdrCRC+4:], 0)
}

// decodeRecHeader reads the record header at the start of b. It checks the
// header CRC and the field invariants, not the data CRC; reason says what
// is wrong when ok is false. It never reads past len(b).
func decodeRecHeader(b []byte) (h recHeader, reason string, ok bool) {
	if len(b) < recOverhead {
		return h, "record header truncated", false
	}
	le := binary.LittleEndian
	kind, size, wok := parseWord(le.Uint64(b))
	if !wok || kind != kindAlloc {
		return h, "bad block word", false
	}
	h = recHeader{
		size:    size,
		seq:     le.Uint64(b[offSeq:]),
		oid:     proto.Oid(le.Uint64(b[offOid:])),
		start:   proto.Tid(le.Uint64(b[offStart:])),
		end:     proto.Tid(le.Uint64(b[offEnd:])),
		dlen:    le.Uint32(b[offDlen:]),
		dataCRC: le.Uint32(b[offDataCRC:]),
		hdrCRC:  le.Uint32(b[offHdrCRC:]),
	}
	switch {
	case crc(b[:hdrCRCLen]) != h.hdrCRC:
		return h, "record header checksum mismatch", false
	case recordSize(int(h.dlen)) != h.size:
		return h, "data length does not match block size", false
	case h.end != proto.ZeroTid && h.end <= h.start:
		return h, "end tid not after start tid", false
	}
	return h, "", true
}

// header is the decoded file header.
type header struct {
	size int64
}

// putHeader writes the fixed header fields (not the last-tid slots).
func putHeader(buf []byte, size int64) {
	copy(buf[0:4], magic)
	le := binary.LittleEndian
	le.PutUint32(buf[offVersion:], version)
	le.PutUint64(buf[offSize:], uint64(size))
	le.PutUint32(buf[16:], 0)
	le.PutUint32(buf[offHeaderCRC:], crc(buf[:headerCRCLen]))
	le.PutUint64(buf[24:], 0)
}

// decodeHeader validates the fixed header in b (at least headerSize bytes).
func decodeHeader(b []byte) (header, string, bool) {
	if len(b) >= 4 && string(b[:4]) != magic {
		return header{}, "not a gozeo cache file (bad magic)", false
	}
	if len(b) < headerSize {
		return header{}, "file shorter than the header", false
	}
	le := binary.LittleEndian
	if crc(b[:headerCRCLen]) != le.Uint32(b[offHeaderCRC:]) {
		return header{}, "header checksum mismatch", false
	}
	if v := le.Uint32(b[offVersion:]); v != version {
		return header{}, "unsupported format version", false
	}
	size := le.Uint64(b[offSize:])
	if size < MinSize || size > MaxSize || size%align != 0 {
		return header{}, "bad recorded size", false
	}
	return header{size: int64(size)}, "", true
}

// The last tid lives in two slots of {tid u64, gen u32, crc u32}. A write
// goes to the slot not holding the newest value, crc last, so a torn write
// leaves the other slot (the previous last tid) intact. An older last tid
// is always safe: verification then asks the server for more invalidations.

func putSlot(buf []byte, slot int, tid proto.Tid, gen uint32) {
	off := int64(offSlot0 + slot*slotSize)
	binary.LittleEndian.PutUint64(buf[off:], uint64(tid))
	binary.LittleEndian.PutUint32(buf[off+8:], gen)
	if crashPoint != nil {
		crashPoint("last tid: slot written")
	}
	storeU32(buf, off+12, crc(buf[off:off+12]))
}

func readSlot(buf []byte, slot int) (tid proto.Tid, gen uint32, ok bool) {
	off := offSlot0 + slot*slotSize
	b := buf[off : off+slotSize]
	if crc(b[:12]) != binary.LittleEndian.Uint32(b[12:]) {
		return 0, 0, false
	}
	return proto.Tid(binary.LittleEndian.Uint64(b)), binary.LittleEndian.Uint32(b[8:]), true
}
