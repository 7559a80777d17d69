// RunAll and the checks it runs.

package storagetest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// RunAll runs every check against h.
func RunAll(t *testing.T, h Harness) {
	for _, c := range []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Load", RunLoad},
		{"Commit", RunCommit},
		{"Conflict", RunConflict},
		{"ReadConflict", RunReadConflict},
		{"Undo", RunUndo},
		{"Iterate", RunIterate},
		{"Invalidate", RunInvalidate},
		{"Concurrent", RunConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, h) })
	}
}

// commit stores data for oids (serials as read) and finishes.
func commit(t *testing.T, c Conn, meta proto.TxnMeta, stores map[proto.Oid]store) proto.Tid {
	t.Helper()
	tx, err := c.Begin(meta)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	oids := make([]proto.Oid, 0, len(stores))
	for oid := range stores {
		oids = append(oids, oid)
	}
	slices.Sort(oids)
	for _, oid := range oids {
		if err := tx.Store(oid, stores[oid].serial, stores[oid].data); err != nil {
			t.Fatalf("store %s: %v", oid, err)
		}
	}
	conflicts, err := tx.Vote()
	if err != nil || len(conflicts) > 0 {
		t.Fatalf("vote: %v %v", conflicts, err)
	}
	tid, err := tx.Finish()
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	return tid
}

type store struct {
	serial proto.Tid
	data   []byte
}

func val(s string) []byte { return []byte("pickle:" + s) }

// RunLoad: every revision is found by LoadBefore at every tid, by
// LoadSerial, and in History; missing objects and tids before creation
// answer POSKeyError and ErrNoRevision.
func RunLoad(t *testing.T, h Harness) {
	c := h.New(t).Conn(t)
	var tids []proto.Tid
	serial := map[proto.Oid]proto.Tid{}
	rev := func(oid proto.Oid, i int) []byte { return val(fmt.Sprintf("%d@%d", oid, i)) }
	for i := range 4 {
		stores := map[proto.Oid]store{1: {serial[1], rev(1, i)}}
		if i%2 == 0 {
			stores[2] = store{serial[2], rev(2, i)}
		}
		tid := commit(t, c, proto.TxnMeta{Description: []byte(fmt.Sprint("rev ", i))}, stores)
		if len(tids) > 0 && tid <= tids[len(tids)-1] {
			t.Fatalf("tid %s not after %s", tid, tids[len(tids)-1])
		}
		tids = append(tids, tid)
		for oid := range stores {
			serial[oid] = tid
		}
	}
	if got := c.LastTransaction(); got != tids[3] {
		t.Fatalf("LastTransaction %s, want %s", got, tids[3])
	}
	// oid 1 has revisions at tids[0..3]; oid 2 at tids[0] and tids[2].
	type revision struct {
		start, end proto.Tid
		data       []byte
	}
	revs := map[proto.Oid][]revision{
		1: {{tids[0], tids[1], rev(1, 0)}, {tids[1], tids[2], rev(1, 1)}, {tids[2], tids[3], rev(1, 2)}, {tids[3], 0, rev(1, 3)}},
		2: {{tids[0], tids[2], rev(2, 0)}, {tids[2], 0, rev(2, 2)}},
	}
	probes := []proto.Tid{tids[0], tids[0] + 1, tids[1], tids[1] + 1, tids[2], tids[3], tids[3] + 1, proto.MaxTid}
	for oid, rs := range revs {
		for _, before := range probes {
			data, start, end, err := c.LoadBefore(oid, before, nil)
			var want *revision
			for i := range rs {
				if rs[i].start < before && (rs[i].end == 0 || before <= rs[i].end) {
					want = &rs[i]
				}
			}
			if want == nil {
				if !errors.Is(err, proto.ErrNoRevision) {
					t.Fatalf("LoadBefore(%s, %s) = %q, %v; want ErrNoRevision", oid, before, data, err)
				}
				continue
			}
			if err != nil || !bytes.Equal(data, want.data) || start != want.start || end != want.end {
				t.Fatalf("LoadBefore(%s, %s) = %q %s %s %v; want %q %s %s", oid, before, data, start, end, err, want.data, want.start, want.end)
			}
		}
		for _, r := range rs {
			data, err := c.LoadSerial(oid, r.start, nil)
			if err != nil || !bytes.Equal(data, r.data) {
				t.Fatalf("LoadSerial(%s, %s) = %q %v", oid, r.start, data, err)
			}
		}
		hist, err := c.History(oid, 10)
		if err != nil || len(hist) != len(rs) {
			t.Fatalf("History(%s) = %d entries, %v; want %d", oid, len(hist), err, len(rs))
		}
		for i, e := range hist {
			if want := rs[len(rs)-1-i].start; e.Tid != want {
				t.Fatalf("History(%s)[%d].Tid = %s, want %s (newest first)", oid, i, e.Tid, want)
			}
		}
	}
	var pk *proto.POSKeyError
	if _, _, _, err := c.LoadBefore(99, proto.MaxTid, nil); !errors.As(err, &pk) || pk.Oid != 99 {
		t.Fatalf("missing object: %v, want POSKeyError", err)
	}
}

