// Pack, phase one: the index at the pack time (with fspack's strict
// checks), and the objects reachable from the root then and from the
// backpointers of later transactions.

package fsstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gozeo/gozeo/fsstore/pickle"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// noData marks, in packer.cur, an oid whose last record at the pack time
// has no data (its creation was undone, or it was deleted). No record can
// sit at position 1.
const noData = 1

// packer holds the state of one pack.
type packer struct {
	s        *Store
	opts     PackOptions
	path     string
	packTime proto.Tid
	res      *PackResult

	v      view  // the pinned input
	pinned bool  // v holds a pin of the store
	end0   int64 // committed end when the pack started
	ltid   proto.Tid

	packpos int64
	cur     *index // oid -> current record at the pack time, or noData
	curData int    // oids in cur that have data
	reach   *index // oid -> reachable revision
	reachEx map[proto.Oid][]int64
	seenDng map[[2]proto.Oid]bool

	scan pickle.Scanner
	dec  compress.Decompressor
	dbuf []byte
	refs []proto.Oid

	out    packOut
	nix    *index // the new file's index
	tix    []packPending
	during int64 // transactions at or after this input position were committed during the pack

	done, total, nextReport int64
}

func newPacker(s *Store, v view, packTime proto.Tid, o PackOptions) *packer {
	return &packer{s: s, opts: o, path: s.path, packTime: packTime, res: &PackResult{PackTime: packTime},
		v: v, pinned: true, end0: v.end, during: v.end, cur: newIndex(), reachEx: map[proto.Oid][]int64{},
		seenDng: map[[2]proto.Oid]bool{}, nix: newIndex(), total: 2 * v.end}
}

// release drops the packer's pin of the store.
func (p *packer) release() {
	if p.pinned {
		p.pinned = false
		p.s.unpin()
	}
}

func (p *packer) fail(pos int64, kind, format string, args ...any) error {
	return recErr(p.path, pos, kind, "pack", format, args...)
}

// checkTxn reads the transaction at pos with fspack's checkTxn rules
// (strictly increasing tids, no checkpoint, a known status, a sound
// length and redundant length).
func (p *packer) checkTxn(pos int64) (txnFixed, error) {
	v := &p.v
	if pos < MagicSize || pos > v.end-TxnHeaderSize {
		return txnFixed{}, p.fail(pos, kindTxn, "transaction header runs past the end of the log (%d)", v.end)
	}
	t := decodeTxnFixed(v.b[pos:])
	if t.tid <= p.ltid {
		return t, p.fail(pos, kindTxn, "time-stamp reduction: %s <= %s", t.tid, p.ltid)
	}
	p.ltid = t.tid
	switch t.status {
	case proto.StatusCheckpoint:
		return t, p.fail(pos, kindTxn, "transaction with checkpoint flag set")
	case proto.StatusCommitted, proto.StatusPacked, proto.StatusUndone:
	default:
		return t, p.fail(pos, kindTxn, "invalid transaction status: %q", t.status)
	}
	if t.tlen < t.headerLen() {
		return t, p.fail(pos, kindTxn, "invalid transaction header: txnlen (%d) < headerlen(%d)", t.tlen, t.headerLen())
	}
	if t.tlen > uint64(v.end-pos-RedundantSize) {
		return t, p.fail(pos, kindTxn, "transaction length %d runs past the end of the log (%d)", t.tlen, v.end)
	}
	tend := pos + int64(t.tlen)
	if rtl := be64(v.b[tend:]); rtl != t.tlen {
		return t, p.fail(tend, kindTxn, "redundant transaction length does not match initial transaction length: %d != %d", rtl, t.tlen)
	}
	return t, nil
}

