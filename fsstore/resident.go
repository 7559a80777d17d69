// A cache of which log pages are in the page cache, so TryLoadBefore
// answers without a system call in the common case.

package fsstore

import (
	"sync"
	"sync/atomic"
	"time"
)

// residency keeps one bit per page of the log: set when the page was seen
// resident (by mincore, or because the store just wrote it). A background
// refresh rebuilds all bits from mincore every residencyRefresh, so a page
// evicted since is believed resident for at most that long (a load then
// takes a page fault, as LoadBefore would). A clear bit always costs an
// exact mincore of the pages concerned.
type residency struct {
	words atomic.Pointer[[]atomic.Uint64]

	start sync.Once
	stop  chan struct{}
	done  chan struct{}
	vec   []byte // refresh buffer, refresher goroutine only
}

const residencyRefresh = time.Second

// grow makes room for a log of size bytes. REQUIRES: one writer at a
// time (open, then the committer).
func (r *residency) grow(size int64) {
	n := int((size/pageSize + 64) / 64)
	old := r.words.Load()
	if old != nil && len(*old) >= n {
		return
	}
	w := make([]atomic.Uint64, 2*n)
	if old != nil {
		for i := range *old {
			w[i].Store((*old)[i].Load())
		}
	}
	r.words.Store(&w)
}

// mark records m[off:off+n] as resident (just written).
func (r *residency) mark(off, n int64) {
	w := r.words.Load()
	if w == nil || n <= 0 {
		return
	}
	for p := off / pageSize; p <= (off+n-1)/pageSize && int(p>>6) < len(*w); p++ {
		(*w)[p>>6].Or(1 << (p & 63))
	}
}

// check reports whether m[off:off+n] is resident: from the bits when they
// say so, else by an exact mincore of those pages (which updates them).
func (r *residency) check(m []byte, off, n int64) bool {
	if n <= 0 {
		return true
	}
	w := r.words.Load()
	p0, p1 := off/pageSize, (off+n-1)/pageSize
	if w != nil {
		p := p0
		for ; p <= p1 && int(p>>6) < len(*w); p++ {
			if (*w)[p>>6].Load()&(1<<(p&63)) == 0 {
				break
			}
		}
		if p > p1 {
			return true
		}
	}
	if !resident(m, off, n) {
		return false
	}
	r.mark(p0*pageSize, (p1-p0+1)*pageSize)
	return true
}

// refresh rebuilds the bits of m[:end] from mincore.
func (r *residency) refresh(m []byte, end int64) {
	w := r.words.Load()
	if w == nil || end <= 0 {
		return
	}
	pages := int((end + pageSize - 1) / pageSize)
	if cap(r.vec) < pages {
		r.vec = make([]byte, pages)
	}
	vec := r.vec[:pages]
	if !mincoreVec(m[:end], vec) {
		return
	}
	for i := 0; i < len(*w) && i*64 < pages; i++ {
		var bits uint64
		for j := 0; j < 64 && i*64+j < pages; j++ {
			bits |= uint64(vec[i*64+j]&1) << j
		}
		(*w)[i].Store(bits)
	}
}

// startRefresher runs refresh every residencyRefresh until stopRefresher,
// reading the committed view of s. Started on the first TryLoadBefore.
func (s *Store) startRefresher() {
	r := &s.res
	r.start.Do(func() {
		r.stop, r.done = make(chan struct{}), make(chan struct{})
		v, err := s.pin()
		if err != nil {
			close(r.done)
			return
		}
		r.refresh(v.b, v.end)
		s.unpin()
		go func() {
			defer close(r.done)
			t := time.NewTicker(residencyRefresh)
			defer t.Stop()
			for {
				select {
				case <-r.stop:
					return
				case <-t.C:
					v, err := s.pin()
					if err != nil {
						return
					}
					r.refresh(v.b, v.end)
					s.unpin()
				}
			}
		}()
	})
}

// stopRefresher stops the refresher if it runs.
func (s *Store) stopRefresher() {
	r := &s.res
	r.start.Do(func() {}) // no refresher can start after this
	if r.stop != nil {
		close(r.stop)
		<-r.done
	}
}
