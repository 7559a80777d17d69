// Per-oid commit locks: taken at vote in oid order, held until finish or
// abort, granted first come first served per oid.

package engine

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gozeo/gozeo/proto"
)

// errLockCanceled is returned by lockTable.acquire when the transaction was
// aborted or its connection closed while it waited.
var errLockCanceled = errors.New("engine: lock wait canceled")

// lockTable holds the commit locks of one storage. A transaction locks
// every oid it will write or check, in ascending oid order, so two
// transactions can never wait for each other in a cycle: the one holding
// the smallest contended oid always progresses. Transactions on disjoint
// oids never wait at all, so their votes run concurrently.
type lockTable struct {
	mu      sync.Mutex
	locks   map[proto.Oid]*oidLock
	free    []*oidLock // recycled entries
	waiting atomic.Int64
}

type oidLock struct {
	holder  *lockOwner
	waiters []*lockOwner // FIFO
}

// lockOwner is a transaction as the lock table sees it.
type lockOwner struct {
	grant chan struct{} // signalled when a waited-for lock is handed over
	held  []proto.Oid   // locks held, ascending
}

func newLockOwner() *lockOwner { return &lockOwner{grant: make(chan struct{}, 1)} }

func newLockTable() *lockTable { return &lockTable{locks: make(map[proto.Oid]*oidLock)} }

// acquire locks oids (sorted and deduplicated in place) for o, waiting for
// each one held by another transaction. On cancel it releases what it took
// and returns errLockCanceled.
func (t *lockTable) acquire(o *lockOwner, oids []proto.Oid, cancel <-chan struct{}) error {
	slices.Sort(oids)
	oids = slices.Compact(oids)
	for _, oid := range oids {
		if err := t.lockOne(o, oid, cancel); err != nil {
			t.release(o)
			return err
		}
	}
	return nil
}

func (t *lockTable) lockOne(o *lockOwner, oid proto.Oid, cancel <-chan struct{}) error {
	t.mu.Lock()
	l := t.locks[oid]
	if l == nil {
		l = t.newLockLocked()
		t.locks[oid] = l
	}
	if l.holder == nil {
		l.holder = o
		o.held = append(o.held, oid)
		t.mu.Unlock()
		return nil
	}
	l.waiters = append(l.waiters, o)
	t.mu.Unlock()
	t.waiting.Add(1)
	defer t.waiting.Add(-1)
	select {
	case <-o.grant:
		// release handed the lock to us and recorded it in o.held.
		return nil
	case <-cancel:
		t.mu.Lock()
		defer t.mu.Unlock()
		if l.holder == o {
			// Granted just as we gave up: keep it in held so release frees it.
			select {
			case <-o.grant:
			default:
			}
			return errLockCanceled
		}
		l.waiters = slices.DeleteFunc(l.waiters, func(w *lockOwner) bool { return w == o })
		return errLockCanceled
	}
}

// release frees every lock o holds, handing each to its first waiter.
func (t *lockTable) release(o *lockOwner) {
	if len(o.held) == 0 {
		return
	}
	t.mu.Lock()
	for _, oid := range o.held {
		l := t.locks[oid]
		if l == nil || l.holder != o {
			continue
		}
		if len(l.waiters) == 0 {
			delete(t.locks, oid)
			t.recycleLocked(l)
			continue
		}
		next := l.waiters[0]
		copy(l.waiters, l.waiters[1:])
		l.waiters = l.waiters[:len(l.waiters)-1]
		l.holder = next
		next.held = append(next.held, oid)
		next.grant <- struct{}{}
	}
	o.held = o.held[:0]
	t.mu.Unlock()
}

// newLockLocked returns a blank entry. REQUIRES: t.mu held.
func (t *lockTable) newLockLocked() *oidLock {
	if n := len(t.free); n > 0 {
		l := t.free[n-1]
		t.free = t.free[:n-1]
		return l
	}
	return &oidLock{}
}

// recycleLocked keeps a released entry for reuse. REQUIRES: t.mu held.
func (t *lockTable) recycleLocked(l *oidLock) {
	l.holder = nil
	l.waiters = l.waiters[:0]
	if len(t.free) < 1024 {
		t.free = append(t.free, l)
	}
}

// held reports how many oids are locked (for tests and stats).
func (t *lockTable) heldCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.locks)
}