// checkData reads the data record at pos of the transaction [tpos, tend)
// with fspack's checkData rules.
func (p *packer) checkData(tpos, tend, pos int64) (DataHeader, error) {
	h, err := p.v.dataHeader(pos, "pack")
	if err != nil {
		return h, err
	}
	if h.Tloc != uint64(tpos) {
		return h, p.fail(pos, kindData, "data record does not point to transaction header: %d != %d", h.Tloc, tpos)
	}
	if end := uint64(pos) + h.RecordLen(); end > uint64(tend) {
		return h, p.fail(pos, kindData, "data record size exceeds transaction size: %d > %d", end, tend)
	}
	if h.Prev >= uint64(pos) {
		return h, p.fail(pos, kindData, "invalid previous pointer: %d", h.Prev)
	}
	if h.Back != 0 && h.Back >= uint64(pos) {
		return h, p.fail(pos, kindData, "invalid back pointer: %d", h.Back)
	}
	return h, nil
}

// buildIndex is fspack's buildPackIndex: the current record of every oid
// at the pack time, and packpos. redundant reports a pack with nothing to
// do (every transaction up to the pack time is packed already and so is
// the next one: RedundantPackWarning).
func (p *packer) buildIndex(ctx context.Context) (redundant bool, err error) {
	v := &p.v
	pos := int64(MagicSize)
	unpacked := false
	for pos < p.end0 {
		if err := p.alive(ctx); err != nil {
			return false, err
		}
		if pos <= v.end-TxnHeaderSize && proto.Tid(be64(v.b[pos:])) > p.packTime {
			break
		}
		t, err := p.checkTxn(pos)
		if err != nil {
			return false, err
		}
		if t.status != proto.StatusPacked {
			unpacked = true
		}
		tend := pos + int64(t.tlen)
		for rpos := pos + int64(t.headerLen()); rpos < tend; {
			h, err := p.checkData(pos, tend, rpos)
			if err != nil {
				return false, err
			}
			old := p.cur.get(h.Oid)
			if h.Plen > 0 || h.Back != 0 {
				p.cur.set(h.Oid, rpos)
				if old == 0 || old == noData {
					p.curData++
				}
			} else {
				p.cur.set(h.Oid, noData)
				if old > noData {
					p.curData--
				}
			}
			rpos += int64(h.RecordLen())
		}
		p.advance(tend + RedundantSize - pos)
		pos = tend + RedundantSize
	}
	p.packpos = pos
	if unpacked || pos > v.end-TxnHeaderSize {
		return false, nil
	}
	return v.b[pos+16] == proto.StatusPacked, nil
}

// findReachable is fspack's GC: what the root reaches at the pack time,
// then the revisions that later backpointers lead to, and what those
// reach.
func (p *packer) findReachable(ctx context.Context) error {
	p.reach = newIndex()
	if p.cur.get(0) <= noData && p.curData > 0 {
		return errors.New("the root object (oid 0) has no data at the pack time; " +
			"garbage collection would drop every object (pack without GC)")
	}
	if err := p.mark(ctx, []packPending{{oid: 0, pos: -1}}); err != nil {
		return err
	}
	// findReachableFromFuture.
	type extra struct {
		oid proto.Oid
		pos int64
	}
	var extras []extra
	for pos := p.packpos; pos < p.end0; {
		if err := p.alive(ctx); err != nil {
			return err
		}
		t, err := p.checkTxn(pos)
		if err != nil {
			return err
		}
		tend := pos + int64(t.tlen)
		for rpos := pos + int64(t.headerLen()); rpos < tend; {
			h, err := p.checkData(pos, tend, rpos)
			if err != nil {
				return err
			}
			if back := int64(h.Back); back != 0 && back < p.packpos {
				if p.reach.get(h.Oid) != 0 {
					if l := p.reachEx[h.Oid]; !slices.Contains(l, back) {
						p.reachEx[h.Oid] = append(l, back)
						extras = append(extras, extra{h.Oid, back})
					}
				} else {
					// ZODB keeps this revision without following its
					// references; following them keeps more, which is safe.
					p.reach.set(h.Oid, back)
					extras = append(extras, extra{h.Oid, back})
				}
			}
			rpos += int64(h.RecordLen())
		}
		p.advance(tend + RedundantSize - pos)
		pos = tend + RedundantSize
	}
	for _, e := range extras {
		refs, err := p.refsAt(e.oid, e.pos)
		if err != nil {
			return err
		}
		todo := make([]packPending, 0, len(refs))
		for _, r := range refs {
			todo = append(todo, packPending{oid: r, pos: int64(e.oid)})
		}
		if err := p.mark(ctx, todo); err != nil {
			return err
		}
	}
	return nil
}