// RunCommit: metadata, new oids, an empty transaction.
func RunCommit(t *testing.T, h Harness) {
	c := h.New(t).Conn(t)
	oids, err := c.NewOIDs(3)
	if err != nil || len(oids) != 3 || oids[0] == oids[1] || oids[1] == oids[2] {
		t.Fatalf("NewOIDs: %v %v", oids, err)
	}
	more, err := c.NewOIDs(2)
	if err != nil || slices.ContainsFunc(more, func(o proto.Oid) bool { return slices.Contains(oids, o) }) {
		t.Fatalf("NewOIDs handed out an oid twice: %v then %v (%v)", oids, more, err)
	}
	meta := proto.TxnMeta{User: []byte("zo\xc3\xab"), Description: []byte("na\xc3\xafve")}
	stores := map[proto.Oid]store{}
	for _, oid := range oids {
		stores[oid] = store{0, val(oid.String())}
	}
	tid := commit(t, c, meta, stores)
	for _, oid := range oids {
		data, start, end, err := c.LoadBefore(oid, proto.MaxTid, nil)
		if err != nil || start != tid || end != 0 || !bytes.Equal(data, val(oid.String())) {
			t.Fatalf("load %s: %q %s %s %v", oid, data, start, end, err)
		}
	}
	h0, err := c.History(oids[0], 1)
	if err != nil || len(h0) != 1 || string(h0[0].User) != string(meta.User) || string(h0[0].Description) != string(meta.Description) {
		t.Fatalf("history metadata: %+v %v", h0, err)
	}
	empty := commit(t, c, proto.TxnMeta{Description: []byte("empty")}, nil)
	if empty <= tid || c.LastTransaction() != empty {
		t.Fatalf("empty transaction tid %s after %s, last %s", empty, tid, c.LastTransaction())
	}
	// Abort leaves nothing behind.
	tx, err := c.Begin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	tx.Store(oids[0], tid, val("aborted"))
	if err := tx.Abort(); err != nil {
		t.Fatal(err)
	}
	if data, _, _, _ := c.LoadBefore(oids[0], proto.MaxTid, nil); !bytes.Equal(data, val(oids[0].String())) {
		t.Fatalf("aborted data visible: %q", data)
	}
}

// RunConflict: a store based on an old serial is reported at vote with
// both serials; storing again on the committed serial commits.
func RunConflict(t *testing.T, h Harness) {
	db := h.New(t)
	a, b := db.Conn(t), db.Conn(t)
	t1 := commit(t, a, proto.TxnMeta{}, map[proto.Oid]store{1: {0, val("a1")}})
	t2 := commit(t, a, proto.TxnMeta{}, map[proto.Oid]store{1: {t1, val("a2")}})
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	tx, err := b.Begin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	tx.Store(1, t1, val("b-from-a1"))
	tx.Store(2, 0, val("b-new"))
	conflicts, err := tx.Vote()
	if err != nil {
		t.Fatalf("vote: %v", err)
	}
	if len(conflicts) != 1 || conflicts[0].Oid != 1 || conflicts[0].Committed != t2 || conflicts[0].Read != t1 || !bytes.Equal(conflicts[0].Data, val("b-from-a1")) {
		t.Fatalf("conflicts %+v, want oid 1 committed %s read %s", conflicts, t2, t1)
	}
	if err := tx.Store(1, t2, val("b-resolved")); err != nil {
		t.Fatal(err)
	}
	if conflicts, err = tx.Vote(); err != nil || len(conflicts) != 0 {
		t.Fatalf("second vote: %v %v", conflicts, err)
	}
	t3, err := tx.Finish()
	if err != nil || t3 <= t2 {
		t.Fatalf("finish: %s %v", t3, err)
	}
	if err := a.Sync(); err != nil {
		t.Fatal(err)
	}
	for oid, want := range map[proto.Oid]string{1: "b-resolved", 2: "b-new"} {
		if data, _, _, err := a.LoadBefore(oid, proto.MaxTid, nil); err != nil || !bytes.Equal(data, val(want)) {
			t.Fatalf("after resolution, oid %s = %q %v", oid, data, err)
		}
	}
}

