// Pack, the end: the last commits copied under the commit lock, the swap
// of Data.fs and Data.fs.pack, and what running transactions see of it.

package fsstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// finish takes the commit lock, waits until no transaction is voted
// (new votes wait meanwhile), copies the transactions committed since
// ipos, and swaps the files under Store.mu: Data.fs becomes Data.fs.old,
// Data.fs.pack becomes Data.fs, and the new mapping, index and end are
// installed for readers at once.
func (p *packer) finish(ctx context.Context, ipos int64) error {
	s := p.s
	pp := &s.pipe
	pp.mu.Lock()
	pp.draining = true
	defer func() {
		pp.draining = false
		pp.packWait.Broadcast()
		pp.mu.Unlock()
	}()
	for len(pp.voted) > 0 {
		pp.mu.Unlock()
		time.Sleep(100 * time.Microsecond)
		pp.mu.Lock()
		if err := p.alive(ctx); err != nil {
			return err
		}
	}
	if pp.werr != nil {
		return fmt.Errorf("%w: %w", ErrBroken, pp.werr)
	}
	if pp.stopping {
		return ErrClosed
	}
	// Nothing can commit now: copy the rest.
	if err := p.refreshView(); err != nil {
		return err
	}
	ipos, err := p.copyTxns(ctx, ipos)
	if err != nil {
		return err
	}
	if ipos != p.v.end {
		return fmt.Errorf("copied up to %d, the log ends at %d", ipos, p.v.end)
	}
	o := &p.out
	if err := o.w.Flush(); err != nil {
		return o.err(err)
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", o.path, err)
	}
	if err := p.alive(ctx); err != nil {
		return err
	}

	// Oids dropped by GC must never be handed out again: raise the mark
	// past every oid handed out so far before the old file goes.
	s.oidMu.Lock()
	need := s.nextOid
	var merr error
	if need > s.oidMark {
		if merr = writeOIDsFile(s.path+OIDsSuffix, need); merr == nil {
			s.oidMark = need
		}
	}
	s.oidMu.Unlock()
	if merr != nil {
		return merr
	}
	s.mu.RLock()
	collected := 0
	s.idx.forEach(func(oid proto.Oid, _ int64) bool {
		if p.nix.get(oid) == 0 {
			collected++
		}
		return true
	})
	s.mu.RUnlock()

	var nm logMap
	if err := nm.open(o.f, s.opts.MapReserve, o.pos); err != nil {
		return err
	}
	fi, err := o.f.Stat()
	if err != nil {
		nm.close()
		return fmt.Errorf("stat %s: %w", o.path, err)
	}
	var dev, ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		dev, ino = uint64(st.Dev), uint64(st.Ino)
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nm.close()
		return ErrClosed
	}
	if err := p.rename(); err != nil {
		s.mu.Unlock()
		nm.close()
		return err
	}
	// The point of no return: Data.fs is the packed file.
	nm.retired = append(nm.retired, s.m.cur)
	nm.retired = append(nm.retired, s.m.retired...)
	s.oldFiles = append(s.oldFiles, s.f)
	s.f, s.m, s.data = o.f, nm, nm.cur
	s.idx, s.pos, s.gen = p.nix, o.pos, s.gen+1
	s.dev, s.ino = dev, ino
	s.res.reset(int64(len(nm.cur)))
	pp.tail, pp.syncedEnd = o.pos, o.pos
	pp.relocGen++
	o.f = nil // the store owns it now
	s.mu.Unlock()

	p.res.SizeBefore, p.res.SizeAfter = p.v.end, o.pos
	p.res.OidsCollected = collected
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		s.log.Error("pack: cannot sync the directory after the swap", "path", s.path, "err", err)
	}
	// Our index file for the new file (a stale one is refused anyway:
	// another inode). No pipeline.mu-free publish can change the index
	// while we hold the commit lock.
	if !s.opts.NoIndex {
		meta := indexMeta{pos: o.pos, tid: s.ltidForIndex(), fileSize: o.pos, dev: dev, ino: ino}
		if o.pos > MagicSize {
			meta.firstTid = proto.Tid(be64(nm.cur[MagicSize:]))
		}
		if err := writeIndexFile(s.path+IndexSuffix, meta, p.nix); err != nil {
			s.log.Warn("pack: cannot save the index file; the next open scans the log", "path", s.path, "err", err)
		}
	}
	return nil
}

// ltidForIndex returns the last committed tid.
func (s *Store) ltidForIndex() proto.Tid {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ltid
}

// rename swaps the files: Python's Data.fs.index goes first (it describes
// the old file), then Data.fs -> Data.fs.old (an older one is replaced)
// and Data.fs.pack -> Data.fs. REQUIRES: Store.mu held exclusively.
func (p *packer) rename() error {
	path := p.s.path
	if err := removePythonIndex(path); err != nil {
		return err
	}
	old := path + PackOldSuffix
	if err := os.Remove(old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", old, err)
	}
	if err := os.Rename(path, old); err != nil {
		return fmt.Errorf("rename %s to %s: %w", path, old, err)
	}
	if err := os.Rename(p.out.path, path); err != nil {
		if rerr := os.Rename(old, path); rerr != nil {
			return fmt.Errorf("rename %s to %s: %w (and moving %s back failed: %v)", p.out.path, path, err, old, rerr)
		}
		return fmt.Errorf("rename %s to %s: %w", p.out.path, path, err)
	}
	return nil
}

// reset forgets every page's residency (a pack moved all positions).
func (r *residency) reset(size int64) {
	n := int((size/pageSize + 64) / 64)
	w := make([]atomic.Uint64, 2*n)
	r.words.Store(&w)
}

// checkCommittedRepackedLocked is Vote's check for a transaction that
// took log positions before a pack swapped the files: the positions are
// stale, so serials are compared instead (ZODB's own test). Undo and
// restore backpointers cannot be translated: such a transaction fails
// with ErrRepacked (retry it). REQUIRES: pipeline.mu, s.mu shared.
func (t *Txn) checkCommittedRepackedLocked(v *view) error {
	s := t.s
	for i := range t.recs {
		r := &t.recs[i]
		if r.kind == recUndo {
			return &proto.UndoError{Oid: r.oid, HasOid: true, Msg: ErrRepacked.Error() + "; retry the undo"}
		}
		if r.back != 0 {
			return fmt.Errorf("%w: restore of oid %s points into the old file; retry", ErrRepacked, r.oid.Repr())
		}
		committed, cur, err := s.currentTidLocked(v, r.oid, "vote")
		if err != nil {
			return err
		}
		if r.base >= 0 && committed != r.read {
			return &proto.ConflictError{Oid: r.oid, Committed: committed, Read: r.read}
		}
		if r.kind == recDelete && cur == 0 {
			return &proto.POSKeyError{Oid: r.oid}
		}
		r.prev = cur
	}
	for _, rc := range t.reads {
		committed, _, err := s.currentTidLocked(v, rc.oid, "vote")
		if err != nil {
			return err
		}
		if committed != rc.serial {
			return &proto.ReadConflictError{Oid: rc.oid, Committed: committed, Read: rc.serial}
		}
	}
	return nil
}
