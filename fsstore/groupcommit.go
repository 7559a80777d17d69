// Two-phase commit, second phase: Finish, Abort (moving later voted
// transactions down), and the committer goroutine that group-commits
// finished transactions with shared fdatasyncs.

package fsstore

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/gozeo/gozeo/proto"
)

// pipeline holds the voted transactions. On disk the file is always:
// committed transactions up to Store.pos, then the voted ones back to back
// in tid order, each complete with status 'c'. A crash at any moment
// therefore reopens at the last finished transaction.
type pipeline struct {
	s  *Store
	mu sync.Mutex // the commit lock: everything below

	tail          int64     // end of the last voted transaction
	lastTid       proto.Tid // highest tid voted
	lastCommitted proto.Tid // highest tid finished
	voted         []*Txn    // in file (tid) order
	inflight      map[proto.Oid]*Txn
	werr          error // first write failure; every later write fails
	stopping      bool

	syncedEnd int64  // bytes below it are known durable
	relocGen  uint64 // bumped when bytes below tail are rewritten

	// A pack finishing sets draining: new votes wait on packWait until
	// the voted queue has drained and the files are swapped (pack.go).
	draining bool
	packWait *sync.Cond

	kick chan struct{}
	stop chan struct{}
	done chan struct{}

	syncs atomic.Int64 // fdatasync calls (tests check the batching)
	batch []*Txn
}

func (p *pipeline) init(s *Store) {
	p.s = s
	p.tail, p.syncedEnd = s.pos, s.pos
	p.lastTid, p.lastCommitted = s.ltid, s.ltid
	p.inflight = make(map[proto.Oid]*Txn)
	p.packWait = sync.NewCond(&p.mu)
	p.kick = make(chan struct{}, 1)
	p.stop = make(chan struct{})
	p.done = make(chan struct{})
	go p.run()
}

func (p *pipeline) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *pipeline) sync() error {
	p.syncs.Add(1)
	if err := unix.Fdatasync(int(p.s.f.Fd())); err != nil {
		return fmt.Errorf("fsstore: fdatasync %s: %w", p.s.path, err)
	}
	return nil
}

// Finish commits a voted transaction: it waits for every earlier voted
// transaction to finish or abort, then the committer flips the status
// byte, fdatasyncs (once for every transaction ready together), publishes
// the transaction to readers and calls onCommit(tid) from its goroutine,
// in tid order, with no lock held that loads take. onCommit must be quick
// and must not call back into this transaction. Finish returns when all of
// that is done.
func (t *Txn) Finish(onCommit func(tid proto.Tid)) (proto.Tid, error) {
	p := &t.s.pipe
	p.mu.Lock()
	if t.state != txnVoted {
		st := t.state
		p.mu.Unlock()
		if st == txnAborted && p.stopping {
			return 0, fmt.Errorf("%w: the transaction was aborted by Close", ErrClosed)
		}
		return 0, &proto.StorageTransactionError{Msg: "tpc_finish in a transaction that is " + stateNames[st]}
	}
	t.state = txnFinishing
	t.onCommit = onCommit
	t.done = make(chan struct{})
	p.mu.Unlock()
	p.wake()
	<-t.done
	if t.err != nil {
		return 0, t.err
	}
	return t.tid, nil
}

