// End-to-end tests of the storage API against an in-process server:
// loads, commits, invalidations, history, iteration, undo.

package client

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestCommitLoadInvalidate(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	logA, logB := &invLog{t: t}, &invLog{t: t}
	oa, ob := fastOptions(), fastOptions()
	oa.OnInvalidate, ob.OnInvalidate = logA.record, logB.record
	a := openClient(t, []string{ts.Addr}, oa)
	b := openClient(t, []string{ts.Addr}, ob)
	if !a.Connected() || a.Addr() != ts.Addr || a.ReadOnly() {
		t.Fatalf("connected %v addr %q read-only %v", a.Connected(), a.Addr(), a.ReadOnly())
	}

	oid, err := a.NewOID()
	if err != nil {
		t.Fatal(err)
	}
	t1 := commitOne(t, a, oid, 0, []byte("one"))
	if got := a.LastTransaction(); got != t1 {
		t.Fatalf("A last transaction %s, want %s", got, t1)
	}
	// A's own commit is in its cache: no server load.
	st0, err := a.ServerStatus()
	if err != nil {
		t.Fatal(err)
	}
	data, serial, err := a.Load(oid, nil)
	if err != nil || string(data) != "one" || serial != t1 {
		t.Fatalf("A load: %q %s %v", data, serial, err)
	}
	if st1, _ := a.ServerStatus(); st1.Loads != st0.Loads {
		t.Fatalf("A's load of its own commit went to the server (%d -> %d loads)", st0.Loads, st1.Loads)
	}

	if err := b.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b.LastTransaction() != t1 {
		t.Fatalf("B last transaction %s, want %s", b.LastTransaction(), t1)
	}
	data, serial, err = b.Load(oid, nil)
	if err != nil || string(data) != "one" || serial != t1 {
		t.Fatalf("B load: %q %s %v", data, serial, err)
	}

	t2 := commitOne(t, a, oid, t1, []byte("two"))
	if err := b.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, serial, err = b.Load(oid, nil)
	if err != nil || string(data) != "two" || serial != t2 {
		t.Fatalf("B load after invalidation: %q %s %v", data, serial, err)
	}
	// The old revision stays cached as non-current, exactly bounded.
	hits := b.CacheStats().Hits
	data, start, end, err := b.LoadBefore(oid, t2, nil)
	if err != nil || string(data) != "one" || start != t1 || end != t2 {
		t.Fatalf("B loadBefore t2: %q %s %s %v", data, start, end, err)
	}
	if b.CacheStats().Hits != hits+1 {
		t.Fatalf("non-current revision not served from the cache")
	}
	if _, _, _, err := b.LoadBefore(oid, t1, nil); err != proto.ErrNoRevision {
		t.Fatalf("loadBefore the first revision: %v, want ErrNoRevision", err)
	}
	data, err = b.LoadSerial(oid, t1, nil)
	if err != nil || string(data) != "one" {
		t.Fatalf("loadSerial: %q %v", data, err)
	}

	want := []invCall{{t1, []proto.Oid{oid}}, {t2, []proto.Oid{oid}}}
	for name, l := range map[string]*invLog{"A (own commits)": logA, "B": logB} {
		if got := l.snapshot(); !equalCalls(got, want) {
			t.Errorf("%s OnInvalidate calls %v, want %v", name, got, want)
		}
	}

	_, _, err = b.Load(oid+1000, nil)
	var pk *proto.POSKeyError
	var oe *OpError
	if !errors.As(err, &pk) || pk.Oid != oid+1000 || !errors.As(err, &oe) || oe.Addr != ts.Addr || oe.Oid != oid+1000 {
		t.Fatalf("load of a missing object: %v", err)
	}
}

func equalCalls(a, b []invCall) bool {
	return slices.EqualFunc(a, b, func(x, y invCall) bool {
		return x.tid == y.tid && (x.oids == nil) == (y.oids == nil) && slices.Equal(x.oids, y.oids)
	})
}

func TestConflictResolvedByRestoring(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	a := openClient(t, []string{ts.Addr}, nil)
	b := openClient(t, []string{ts.Addr}, nil)
	oid, _ := a.NewOID()
	t1 := commitOne(t, a, oid, 0, counter(10))
	if err := b.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, read, err := b.Load(oid, nil)
	if err != nil || read != t1 {
		t.Fatal(read, err)
	}
	t2 := commitOne(t, a, oid, t1, counter(counterValue(t, data)+1)) // 11

	// B adds 5 to what it read: a conflict.
	tx, err := b.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Store(oid, read, counter(counterValue(t, data)+5)); err != nil {
		t.Fatal(err)
	}
	cs, err := tx.Vote()
	if err != nil || len(cs) != 1 || cs[0].Oid != oid || cs[0].Committed != t2 || cs[0].Read != t1 ||
		counterValue(t, cs[0].Data) != 15 {
		t.Fatalf("vote: conflicts %+v err %v", cs, err)
	}
	// Resolve: apply our delta to the committed state and store again.
	committed, err := b.LoadSerial(oid, cs[0].Committed, nil)
	if err != nil {
		t.Fatal(err)
	}
	old, err := b.LoadSerial(oid, cs[0].Read, nil)
	if err != nil {
		t.Fatal(err)
	}
	merged := counterValue(t, committed) + counterValue(t, cs[0].Data) - counterValue(t, old)
	if err := tx.Store(oid, cs[0].Committed, counter(merged)); err != nil {
		t.Fatal(err)
	}
	if cs, err := tx.Vote(); err != nil || len(cs) != 0 {
		t.Fatalf("second vote: %+v %v", cs, err)
	}
	t3, err := tx.Finish()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Client{a, b} {
		if err := c.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		data, serial, err := c.Load(oid, nil)
		if err != nil || serial != t3 || counterValue(t, data) != 16 {
			t.Fatalf("after resolution: %d at %s (want 16 at %s) %v", counterValue(t, data), serial, t3, err)
		}
	}

	// A read conflict is an error, and the transaction is then gone.
	tx, err = b.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.CheckCurrentSerial(oid, t1); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Vote()
	var rce *proto.ReadConflictError
	if !errors.As(err, &rce) || rce.Oid != oid || !proto.IsConflict(err) {
		t.Fatalf("read conflict: %v", err)
	}
	if err := tx.Store(oid, t3, []byte("x")); !errors.Is(err, ErrTxnDone) {
		t.Fatalf("store after a failed vote: %v", err)
	}
	if err := tx.Abort(); err != nil {
		t.Fatal(err)
	}
	// The commit lock is free again.
	commitOne(t, b, oid, t3, counter(17))
}

func TestTxnMisuse(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	c := openClient(t, []string{ts.Addr}, nil)
	tx, err := c.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Finish(); !errors.Is(err, ErrTxnState) {
		t.Fatalf("finish before vote: %v", err)
	}
	if err := tx.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Abort(); err != nil {
		t.Fatalf("second abort: %v", err)
	}
	if err := tx.Store(1, 0, []byte("x")); !errors.Is(err, ErrTxnDone) {
		t.Fatalf("store after abort: %v", err)
	}
	// A store the server rejects (bad serial for a new object) fails the
	// vote, naming the object.
	oid, _ := c.NewOID()
	tx, err = c.TpcBegin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("z"), 100)
	if err := tx.Store(oid, 0, big); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Vote(); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Finish(); err != nil {
		t.Fatal(err)
	}
}
