// Pack: options, result, and the steps of a pack (ZODB's fspack.py) from
// the first scan to the swap of the files.

package fsstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// PackOptions tune a pack. The zero value packs without garbage
// collection and removes Data.fs.old afterwards; ZEO configurations
// usually want GC and KeepOld set.
type PackOptions struct {
	// GC drops the objects that are unreachable from the root (oid 0)
	// through strong references at the pack time (ZODB's pack_gc).
	GC bool
	// KeepOld keeps the replaced file as Data.fs.old (ZODB's
	// pack_keep_old, true by default there).
	KeepOld bool
	// Progress, when set, is called now and then with the bytes of the
	// log processed so far and the bytes planned (both grow when commits
	// arrive during the pack), from the goroutine running Pack.
	Progress func(done, total int64)
	// References appends the strong references of a record's data, as it
	// is stored (possibly compressed), to dst. nil means: decompress
	// (.z, .Z, .S records) and extract with pickle.Scanner.StrongRefs,
	// ZODB's referencesf. An error aborts the pack: a record whose
	// references are unknown could keep other objects alive.
	References func(data []byte, dst []proto.Oid) ([]proto.Oid, error)
	// MaxDangling bounds how many dangling references PackResult lists
	// (and the log shows); 0 means 1000. All of them are counted.
	MaxDangling int
}

// DanglingRef is a strong reference, found while collecting garbage, to
// an object that has no data at the pack time.
type DanglingRef struct {
	Oid  proto.Oid // the object referred to
	From proto.Oid // the object whose revision refers to it
	// NoData is true when Oid has a record whose data is gone (its
	// creation was undone, or it was deleted), false when it has no
	// record at all at the pack time.
	NoData bool
}

func (d DanglingRef) String() string {
	why := "missing"
	if d.NoData {
		why = "creation undone or deleted"
	}
	return fmt.Sprintf("oid %s referenced by oid %s: %s", d.Oid.Repr(), d.From.Repr(), why)
}

// PackResult tells what a pack did.
type PackResult struct {
	PackTime proto.Tid
	// Changed is false when the file was left as it was: nothing would be
	// dropped, the store is empty, or (Redundant) it was already packed to
	// a later time with nothing committed since.
	Changed   bool
	Redundant bool
	// SizeBefore and SizeAfter are the committed sizes of the old and
	// the new file (SizeAfter == SizeBefore when nothing changed).
	SizeBefore, SizeAfter int64
	// PackPos is the position, in the old file, of the first transaction
	// after the pack time.
	PackPos int64
	// At or before the pack time: transactions and records kept (with
	// status 'p') and dropped.
	TxnsKept, TxnsDropped       int
	RecordsKept, RecordsDropped int
	// After the pack time: transactions copied unchanged in shape, and
	// how many of them were committed while the pack ran.
	TxnsCopied, TxnsDuringPack int
	// Inlined counts backpointers replaced by the data they lead to.
	Inlined int
	// Reachable is the number of oids found reachable (GC only).
	Reachable int
	// OidsCollected is the number of oids that were in the index before
	// and are gone after (unreachable objects, undone creations).
	OidsCollected int
	// Dangling lists up to MaxDangling dangling references;
	// DanglingCount counts them all.
	Dangling      []DanglingRef
	DanglingCount int
	Duration      time.Duration
}

// PackOldSuffix and PackSuffix name the replaced file and the pack's
// output: Data.fs.old and Data.fs.pack.
const (
	PackOldSuffix = ".old"
	PackSuffix    = ".pack"
)