// Abort drops the transaction. After Vote it removes the written bytes;
// later voted transactions are moved down over them (their tids stay).
func (t *Txn) Abort() error {
	p := &t.s.pipe
	if t.s.readOnly {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch t.state {
	case txnBegun:
		t.state = txnAborted
		t.recs, t.buf, t.latest, t.reads = nil, nil, nil, nil
		return nil
	case txnAborted:
		return nil
	case txnVoted:
		return p.abortLocked(t)
	default:
		return &proto.StorageTransactionError{Msg: "tpc_abort in a transaction that is " + stateNames[t.state]}
	}
}

// abortLocked removes voted transaction t from the file. REQUIRES: p.mu.
func (p *pipeline) abortLocked(t *Txn) error {
	s := p.s
	i := slices.Index(p.voted, t)
	if i < 0 {
		return &proto.StorageTransactionError{Msg: "tpc_abort: transaction is not voted"}
	}
	t.state = txnAborted
	p.voted = slices.Delete(p.voted, i, i+1)
	later := p.voted[i:]
	for j := range t.recs {
		if p.inflight[t.recs[j].oid] == t {
			delete(p.inflight, t.recs[j].oid)
		}
	}
	if p.werr != nil {
		// The tail is in an unknown state already; reopening recovers it.
		return nil
	}
	p.relocGen++
	if t.tpos < p.syncedEnd {
		p.syncedEnd = t.tpos
	}
	if err := s.f.Truncate(t.tpos); err != nil {
		p.werr = fmt.Errorf("truncate at %d on abort: %w", t.tpos, err)
		return fmt.Errorf("fsstore: abort: %w", p.werr)
	}
	cur := t.tpos
	for _, u := range later {
		u.tpos = cur
		u.enc = u.encode(u.enc[:0], cur)
		if _, err := s.f.WriteAt(u.enc, cur); err != nil {
			p.werr = fmt.Errorf("relocate transaction %s to %d on abort: %w", u.tid, cur, err)
			return fmt.Errorf("fsstore: abort: %w", p.werr)
		}
		cur += int64(len(u.enc))
	}
	p.tail = cur
	if len(p.voted) == 0 {
		p.lastTid = p.lastCommitted
	} else {
		p.lastTid = p.voted[len(p.voted)-1].tid
	}
	if len(later) > 0 {
		p.wake()
	}
	return nil
}

func (p *pipeline) run() {
	defer close(p.done)
	for {
		select {
		case <-p.kick:
			p.commitReady()
		case <-p.stop:
			p.commitReady()
			return
		}
	}
}

// commitReady commits, batch after batch, the longest prefix of the voted
// queue whose Finish has been called. When none is ready it syncs the
// voted data ahead of the finishes.
func (p *pipeline) commitReady() {
	s := p.s
	for {
		p.mu.Lock()
		n := 0
		for n < len(p.voted) && p.voted[n].state == txnFinishing {
			n++
		}
		if n == 0 {
			// Nothing to finish: make the voted data durable ahead of
			// time, so that a Finish needs only the status sync.
			early := len(p.voted) > 0 && p.syncedEnd < p.tail && p.werr == nil
			written, gen := p.tail, p.relocGen
			p.mu.Unlock()
			if !early {
				return
			}
			err := p.sync()
			if err != nil {
				p.mu.Lock()
				if p.werr == nil {
					p.werr = err
				}
				p.mu.Unlock()
				return
			}
			p.noteSynced(nil, written, gen)
			continue
		}
		batch := append(p.batch[:0], p.voted[:n]...)
		last := batch[n-1]
		end := last.tpos + int64(len(last.enc))
		needData := p.syncedEnd < end
		written, gen := p.tail, p.relocGen
		err := p.werr
		p.mu.Unlock()

		if err != nil {
			err = fmt.Errorf("%w: %w", ErrBroken, err)
		}
		if err == nil {
			err = s.m.grow(end) // before the commit point, so a failure leaves 'c' records
			s.res.grow(int64(len(s.m.cur)))
		}
		if err == nil && needData {
			err = p.sync()
			p.noteSynced(err, written, gen)
		}
		if err == nil {
			for _, t := range batch {
				if _, err = s.f.WriteAt([]byte{t.status}, t.tpos+16); err != nil {
					err = fmt.Errorf("fsstore: finish: write status at %d: %w", t.tpos+16, err)
					break
				}
			}
		}
		if err == nil {
			p.mu.Lock()
			written, gen = p.tail, p.relocGen
			p.mu.Unlock()
			err = p.sync()
			p.noteSynced(err, written, gen)
		}
		if err == nil {
			s.publish(batch, end)
		}
		p.mu.Lock()
		if err != nil && p.werr == nil {
			p.werr = err
		}
		p.voted = slices.Delete(p.voted, 0, n)
		for _, t := range batch {
			for j := range t.recs {
				if p.inflight[t.recs[j].oid] == t {
					delete(p.inflight, t.recs[j].oid)
				}
			}
			if err == nil {
				t.state = txnFinished
				p.lastCommitted = t.tid
			} else {
				t.state, t.err = txnAborted, err
			}
		}
		p.mu.Unlock()
		for _, t := range batch {
			if err == nil && t.onCommit != nil {
				t.onCommit(t.tid)
			}
			close(t.done)
		}
		clear(batch)
		p.batch = batch[:0]
	}
}

func (p *pipeline) noteSynced(err error, written int64, gen uint64) {
	if err != nil {
		return
	}
	p.mu.Lock()
	if gen == p.relocGen && written > p.syncedEnd {
		p.syncedEnd = written
	}
	p.mu.Unlock()
}

// publish makes finished transactions visible to readers. Runs on the
// committer goroutine.
func (s *Store) publish(batch []*Txn, end int64) {
	s.mu.Lock()
	s.data = s.m.cur
	for _, t := range batch {
		for i := range t.recs {
			s.idx.set(t.recs[i].oid, t.tpos+t.recs[i].at)
		}
		s.ltid = t.tid
	}
	s.pos = end
	s.mu.Unlock()
	s.res.mark(batch[0].tpos, end-batch[0].tpos) // just written: in the page cache
	s.oidMu.Lock()
	for _, t := range batch {
		for i := range t.recs {
			s.noteOidLocked(t.recs[i].oid)
		}
	}
	s.oidMu.Unlock()
}

// shutdown aborts the voted transactions whose Finish was not called,
// lets the committer finish the others, and stops it.
func (p *pipeline) shutdown() error {
	if p.s == nil {
		return nil
	}
	p.mu.Lock()
	p.stopping = true
	var errs []error
	for {
		i := slices.IndexFunc(p.voted, func(t *Txn) bool { return t.state == txnVoted })
		if i < 0 {
			break
		}
		if err := p.abortLocked(p.voted[i]); err != nil {
			errs = append(errs, err)
		}
	}
	p.mu.Unlock()
	close(p.stop)
	<-p.done
	return errors.Join(errs...)
}

// SyncCount returns how many fdatasync calls the commit pipeline made.
func (s *Store) syncCount() int64 { return s.pipe.syncs.Load() }
