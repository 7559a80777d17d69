// Pack while the store is in use: concurrent loads, commits and
// iterations, and transactions that span the swap of the files.

package fsstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

type committed struct {
	tid  proto.Tid
	oid  proto.Oid
	data []byte
}

func TestPackConcurrent(t *testing.T) {
	s, _ := genStore(t, 40000, nil)
	packTime := s.LastTransaction()
	// Objects nobody writes: their current data must load at any time.
	want := map[proto.Oid][]byte{}
	for oid := proto.Oid(5000); oid < 5200; oid++ {
		d, _, err := s.Load(oid, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[oid] = d
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var commits []committed
	var ncommits atomic.Int64
	errc := make(chan error, 100)
	report := func(err error) {
		select {
		case errc <- err:
		default:
		}
	}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			serials := map[proto.Oid]proto.Tid{}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				oid := proto.Oid(1 + w*100 + i%100)
				if _, ok := serials[oid]; !ok {
					_, serial, err := s.Load(oid, nil)
					if err != nil {
						report(err)
						return
					}
					serials[oid] = serial
				}
				data := []byte(fmt.Sprintf("writer %d commit %d", w, i))
				tx, err := s.Begin(proto.TxnMeta{Description: []byte("concurrent")})
				if err != nil {
					report(err)
					return
				}
				var newOid proto.Oid
				if i%10 == 0 {
					oids, err := s.NewOIDs(nil, 1)
					if err != nil {
						report(err)
						return
					}
					newOid = oids[0]
					if err := tx.Store(newOid, 0, data); err != nil {
						report(err)
						return
					}
				}
				if err := tx.Store(oid, serials[oid], data); err != nil {
					report(fmt.Errorf("store: %w", err))
					return
				}
				if _, err := tx.Vote(); err != nil {
					report(fmt.Errorf("vote: %w", err))
					return
				}
				tid, err := tx.Finish(nil)
				if err != nil {
					report(err)
					return
				}
				serials[oid] = tid
				mu.Lock()
				commits = append(commits, committed{tid, oid, data})
				if newOid != 0 {
					commits = append(commits, committed{tid, newOid, data})
				}
				mu.Unlock()
				ncommits.Add(1)
			}
		}(w)
	}
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			var dst []byte
			for {
				select {
				case <-stop:
					return
				default:
				}
				oid := proto.Oid(5000 + rng.IntN(200))
				d, _, err := s.Load(oid, dst[:0])
				if err != nil || !bytes.Equal(d, want[oid]) {
					report(fmt.Errorf("load %s during pack: %v", oid, err))
					return
				}
				d, _, end, err := s.LoadBefore(oid, proto.MaxTid, dst[:0])
				if err != nil || end != 0 || !bytes.Equal(d, want[oid]) {
					report(fmt.Errorf("loadBefore %s during pack: %v", oid, err))
					return
				}
				dst = d
			}
		}(r)
	}
	wg.Add(1)
	go func() { // iterations across the swap see increasing tids
		defer wg.Done()
		for {
			it := s.Iterator(0, 0)
			last := proto.ZeroTid
			for {
				select {
				case <-stop:
					return
				default:
				}
				info, ok, err := it.Next()
				if err != nil {
					report(fmt.Errorf("iterate: %w", err))
					return
				}
				if !ok {
					break
				}
				if info.Tid <= last {
					report(fmt.Errorf("iterator went from %s to %s", last, info.Tid))
					return
				}
				last = info.Tid
				recs := it.Records()
				for {
					_, ok, err := recs.Next()
					if errors.Is(err, ErrRepacked) {
						break
					}
					if err != nil {
						report(fmt.Errorf("iterate records: %w", err))
						return
					}
					if !ok {
						break
					}
				}
			}
		}
	}()
	// Make commits land during each phase of the pack.
	waitCommits := func(n int64) {
		target := ncommits.Load() + n
		for deadline := time.Now().Add(10 * time.Second); ncommits.Load() < target && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	reports := 0
	res, err := s.Pack(context.Background(), packTime, &PackOptions{Progress: func(done, total int64) {
		if reports++; reports <= 3 {
			waitCommits(20)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	waitCommits(20) // and after it
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if !res.Changed || res.TxnsDuringPack == 0 {
		t.Errorf("result %+v: want commits during the pack", res)
	}
	if rep, err := s.Verify(nil); err != nil {
		t.Fatalf("Verify: %v %+v", err, rep)
	}
	check := func(s *Store) {
		for _, c := range commits {
			d, err := s.LoadSerial(c.oid, c.tid, nil)
			if err != nil || !bytes.Equal(d, c.data) {
				t.Fatalf("LoadSerial(%s, %s) = %q %v, want %q", c.oid, c.tid, d, err, c.data)
			}
		}
	}
	check(s)
	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check(openT(t, path, &Options{ReadOnly: true}))
	t.Logf("%d commits, %d during the pack; %+v", len(commits), res.TxnsDuringPack, res)
}

// TestPackRunningTxn: transactions begun before the swap and voted after
// it are checked by serial (positions moved); undo that spans the swap is
// refused; an iterator continues with the next tid.
func TestPackRunningTxn(t *testing.T) {
	s, _ := newStore(t, nil)
	var tids []proto.Tid
	for i := 0; i < 6; i++ {
		tids = append(tids, commit(t, s, map[proto.Oid][]byte{0: refPickle(1, 2), proto.Oid(1 + i%2): []byte(fmt.Sprint("rev", i))}))
	}
	packTime := tids[3]
	it := s.Iterator(0, 0)
	for i := 0; i < 5; i++ {
		if _, ok, err := it.Next(); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	recs := it.Records()
	if _, ok, err := recs.Next(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	_, s1, _ := s.Load(1, nil)
	_, s2, _ := s.Load(2, nil)
	ok1, _ := s.Begin(proto.TxnMeta{})
	if err := ok1.Store(1, s1, []byte("after pack")); err != nil {
		t.Fatal(err)
	}
	if err := ok1.CheckCurrentSerial(0, tids[5]); err != nil {
		t.Fatal(err)
	}
	stale, _ := s.Begin(proto.TxnMeta{})
	if err := stale.Store(2, s2, []byte("loses")); err != nil {
		t.Fatal(err)
	}
	undo, _ := s.Begin(proto.TxnMeta{})
	if _, err := undo.Undo(tids[5]); err != nil {
		t.Fatal(err)
	}
	res, err := s.Pack(context.Background(), packTime, nil)
	if err != nil || !res.Changed {
		t.Fatal(res, err)
	}
	commit(t, s, map[proto.Oid][]byte{2: []byte("wins")})
	if _, err := ok1.Vote(); err != nil {
		t.Fatalf("vote of a transaction that spans the pack: %v", err)
	}
	if _, err := ok1.Finish(nil); err != nil {
		t.Fatal(err)
	}
	var ce *proto.ConflictError
	if _, err := stale.Vote(); !errors.As(err, &ce) || ce.Oid != 2 {
		t.Errorf("stale store after the pack: %v, want a conflict on oid 2", err)
	}
	stale.Abort()
	var ue *proto.UndoError
	if _, err := undo.Vote(); !errors.As(err, &ue) {
		t.Errorf("undo across the pack: %v, want UndoError", err)
	}
	undo.Abort()
	// The iterator's transaction (tids[4]) is after the pack time: copied
	// unchanged, the record iteration continues.
	if rec, ok, err := recs.Next(); err != nil || !ok || rec.Tid != tids[4] {
		t.Errorf("record iterator across the pack: %v %v %v", rec, ok, err)
	}
	var seen []proto.Tid
	for {
		info, ok, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		seen = append(seen, info.Tid)
	}
	if len(seen) != 3 || seen[0] != tids[5] {
		t.Errorf("iterator after the pack saw %v, want %s and the two later commits", seen, tids[5])
	}
	// An iteration inside a transaction the pack rewrote stops clearly.
	it2 := s.Iterator(0, 0)
	it2.Next()
	r2 := it2.Records()
	commit(t, s, map[proto.Oid][]byte{1: []byte("x")})
	if _, err := s.Pack(context.Background(), s.LastTransaction(), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r2.Next(); !errors.Is(err, ErrRepacked) {
		t.Errorf("records of a rewritten transaction: %v, want ErrRepacked", err)
	}
}
