// Two-phase commit rules: conflicts, read conflicts, tid order, metadata
// limits, state errors, read-only stores.

package fsstore

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

func TestStoreConflict(t *testing.T) {
	s, _ := newStore(t, nil)
	t1 := commit(t, s, map[proto.Oid][]byte{1: []byte("one")})
	t2 := commit(t, s, map[proto.Oid][]byte{1: []byte("two")})

	txn, _ := s.Begin(proto.TxnMeta{})
	err := txn.Store(1, t1, []byte("stale"))
	var ce *proto.ConflictError
	if !errors.As(err, &ce) || ce.Oid != 1 || ce.Committed != t2 || ce.Read != t1 {
		t.Fatalf("stale store: %v", err)
	}
	// The transaction stays usable: store again with the current serial.
	if err := txn.Store(1, t2, []byte("three")); err != nil {
		t.Fatal(err)
	}
	if err := txn.Store(2, 0, []byte("new")); err != nil {
		t.Fatal(err)
	}
	// A commit between Store and Vote is caught at Vote.
	t3 := commit(t, s, map[proto.Oid][]byte{2: []byte("sneaked in")})
	if _, err := txn.Vote(); !errors.As(err, &ce) || ce.Oid != 2 || ce.Committed != t3 || ce.Read != 0 {
		t.Fatalf("vote after a concurrent commit: %v", err)
	}
	if err := txn.Abort(); err != nil {
		t.Fatal(err)
	}
	if d, _, _ := s.Load(1, nil); string(d) != "two" {
		t.Fatalf("aborted data visible: %q", d)
	}
	if err := txn.Store(1, t2, []byte("x")); err == nil {
		t.Fatal("store after abort accepted")
	}
}

func TestCheckCurrentSerial(t *testing.T) {
	s, _ := newStore(t, nil)
	t1 := commit(t, s, map[proto.Oid][]byte{1: []byte("one"), 2: []byte("two")})
	txn, _ := s.Begin(proto.TxnMeta{})
	if err := txn.CheckCurrentSerial(1, t1); err != nil {
		t.Fatal(err)
	}
	var rce *proto.ReadConflictError
	if err := txn.CheckCurrentSerial(2, 1); !errors.As(err, &rce) || rce.Committed != t1 || rce.Read != 1 {
		t.Fatalf("stale read check: %v", err)
	}
	var pk *proto.POSKeyError
	if err := txn.CheckCurrentSerial(9, 0); !errors.As(err, &pk) {
		t.Fatalf("unknown oid: %v", err)
	}
	txn.Store(2, t1, []byte("two'"))
	t2 := commit(t, s, map[proto.Oid][]byte{1: []byte("changed")})
	if _, err := txn.Vote(); !errors.As(err, &rce) || rce.Oid != 1 || rce.Committed != t2 {
		t.Fatalf("read check at vote: %v", err)
	}
	txn.Abort()
}

