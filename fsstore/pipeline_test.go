// Pipelined votes, finish ordering, aborts in the middle (relocation),
// group commit batching, and readers running during commits.

package fsstore

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// voteOne begins, stores data for oid (serial from the committed state)
// and votes.
func voteOne(t *testing.T, s *Store, oid proto.Oid, data string) *Txn {
	t.Helper()
	txn, err := s.Begin(proto.TxnMeta{Description: []byte(data)})
	if err != nil {
		t.Fatal(err)
	}
	serial, _, _ := s.currentTid(oid, "test")
	if err := txn.Store(oid, serial, []byte(data)); err != nil {
		t.Fatal(err)
	}
	if _, err := txn.Vote(); err != nil {
		t.Fatal(err)
	}
	return txn
}

// waitFinishing waits until n voted transactions have Finish pending.
func waitFinishing(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.pipe.mu.Lock()
		k := 0
		for _, v := range s.pipe.voted {
			if v.state == txnFinishing {
				k++
			}
		}
		s.pipe.mu.Unlock()
		if k >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("timed out waiting for %d finishing transactions", n)
}

// TestPipelinedFinishOrder votes several disjoint transactions, finishes
// them in reverse order, and checks that they commit in tid order, each
// once, in one group with one or two syncs.
func TestPipelinedFinishOrder(t *testing.T) {
	s, _ := newStore(t, nil)
	const n = 6
	txns := make([]*Txn, n)
	for i := range txns {
		txns[i] = voteOne(t, s, proto.Oid(i+1), fmt.Sprintf("txn %d", i))
	}
	if s.Size() != MagicSize || s.LastTransaction() != 0 {
		t.Fatal("voted transactions are visible before Finish")
	}
	var mu sync.Mutex
	var order []proto.Tid
	onCommit := func(tid proto.Tid) {
		mu.Lock()
		order = append(order, tid)
		mu.Unlock()
		// Visible and durable when called, with no lock held: loads work.
		if s.LastTransaction() < tid {
			t.Errorf("onCommit(%s) before publication", tid)
		}
	}
	var wg sync.WaitGroup
	for i := n - 1; i >= 1; i-- {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if tid, err := txns[i].Finish(onCommit); err != nil || tid != txns[i].Tid() {
				t.Errorf("finish %d: %s %v", i, tid, err)
			}
		}(i)
	}
	waitFinishing(t, s, n-1)
	if s.LastTransaction() != 0 {
		t.Fatal("a later transaction committed before an earlier one finished")
	}
	syncs := s.syncCount()
	if _, err := txns[0].Finish(onCommit); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if d := s.syncCount() - syncs; d < 1 || d > 2 {
		t.Errorf("group of %d took %d syncs, want 1 or 2", n, d)
	}
	for i := range txns {
		if order[i] != txns[i].Tid() || (i > 0 && order[i] <= order[i-1]) {
			t.Fatalf("onCommit order %v", order)
		}
		if d, _, err := s.Load(proto.Oid(i+1), nil); err != nil || string(d) != fmt.Sprintf("txn %d", i) {
			t.Fatalf("oid %d: %q %v", i+1, d, err)
		}
	}
}

