package engine

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

func TestLocksDisjointDoNotWait(t *testing.T) {
	lt := newLockTable()
	a, b := newLockOwner(), newLockOwner()
	if err := lt.acquire(a, []proto.Oid{3, 1, 2, 1}, nil); err != nil {
		t.Fatal(err)
	}
	if got := a.held; len(got) != 3 || got[0] != 1 || got[2] != 3 {
		t.Fatalf("held %v, want sorted and deduplicated", got)
	}
	done := make(chan error, 1)
	go func() { done <- lt.acquire(b, []proto.Oid{4, 5}, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("disjoint acquire waited")
	}
	lt.release(a)
	lt.release(b)
	if n := lt.heldCount(); n != 0 {
		t.Fatalf("%d locks still held", n)
	}
}

func TestLocksOverlapWaitsFIFO(t *testing.T) {
	lt := newLockTable()
	holder := newLockOwner()
	if err := lt.acquire(holder, []proto.Oid{7}, nil); err != nil {
		t.Fatal(err)
	}
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 3 {
		o := newLockOwner()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := lt.acquire(o, []proto.Oid{7}, nil); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			lt.release(o)
		}()
		// Let each waiter queue before the next one.
		for lt.waiting.Load() != int64(i+1) {
			time.Sleep(time.Millisecond)
		}
	}
	lt.release(holder)
	wg.Wait()
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Fatalf("grant order %v, want FIFO [0 1 2]", order)
	}
}

func TestLocksCancelWhileWaiting(t *testing.T) {
	lt := newLockTable()
	holder, waiter := newLockOwner(), newLockOwner()
	lt.acquire(holder, []proto.Oid{1, 2}, nil)
	cancel := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- lt.acquire(waiter, []proto.Oid{0, 2}, cancel) }()
	for lt.waiting.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	close(cancel)
	if err := <-done; err != errLockCanceled {
		t.Fatalf("got %v, want errLockCanceled", err)
	}
	if len(waiter.held) != 0 {
		t.Fatalf("canceled waiter still holds %v", waiter.held)
	}
	lt.release(holder)
	if n := lt.heldCount(); n != 0 {
		t.Fatalf("%d locks held after release", n)
	}
}

// TestLocksNoDeadlock runs many transactions over random overlapping oid
// sets; ordered acquisition must let every one finish.
func TestLocksNoDeadlock(t *testing.T) {
	lt := newLockTable()
	var wg sync.WaitGroup
	var inside [16]int32
	var mu sync.Mutex
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 300 {
				o := newLockOwner()
				oids := []proto.Oid{proto.Oid(r.IntN(16)), proto.Oid(r.IntN(16)), proto.Oid(r.IntN(16))}
				if err := lt.acquire(o, oids, nil); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, oid := range o.held {
					inside[oid]++
					if inside[oid] != 1 {
						t.Errorf("oid %d held by two transactions", oid)
					}
				}
				mu.Unlock()
				mu.Lock()
				for _, oid := range o.held {
					inside[oid]--
				}
				mu.Unlock()
				lt.release(o)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("deadlock: transactions did not finish")
	}
}
