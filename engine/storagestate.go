// Per-storage server state: registered connections, commit locks, the
// invalidation queue and statistics.

package engine

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gozeo/gozeo/proto"
)

type storageState struct {
	srv      *Server
	name     string
	st       Storage // records as stored (compressed ones too)
	plain    Storage // records decompressed, for clients that want them plain
	readOnly bool
	locks    *lockTable
	invq     *invalQueue
	packing  atomic.Bool

	// pubMu orders commit fan-out against loads answered by workers: a
	// worker holds it for reading from before it reads the storage until
	// its reply is queued; publish holds it for writing while it queues a
	// transaction's invalidations. So a reply computed before a commit is
	// always queued before that commit's invalidation.
	pubMu sync.RWMutex
	// shared holds the invalidation of the transaction being published,
	// encoded once per codec kind. REQUIRES: pubMu held for writing.
	shared  [numCodecKinds]*outBuf
	targets []*conn // scratch for publish. REQUIRES: pubMu held for writing.

	connsMu sync.Mutex
	conns   map[*conn]struct{}

	stats storageStats
}

type storageStats struct {
	connections, loads, stores, commits, aborts, activeTxns,
	conflicts, conflictsResolved, verifying atomic.Int64
}

func newStorageState(s *Server, ns NamedStorage) (*storageState, error) {
	if ns.Storage == nil {
		return nil, fmt.Errorf("engine: storage %q is nil", ns.Name)
	}
	st := &storageState{
		srv:      s,
		name:     ns.Name,
		st:       ns.Storage,
		plain:    plainStorage{Storage: ns.Storage, max: int(s.opts.MaxFrameSize)},
		readOnly: ns.ReadOnly,
		locks:    newLockTable(),
		invq:     newInvalQueue(s.opts.InvalidationQueueSize),
		conns:    make(map[*conn]struct{}),
	}
	recent, err := ns.Storage.LastInvalidations(s.opts.InvalidationQueueSize)
	if err != nil {
		return nil, fmt.Errorf("engine: storage %q: reading recent transactions: %w", ns.Name, err)
	}
	for _, inv := range recent {
		st.invq.add(inv.Tid, inv.Oids)
	}
	st.invq.setFloor(ns.Storage.LastTransaction())
	return st, nil
}

// addConn registers c for invalidations and returns the last tid: every
// transaction after it will be sent to c, and none before. (A transaction
// becomes visible in the storage before its publish runs, so a client may
// register in between, already seeing it: publish skips it for that
// client.)
func (st *storageState) addConn(c *conn) proto.Tid {
	st.connsMu.Lock()
	defer st.connsMu.Unlock()
	st.conns[c] = struct{}{}
	st.stats.connections.Add(1)
	c.regTid = st.st.LastTransaction()
	return c.regTid
}

func (st *storageState) removeConn(c *conn) {
	st.connsMu.Lock()
	defer st.connsMu.Unlock()
	if _, ok := st.conns[c]; ok {
		delete(st.conns, c)
		st.stats.connections.Add(-1)
	}
}

// info is what get_info reports.
func (st *storageState) info() proto.StorageInfo {
	name := st.name
	if p, ok := st.st.(interface{ Path() string }); ok {
		name = p.Path()
	}
	return proto.StorageInfo{
		Name:                   name,
		Length:                 int64(st.st.Len()),
		Size:                   st.st.Size(),
		SupportsUndo:           true,
		SupportsRecordIterNext: true,
		ReadOnly:               st.readOnly || st.srv.opts.ReadOnly,
	}
}

// snapshot returns the storage's statistics.
func (st *storageState) snapshot() proto.Stats {
	s := st.srv
	return proto.Stats{
		Connections:       st.stats.connections.Load(),
		Loads:             st.stats.loads.Load(),
		Stores:            st.stats.stores.Load(),
		Commits:           st.stats.commits.Load(),
		Aborts:            st.stats.aborts.Load(),
		ActiveTxns:        st.stats.activeTxns.Load(),
		Conflicts:         st.stats.conflicts.Load(),
		ConflictsResolved: st.stats.conflictsResolved.Load(),
		Waiting:           st.locks.waiting.Load(),
		Verifying:         st.stats.verifying.Load(),
		LockTime:          s.oldestLock(st),
		Start:             float64(s.start.UnixNano()) / 1e9,
		LastTransaction:   st.st.LastTransaction(),
		TimeoutEnabled:    s.opts.TransactionTimeout > 0,
	}
}

// Stats returns the statistics of every storage, by name.
func (s *Server) Stats() map[string]proto.Stats {
	out := make(map[string]proto.Stats, len(s.storages))
	for name, st := range s.storages {
		out[name] = st.snapshot()
	}
	return out
}

// StorageNames returns the served storage names, sorted.
func (s *Server) StorageNames() []string { return append([]string(nil), s.names...) }

// ServerStats are server-wide counters.
type ServerStats struct {
	Connections       int64 // open now
	RefusedConns      int64 // refused for MaxConnections
	RefusedFrames     int64 // oversize or undecodable frames
	OutputLimitCloses int64 // clients dropped for not reading
	Timeouts          int64 // transactions aborted for TransactionTimeout
}

type serverStats struct {
	refusedConns, refusedFrames, outputLimitCloses, timeouts atomic.Int64
}

// ServerStats returns the server-wide counters.
func (s *Server) ServerStats() ServerStats {
	return ServerStats{
		Connections:       s.conns.Load(),
		RefusedConns:      s.stats.refusedConns.Load(),
		RefusedFrames:     s.stats.refusedFrames.Load(),
		OutputLimitCloses: s.stats.outputLimitCloses.Load(),
		Timeouts:          s.stats.timeouts.Load(),
	}
}