func TestTidOrderAndLimits(t *testing.T) {
	s, _ := newStore(t, nil)
	last := commit(t, s, map[proto.Oid][]byte{1: []byte("one")})
	for _, tid := range []proto.Tid{last, last - 1} {
		txn, _ := s.Begin(proto.TxnMeta{Tid: tid})
		txn.Restore(5, tid, []byte("r"), 0)
		if _, err := txn.Vote(); !errors.Is(err, ErrTidOrder) {
			t.Fatalf("tid %s after %s: %v", tid, last, err)
		}
		txn.Abort()
	}
	if _, err := s.Begin(proto.TxnMeta{Tid: proto.MaxTid}); !errors.Is(err, ErrTidOrder) {
		t.Fatalf("MaxTid accepted: %v", err)
	}
	// A clock far behind still gives increasing tids.
	past := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	s2, _ := newStore(t, &Options{Now: func() time.Time { return past }})
	a := commit(t, s2, map[proto.Oid][]byte{1: []byte("a")})
	b := commit(t, s2, map[proto.Oid][]byte{1: []byte("b")})
	if a.Time().Year() != 2000 || b != a+1 {
		t.Fatalf("tids with a stuck clock: %s %s", a, b)
	}
	big := bytes.Repeat([]byte("u"), MaxMetaLen+1)
	for _, m := range []proto.TxnMeta{{User: big}, {Description: big}, {Extension: big}} {
		if _, err := s.Begin(m); !errors.Is(err, ErrMetaTooLong) {
			t.Fatalf("long metadata: %v", err)
		}
	}
	if _, err := s.Begin(proto.TxnMeta{User: big[:MaxMetaLen]}); err != nil {
		t.Fatalf("65535 bytes refused: %v", err)
	}
	if _, err := s.Begin(proto.TxnMeta{Status: 'c'}); err == nil {
		t.Fatal("status 'c' accepted")
	}
	txn, _ := s.Begin(proto.TxnMeta{})
	if err := txn.Store(1, last, nil); !errors.Is(err, ErrEmptyData) {
		t.Fatalf("empty data: %v", err)
	}
	if err := txn.Restore(1, 0, []byte{}, 0); !errors.Is(err, ErrEmptyData) {
		t.Fatalf("empty restore data: %v", err)
	}
	var pk *proto.POSKeyError
	if err := txn.Delete(77, 0); !errors.As(err, &pk) {
		t.Fatalf("delete unknown: %v", err)
	}
	var ste *proto.StorageTransactionError
	if _, err := txn.Finish(nil); !errors.As(err, &ste) {
		t.Fatalf("finish before vote: %v", err)
	}
	if _, err := txn.Vote(); err != nil {
		t.Fatal(err)
	}
	if _, err := txn.Vote(); !errors.As(err, &ste) {
		t.Fatalf("second vote: %v", err)
	}
	if _, err := txn.Finish(nil); err != nil {
		t.Fatal(err)
	}
	if err := txn.Abort(); !errors.As(err, &ste) {
		t.Fatalf("abort after finish: %v", err)
	}
}

func TestReadOnlyStore(t *testing.T) {
	s, path := newStore(t, nil)
	commit(t, s, map[proto.Oid][]byte{1: []byte("one")})
	s.Close()
	ro := openT(t, path, &Options{ReadOnly: true})
	_, err := ro.Begin(proto.TxnMeta{})
	var roe *proto.ReadOnlyError
	if !errors.Is(err, ErrReadOnly) || !errors.As(err, &roe) {
		t.Fatalf("Begin on read-only: %v", err)
	}
	if _, err := ro.NewOIDs(nil, 1); !errors.As(err, &roe) {
		t.Fatalf("NewOIDs on read-only: %v", err)
	}
	if d, _, err := ro.Load(1, nil); err != nil || string(d) != "one" {
		t.Fatal(d, err)
	}
	// Two read-only stores and a writer may coexist (no lock taken).
	ro2 := openT(t, path, &Options{ReadOnly: true})
	w := openT(t, path, nil)
	_, _ = ro2, w
}

