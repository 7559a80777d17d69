// Package proto is the shared vocabulary of gozeo: object and transaction
// ids and ZODB TimeStamps (ids.go, timestamp.go), the values storages,
// server and clients exchange (types.go), the ZODB error values
// (errors.go), and the codec of gozeo's native binary protocol, which this
// comment specifies. It imports only the standard library and is the leaf
// of the import graph. ZEO 5's own wire format is decoded by the subpackage
// proto/zeo5 on the same server port; record compression lives in
// proto/compress.
//
// # The native protocol, version 1
//
// The operations mirror ZEO 5's server API and semantics (ZEO's
// StorageServer.py and ClientStorage.py at ZEO 6.0.1.dev, commit 21c78075:
// https://github.com/zopefoundation/ZEO/tree/21c78075/src/ZEO), with the
// fixes ZEO's own notes ask for: plain integer msgids, typed errors, errors
// of one-way calls reported instead of closing the connection. All
// integers are big-endian. Version is 1; any change to the layouts below
// takes a new version number.
//
// # Negotiation
//
// The server speaks first with ZEO's greeting, so stock ZEO clients work on
// the same port. Handshake frames are a u32 length and a payload of at
// most MaxHandshakeSize bytes (ReadHandshake):
//
//	server                                      client
//	  | -- 00000002 "Z5"  (or "M5": msgpack) -->  |
//	  |                                           |
//	  |  a stock ZEO client answers its letter+"5" ("Z5"/"M5") and speaks ZEO
//	  |  (proto/zeo5), or sends "ruok" (health check: stats JSON, then close).
//	  |                                           |
//	  | <-- 00000008 "GZ" u16 version  u32 features ----------  gozeo hello
//	  | --- 0000000c "GZ" u16 version  u32 features  u32 max_frame  server hello
//	  |        or an error frame (below): msgid 0, op Hello (0x7f),
//	  |        flags reply|error, e.g. VersionError, then close
//	  |                                           |
//	  | <========== native frames, both ways ===> |
//
//	hello        +------+---------+----------------+
//	(8 bytes)    | "GZ" | version | features       |   offered features
//	             | 2    | u16     | u32            |
//	             +------+---------+----------------+
//	server hello +------+---------+----------------+----------------+
//	(12 bytes)   | "GZ" | version | features       | max_frame      |   accepted subset; the
//	             | 2    | u16     | u32            | u32            |   largest length it reads
//	             +------+---------+----------------+----------------+
//
// Feature bits: bit 0 (FeatureCompressedRecords) the client accepts
// compressed object records: once accepted, the data fields of load and
// iterator replies may hold records in proto/compress's self-describing
// layout ('.' and a codec tag), which the client decompresses; without it
// the server sends plain records. Other bits are reserved and must be 0 in
// a server hello unless offered. A server that does not speak the requested
// version answers VersionError ("gozeo protocol version 2 not supported
// (server speaks 1)") and closes. ClassifyClientHandshake tells the
// server which kind of client it has.
//
// # Frames
//
//	 0        4        8    9    10
//	+--------+--------+----+----+---------------- ... -+
//	| length | msgid  | op |flag| body                 |
//	|  u32   |  u32   | u8 | u8 | length-6 bytes       |
//	+--------+--------+----+----+---------------- ... -+
//	length counts everything after itself (>= 6). A receiver rejects a
//	length above its maximum (DefaultMaxFrameSize, 64 MiB, unless
//	configured; the server announces its own in the server hello) from the
//	4-byte prefix alone, before reading or allocating the body.
//
//	flags   bit 0 reply   bit 1 error   bit 2 one-way   bit 3 push
//	valid:  0x00 request wanting a reply      0x04 one-way request (no reply)
//	        0x01 reply (result)               0x03 error reply (error body)
//	        0x08 server push                  0x0a server notice (error body,
//	        anything else: malformed frame         e.g. why the server closes)
//
// A reply carries its request's msgid and op. Requests may be pipelined;
// replies may come back out of order, so a client matches them by msgid
// (any values it likes; pushes and one-way requests use 0 by convention).
// Pushes are sent with msgid 0 and never answered. An unknown op is a
// well-formed frame: the server answers it with a ProtocolError reply.
//
// # Fields
//
//	u8 u16 u32 u64   fixed width; oid, tid, txn and iterator ids are u64;
//	i64              two's complement in a u64; f64: IEEE 754 bits in a u64
//	bool             u8, 0 or 1 (other values are rejected)
//	bytes            u32 n, then n bytes (n <= 0xfffffffe)
//	opt bytes        as bytes, but n = 0xffffffff means nil (absent),
//	                 distinct from empty (n = 0)
//	str              as bytes, UTF-8 by convention
//	list of X        u32 count, then count X
//	record           u64 oid · u64 tid · u64 data_txn · opt bytes data
//	                 (data nil: no data in this revision, e.g. an undone
//	                 creation; data_txn: tid a backpointer refers to, or 0)
//
// A body must be consumed exactly: trailing bytes are an error.
//
// # Operations
//
// "→" is the reply body; "(one-way)" requests get none. Txn is the
// client's transaction id, an opaque u64 compared only for equality.
//
//	op   name                request body                          → reply body
//	0x01 Register            str storage · bool read_only          → u64 last_tid
//	0x02 GetInfo             (empty)                               → i64 length · i64 size ·
//	                                                                 bool supports_undo ·
//	                                                                 bool supports_record_iternext ·
//	                                                                 bool read_only · str name ·
//	                                                                 list of str interfaces
//	0x03 LastTransaction     (empty)                               → u64 tid
//	0x04 Ping                (empty)                               → (empty)
//	0x05 ServerStatus        (empty)                               → i64 × 10: connections loads
//	                                                                 stores commits aborts active_txns
//	                                                                 conflicts conflicts_resolved
//	                                                                 waiting verifying ·
//	                                                                 f64 lock_time · f64 start ·
//	                                                                 u64 last_transaction ·
//	                                                                 bool timeout_enabled
//	0x10 LoadBefore          u64 oid · u64 before                  → u8 0 (no revision before)
//	                                                                 | u8 1 · bytes data ·
//	                                                                   u64 start · u64 end (0: current)
//	0x11 LoadSerial          u64 oid · u64 serial                  → bytes data
//	0x12 NewOIDs             u32 n (server caps to 1..100)         → list of u64 oids
//	0x13 GetInvalidations    u64 tid                               → u8 0 (too old)
//	                                                                 | u8 1 · u64 tid · list of u64 oids
//	0x14 History             u64 oid · u32 size                    → list of (u64 tid · i64 size ·
//	                                                                 bytes user · bytes description ·
//	                                                                 bytes extension), newest first
//	0x15 RecordIterNext      u64 next (0: start)                   → u8 0 (none)
//	                                                                 | u8 1 (last) · record · u64 next
//	                                                                 | u8 2 (more) · record · u64 next
//	0x20 IteratorStart       u64 start · u64 stop (0: unbounded)   → u64 iterator id
//	0x21 IteratorNext        u64 id                                → u8 0 (end)
//	                                                                 | u8 1 · u64 tid · u8 status ·
//	                                                                   bytes user · bytes description ·
//	                                                                   bytes extension
//	0x22 IteratorRecordStart u64 txn_iter · u64 tid                → u64 iterator id
//	0x23 IteratorRecordNext  u64 id                                → u8 0 (end) | u8 1 · record
//	0x24 IteratorGC          list of u64 ids                         (one-way)
//	0x30 Pack                u64 pack_time (tid) · bool gc · bool wait → (empty)
//	0x31 UndoLog             i64 first · i64 last                  → list of undo entries
//	0x32 UndoInfo            i64 first · i64 last ·                → list of undo entries
//	                         opt bytes user · opt bytes description
//	                         (nil: no filter; else exact match)
//	     undo entry          bytes id · u64 tid · i64 size · bytes user · bytes description ·
//	                         bytes extension
//	0x33 Undo                u64 txn · bytes undo id                 (one-way)
//	0x40 TpcBegin            u64 txn · u64 tid (0: assign at vote) ·  (one-way)
//	                         u8 status (0: ' ') · bytes user ·
//	                         bytes description · bytes extension
//	0x41 Store               u64 txn · u64 oid · u64 serial ·          (one-way)
//	                         bytes data
//	0x42 CheckCurrentSerial  u64 txn · u64 oid · u64 serial            (one-way)
//	0x43 Restore             u64 txn · u64 oid · u64 serial ·          (one-way)
//	                         u64 prev_txn · opt bytes data
//	0x44 DeleteObject        u64 txn · u64 oid · u64 serial            (one-way)
//	0x45 Vote                u64 txn                               → u64 tid · list of conflicts
//	                                                                 (u64 oid · u64 committed ·
//	                                                                 u64 read · bytes data) ·
//	                                                                 list of u64 resolved oids
//	0x46 TpcFinish           u64 txn                               → u64 tid
//	0x47 TpcAbort            u64 txn                               → (empty)
//
//	push                     body
//	0x60 InvalidateTransaction u64 tid · list of u64 oids
//	0x61 Info                  i64 length · i64 size
//
// # Errors
//
// An error reply's body is a u8 code and that code's fields. DecodeError
// rebuilds the proto error value, which callers match with errors.As;
// AppendError maps any error (through wrapping) onto the codes, and sends
// errors it does not know as ServerError{Class: "Error", Message:
// err.Error()}.
//
//	code  value                      fields
//	0x01  *POSKeyError               u64 oid
//	0x02  *ConflictError             u64 oid · u64 committed · u64 read · str class · str message
//	0x03  *ReadConflictError         as 0x02
//	0x04  *ReadOnlyError             str msg
//	0x05  *StorageTransactionError   str msg
//	0x06  *UndoError                 bool has_oid · u64 oid · str msg
//	0x07  *ServerError               str class · str message
//	0x08  *ProtocolError             str msg
//	0x09  *VersionError              u16 client · u16 server
//	0x0a  ErrNoRevision              (none)
//
// # Semantics
//
// The semantics are ZEO 5's (see the ZEO sources above and ZODB's
// interfaces.py), with these rules for the native protocol:
//
//   - Register comes first; it answers the last committed tid, or
//     ReadOnlyError when a writable connection is refused, or ServerError for
//     an unknown storage. Invalidations flow from then on.
//   - LoadBefore answers "no revision before that tid" as a result (found
//     0), not an error; a missing object is POSKeyError. For every reply
//     computed against a state S, the server queues it before the
//     invalidations of any transaction committed after S, so a client never
//     caches stale data as current.
//   - One-way calls (TpcBegin, Store, CheckCurrentSerial, Restore,
//     DeleteObject, Undo, IteratorGC) get no reply. Unlike ZEO, which closes
//     the connection when one fails, the server keeps the first error of a
//     transaction's one-way calls and returns it as the error reply of that
//     transaction's next Vote; the transaction is then gone on the server
//     and TpcAbort is a no-op. IteratorGC never fails.
//   - Vote takes the locks, assigns the tid, replays the stores and checks.
//     With client conflict resolution it may answer conflicts (tid 0,
//     nothing locked): the client resolves, stores again and votes again.
//     Otherwise conflicts are ConflictError / ReadConflictError replies.
//     Resolved lists oids the server resolved or undid.
//   - TpcFinish answers the committed tid. Before that reply the server
//     sends the committer every invalidation of an earlier tid, and an Info
//     push. Every other connection to the storage gets one
//     InvalidateTransaction per transaction, in tid order; unlike ZEO,
//     deleted and restored oids are included.
//   - GetInvalidations answers "too old" when the server's queue does not
//     reach back to the client's tid: the client drops its cache.
//
// # Code conventions
//
// Every message type M has Op(), AppendTo(dst) (the body only),
// AppendFrame(dst, msgid) (the whole frame with the flags of its role) and
// Decode(body). Decoding never panics, checks every length in 64-bit
// arithmetic against the remaining input, aliases byte fields into the
// input (valid as long as the frame buffer is), and decodes lists into the
// message's own slices, so a reused message decodes without allocating.
// Decode errors are *MessageError values naming the message, field and
// offset; frame errors are *FrameError. StartFrame / FinishFrame and
// StartBytesField / FinishBytesField let a server append object data
// straight from storage into a reply (see StartLoadBeforeReply).
package proto