// TestAbortRelocates aborts voted transactions in the middle, at the head
// and at the tail of the queue; the later ones move down, keep their tids
// and commit intact.
func TestAbortRelocates(t *testing.T) {
	for _, abort := range [][]int{{1}, {0}, {4}, {1, 3}, {0, 1, 2}} {
		t.Run(fmt.Sprint(abort), func(t *testing.T) {
			s, path := newStore(t, nil)
			base := commit(t, s, map[proto.Oid][]byte{100: []byte("base")})
			txns := make([]*Txn, 5)
			for i := range txns {
				txns[i] = voteOne(t, s, proto.Oid(i+1), fmt.Sprintf("txn %d %s", i, bytes.Repeat([]byte("x"), i*37)))
			}
			tids := make([]proto.Tid, len(txns))
			for i, x := range txns {
				tids[i] = x.Tid()
			}
			aborted := map[int]bool{}
			for _, i := range abort {
				aborted[i] = true
			}
			early := len(txns) - 1 // finish the last survivor first: it waits
			for aborted[early] {
				early--
			}
			done := make(chan error, 1)
			go func() { _, err := txns[early].Finish(nil); done <- err }()
			waitFinishing(t, s, 1)
			for _, i := range abort {
				if err := txns[i].Abort(); err != nil {
					t.Fatal(err)
				}
			}
			for i := range txns {
				if !aborted[i] && i != early {
					if tid, err := txns[i].Finish(nil); err != nil || tid != tids[i] {
						t.Fatalf("finish %d: %s %v", i, tid, err)
					}
				}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			for i := range txns {
				d, serial, err := s.Load(proto.Oid(i+1), nil)
				if aborted[i] {
					if err == nil {
						t.Errorf("aborted txn %d visible", i)
					}
					continue
				}
				if err != nil || serial != tids[i] || !bytes.HasPrefix(d, []byte(fmt.Sprintf("txn %d", i))) {
					t.Errorf("txn %d: %q @%s %v", i, d, serial, err)
				}
			}
			if _, err := s.Verify(nil); err != nil {
				t.Fatal(err)
			}
			s.Close()
			s2 := openT(t, path, &Options{NoIndex: true})
			if d, _, err := s2.Load(100, nil); err != nil || string(d) != "base" || s2.LastTransaction() != tids[early] {
				t.Fatalf("after reopen: %v %s (base %s)", err, s2.LastTransaction(), base)
			}
		})
	}
}

// TestGroupCommitParallel runs many committers at once; their finishes
// share syncs, and every commit is there afterwards.
func TestGroupCommitParallel(t *testing.T) {
	s, _ := newStore(t, nil)
	const workers, each = 8, 25
	var committed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				oid := proto.Oid(w*1000 + i)
				txn, _ := s.Begin(proto.TxnMeta{})
				if err := txn.Store(oid, 0, []byte(fmt.Sprintf("w%d i%d", w, i))); err != nil {
					t.Error(err)
					return
				}
				if _, err := txn.Vote(); err != nil {
					t.Error(err)
					return
				}
				if _, err := txn.Finish(func(proto.Tid) { committed.Add(1) }); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	if committed.Load() != workers*each || s.Len() != workers*each {
		t.Fatalf("%d commits, Len %d", committed.Load(), s.Len())
	}
	t.Logf("%d commits, %d fdatasyncs", workers*each, s.syncCount())
	if s.syncCount() >= 2*workers*each {
		t.Errorf("no batching: %d syncs for %d commits", s.syncCount(), workers*each)
	}
}

// TestReadersDuringCommits loads, iterates and verifies while commits
// run. Each transaction writes the same sequence number into two oids; a
// reader that asks for the state as of the last transaction must see
// both equal (never a half-published transaction).
func TestReadersDuringCommits(t *testing.T) {
	s, _ := newStore(t, &Options{MapReserve: 4096}) // remaps under the readers
	commit(t, s, map[proto.Oid][]byte{1: seqData(0), 2: seqData(0)})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads atomic.Int64
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			buf := make([]byte, 0, 4096)
			for {
				select {
				case <-stop:
					return
				default:
				}
				last := s.LastTransaction()
				a, sa, _, err1 := s.LoadBefore(1, last+1, buf[:0])
				sa1 := binary.BigEndian.Uint64(a)
				b, sb, _, err2 := s.LoadBefore(2, last+1, buf[:0])
				if err1 != nil || err2 != nil || sa != sb || sa1 != binary.BigEndian.Uint64(b) || sa > last {
					t.Errorf("reader %d: inconsistent snapshot at %s: %v %v %s %s", r, last, err1, err2, sa, sb)
					return
				}
				if r == 0 {
					it := s.Iterator(0, 0)
					n := 0
					for {
						_, ok, err := it.Next()
						if err != nil {
							t.Error(err)
							return
						}
						if !ok {
							break
						}
						n++
					}
				}
				reads.Add(1)
				runtime.Gosched()
			}
		}(r)
	}
	for i := 1; i <= 100; i++ {
		commit(t, s, map[proto.Oid][]byte{1: seqData(i), 2: seqData(i), proto.Oid(10 + i%7): bytes.Repeat([]byte("z"), 500)})
		if i%25 == 0 {
			if _, err := s.Verify(nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	wg.Wait()
	if reads.Load() == 0 {
		t.Fatal("readers made no progress")
	}
	if len(s.m.retired) == 0 {
		t.Error("the mapping was never replaced; the remap path is untested")
	}
}

func seqData(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }
