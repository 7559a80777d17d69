// Two-phase commit, the vote: serial re-checks, tid assignment, and the
// single write of the whole transaction at the tail of the file.

package fsstore

import (
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// Vote assigns the tid and writes the whole transaction, status 'c', at
// the tail of the file with one write. It re-checks every serial against
// the committed state, and refuses a transaction that shares an oid with
// another voted, unfinished one. After a successful Vote, Finish can fail
// only on an I/O error.
func (t *Txn) Vote() (proto.Tid, error) {
	s := t.s
	p := &s.pipe
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.draining {
		p.packWait.Wait() // a pack is swapping the files
	}
	if err := t.checkBegun("tpc_vote"); err != nil {
		return 0, err
	}
	if p.stopping {
		return 0, ErrClosed
	}
	if p.werr != nil {
		return 0, fmt.Errorf("%w: %w", ErrBroken, p.werr)
	}
	for i := range t.recs {
		if u := p.inflight[t.recs[i].oid]; u != nil {
			return 0, fmt.Errorf("%w: oid %s is written by transaction %s", ErrVoteOverlap, t.recs[i].oid.Repr(), u.tid)
		}
	}
	for _, rc := range t.reads {
		if u := p.inflight[rc.oid]; u != nil {
			return 0, fmt.Errorf("%w: oid %s (read) is written by transaction %s", ErrVoteOverlap, rc.oid.Repr(), u.tid)
		}
	}
	if err := t.checkCommitted(); err != nil {
		return 0, err
	}
	tid := t.meta.Tid
	if tid != 0 {
		if tid <= p.lastTid {
			return 0, fmt.Errorf("%w: %s <= %s", ErrTidOrder, tid, p.lastTid)
		}
	} else {
		tid = proto.NewTid(s.opts.Now(), p.lastTid)
		if tid >= proto.MaxTid {
			return 0, fmt.Errorf("%w: tid space exhausted after %s", ErrTidOrder, p.lastTid)
		}
	}
	t.tid = tid
	tpos := p.tail
	t.enc = t.encode(t.enc[:0], tpos)
	if tpos+int64(len(t.enc)) > MaxPos {
		t.tid = 0
		return 0, fmt.Errorf("fsstore: vote: the file would exceed %d bytes", int64(MaxPos))
	}
	if _, err := s.f.WriteAt(t.enc, tpos); err != nil {
		t.tid = 0
		if terr := s.f.Truncate(tpos); terr != nil {
			p.werr = fmt.Errorf("truncate after failed write: %w", terr)
		}
		return 0, fmt.Errorf("fsstore: vote: write %d bytes at %d: %w", len(t.enc), tpos, err)
	}
	t.tpos = tpos
	t.state = txnVoted
	p.tail = tpos + int64(len(t.enc))
	p.lastTid = tid
	p.voted = append(p.voted, t)
	for i := range t.recs {
		p.inflight[t.recs[i].oid] = t
	}
	p.wake() // sync the data now, while the client's finish is on its way
	return tid, nil
}

// checkCommitted repeats the serial checks against the committed state
// and sets each record's prev. REQUIRES: pipeline.mu held (no voted
// transaction can commit one of our oids meanwhile: they are disjoint).
func (t *Txn) checkCommitted() error {
	s := t.s
	v, err := s.rlock()
	if err != nil {
		return err
	}
	defer s.runlock()
	if t.posMixed || (t.posGenSet && t.posGen != v.gen) {
		return t.checkCommittedRepackedLocked(&v)
	}
	for i := range t.recs {
		r := &t.recs[i]
		cur := s.idx.get(r.oid)
		if r.base >= 0 && cur != r.base {
			committed, _, _ := s.currentTidLocked(&v, r.oid, "vote")
			if r.kind == recUndo {
				return &proto.UndoError{Oid: r.oid, HasOid: true, Msg: "Some data were modified by a later transaction"}
			}
			return &proto.ConflictError{Oid: r.oid, Committed: committed, Read: r.read}
		}
		r.prev = cur
	}
	for _, rc := range t.reads {
		if cur := s.idx.get(rc.oid); cur != rc.base {
			committed, _, _ := s.currentTidLocked(&v, rc.oid, "vote")
			return &proto.ReadConflictError{Oid: rc.oid, Committed: committed, Read: rc.serial}
		}
	}
	return nil
}
