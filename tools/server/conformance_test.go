package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/engine/storagetest"
	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

// The conformance suite, run against FileStorage used directly and against
// the client → engine → FileStorage path over loopback.
func TestConformance(t *testing.T) {
	t.Run("fsstore", func(t *testing.T) { storagetest.RunAll(t, directHarness()) })
	t.Run("engine", func(t *testing.T) { storagetest.RunAll(t, engineHarness()) })
}

// --- FileStorage used directly ---

func directHarness() storagetest.Harness {
	return storagetest.Harness{Name: "fsstore", New: func(t *testing.T) storagetest.DB {
		st, err := fsstore.Open(filepath.Join(t.TempDir(), "Data.fs"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if rep, err := st.Verify(nil); err != nil || rep.Problem != "" {
				t.Errorf("verify after test: %v %v", rep, err)
			}
			st.Close()
		})
		return &directDB{st: st}
	}}
}

// directDB serialises vote..finish with one lock, as ZEO's commit lock
// does: fsstore leaves per-object locking to the server.
type directDB struct {
	st     *fsstore.Store
	commit sync.Mutex
}

func (d *directDB) Conn(*testing.T) storagetest.Conn { return directConn{d} }

type directConn struct{ d *directDB }

func (c directConn) LoadBefore(oid proto.Oid, before proto.Tid, dst []byte) ([]byte, proto.Tid, proto.Tid, error) {
	return c.d.st.LoadBefore(oid, before, dst)
}
func (c directConn) LoadSerial(oid proto.Oid, serial proto.Tid, dst []byte) ([]byte, error) {
	return c.d.st.LoadSerial(oid, serial, dst)
}
func (c directConn) History(oid proto.Oid, n int) ([]proto.HistoryEntry, error) {
	return c.d.st.History(oid, n)
}
func (c directConn) NewOIDs(n int) ([]proto.Oid, error) { return c.d.st.NewOIDs(nil, n) }
func (c directConn) LastTransaction() proto.Tid         { return c.d.st.LastTransaction() }
func (c directConn) UndoLog(first, last int) ([]proto.UndoEntry, error) {
	return c.d.st.UndoLog(first, last, nil)
}
func (c directConn) Sync() error                                       { return nil }
func (c directConn) Invalidations() ([]storagetest.Invalidation, bool) { return nil, false }

func (c directConn) Transactions(start, stop proto.Tid) ([]storagetest.TxnRecords, error) {
	it := c.d.st.Iterator(start, stop)
	defer it.Close()
	var out []storagetest.TxnRecords
	for {
		info, ok, err := it.Next()
		if err != nil || !ok {
			return out, err
		}
		// The iterator's values alias its buffers until the next call.
		info.User, info.Description, info.Extension = slices.Clone(info.User), slices.Clone(info.Description), slices.Clone(info.Extension)
		tr := storagetest.TxnRecords{Info: info}
		recs := it.Records()
		for {
			r, ok, err := recs.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			r.Data = slices.Clone(r.Data)
			tr.Records = append(tr.Records, r)
		}
		out = append(out, tr)
	}
}

func (c directConn) Begin(meta proto.TxnMeta) (storagetest.Txn, error) {
	return &directTxn{d: c.d, meta: meta}, nil
}

// noOid marks an operation that stores nothing.
const noOid = proto.Oid(1<<64 - 1)

// directTxn buffers like the engine and replays under the commit lock.
type directTxn struct {
	d      *directDB
	meta   proto.TxnMeta
	ops    []func(*fsstore.Txn) (proto.Oid, *proto.Conflict, error)
	tx     *fsstore.Txn
	locked bool
}

func (t *directTxn) Store(oid proto.Oid, serial proto.Tid, data []byte) error {
	data = slices.Clone(data)
	t.ops = append(t.ops, func(tx *fsstore.Txn) (proto.Oid, *proto.Conflict, error) {
		err := tx.Store(oid, serial, data)
		if ce, ok := err.(*proto.ConflictError); ok {
			return oid, &proto.Conflict{Oid: oid, Committed: ce.Committed, Read: serial, Data: data}, nil
		}
		return oid, nil, err
	})
	return nil
}

func (t *directTxn) CheckCurrentSerial(oid proto.Oid, serial proto.Tid) error {
	t.ops = append(t.ops, func(tx *fsstore.Txn) (proto.Oid, *proto.Conflict, error) {
		return noOid, nil, tx.CheckCurrentSerial(oid, serial)
	})
	return nil
}

