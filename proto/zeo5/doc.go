// Package zeo5 speaks ZEO 5's own wire protocol, so that stock Python
// ZODB clients (ZEO 5 and 6 ClientStorage) can talk to a gozeo server
// unchanged. It owns the framing, the handshake, both message encodings
// (pickle "Z5" and msgpack "M5"), a reusable allocation-free decoder, an
// encoder producing byte-identical output to Python's, and helpers for
// every reply shape, so the server needs no pickle or msgpack knowledge.
// It does not own dispatch, storage semantics or connections. The
// reference is ZEO 6.0.1 (zopefoundation/ZEO, commit 21c78075:
// src/ZEO/asyncio/marshal.py, server.py, StorageServer.py), checked byte
// for byte against recorded conversations of that server with stock
// clients.
//
// # Frames
//
// Each direction of a connection is a series of frames:
//
//	+-------------------+--------------------------------+
//	| length (u32, BE)  | payload: length bytes, >= 1    |
//	+-------------------+--------------------------------+
//
// ReadFrame is a pure function (n == 0 while incomplete) that rejects a
// zero length and a length over its limit from the prefix alone.
// StartFrame/FinishFrame write a frame in place (length patched last).
//
// # Handshake
//
//	server -> client   "Z5" (pickle) or "M5" (msgpack)
//	client -> server   "Z5" / "M5": the client's letter picks the encoding
//	                   of the connection, or "ruok": the server then sends
//	                   its greeting and one JSON frame (AppendRuokReply)
//	                   and closes
//	then RPC frames; the first call must be register
//
// # Messages
//
// Every RPC payload is one 4-sequence (msgid, flags, name, args):
//
//	call          (n,       False, "method", (args...))   n counts from 1
//	async call    (0,       True,  "method", (args...))   both directions
//	loadBefore    ((oid, tid), False, "loadBefore", (oid, tid))
//	reply         (msgid,   0,     ".reply", result)      msgid echoed
//	error reply   (msgid,   2,     ".reply", (class_name, state))
//	heartbeat     (-1,      0,     ".reply", None)        client only
//
// Flags are read by truth value and may be a bool or an int. Decode
// returns the msgid also as its exact encoded bytes (Message.MsgIDRaw) for
// the reply to echo.
//
// # Pickle (Z5)
//
// What zodbpickle's Pickler(protocol=3) with fast=1 writes, and what this
// package emits for messages:
//
//	80 03 ( msgid flags name args t .      PROTO 3, MARK ... TUPLE, STOP
//
//	None N          False/True 89/88       int K u8 | M u16 | J i32 |
//	float G f64be   str X u32 utf8             8a LONG1 n two's complement
//	bytes C u8 | B u32 (below 256 bytes: C)
//	tuple ) | item 85 | 2 items 86 | 3 items 87 | ( items t
//	list  ] | ] item a | ] ( items e          (batches of 1000: ( ... e)
//	dict  } | } k v s  | } ( k v ... u        (batches of 1000: ( ... u)
//
// The decoder also accepts what a protocol 2-4 pickler may add: BINPUT q,
// LONG_BINPUT r, MEMOIZE 94, BINGET h, LONG_BINGET j, FRAME 95, LONG4 8b,
// SHORT_BINUNICODE 8c, BINUNICODE8 8d, BINBYTES8 8e, and globals (GLOBAL c,
// STACK_GLOBAL 93) with REDUCE R, NEWOBJ 81 and BUILD b, as objects. As in
// ZEO's server, a global must come from ZopeUndo.Prefix, zodbpickle,
// builtins, copy_reg or __builtin__; nothing is ever imported or called.
// Extension pickles (the transaction metadata ZODB stores) are written
// with the memo on, as pickle.dumps(ext, 3) does (AppendExtensionPickle).
//
// # Msgpack (M5)
//
// What msgpack.packb(use_bin_type=True) writes, and what ZEO unpacks with
// raw=False, use_list=False:
//
//	94 msgid flags name args               fixarray of 4
//
//	nil c0   false/true c2/c3   float cb f64be (ca f32 accepted)
//	int  00-7f, e0-ff, cc-cf uint8..64, d0-d3 int8..64 (smallest form)
//	str  a0-bf, d9, da, db (strict UTF-8)   bin c4, c5, c6 (smallest form)
//	array 90-9f, dc, dd                     map 80-8f, de, df
//
// Arrays decode as tuples. Map keys must be str or bin.
//
// # Deliberately refused
//
// Unknown opcodes and type bytes (protocol 0-1 text opcodes, PERSID, sets,
// msgpack ext types, 0xc1); globals outside the list above; integers
// outside [-2^63, 2^64-1]; str that is not strict UTF-8 (lone surrogates
// too, which Python's pickle would pass); list or dict map keys; values
// left on the pickle stack or bytes after STOP or after the msgpack object
// (Python ignores trailing pickle bytes); lists, dicts or objects changed
// after being placed in another container, which is the only way to build
// a cycle; nesting deeper than Options.MaxDepth (100) and more values than
// Options.MaxValues. Every failure is a *DecodeError naming the encoding,
// the byte offset and the opcode.
//
// # Memory
//
// A Decoder keeps its arena (values, containers, the pickle stack and
// memo) between messages: after warm-up, Decode allocates nothing. Bytes
// and str values alias the payload. The hot replies (loadBefore with the
// object data appended straight into the output buffer, tid replies, the
// invalidateTransaction and info callbacks) are plain append functions
// that allocate nothing; a Writer, reused, allocates nothing either.
package zeo5