// Pack removes the revisions that are not current at packTime (and, with
// opts.GC, the objects unreachable at packTime) by writing a packed copy
// of the file and swapping it in, as ZODB's FileStorage.pack does. Loads
// and commits go on while it runs; only the final swap holds the locks
// (votes wait for it). Undo and UndoLog are refused meanwhile. A second
// concurrent Pack fails with ErrPackInProgress. Cancelling ctx before the
// swap leaves Data.fs untouched and removes Data.fs.pack. opts may be nil.
func (s *Store) Pack(ctx context.Context, packTime proto.Tid, opts *PackOptions) (*PackResult, error) {
	if s.readOnly {
		return nil, readOnlyErr("pack")
	}
	if packTime == 0 || packTime >= proto.MaxTid {
		return nil, fmt.Errorf("fsstore: pack %s: invalid pack time %s", s.path, packTime)
	}
	if s.isClosed() {
		return nil, ErrClosed
	}
	if !s.packing.CompareAndSwap(false, true) {
		return nil, ErrPackInProgress
	}
	defer s.packing.Store(false)
	var o PackOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxDangling <= 0 {
		o.MaxDangling = 1000
	}
	start := time.Now()
	v, err := s.pin()
	if err != nil {
		return nil, err
	}
	p := newPacker(s, v, packTime, o)
	res, err := p.run(ctx)
	p.release()
	if err != nil {
		return nil, fmt.Errorf("fsstore: pack %s: %w", s.path, err)
	}
	res.Duration = time.Since(start)
	s.log.Info("packed", "path", s.path, "pack_time", packTime.String(), "changed", res.Changed,
		"size_before", res.SizeBefore, "size_after", res.SizeAfter, "oids_collected", res.OidsCollected,
		"dangling", res.DanglingCount, "duration", res.Duration)
	return res, nil
}

// run does the pack. The packer holds one pin of the store (p.v).
func (p *packer) run(ctx context.Context) (*PackResult, error) {
	res, err := p.steps(ctx)
	if err == nil && p.opts.Progress != nil {
		p.opts.Progress(p.done, p.done) // finished: done == total
	}
	return res, err
}

func (p *packer) steps(ctx context.Context) (*PackResult, error) {
	res := p.res
	res.SizeBefore, res.SizeAfter = p.end0, p.end0
	s := p.s
	s.mu.RLock()
	empty := s.idx.Len() == 0
	s.mu.RUnlock()
	if empty {
		return res, nil // ZODB: nothing to do on an empty storage
	}
	redundant, err := p.buildIndex(ctx)
	if err != nil {
		return nil, err
	}
	res.PackPos = p.packpos
	if redundant {
		s.log.Info("The database has already been packed to a later time or no changes have been made since the last pack",
			"path", s.path, "pack_time", p.packTime.String())
		res.Redundant = true
		return res, nil
	}
	if p.opts.GC {
		if err := p.findReachable(ctx); err != nil {
			return nil, err
		}
		res.Reachable = p.reach.Len()
	} else {
		p.reach = p.cur
	}
	if err := p.openOutput(); err != nil {
		return nil, err
	}
	done := false
	defer func() {
		if !done {
			p.out.discard()
		}
	}()
	ipos, err := p.copyToPacktime(ctx)
	if err != nil {
		return nil, err
	}
	if ipos == p.out.pos {
		// Nothing was dropped: no reason to rewrite the file.
		s.log.Info("pack freed nothing; file left as it was", "path", s.path)
		return res, nil
	}
	if ipos, err = p.copyCommitted(ctx, ipos); err != nil {
		return nil, err
	}
	if err := p.finish(ctx, ipos); err != nil {
		return nil, err
	}
	done = true
	res.Changed = true
	if !p.opts.KeepOld {
		if err := os.Remove(s.path + PackOldSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("cannot remove the old file after pack", "path", s.path+PackOldSuffix, "err", err)
		}
	}
	return res, nil
}

// alive fails when ctx is done or the store was closed.
func (p *packer) alive(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("cancelled: %w", err)
	}
	if p.s.isClosed() {
		return ErrClosed
	}
	return nil
}

// advance counts n bytes of log processed and reports progress every few
// megabytes.
func (p *packer) advance(n int64) {
	p.done += n
	if p.done > p.total {
		p.total = p.done
	}
	if p.opts.Progress != nil && (p.done >= p.nextReport || p.done == p.total) {
		p.opts.Progress(p.done, p.total)
		p.nextReport = p.done + 4<<20
	}
}
