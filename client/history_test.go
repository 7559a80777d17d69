// History, iteration, record iteration, undo, delete and pack end to end.

package client

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestHistoryIteratorUndo(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := openClient(t, []string{ts.Addr}, nil)
	oids, err := c.NewOIDs(3)
	if err != nil || len(oids) != 3 || oids[0] == oids[1] || oids[1] == oids[2] {
		t.Fatalf("new oids %v %v", oids, err)
	}
	t1 := commit(t, c, nil, map[proto.Oid][]byte{oids[0]: []byte("a1"), oids[1]: []byte("b1")})
	t2 := commitOne(t, c, oids[0], t1, []byte("a2"))

	h, err := c.History(oids[0], 10)
	if err != nil || len(h) != 2 || h[0].Tid != t2 || h[1].Tid != t1 || string(h[0].User) != "test" {
		t.Fatalf("history: %+v %v", h, err)
	}

	it := c.Iterator(0, 0)
	var tids []proto.Tid
	var recs []string
	for {
		txn, ok, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		tids = append(tids, txn.Tid)
		if string(txn.Description) != "commit" {
			t.Errorf("txn %s description %q", txn.Tid, txn.Description)
		}
		ri := it.Records()
		for {
			r, ok, err := ri.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			recs = append(recs, string(r.Data))
		}
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(recs)
	if !slices.Equal(tids, []proto.Tid{t1, t2}) || !slices.Equal(recs, []string{"a1", "a2", "b1"}) {
		t.Fatalf("iteration: tids %v records %q", tids, recs)
	}
	// An iterator closed early releases its server iterator.
	it = c.Iterator(t2, 0)
	if txn, ok, err := it.Next(); err != nil || !ok || txn.Tid != t2 {
		t.Fatalf("iterator from t2: %+v %v %v", txn, ok, err)
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := it.Next(); ok || err == nil {
		t.Fatalf("next after close: %v %v", ok, err)
	}

	var seen []proto.Oid
	next := proto.Oid(0)
	for {
		r, n, more, err := c.RecordIterNext(next)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, r.Oid)
		if !more {
			break
		}
		next = n
	}
	if !slices.Equal(seen, oids[:2]) {
		t.Fatalf("record iteration %v, want %v", seen, oids[:2])
	}
	if _, _, _, err := c.RecordIterNext(oids[2]); !errors.Is(err, ErrNoMoreRecords) {
		t.Fatalf("record iteration past the end: %v", err)
	}

	log, err := c.UndoLog(0, 10)
	if err != nil || len(log) != 2 || log[0].Tid != t2 {
		t.Fatalf("undo log %+v %v", log, err)
	}
	if info, err := c.UndoInfo(0, 10, []byte("nobody"), nil); err != nil || len(info) != 0 {
		t.Fatalf("filtered undo info %+v %v", info, err)
	}
	// Undo t2: oids[0] goes back to a1 in a new transaction; the cache
	// must not keep a2 as current.
	if data, _, _ := c.Load(oids[0], nil); string(data) != "a2" {
		t.Fatalf("before undo: %q", data)
	}
	tx, err := c.TpcBegin(proto.TxnMeta{Description: []byte("undo")})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Undo(log[0].ID); err != nil {
		t.Fatal(err)
	}
	if cs, err := tx.Vote(); err != nil || len(cs) != 0 {
		t.Fatalf("undo vote %v %v", cs, err)
	}
	t3, err := tx.Finish()
	if err != nil {
		t.Fatal(err)
	}
	data, serial, err := c.Load(oids[0], nil)
	if err != nil || string(data) != "a1" || serial != t3 {
		t.Fatalf("after undo: %q %s %v (undo tid %s)", data, serial, err, t3)
	}

	// Delete, then the object is gone.
	tx, err = c.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Delete(oids[1], t1); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Vote(); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Finish(); err != nil {
		t.Fatal(err)
	}
	var pk *proto.POSKeyError
	if _, _, err := c.Load(oids[1], nil); !errors.As(err, &pk) {
		t.Fatalf("load after delete: %v", err)
	}

	if info := c.Info(); info.Name == "" {
		t.Fatalf("storage info %+v", info)
	}
	// Pack reaches the server; the answer is a value we can match.
	if err := c.Pack(context.Background(), proto.TidFromUnix(0), true); err != nil {
		var se *proto.ServerError
		if !errors.As(err, &se) {
			t.Fatalf("pack: %v", err)
		}
	}
}
