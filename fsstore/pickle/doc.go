// Package pickle extracts persistent references and class names from ZODB
// record pickles without unpickling them.
//
// # What a record is
//
// A ZODB data record is two pickles written one after the other: the class
// metadata, then the object state. Both are read by one unpickler, so they
// share one memo: the state pickle may BINGET a value (typically the class)
// that the class pickle BINPUT.
//
//	+-------------------------------+-------------------------------------+
//	| pickle 1: class metadata      | pickle 2: state                     |
//	| \x80 \x03 c mod\n name\n q 0 . | \x80 \x03 } q 1 ... Q ... .          |
//	+-------------------------------+-------------------------------------+
//	 <---------------------- one memo for both -------------------------->
//
// Pickle 1 is one of: GLOBAL cls; (cls, newargs) for classes with
// __getnewargs__; ((module, name), None) in old files.
//
// # Persistent ids
//
// Every BINPERSID ('Q', pops a value) and PERSID ('P', a text line) is a
// persistent id. They are classified as ZODB's serialize.py does:
//
//	pid value                      Form               StrongRefs
//	-----------------------------  -----------------  ----------
//	(oid, klass)                   FormOidClass       oid
//	oid  (bytes, or ASCII str)     FormOid            oid
//	['w', (oid,)] / ['w', (oid, db)]  FormWeak        -
//	['n', (db, oid)]               FormCrossDBNoClass -
//	['m', (db, oid, klass)]        FormCrossDB        -
//	[oid]                          FormLegacyWeak     -
//	any other list                 FormUnknown        -
//
// StrongRefs returns exactly what ZODB's referencesf returns: the oids of
// the strong, same-database forms, duplicates kept, in pickle order. A pid
// that is neither a tuple, bytes, str nor list, or whose oid is not 8
// bytes, is an error (Python's referencesf fails on it too).
//
// The oid inside a pid may be written as protocol 3 bytes (C, B, \x8e), as a
// Python 2 string (U, T, S, from FS21 files written with protocol 1 or 2),
// as a str (X, \x8c, \x8d, V, P) holding ASCII only, or fetched from the memo
// (h, j, g). The klass is usually a GLOBAL; the ancient (module, name) tuple
// form gives the same "module.name".
//
// # The machine
//
// The scanner is a minimal stack machine, not an unpickler: it keeps
// bytes and str values as views of the input, tuples and lists as their
// first three items plus a count, globals as (module, name), and every other
// value as an opaque placeholder. It enforces the same stack discipline as
// CPython's C unpickler (an operation never reaches below the innermost
// MARK), understands every opcode of protocols 0 to 5, and rejects unknown
// opcodes, stack underflow, missing marks, unset memo indices, lengths past
// the end of the input and marks nested deeper than MaxMarkDepth. Every
// error is an *Error carrying the byte offset and the opcode. No length
// read from the input is ever used to allocate: values are views of the
// input, and the memo grows densely only for consecutive indices.
//
// Bytes after the second STOP are ignored, as Python's referencesf ignores
// them.
//
// # Allocation
//
// A Scanner is reusable and not safe for concurrent use. After a warm-up
// that sizes its stack, memo and tables, StrongRefs and References do not
// allocate (References interns class and database names per Scanner).
//
// This package imports only proto; it does not depend on package fsstore.
package pickle
