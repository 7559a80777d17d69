// Readers beyond the golden dumps: RecordIterNext, iterator ranges,
// two records of one oid in a transaction, Verify's index comparison,
// progress callbacks, ZODB's tolerated warnings.

package fsstore

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestRecordIterNext(t *testing.T) {
	// undo.fs: oids 0..4; 3 (creation undone) and 4 (deleted) have no data.
	s := openT(t, copyFixture(t, "filestorage/undo/undo.fs"), &Options{ReadOnly: true})
	var got []proto.Oid
	next := proto.Oid(0)
	for i := 0; i < 10; i++ {
		rec, n, more, err := s.RecordIterNext(next, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Data == nil {
			break
		}
		d, serial, _ := s.Load(rec.Oid, nil)
		if !bytes.Equal(d, rec.Data) || serial != rec.Tid {
			t.Fatalf("oid %s: iternext differs from Load", rec.Oid)
		}
		got = append(got, rec.Oid)
		if !more {
			break
		}
		next = n
	}
	if len(got) != 3 || got[0] != 0 || got[1] != 1 || got[2] != 2 {
		t.Fatalf("visited %v", got)
	}
	if rec, _, more, err := s.RecordIterNext(3, nil); rec.Data != nil || more || err != nil {
		t.Fatalf("from 3: %+v %v %v", rec, more, err)
	}
}

func TestIteratorRanges(t *testing.T) {
	s := openT(t, copyFixture(t, "filestorage/basic/basic.fs"), &Options{ReadOnly: true})
	tids := readFixtureTids(t, "filestorage/basic/basic")
	count := func(start, stop proto.Tid) (n int, first, last proto.Tid) {
		it := s.Iterator(start, stop)
		defer it.Close()
		for {
			info, ok, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return
			}
			if n == 0 {
				first = info.Tid
			}
			last = info.Tid
			n++
		}
	}
	for _, c := range []struct{ start, stop, n, from, to int }{
		{0, 0, 20, 0, 19}, {3, 0, 17, 3, 19}, {17, 0, 3, 17, 19}, {2, 5, 4, 2, 5}, {19, 19, 1, 19, 19},
	} {
		start, stop := mustTid(t, tids[c.start]), mustTid(t, tids[c.stop])
		if c.start == 0 {
			start = 0
		}
		if c.stop == 0 {
			stop = 0
		}
		n, first, last := count(start, stop)
		if n != c.n || first.String() != tids[c.from] || last.String() != tids[c.to] {
			t.Errorf("[%d,%d]: %d txns %s..%s", c.start, c.stop, n, first, last)
		}
	}
	// Between two tids, and past the end.
	if n, first, _ := count(mustTid(t, tids[4])+1, 0); n != 15 || first.String() != tids[5] {
		t.Errorf("from between: %d %s", n, first)
	}
	if n, _, _ := count(mustTid(t, tids[19])+1, 0); n != 0 {
		t.Errorf("past the end: %d", n)
	}
}

func TestSameOidTwiceInTxn(t *testing.T) {
	s, _ := newStore(t, nil)
	t1 := commit(t, s, map[proto.Oid][]byte{1: []byte("first")})
	prev := s.idx.get(1)
	txn, _ := s.Begin(proto.TxnMeta{})
	txn.Store(1, t1, []byte("a"))
	txn.Store(1, t1, []byte("b"))
	txn.Vote()
	txn.Finish(nil)
	it := s.Iterator(s.LastTransaction(), 0)
	it.Next()
	r := it.Records()
	var recs []DataHeader
	for {
		_, ok, err := r.Next()
		if err != nil || !ok {
			break
		}
		recs = append(recs, r.Header())
	}
	if len(recs) != 2 || recs[0].Prev != uint64(prev) || recs[1].Prev != uint64(prev) {
		t.Fatalf("records %+v, want two with prev %d", recs, prev)
	}
	if d, _, _ := s.Load(1, nil); string(d) != "b" {
		t.Fatalf("the later record must win: %q", d)
	}
}

func TestVerifyIndexMismatch(t *testing.T) {
	s, _ := newStore(t, nil)
	commit(t, s, map[proto.Oid][]byte{1: []byte("one"), 2: []byte("two")})
	var calls int
	rep, err := s.Verify(func(done, total int64) {
		calls++
		if done > total {
			t.Errorf("progress %d/%d", done, total)
		}
	})
	if err != nil || calls == 0 || rep.Oids != 2 || rep.Records != 2 || rep.Transactions != 1 {
		t.Fatalf("%+v %v, %d progress calls", rep, err, calls)
	}
	s.mu.Lock()
	good := s.idx.get(2)
	s.idx.set(2, s.idx.get(1)) // corrupt the live index
	s.mu.Unlock()
	_, err = s.Verify(nil)
	if err == nil || !strings.Contains(err.Error(), "index mismatch for oid 0x02") {
		t.Fatalf("mismatch not found: %v", err)
	}
	s.mu.Lock()
	s.idx.set(2, good)
	s.mu.Unlock()
}

func TestOpenProgressAndWarnings(t *testing.T) {
	path := copyFixture(t, "filestorage/packed/undo-across-packtime.after-pack-gc.fs")
	var logs logBuffer
	var last [2]int64
	s := openT(t, path, &Options{Logger: logs.logger(), NoIndex: true, Progress: func(d, tot int64) { last = [2]int64{d, tot} }})
	if last[0] != s.Size() || last[1] != s.Size() {
		t.Fatalf("progress ended at %v, size %d", last, s.Size())
	}
	if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, "incorrect previous pointer") || !strings.Contains(l, "pos=912") {
		t.Fatalf("log %q", l)
	}
	rep, err := s.Verify(nil)
	if err != nil || len(rep.Warnings) != 1 || rep.Warnings[0] != "incorrect previous pointer at 912" {
		t.Fatalf("%+v %v", rep, err)
	}
}