func (t *directTxn) Undo(id []byte) error {
	raw, err := base64.StdEncoding.DecodeString(string(id))
	if err != nil || len(raw) != 8 {
		return fmt.Errorf("bad undo id %q", id)
	}
	tid := proto.TidFromBytes(raw)
	t.ops = append(t.ops, func(tx *fsstore.Txn) (proto.Oid, *proto.Conflict, error) {
		_, err := tx.Undo(tid)
		return noOid, nil, err
	})
	return nil
}

func (t *directTxn) Vote() ([]proto.Conflict, error) {
	t.d.commit.Lock()
	t.locked = true
	tx, err := t.d.st.Begin(t.meta)
	if err != nil {
		t.unlock()
		return nil, err
	}
	var conflicts []proto.Conflict
	for _, op := range t.ops {
		oid, c, err := op(tx)
		if err != nil {
			tx.Abort()
			t.unlock()
			return nil, err
		}
		// A later store of the same oid that passes clears its conflict.
		if oid != noOid {
			conflicts = slices.DeleteFunc(conflicts, func(x proto.Conflict) bool { return x.Oid == oid })
		}
		if c != nil {
			conflicts = append(conflicts, *c)
		}
	}
	if len(conflicts) > 0 {
		tx.Abort()
		t.unlock()
		return conflicts, nil
	}
	if _, err := tx.Vote(); err != nil {
		tx.Abort()
		t.unlock()
		return nil, err
	}
	t.tx = tx
	return nil, nil
}

func (t *directTxn) Finish() (proto.Tid, error) {
	defer t.unlock()
	return t.tx.Finish(func(proto.Tid) {})
}

func (t *directTxn) Abort() error {
	if t.tx != nil {
		t.tx.Abort()
		t.tx = nil
	}
	t.unlock()
	return nil
}

func (t *directTxn) unlock() {
	if t.locked {
		t.locked = false
		t.d.commit.Unlock()
	}
}

// --- the client, through the engine, over loopback ---

func engineHarness() storagetest.Harness {
	return storagetest.Harness{Name: "engine", New: func(t *testing.T) storagetest.DB {
		_, addr := startServer(t)
		return engineDB{addr}
	}}
}

type engineDB struct{ addr string }

func (d engineDB) Conn(t *testing.T) storagetest.Conn {
	cc := &clientConn{own: map[proto.Tid]bool{}}
	c, err := client.Open(context.Background(), []string{d.addr}, &client.Options{
		WaitTimeout: 10 * time.Second,
		OnInvalidate: func(tid proto.Tid, oids []proto.Oid) {
			cc.mu.Lock()
			cc.invs = append(cc.invs, storagetest.Invalidation{Tid: tid, Oids: slices.Clone(oids)})
			cc.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cc.Client = c
	return cc
}

type clientConn struct {
	*client.Client
	mu   sync.Mutex
	invs []storagetest.Invalidation
	own  map[proto.Tid]bool
}

func (c *clientConn) Sync() error { return c.Client.Sync(context.Background()) }

// Invalidations drops the client's own commits (OnInvalidate reports them
// too) and the connect-time verification.
func (c *clientConn) Invalidations() ([]storagetest.Invalidation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []storagetest.Invalidation
	for _, inv := range c.invs {
		if !c.own[inv.Tid] && inv.Oids != nil && len(inv.Oids) > 0 {
			out = append(out, inv)
		}
	}
	c.invs = nil
	return out, true
}

func (c *clientConn) Transactions(start, stop proto.Tid) ([]storagetest.TxnRecords, error) {
	it := c.Iterator(start, stop)
	defer it.Close()
	var out []storagetest.TxnRecords
	for {
		info, ok, err := it.Next()
		if err != nil || !ok {
			return out, err
		}
		tr := storagetest.TxnRecords{Info: info}
		recs := it.Records()
		for {
			r, ok, err := recs.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			tr.Records = append(tr.Records, r)
		}
		out = append(out, tr)
	}
}

func (c *clientConn) Begin(meta proto.TxnMeta) (storagetest.Txn, error) {
	tx, err := c.TpcBegin(meta)
	if err != nil {
		return nil, err
	}
	return &clientTxn{Txn: tx, c: c}, nil
}

type clientTxn struct {
	*client.Txn
	c *clientConn
}

func (t *clientTxn) Finish() (proto.Tid, error) {
	tid, err := t.Txn.Finish()
	if err == nil {
		t.c.mu.Lock()
		t.c.own[tid] = true
		t.c.mu.Unlock()
	}
	return tid, err
}