func TestClosedStore(t *testing.T) {
	s, _ := newStore(t, nil)
	commit(t, s, map[proto.Oid][]byte{1: []byte("one")})
	txn, _ := s.Begin(proto.TxnMeta{})
	txn.Store(2, 0, []byte("two"))
	txn.Vote()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := txn.Finish(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("finish after close: %v", err)
	}
	if _, _, err := s.Load(1, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("load after close: %v", err)
	}
	if _, err := s.Begin(proto.TxnMeta{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("begin after close: %v", err)
	}
	if _, err := s.Verify(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("verify after close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func TestVoteOverlap(t *testing.T) {
	s, _ := newStore(t, nil)
	t0 := commit(t, s, map[proto.Oid][]byte{1: []byte("one"), 2: []byte("two")})
	a, _ := s.Begin(proto.TxnMeta{})
	a.Store(1, t0, []byte("a"))
	if _, err := a.Vote(); err != nil {
		t.Fatal(err)
	}
	b, _ := s.Begin(proto.TxnMeta{})
	b.Store(1, t0, []byte("b"))
	if _, err := b.Vote(); !errors.Is(err, ErrVoteOverlap) || !strings.Contains(err.Error(), "0x01") {
		t.Fatalf("overlapping vote: %v", err)
	}
	c, _ := s.Begin(proto.TxnMeta{})
	c.CheckCurrentSerial(1, t0)
	c.Store(2, t0, []byte("c"))
	if _, err := c.Vote(); !errors.Is(err, ErrVoteOverlap) {
		t.Fatalf("read of a voted oid: %v", err)
	}
	if _, err := a.Finish(nil); err != nil {
		t.Fatal(err)
	}
	// After a finished, b's serial is stale: an ordinary conflict.
	var ce *proto.ConflictError
	if _, err := b.Vote(); !errors.As(err, &ce) {
		t.Fatalf("vote after the overlap finished: %v", err)
	}
	b.Abort()
	c.Abort()
}

func TestUndoRules(t *testing.T) {
	s, _ := newStore(t, nil)
	t1 := commit(t, s, map[proto.Oid][]byte{1: []byte("a1")})
	t2 := commit(t, s, map[proto.Oid][]byte{1: []byte("a2")})
	commit(t, s, map[proto.Oid][]byte{1: []byte("a3")})
	txn, _ := s.Begin(proto.TxnMeta{})
	var ue *proto.UndoError
	if _, err := txn.Undo(t2); !errors.As(err, &ue) || ue.Oid != 1 || !ue.HasOid {
		t.Fatalf("undo of a superseded txn: %v", err)
	}
	if _, err := txn.Undo(12345); !errors.As(err, &ue) || ue.Msg != "Invalid transaction id" {
		t.Fatalf("undo of an unknown tid: %v", err)
	}
	s.packing.Store(true)
	if _, err := txn.Undo(t1); !errors.As(err, &ue) || !strings.Contains(ue.Msg, "disabled") {
		t.Fatalf("undo during pack: %v", err)
	}
	if _, err := s.UndoLog(0, 10, nil); !errors.As(err, &ue) {
		t.Fatalf("undoLog during pack: %v", err)
	}
	s.packing.Store(false)
	txn.Abort()

	// An undo checked against state that changes before Vote conflicts.
	u, _ := s.Begin(proto.TxnMeta{})
	t4 := commit(t, s, map[proto.Oid][]byte{2: []byte("b1")})
	if _, err := u.Undo(t4); err != nil {
		t.Fatal(err)
	}
	commit(t, s, map[proto.Oid][]byte{2: []byte("b2")})
	if _, err := u.Vote(); !errors.As(err, &ue) {
		t.Fatalf("vote of a stale undo: %v", err)
	}
	u.Abort()

	log, err := s.UndoLog(0, -20, nil)
	if err != nil || len(log) != 5 || log[0].Tid <= log[1].Tid || string(log[4].ID) != b64(log[4].Tid) {
		t.Fatalf("undoLog: %v %v", log, err)
	}
	two, _ := s.UndoLog(1, 3, func(e *proto.UndoEntry) bool { return e.Tid != t2 })
	if len(two) != 2 || two[0].Tid == t2 || two[1].Tid == t2 {
		t.Fatalf("undoLog window with filter: %v", two)
	}
	oids, err := s.TxnOids(t1)
	if err != nil || len(oids) != 1 || oids[0] != 1 {
		t.Fatalf("TxnOids: %v %v", oids, err)
	}
	inv, err := s.LastInvalidations(2)
	if err != nil || len(inv) != 2 || inv[1].Tid != s.LastTransaction() || inv[1].Oids[0] != 2 {
		t.Fatalf("LastInvalidations: %v %v", inv, err)
	}
}

func b64(tid proto.Tid) string {
	b := tid.Bytes()
	return base64.StdEncoding.EncodeToString(b[:])
}

// TestUndoLogFixture: undo ids are base64 of the tid, as ZODB's.
func TestUndoLogFixture(t *testing.T) {
	s := openT(t, copyFixture(t, "filestorage/undo/undo.fs"), &Options{ReadOnly: true})
	log, err := s.UndoLog(0, -100, nil)
	if err != nil || len(log) != 14 {
		t.Fatalf("%d entries, %v", len(log), err)
	}
	first := log[len(log)-1]
	if string(first.ID) != "A/WOAAREREQ=" || string(first.Description) != "initial database creation" || first.Size != 154 {
		t.Fatalf("oldest entry %+v", first)
	}
	// after-pack files stop at the first packed transaction.
	p := openT(t, copyFixture(t, "filestorage/packed/after-pack-gc.fs"), &Options{ReadOnly: true})
	if log, err := p.UndoLog(0, -100, nil); err != nil || len(log) != 2 {
		t.Fatalf("packed file undoLog: %d entries %v", len(log), err)
	}
}
