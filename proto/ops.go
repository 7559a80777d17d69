// Op codes, their names and call kinds, and the frame flags.

package proto

import "strconv"

// Op says which operation a frame carries. Codes are part of the wire
// format and never change meaning; new operations take unused codes.
type Op uint8

// Operation codes. Requests mirror ZEO 5's server methods (see doc.go);
// the pushes are the server's callbacks.
const (
	OpNone Op = 0x00 // never sent in a request; used by error frames not tied to an op

	// Connection.
	OpRegister        Op = 0x01
	OpGetInfo         Op = 0x02
	OpLastTransaction Op = 0x03
	OpPing            Op = 0x04
	OpServerStatus    Op = 0x05

	// Reads.
	OpLoadBefore       Op = 0x10
	OpLoadSerial       Op = 0x11
	OpNewOIDs          Op = 0x12
	OpGetInvalidations Op = 0x13
	OpHistory          Op = 0x14
	OpRecordIterNext   Op = 0x15

	// Iterators.
	OpIteratorStart       Op = 0x20
	OpIteratorNext        Op = 0x21
	OpIteratorRecordStart Op = 0x22
	OpIteratorRecordNext  Op = 0x23
	OpIteratorGC          Op = 0x24 // one-way

	// Pack and undo.
	OpPack     Op = 0x30
	OpUndoLog  Op = 0x31
	OpUndoInfo Op = 0x32
	OpUndo     Op = 0x33 // one-way

	// Two-phase commit.
	OpTpcBegin           Op = 0x40 // one-way
	OpStore              Op = 0x41 // one-way
	OpCheckCurrentSerial Op = 0x42 // one-way
	OpRestore            Op = 0x43 // one-way
	OpDeleteObject       Op = 0x44 // one-way
	OpVote               Op = 0x45
	OpTpcFinish          Op = 0x46
	OpTpcAbort           Op = 0x47

	// Server pushes.
	OpInvalidateTransaction Op = 0x60
	OpInfo                  Op = 0x61

	// OpHello labels the error frame a server sends instead of its hello.
	OpHello Op = 0x7f
)

type opKind uint8

const (
	kindNone   opKind = iota
	kindCall          // request with a reply
	kindOneWay        // request without a reply
	kindPush          // server push
	kindHello         // handshake only
)

var opTable = [256]struct {
	name string
	kind opKind
}{
	OpNone:                  {"None", kindNone},
	OpRegister:              {"Register", kindCall},
	OpGetInfo:               {"GetInfo", kindCall},
	OpLastTransaction:       {"LastTransaction", kindCall},
	OpPing:                  {"Ping", kindCall},
	OpServerStatus:          {"ServerStatus", kindCall},
	OpLoadBefore:            {"LoadBefore", kindCall},
	OpLoadSerial:            {"LoadSerial", kindCall},
	OpNewOIDs:               {"NewOIDs", kindCall},
	OpGetInvalidations:      {"GetInvalidations", kindCall},
	OpHistory:               {"History", kindCall},
	OpRecordIterNext:        {"RecordIterNext", kindCall},
	OpIteratorStart:         {"IteratorStart", kindCall},
	OpIteratorNext:          {"IteratorNext", kindCall},
	OpIteratorRecordStart:   {"IteratorRecordStart", kindCall},
	OpIteratorRecordNext:    {"IteratorRecordNext", kindCall},
	OpIteratorGC:            {"IteratorGC", kindOneWay},
	OpPack:                  {"Pack", kindCall},
	OpUndoLog:               {"UndoLog", kindCall},
	OpUndoInfo:              {"UndoInfo", kindCall},
	OpUndo:                  {"Undo", kindOneWay},
	OpTpcBegin:              {"TpcBegin", kindOneWay},
	OpStore:                 {"Store", kindOneWay},
	OpCheckCurrentSerial:    {"CheckCurrentSerial", kindOneWay},
	OpRestore:               {"Restore", kindOneWay},
	OpDeleteObject:          {"DeleteObject", kindOneWay},
	OpVote:                  {"Vote", kindCall},
	OpTpcFinish:             {"TpcFinish", kindCall},
	OpTpcAbort:              {"TpcAbort", kindCall},
	OpInvalidateTransaction: {"InvalidateTransaction", kindPush},
	OpInfo:                  {"Info", kindPush},
	OpHello:                 {"Hello", kindHello},
}

// String returns the op's name ("LoadBefore"), or "Op(0x7e)" for an
// undefined code.
func (op Op) String() string {
	if n := opTable[op].name; n != "" {
		return n
	}
	return "Op(0x" + strconv.FormatUint(uint64(op), 16) + ")"
}

// IsCall reports whether op is a request that gets a reply.
func (op Op) IsCall() bool { return opTable[op].kind == kindCall }

// IsOneWay reports whether op is a request that gets no reply. Errors of
// one-way calls are reported by the next Vote of the same transaction.
func (op Op) IsOneWay() bool { return opTable[op].kind == kindOneWay }

// IsPush reports whether op is a server push.
func (op Op) IsPush() bool { return opTable[op].kind == kindPush }

// IsRequest reports whether op is a request a client may send.
func (op Op) IsRequest() bool { k := opTable[op].kind; return k == kindCall || k == kindOneWay }

// RequestFlags returns the flags a request frame of op carries: FlagOneWay
// for one-way ops, 0 otherwise.
func (op Op) RequestFlags() Flags {
	if op.IsOneWay() {
		return FlagOneWay
	}
	return 0
}

// Flags is the frame header's flag byte.
type Flags uint8

// Frame flags. The valid combinations are: 0 (a request that wants a
// reply), FlagOneWay (a request without reply), FlagReply (a result),
// FlagReply|FlagError (an error result), FlagPush (a server push) and
// FlagPush|FlagError (a server notice not tied to a request, such as the
// reason for closing the connection).
const (
	FlagReply  Flags = 1 << 0
	FlagError  Flags = 1 << 1
	FlagOneWay Flags = 1 << 2
	FlagPush   Flags = 1 << 3

	flagsDefined = FlagReply | FlagError | FlagOneWay | FlagPush
)

// Valid reports whether f is one of the defined flag combinations.
func (f Flags) Valid() bool {
	switch f {
	case 0, FlagOneWay, FlagReply, FlagReply | FlagError, FlagPush, FlagPush | FlagError:
		return true
	}
	return false
}

// String names the flags ("reply|error"), for logs.
func (f Flags) String() string {
	if f == 0 {
		return "call"
	}
	var b []byte
	for i, n := range [...]string{"reply", "error", "oneway", "push"} {
		if f&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, n...)
		}
	}
	if rest := f &^ flagsDefined; rest != 0 {
		if len(b) > 0 {
			b = append(b, '|')
		}
		b = append(b, "0x"...)
		b = strconv.AppendUint(b, uint64(rest), 16)
	}
	return string(b)
}
