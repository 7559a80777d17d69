// Package fsstore is ZODB's FileStorage in Go: it reads and writes Data.fs
// byte for byte as Python ZODB does (ZODB/FileStorage/format.py at
// https://github.com/zopefoundation/ZODB/blob/1079a96c/src/ZODB/FileStorage/format.py
// and FileStorage.py next to it).
//
// It owns the log format, the oid -> position index and its file, crash
// recovery, two-phase commit with pipelined votes and group commit,
// undo, iteration, verification and pack with garbage collection. It does
// not own conflict resolution (the server's) or pickles (fsstore/pickle,
// which pack uses to find references).
//
// # Data.fs
//
// All integers are unsigned big-endian; a position is a byte offset from
// the start of the file.
//
//	0    "FS30"                      magic (FS21: Python 2 files, read-only)
//	4    transaction, transaction, ...
//
//	transaction at tpos:
//	+0   tid      8                  strictly increasing through the file
//	+8   tlen     8                  length without the trailing copy
//	+16  status   1                  ' ' committed, 'p' packed,
//	                                 'c' voted, not finished, 'u' obsolete
//	+17  ulen 2, dlen 2, elen 2
//	+23  user, description, extension (a protocol-3 dict pickle or empty)
//	     data records ... up to tpos+tlen
//	+tlen  tlen   8                  redundant copy: walk back with it
//	next transaction at tpos+tlen+8
//
//	data record at pos:
//	+0   oid 8, tid 8
//	+16  prev     8                  oid's previous record, 0 if none
//	+24  tloc     8                  == tpos
//	+32  vlen     2                  always 0
//	+34  plen     8
//	+42  pickle (plen bytes), or, when plen == 0, back (8 bytes): the
//	     record holding the data (follow the chain; the revision's tid is
//	     the referring record's); back 0 = no data (deleted, creation
//	     undone): loads give POSKeyError, the oid stays in the index.
//
// The commit point is the status byte at tpos+16: Vote writes the whole
// transaction with 'c', Finish flips it and syncs. On open, a torn tail, a
// 'c' transaction or a length running past the end is cut off into
// Data.fs.trN (read-only opens just stop there); damage inside the file is
// a *RecordError (errors.Is(err, ErrCorruption)). Unlike Python,
// LastTransaction is the last surviving transaction, never the tid of a
// discarded tail. A transaction header whose length runs past the end of
// the file is treated as a torn tail even when complete transactions
// follow it (a damaged byte in the middle: ZODB does the same and keeps
// the first part); the cut bytes are kept in the .trN file and the open
// logs an error saying how many complete transactions they hold.
//
// # Durability and pipelining
//
// Vote writes the transaction at the tail of the file with one pwrite.
// Several transactions may be voted at once (the server's per-oid locks
// keep them disjoint; fsstore refuses a Vote that shares an oid with
// another voted one); they sit back to back at the tail in tid order.
// Finishes are acknowledged in that order. A committer goroutine syncs
// voted data as soon as it is written (while the vote's answer travels to
// the client), then takes every transaction whose Finish is pending at
// the head of the queue, fdatasyncs the data if that early sync has not
// covered it yet, flips all their status bytes, fdatasyncs once for the
// whole group, publishes them to readers, and calls each onCommit in tid
// order with no lock held. The data is made durable before any status
// byte changes, so a crash in the middle of a sync can never leave a ' '
// transaction whose records did not reach the disk. Aborting a voted
// transaction truncates the file at its position and rewrites the later
// voted ones lower down (their tids stay; nothing committed points into
// them). So the file is always: committed transactions, then complete 'c'
// transactions.
//
// # Reading
//
// The log is mapped read-only (MAP_SHARED) with a large reserve beyond the
// end of the file; appends go through pwrite and become visible through
// the mapping. Readers never touch bytes past the committed end. When the
// file outgrows the mapping a larger one replaces it; retired mappings
// stay mapped until Close. Loads copy the pickle once, into the caller's
// buffer. TryLoadBefore checks page residency first and answers
// ErrWouldBlock instead of faulting: a bitmap of pages seen resident (set
// by mincore and by the store's own writes, rebuilt from mincore every
// second) answers without a system call; pages it does not know get an
// exact mincore.
//
// # Index and side files
//
// The in-memory index maps oid -> position of the current record in
// pointer-free pages of 4096 six-byte positions (index.go). Close saves it
// to Data.fs.gzindex:
//
//	0    "GOZEOIDX" 8, version 4, page shift 2, position bytes 2
//	16   pos 8       log position covered (a transaction boundary)
//	24   tid 8       tid of the transaction ending at pos
//	32   size 8, device 8, inode 8, first tid 8   identity of the log
//	64   oids 8, max oid 8, pages 8
//	88   zero 8      reserved
//	96   pages: page key 8, then 4096 x 6-byte positions, ...
//	end  CRC32C 4    of everything before
//
// Open uses it only when it matches the log (same device and inode, same
// first transaction, pos inside the file and ending a transaction with
// that tid, a sample of that transaction's records indexed at their
// positions), then scans the log after pos. Otherwise, or when it is
// missing or damaged, it logs why and scans the whole log. Python's
// Data.fs.index is never read; it is deleted whenever recovery truncates
// Data.fs, so that Python cannot trust a stale one.
//
// Data.fs.oids holds the oid high-water mark ("GOZEOOID", u64 mark,
// CRC32C), raised and fsynced in blocks before NewOIDs hands oids out, so
// oids are never reused after a restart, a crash or a pack. Data.fs.lock
// is taken with flock(LOCK_EX|LOCK_NB) and holds " <pid>\n", exactly as
// zc.lockfile does, so a Python writer and a Go writer exclude each other.
//
// # Locks
//
// Store.mu (RWMutex) guards what readers see: the mapping, the index, the
// committed end and last tid. Loads and iterator steps hold it shared.
// pipeline.mu is the commit lock: tail, voted queue, tid assignment.
// Order: pipeline.mu, then Store.mu, then Store.oidMu.
//
// # Pack
//
// Store.Pack is ZODB's fspack (FileStorage/fspack.py): the file is
// rewritten into Data.fs.pack while loads and commits go on, then swapped
// in. Phase one reads the committed log through a pinned view: the
// current record of every oid at the pack time (fspack's strict checks:
// increasing tids, no 'c', sound lengths and pointers), packpos (the
// first transaction after the pack time), and with GC the objects
// reachable from oid 0 through strong references only (weak and
// cross-database references keep nothing alive; records are decompressed
// before their references are read), plus the revisions that backpointers
// after packpos lead to (and what those reach: more than ZODB, which does
// not follow them for otherwise unreachable oids). Phase two writes the
// transactions up to the pack time that keep a record, with status 'p',
// prev 0 and the data inlined; then every later transaction unchanged in
// shape, prev re-pointed, a backpointer kept when the new file has its
// target transaction with a record of the oid holding the same data.
// Commits made meanwhile are copied in rounds without locks; the last
// round and the swap take pipeline.mu (new votes wait, the voted queue
// drains first), then Store.mu exclusively: Data.fs -> Data.fs.old,
// Data.fs.pack -> Data.fs, a new mapping (old mappings stay mapped until
// Close for pinned readers), the new index and end installed at once,
// Store.gen bumped, residency forgotten. The .pack file and the directory
// are fsynced, Python's Data.fs.index is deleted, our index file is
// rewritten, and the oid mark is raised first so that oids dropped by GC
// are never handed out again. tids never change; positions do:
//
//   - a transaction that took positions before the swap (Store, Delete,
//     CheckCurrentSerial) is re-checked at Vote by serial, as ZODB does;
//     one holding undo or restore backpointers fails (ErrRepacked,
//     UndoError for undo): retry it;
//   - an iterator continues with the next tid; a record iteration inside
//     a transaction the pack rewrote ends with ErrRepacked;
//   - Verify restarts on the new file.
//
// Policies where ZODB raises: a strong reference to an object without
// data at the pack time (missing, creation undone, deleted) is reported
// in PackResult.Dangling and the log, the object treated as absent, and
// the pack completes (ZODB aborts with KeyError; gozeo fsrefs finds them
// beforehand). A backpointer after the pack time whose target transaction
// was dropped gets its data inlined (ZODB fails with "Invalid backpointer
// transaction id", e.g. with GC off on undo-across-packtime.fs). A record
// whose references cannot be read, or a root without data while other
// objects have some, aborts a GC pack: guessing could drop live objects.
// Packing to a time when everything was packed already is a no-op
// (RedundantPackWarning), as is a pack that would drop nothing. Undo and
// UndoLog are refused while a pack runs; a second Pack gets
// ErrPackInProgress; cancelling the context before the swap removes
// Data.fs.pack and leaves Data.fs untouched.
package fsstore