// RunReadConflict: checkCurrentSerial fails the vote when the object
// changed since it was read.
func RunReadConflict(t *testing.T, h Harness) {
	db := h.New(t)
	a, b := db.Conn(t), db.Conn(t)
	t1 := commit(t, a, proto.TxnMeta{}, map[proto.Oid]store{1: {0, val("x")}, 2: {0, val("y")}})
	commit(t, a, proto.TxnMeta{}, map[proto.Oid]store{1: {t1, val("x2")}})
	tx, err := b.Begin(proto.TxnMeta{})
	if err != nil {
		t.Fatal(err)
	}
	tx.CheckCurrentSerial(1, t1)
	tx.Store(2, t1, val("depends on x"))
	_, err = tx.Vote()
	var rc *proto.ReadConflictError
	if !errors.As(err, &rc) || rc.Oid != 1 {
		t.Fatalf("vote: %v, want ReadConflictError on oid 1", err)
	}
	tx.Abort()
	if data, _, _, _ := a.LoadBefore(2, proto.MaxTid, nil); !bytes.Equal(data, val("y")) {
		t.Fatalf("read-conflicted store visible: %q", data)
	}
}

// RunUndo: undoLog lists transactions newest first; undoing restores the
// previous revision; undoing a creation makes the object absent.
func RunUndo(t *testing.T, h Harness) {
	c := h.New(t).Conn(t)
	t1 := commit(t, c, proto.TxnMeta{Description: []byte("create")}, map[proto.Oid]store{1: {0, val("v1")}})
	t2 := commit(t, c, proto.TxnMeta{Description: []byte("change")}, map[proto.Oid]store{1: {t1, val("v2")}, 2: {0, val("new")}})
	log, err := c.UndoLog(0, 10)
	if err != nil || len(log) != 2 || log[0].Tid != t2 || log[1].Tid != t1 || string(log[0].Description) != "change" {
		t.Fatalf("undoLog: %+v %v", log, err)
	}
	tx, err := c.Begin(proto.TxnMeta{Description: []byte("undo")})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Undo(log[0].ID); err != nil {
		t.Fatal(err)
	}
	if conflicts, err := tx.Vote(); err != nil || len(conflicts) != 0 {
		t.Fatalf("vote: %v %v", conflicts, err)
	}
	t3, err := tx.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if data, start, _, err := c.LoadBefore(1, proto.MaxTid, nil); err != nil || !bytes.Equal(data, val("v1")) || start != t3 {
		t.Fatalf("after undo, oid 1 = %q @%s %v; want v1 @%s", data, start, err, t3)
	}
	var pk *proto.POSKeyError
	if _, _, _, err := c.LoadBefore(2, proto.MaxTid, nil); !errors.As(err, &pk) {
		t.Fatalf("after undoing its creation, oid 2: %v, want POSKeyError", err)
	}
	// The old revision stays readable before the undo.
	if data, _, end, err := c.LoadBefore(2, t3, nil); err != nil || !bytes.Equal(data, val("new")) || end != t3 {
		t.Fatalf("oid 2 before the undo: %q %s %v", data, end, err)
	}
}

// RunIterate: the transaction iterator returns every commit, in order,
// with metadata and records.
func RunIterate(t *testing.T, h Harness) {
	c := h.New(t).Conn(t)
	var tids []proto.Tid
	serial := proto.Tid(0)
	for i := range 3 {
		tid := commit(t, c, proto.TxnMeta{User: []byte(fmt.Sprint("u", i))}, map[proto.Oid]store{
			1: {serial, val(fmt.Sprint(i))}, proto.Oid(10 + i): {0, val("new")}})
		serial = tid
		tids = append(tids, tid)
	}
	all, err := c.Transactions(0, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("iterate: %d txns, %v", len(all), err)
	}
	for i, tr := range all {
		if tr.Info.Tid != tids[i] || string(tr.Info.User) != fmt.Sprint("u", i) || len(tr.Records) != 2 {
			t.Fatalf("txn %d: %+v, %d records", i, tr.Info, len(tr.Records))
		}
		got := map[proto.Oid]string{}
		for _, r := range tr.Records {
			if r.Tid != tids[i] {
				t.Fatalf("record tid %s in txn %s", r.Tid, tids[i])
			}
			got[r.Oid] = string(r.Data)
		}
		if got[1] != string(val(fmt.Sprint(i))) || got[proto.Oid(10+i)] != string(val("new")) {
			t.Fatalf("txn %d records %v", i, got)
		}
	}
	some, err := c.Transactions(tids[1], tids[1])
	if err != nil || len(some) != 1 || some[0].Info.Tid != tids[1] {
		t.Fatalf("iterate [t1, t1]: %v %v", some, err)
	}
}

