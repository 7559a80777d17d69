// Pickle opcodes: the constants this package reads and writes, their names
// for error messages, and ZEO's whitelist of global modules.

package zeo5

// Pickle opcodes this package reads (and, marked *, writes).
const (
	opMark           = '(' // *
	opStop           = '.' // *
	opBinint         = 'J' // *
	opBinint1        = 'K' // *
	opBinint2        = 'M' // *
	opNone           = 'N' // *
	opBinunicode     = 'X' // *
	opAppend         = 'a' // *
	opBuild          = 'b' // *
	opGlobal         = 'c' // *
	opEmptyDict      = '}' // *
	opAppends        = 'e' // *
	opBinget         = 'h'
	opLongBinget     = 'j'
	opEmptyList      = ']' // *
	opBinput         = 'q' // * (extension pickles only)
	opLongBinput     = 'r' // * (extension pickles only)
	opSetitem        = 's' // *
	opTuple          = 't' // *
	opEmptyTuple     = ')' // *
	opSetitems       = 'u' // *
	opBinfloat       = 'G' // *
	opReduce         = 'R' // *
	opProto          = 0x80
	opNewobj         = 0x81 // *
	opTuple1         = 0x85 // *
	opTuple2         = 0x86 // *
	opTuple3         = 0x87 // *
	opNewtrue        = 0x88 // *
	opNewfalse       = 0x89 // *
	opLong1          = 0x8a // *
	opLong4          = 0x8b
	opBinbytes       = 'B' // *
	opShortBinbytes  = 'C' // *
	opShortBinunicod = 0x8c
	opBinunicode8    = 0x8d
	opBinbytes8      = 0x8e
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
)

var opNames = map[byte]string{
	opMark: "MARK", opStop: "STOP", opBinint: "BININT", opBinint1: "BININT1",
	opBinint2: "BININT2", opNone: "NONE", opBinunicode: "BINUNICODE",
	opAppend: "APPEND", opBuild: "BUILD", opGlobal: "GLOBAL",
	opEmptyDict: "EMPTY_DICT", opAppends: "APPENDS", opBinget: "BINGET",
	opLongBinget: "LONG_BINGET", opEmptyList: "EMPTY_LIST", opBinput: "BINPUT",
	opLongBinput: "LONG_BINPUT", opSetitem: "SETITEM", opTuple: "TUPLE",
	opEmptyTuple: "EMPTY_TUPLE", opSetitems: "SETITEMS", opBinfloat: "BINFLOAT",
	opReduce: "REDUCE", opProto: "PROTO", opNewobj: "NEWOBJ", opTuple1: "TUPLE1",
	opTuple2: "TUPLE2", opTuple3: "TUPLE3", opNewtrue: "NEWTRUE",
	opNewfalse: "NEWFALSE", opLong1: "LONG1", opLong4: "LONG4",
	opBinbytes: "BINBYTES", opShortBinbytes: "SHORT_BINBYTES",
	opShortBinunicod: "SHORT_BINUNICODE", opBinunicode8: "BINUNICODE8",
	opBinbytes8: "BINBYTES8", opStackGlobal: "STACK_GLOBAL",
	opMemoize: "MEMOIZE", opFrame: "FRAME",
}

func opcodeName(op byte) string {
	if n, ok := opNames[op]; ok {
		return n
	}
	return "unknown"
}

// allowedGlobalModules are the modules ZEO's server unpickler lets a GLOBAL
// name; anything else closes the connection there.
func allowedGlobalModule(m []byte) bool {
	switch string(m) {
	case "ZopeUndo.Prefix", "zodbpickle", "builtins", "copy_reg", "__builtin__":
		return true
	}
	return false
}
