// Package client is gozeo's ClientStorage: a ZODB storage that talks to
// gozeo servers (package engine) over the native protocol (package proto),
// with a client cache (package cache) in front. It follows ZEO's
// ClientStorage (ZEO 6.0.1.dev, commit 21c78075:
// https://github.com/zopefoundation/ZEO/blob/21c78075/src/ZEO/ClientStorage.py)
// in options, semantics and failure behaviour; the connection layer follows
// neo/go's ZEO client (one reader goroutine, a msgid → waiter table,
// pooled buffers).
//
// # Contract
//
// Open takes one or more addresses ("host:port", "[ipv6]:port", or a unix
// socket path, which contains a slash), all assumed to serve the same
// storage, and keeps the client connected to one of them, reconnecting
// after any loss. Every method is safe for concurrent use. Loads from many
// goroutines share one connection: requests are pipelined, replies are
// matched by msgid, and concurrent misses for the same (oid, tid) share one
// request. One transaction runs at a time (TpcBegin waits for the previous
// one, as ZEO's commit lock does).
//
// The client owns dialing, TLS, the handshake, registration, cache
// verification, invalidations, reconnection and read-only fallback. It
// does not resolve conflicts (Vote returns them; the caller stores again)
// and does not keep objects in memory (that is the application's, told by
// OnInvalidate).
//
// # Goroutines
//
//	manager (one per Client)        connect rounds: every address at once,
//	                                registration, verification; backoff
//	                                between failed rounds; probes for a
//	                                writable server while read-only
//	attempts (one per address,      dial, TLS, handshake, Register
//	 per round)
//	reader (one per connection)     reads frames; for each reply, finds the
//	                                waiter by msgid, and for loads and
//	                                TpcFinish updates the cache before the
//	                                next frame; applies invalidation pushes
//	callers                         append request frames to the write
//	                                buffer; whoever finds no write in
//	                                progress writes everything queued (so
//	                                frames coalesce, with no writer
//	                                goroutine); then wait on their waiter
//
// No goroutine is started per request. Waiters (with their reply buffers)
// are pooled; a cache hit, and a load round trip once warm, allocate
// nothing.
//
// # Ordering
//
// The server sends the reply to a load computed before commit T ahead of
// T's invalidation. The reader keeps that order in the cache: it stores a
// loaded revision, or the data of the client's own commit, before it reads
// the next frame, and it applies every invalidation (cache, then
// OnInvalidate, then the cache's last tid) before the next frame too. A
// revision cached as current is therefore always invalidated by a later
// commit, however the caller goroutines are scheduled. Sync asks the
// server's last tid and waits until the client has applied it, so it also
// covers invalidations the server queued before a reply it sent earlier.
//
// # Verification (spec §4), at every connect
//
//	Register ──► last tid S from the server; pushes for tids > S are queued
//	   │
//	   ├─ cache empty ............................. nothing (tid reset if > S)
//	   ├─ cache last tid 0, records held ........... drop the cache
//	   ├─ cache last tid C > S ..................... refuse the server (Error
//	   │                                             log; retry later; nothing
//	   │                                             is read from it)
//	   ├─ C == S ................................... up to date
//	   └─ C < S ── GetInvalidations(C) ─┬─ oids, tid N: drop those oids'
//	                                    │  current revisions (S = max(S, N))
//	                                    └─ too old: drop the cache
//	   │
//	   ▼
//	GetInfo ─► OnInvalidate(S, oids), or OnInvalidate(S, nil) if dropped
//	   ─► cache last tid = S ─► apply queued pushes with tid > S ─► connected
//
// Until the last step the connection serves nothing: no stale read is ever
// served after a reconnect. Non-current revisions survive verification:
// their ranges are exact. With ReadOnlyFallback, a read-only connection is
// used while the manager probes every MinDisconnectPoll for a writable
// server; when one accepts, the read-only connection is retired (its calls
// in flight get up to 5 s) and a new round connects, preferring writable
// servers, and verifies again.
//
// # While disconnected
//
// LoadBefore, Load and LoadSerial answer from the cache when it holds the
// revision, as ZEO does. Every cached revision is exact as of
// LastTransaction, the last tid whose invalidations were applied: a
// non-current revision is exact forever, and a current one was current at
// that tid. So loads with before <= LastTransaction()+1 (what a ZODB
// connection asks for within a transaction that began while connected)
// are exact; a load of the current revision (MaxTid) returns the revision
// current at LastTransaction, which may have been replaced on the server
// meanwhile. A miss, and every other call that needs the server, waits up
// to WaitTimeout for a connection, then fails with ErrDisconnected (the
// error also wraps why the last attempt failed). Calls in flight when the
// connection drops fail at once with ErrDisconnected; a transaction begun
// on a lost connection fails with ErrDisconnected and Abort ignores it.
// LastTransaction, Info, CacheStats and new oids already prefetched are
// answered locally.
//
// # Own commits
//
// The server does not send a client the invalidations of its own commits.
// Finish (on the reader, when the TpcFinish reply arrives) invalidates
// every oid the transaction wrote, caches the data stored as the current
// revisions (except oids the server resolved or undid, which are only
// invalidated), calls OnInvalidate with the oids and sets the last tid.
//
// # Compression
//
// Options.CompressedRecords offers proto.FeatureCompressedRecords. When the
// server accepts it, object data in load, loadSerial and iterator replies
// may be compressed (proto/compress's layout: ".z" zlib as zc.zlibstorage
// writes it, ".Z" zstd, ".S" s2). The cache keeps records as they arrived,
// so the same cache size holds more objects; every read returns plain data
// (a compressed cache hit is decompressed into the caller's buffer through
// pooled scratch space, allocating nothing). Options.CompressStores
// compresses what the client stores (records that would not shrink go as
// they are); the client caches its own commits in that form too.
//
// # Not supported
//
// Blobs; the client label (the native protocol has no set_client_label:
// Options.Name only labels the log); prefetch; an in-memory object cache.
package client