// RunInvalidate: every other connection gets each commit's oids, in
// commit order; the committer gets none for its own.
func RunInvalidate(t *testing.T, h Harness) {
	db := h.New(t)
	a, b, c := db.Conn(t), db.Conn(t), db.Conn(t)
	if _, ok := b.Invalidations(); !ok {
		t.Skip("backend has no invalidations")
	}
	t1 := commit(t, a, proto.TxnMeta{}, map[proto.Oid]store{1: {0, val("1")}, 2: {0, val("2")}})
	t2 := commit(t, c, proto.TxnMeta{}, map[proto.Oid]store{3: {0, val("3")}})
	for name, conn := range map[string]Conn{"b": b} {
		if err := conn.Sync(); err != nil {
			t.Fatal(err)
		}
		got := drain(conn)
		if len(got) != 2 || got[0].Tid != t1 || got[1].Tid != t2 || !sameOids(got[0].Oids, 1, 2) || !sameOids(got[1].Oids, 3) {
			t.Fatalf("%s saw %+v", name, got)
		}
	}
	a.Sync()
	if got := drain(a); len(got) != 1 || got[0].Tid != t2 {
		t.Fatalf("committer a saw %+v, want only c's commit", got)
	}
}

func drain(c Conn) []Invalidation {
	invs, _ := c.Invalidations()
	return invs
}

func sameOids(got []proto.Oid, want ...proto.Oid) bool {
	g := slices.Clone(got)
	slices.Sort(g)
	return slices.Equal(g, want)
}

// RunConcurrent: committers on disjoint objects and on one shared counter
// (retrying conflicts): no lost update, tids unique and increasing per
// connection, every commit visible.
func RunConcurrent(t *testing.T, h Harness) {
	db := h.New(t)
	setup := db.Conn(t)
	commit(t, setup, proto.TxnMeta{}, map[proto.Oid]store{0: {0, counter(0)}})
	const workers, rounds = 6, 15
	var mu sync.Mutex
	seen := map[proto.Tid]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		c := db.Conn(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := proto.Oid(100 + w)
			var ownSerial, last proto.Tid
			for r := range rounds {
				for attempt := 0; ; attempt++ {
					if attempt > 1000 {
						t.Error("no progress")
						return
					}
					cur, serial, _, err := c.LoadBefore(0, proto.MaxTid, nil)
					if err != nil {
						t.Error(err)
						return
					}
					tx, err := c.Begin(proto.TxnMeta{})
					if err != nil {
						t.Error(err)
						return
					}
					tx.Store(0, serial, counter(binary.BigEndian.Uint64(cur[len(cur)-8:])+1))
					tx.Store(own, ownSerial, val(fmt.Sprint(r)))
					conflicts, err := tx.Vote()
					if err != nil {
						t.Error(err)
						return
					}
					if len(conflicts) > 0 {
						tx.Abort()
						c.Sync()
						continue
					}
					tid, err := tx.Finish()
					if err != nil {
						t.Error(err)
						return
					}
					if tid <= last {
						t.Errorf("tid %s after %s", tid, last)
					}
					last, ownSerial = tid, tid
					mu.Lock()
					if seen[tid] {
						t.Errorf("tid %s twice", tid)
					}
					seen[tid] = true
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	setup.Sync()
	data, _, _, err := setup.LoadBefore(0, proto.MaxTid, nil)
	if err != nil || binary.BigEndian.Uint64(data[len(data)-8:]) != workers*rounds {
		t.Fatalf("counter %x %v, want %d: lost updates", data, err, workers*rounds)
	}
	for w := range workers {
		data, _, _, err := setup.LoadBefore(proto.Oid(100+w), proto.MaxTid, nil)
		if err != nil || !bytes.Equal(data, val(fmt.Sprint(rounds-1))) {
			t.Fatalf("worker %d's object: %q %v", w, data, err)
		}
	}
}

func counter(n uint64) []byte { return binary.BigEndian.AppendUint64([]byte("counter:"), n) }