// mark is fspack's findReachableAtPacktime: a depth-first walk over
// strong references from todo (each entry: oid, and in pos the oid that
// refers to it, -1 for the root). A reference to an object without data
// at the pack time is recorded as dangling and the walk goes on.
func (p *packer) mark(ctx context.Context, todo []packPending) error {
	for n := 0; len(todo) > 0; n++ {
		if n&1023 == 1023 {
			if err := p.alive(ctx); err != nil {
				return err
			}
		}
		x := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if p.reach.get(x.oid) != 0 {
			continue
		}
		pos := p.cur.get(x.oid)
		if pos <= noData {
			if x.pos >= 0 {
				p.dangling(x.oid, proto.Oid(x.pos), pos == noData)
			}
			continue
		}
		p.reach.set(x.oid, pos)
		refs, err := p.refsAt(x.oid, pos)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if p.reach.get(r) == 0 {
				todo = append(todo, packPending{oid: r, pos: int64(x.oid)})
			}
		}
	}
	return nil
}

// dangling records a strong reference from `from` to oid, which has no
// data at the pack time.
func (p *packer) dangling(oid, from proto.Oid, noData bool) {
	k := [2]proto.Oid{oid, from}
	if p.seenDng[k] {
		return
	}
	p.seenDng[k] = true
	d := DanglingRef{Oid: oid, From: from, NoData: noData}
	p.res.DanglingCount++
	if len(p.res.Dangling) < p.opts.MaxDangling {
		p.res.Dangling = append(p.res.Dangling, d)
		p.s.log.Warn("pack: dangling reference, treated as absent", "path", p.path,
			"oid", oid.String(), "from", from.String(), "no_data", noData)
	}
}

// refsAt returns the strong references of the revision of oid at pos
// (backpointers followed; a revision without data has none). The slice
// is reused by the next call.
func (p *packer) refsAt(oid proto.Oid, pos int64) ([]proto.Oid, error) {
	v := &p.v
	h, err := v.dataHeader(pos, "pack")
	if err != nil {
		return nil, err
	}
	rp, rh, err := v.resolve(h.Oid, pos, h, "pack", nil)
	if err != nil {
		if noDataErr(err) {
			return nil, nil
		}
		return nil, err
	}
	data := v.pickle(rp, &rh)
	if p.opts.References != nil {
		p.refs, err = p.opts.References(data, p.refs[:0])
	} else {
		if compress.IsCompressed(data) {
			if p.dbuf, err = p.dec.Decompress(p.dbuf[:0], data, 0); err != nil {
				return nil, fmt.Errorf("references of oid %s (record at %d): %w", oid.Repr(), rp, err)
			}
			data = p.dbuf
		}
		p.refs, err = p.scan.StrongRefs(data, p.refs[:0])
	}
	if err != nil {
		return nil, fmt.Errorf("references of oid %s (record at %d): %w", oid.Repr(), rp, err)
	}
	return p.refs, nil
}

// isReachable is fspack's isReachable: whether the revision of oid at pos
// is kept.
func (p *packer) isReachable(oid proto.Oid, pos int64) bool {
	r := p.reach.get(oid)
	if r == 0 {
		return false
	}
	return r == pos || slices.Contains(p.reachEx[oid], pos)
}

// packPending is a work item: an oid and a position (meaning depends on
// the user: the referring oid in mark, the new record position in the
// copy's per-transaction index).
type packPending struct {
	oid proto.Oid
	pos int64
}

// noDataErr reports whether err says that a record has no data.
func noDataErr(err error) bool {
	var pk *proto.POSKeyError
	return errors.As(err, &pk)
}
