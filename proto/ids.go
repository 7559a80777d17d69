// Object and transaction identifiers: Oid, Tid and their hex forms.

package proto

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
)

// Oid is a ZODB object id: 8 bytes on disk and on the wire, compared as a
// big-endian unsigned integer.
type Oid uint64

// Tid is a ZODB transaction id, a TimeStamp (see timestamp.go): 8 bytes on
// disk and on the wire, compared as a big-endian unsigned integer. A record's
// serial is the tid of the transaction that wrote it.
type Tid uint64

const (
	// ZeroTid means "no tid": the serial of a new object, the last tid of an
	// empty storage.
	ZeroTid Tid = 0
	// MaxTid is the loadBefore sentinel for "the current revision". Real tids
	// stay below it.
	MaxTid Tid = 0x7fffffffffffffff
	// RootOid is the oid of the database root object.
	RootOid Oid = 0
)

// String returns the oid as 16 lowercase hex digits.
func (o Oid) String() string { return string(appendHex16(make([]byte, 0, 16), uint64(o))) }

// String returns the tid as 16 lowercase hex digits.
func (t Tid) String() string { return string(appendHex16(make([]byte, 0, 16), uint64(t))) }

// AppendHex appends the oid as 16 lowercase hex digits.
func (o Oid) AppendHex(dst []byte) []byte { return appendHex16(dst, uint64(o)) }

// AppendHex appends the tid as 16 lowercase hex digits.
func (t Tid) AppendHex(dst []byte) []byte { return appendHex16(dst, uint64(t)) }

// Repr formats the oid as ZODB's oid_repr does: "0x" and the hex digits with
// leading zero bytes removed ("0x00" for oid 0).
func (o Oid) Repr() string { return repr(uint64(o)) }

// Repr formats the tid as ZODB's tid_repr does.
func (t Tid) Repr() string { return repr(uint64(t)) }

// Bytes returns the 8-byte big-endian form.
func (o Oid) Bytes() [8]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(o))
	return b
}

// Bytes returns the 8-byte big-endian form.
func (t Tid) Bytes() [8]byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(t))
	return b
}

// OidFromBytes reads an 8-byte big-endian oid. It panics if len(b) < 8.
func OidFromBytes(b []byte) Oid { return Oid(binary.BigEndian.Uint64(b)) }

// TidFromBytes reads an 8-byte big-endian tid. It panics if len(b) < 8.
func TidFromBytes(b []byte) Tid { return Tid(binary.BigEndian.Uint64(b)) }

// ParseOid parses 16 hex digits (an optional "0x" prefix and fewer digits are
// accepted too).
func ParseOid(s string) (Oid, error) {
	v, err := parseHex64(s)
	if err != nil {
		return 0, fmt.Errorf("proto: bad oid %q: %w", s, err)
	}
	return Oid(v), nil
}

// ParseTid parses 16 hex digits (an optional "0x" prefix and fewer digits are
// accepted too).
func ParseTid(s string) (Tid, error) {
	v, err := parseHex64(s)
	if err != nil {
		return 0, fmt.Errorf("proto: bad tid %q: %w", s, err)
	}
	return Tid(v), nil
}

func parseHex64(s string) (uint64, error) {
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	if s == "" || len(s) > 16 {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 16, 64)
}

const hexDigits = "0123456789abcdef"

func appendHex16(dst []byte, v uint64) []byte {
	for shift := 60; shift >= 0; shift -= 4 {
		dst = append(dst, hexDigits[(v>>uint(shift))&0xf])
	}
	return dst
}

func repr(v uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	i := 0
	for i < 7 && b[i] == 0 {
		i++
	}
	return "0x" + hex.EncodeToString(b[i:])
}
