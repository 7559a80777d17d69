// Package cache is the ZEO client cache: a fixed-size file, mapped into
// memory, written round like a ring, that keeps the object revisions a
// client has loaded so it need not ask the server again. It follows ZEO's
// cache.py (https://github.com/zopefoundation/ZEO/blob/21c78075/src/ZEO/cache.py)
// in behaviour; the file layout is our own.
//
// # What it owns
//
// The file format, the in-memory index, the ring and its two policies
// (FIFO and TinyLFU, behind Policy), crash-safe writes, validation and
// repair at open, Check, and ZEO-format tracing. It does not talk to a
// server: cache verification after a reconnect (spec §4) is the client's
// job, built from Invalidate(oid, ZeroTid), Clear, LastTid and SetLastTid.
//
// # Semantics (ZEO's)
//
// A record is one revision of an object: oid, start tid (the transaction
// that wrote it), end tid (the transaction that wrote the next revision, or
// ZeroTid while it is current) and the data.
//
//   - Load(oid): the current record.
//   - LoadBefore(oid, T): the non-current record with the largest start
//     below T, if T <= its end; otherwise the current record if its start
//     is below T (end reported as ZeroTid); otherwise a miss.
//   - Store: a current record duplicating the cached one's start is a
//     no-op, with another start ErrCurrentConflict; a non-current record
//     already cached is a no-op; a record larger than the file is not
//     cached.
//   - Invalidate(oid, T): the current record becomes non-current with end
//     T; T equal to its start is ignored (logged); T = ZeroTid drops the
//     current record and keeps the non-current ones.
//   - SetLastTid: strictly increasing while the cache holds records (equal
//     is ignored).
//
// # File layout
//
// All integers little-endian; every block starts at a multiple of 8.
//
//	0        64                                                     Size
//	+--------+-------+--------+-------+-----------+-------+--------+
//	| header | block | block  | block |    ...    | block | block  |
//	+--------+-------+--------+-------+-----------+-------+--------+
//	                    ^ ring position: the next record goes here
//
//	header (64 bytes)
//	  0  4  magic "GZCF"
//	  4  4  format version (1)
//	  8  8  file size (the configured Size)
//	 16  4  zero
//	 20  4  CRC32C of bytes 0..19
//	 24  8  zero
//	 32 16  last-tid slot 0: tid u64 | generation u32 | CRC32C of the 12 bytes
//	 48 16  last-tid slot 1: the same; the valid slot with the higher
//	        generation holds the last tid, writes alternate between them
//
//	block word (the first 8 bytes of every block)
//	  bits  0..7   kind: 'a' record, 'f' free
//	  bits  8..15  check byte: a hash of kind and size
//	  bits 16..63  block size in bytes, a multiple of 8, word included
//
//	record block ('a')
//	  0  8  block word
//	  8  8  sequence number (increases with every record written)
//	 16  8  oid
//	 24  8  start tid
//	 32  8  end tid (0 = current)
//	 40  4  data length
//	 44  4  CRC32C of the data
//	 48  4  CRC32C of bytes 0..47 (covers the end tid: rewritten on
//	        invalidation)
//	 52  4  zero
//	 56  n  data, then zero padding to a multiple of 8
//
//	free block ('f'): the block word, then anything
//
// The blocks tile the file from 64 to Size: the chain of block words is
// always walkable. The in-memory index maps current oids to offsets and
// keeps, per oid, a short list of non-current (start, end, offset), all in
// pointer-free maps and a slab, so the garbage collector never scans it.
//
// # The ring and the policies
//
// A record is written at the ring position, evicting the records in the
// way; when it does not fit before the end of the file the ring wraps to
// offset 64 (the tail's records stay until the next lap). The Policy
// decides the rest. FIFO is ZEO's: plain eviction, and a hit on a current
// record more than 80% of the file behind the ring position is copied
// forward (ZEO's "rearrangement"). TinyLFU feeds every load to a frequency
// sketch (package cache/tinylfu); a record in the way whose oid is used
// more often than the new one's is passed over (it keeps its place and
// gets another lap), and after MaxSkips such passes the new record is
// refused. Scans of objects read once then replace only each other.
//
// # Crash safety
//
// Writes go through the shared mapping and reach the file even if the
// process is killed. A store (1) turns the space it takes into one free
// block with a single atomic word store, (2) writes the header, data and
// the trailing free block's word inside that free block, (3) stores the
// record's block word. Invalidation patches the end tid, then the header
// CRC; dropping a record rewrites its word as free. So a process killed at
// any instant leaves a walkable chain in which every record either checks
// out or fails its checksum. Nothing is fsynced per operation (ZEO does
// not either); Sync and Close msync.
//
// # Reopening
//
// A persistent file is locked (flock on path+".lock", one owner) and
// validated. A file with a foreign or damaged header is moved to
// path+".bad" (removed if a .bad exists, as ZEO does) and replaced by an
// empty cache; this is logged at Error. Otherwise every block is checked:
// a record whose word, checksums or fields fail is freed and logged (Warn);
// an unreadable block word ends the chain and the rest of the file becomes
// free (Warn). Of two copies of one revision the newer is kept. The ring
// position becomes the end of the newest record (highest sequence). A
// file of another size is resized in place, keeping what fits: growing
// appends free space, shrinking frees the block cut by the new end; a
// truncated file is extended the same way. A damaged last-tid slot falls
// back to the other slot (an older last tid is safe: verification asks the
// server for more invalidations); with both damaged the last tid is
// ZeroTid, which makes the client's verification drop the cache.
//
// A transient cache (path "") is a temporary file unlinked as soon as it
// is mapped; OpenMemory uses a plain buffer with the same layout (the
// simulator in cache/trace runs on it).
//
// # Tracing
//
// With Options.TracePath, or $GOZEO_CACHE_TRACE for a file-backed cache,
// every event is appended to a trace file in ZEO's format (spec §5.4;
// TraceRecord), so the tools in cache/trace read ZEO's traces and ours
// alike. Where ZEO's fields are odd we write: 0x24 (non-current miss) with
// tid 0 and the before tid in the end field, as ZEO; 0x26 (non-current
// hit) with the revision's start and end and its data length, where ZEO
// (Python 2; Python 3 fails) wrote tid 0 and the start in the end field.
// A LoadBefore miss is traced once as 0x24 (ZEO also traced 0x20 from
// its inner load). Every store that is not a duplicate is traced, even
// when the policy refuses it or it is too big, so a simulator sees the
// client's demand.
package cache
