// Package engine is gozeo's storage server: it shares named storages among
// many clients over TCP or unix sockets, on the gnet event loop.
//
// # Contract
//
// The engine owns connections, the handshake, request dispatch, two-phase
// commit (per-oid locks, conflict detection, client-side conflict
// resolution), invalidation fan-out, the invalidation queue, transaction
// timeouts and statistics. It does not own storage: it declares the narrow
// Storage interface it needs (storage.go), which fsstore satisfies through
// a small adapter in tools. The engine imports proto and gnet only; callers
// never import gnet (Options is our own struct).
//
// One listening address serves two kinds of clients. The server speaks
// first with ZEO's greeting ("Z5", or "M5" with Options.Msgpack); a stock
// ZEO 5 client answers with the same two bytes and is served in ZEO's own
// wire format (proto/zeo5); a gozeo client answers with its native hello
// and is served in the native binary protocol (proto). Both decode into
// one protocol-neutral request and share every code path below.
//
// # Threads of control
//
//	event loops (gnet, GOMAXPROCS-1 of them)      workers (Options.Workers)
//	─────────────────────────────────────         ─────────────────────────
//	OnTraffic: peek length, peek frame,           cold loads, loadSerial,
//	  decode, dispatch, Discard; answer           history, iterators, undo
//	  what needs no disk (warm loads via          log, new_oids, replayed
//	  Storage.TryLoadBefore, register,            getInvalidations
//	  get_info, ping, status) into one
//	  buffer written once per OnTraffic          commit goroutines
//	                                             ─────────────────
//	mailbox flush (gnet Execute): writes          vote: lock oids in order,
//	  what other goroutines queued for the          replay the log, Storage vote
//	  loop's connections, one writev per          finish: Storage Finish, whose
//	  connection per flush                          onCommit publishes
//
// Nothing that may block runs on a loop: disk reads that are not resident,
// lock waits, fsync and pack all run elsewhere and hand their replies back
// through the loop's mailbox.
//
// # Commit
//
// tpc_begin and the one-way calls (store, checkCurrentSerial, restore,
// deleteObject, undo) only fill the connection's commit log. vote takes a
// lock on every oid the transaction touches, in ascending oid order (no
// deadlock), replays the log into a storage transaction (serial checks
// happen under the locks) and votes, which assigns the tid. Transactions
// on disjoint oids vote concurrently; the storage finishes them in tid
// order and covers finishes that arrive together with one fsync. A store
// conflict is returned to the client with the committed serial and the
// client's data, so it can resolve the conflict and store again: gozeo
// always behaves like ZEO with client-conflict-resolution on, since a Go
// server cannot run Python conflict resolution. A read conflict or any
// other error aborts the transaction.
//
// # Ordering guarantees (per connection)
//
//   - A load reply computed before commit T is written before T's
//     invalidation. Loads answered on the loop are written before any task
//     queued later runs; loads answered by workers hold the storage's
//     publication lock for reading until their reply is queued, and
//     publication takes it for writing.
//   - The committer receives every earlier transaction's invalidation
//     before its tpc_finish reply: replies and invalidations are queued by
//     the storage's onCommit callback, which runs in tid order.
//   - Invalidations arrive in increasing tid order; the committer gets none
//     for its own transaction.
//
// # Limits
//
// Options bound the frame size (checked on the length prefix, before any
// body is buffered), connections, bytes waiting for a client that stops
// reading, requests queued to workers per connection, and how long a
// client may hold commit locks. Each limit logs the client's address when
// it bites.
package engine
