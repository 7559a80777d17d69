// Verify: ZODB fstest's structural checks, pointer checks, and a
// comparison of the live index with one rebuilt from the log.

package fsstore

import (
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

// VerifyReport describes a checked log. Problem is the first problem in
// ZODB fstest's wording (fstest prints the file name, a space, then this
// text), "" when the log is sound.
type VerifyReport struct {
	Path         string
	Size         int64 // bytes checked
	Transactions int
	Records      int
	Oids         int
	LastTid      proto.Tid
	Warnings     []string // findings ZODB tolerates (incorrect previous pointers)
	Problem      string
	ProblemPos   int64
}

// verifier checks transactions forward from pos, rebuilding an index.
type verifier struct {
	v        view
	pos      int64
	ltid     proto.Tid
	ix       *index
	rep      *VerifyReport
	progress func(done, total int64)
}

const maxWarnings = 100

// fail records the first problem and returns it as a RecordError.
func (vf *verifier) fail(pos int64, kind string, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	vf.rep.Problem, vf.rep.ProblemPos, vf.rep.Size = msg, pos, vf.pos
	return &RecordError{Path: vf.v.path, Pos: pos, Kind: kind, Op: "verify", Err: errors.New(msg)}
}

func (vf *verifier) run() error {
	v := &vf.v
	b, end := v.b, v.end
	next := vf.pos + progressStep
	for vf.pos < end {
		pos := vf.pos
		if vf.progress != nil && pos >= next {
			vf.progress(pos, end)
			next = pos + progressStep
		}
		if end-pos < TxnHeaderSize {
			return vf.fail(pos, kindTxn, "truncated at %d", pos)
		}
		t := decodeTxnFixed(b[pos:])
		if t.tid <= vf.ltid {
			return vf.fail(pos, kindTxn, "time-stamp reduction at %d: 0x%s <= 0x%s", pos, t.tid, vf.ltid)
		}
		vf.ltid = t.tid
		if t.tlen > uint64(end-pos-RedundantSize) {
			return vf.fail(pos, kindTxn, "truncated possibly because of damaged records at %d", pos)
		}
		switch t.status {
		case proto.StatusCheckpoint:
			return vf.fail(pos, kindTxn, "checkpoint flag was not cleared at %d", pos)
		case proto.StatusCommitted, proto.StatusPacked, proto.StatusUndone:
		default:
			return vf.fail(pos, kindTxn, "has invalid status '%c' at %d", t.status, pos)
		}
		if t.headerLen() > t.tlen {
			return vf.fail(pos, kindTxn, "has an invalid transaction header at %d", pos)
		}
		tend := pos + int64(t.tlen)
		rpos := pos
		if t.status != proto.StatusUndone {
			var err error
			if rpos, err = vf.records(pos, tend, int64(t.headerLen())); err != nil {
				return err
			}
		}
		if rtl := be64(b[tend:]); rtl != t.tlen {
			return vf.fail(pos, kindTxn, "has inconsistent transaction length at %d (%d != %d)", rpos, rtl, t.tlen)
		}
		vf.rep.Transactions++
		vf.rep.LastTid = t.tid
		vf.pos = tend + RedundantSize
	}
	vf.rep.Size = vf.pos
	if vf.progress != nil {
		vf.progress(vf.pos, end)
	}
	return nil
}

// records checks the data records of the transaction at tpos and returns
// the position after the last one.
func (vf *verifier) records(tpos, tend, hlen int64) (int64, error) {
	v := &vf.v
	pos := tpos + hlen
	var h DataHeader
	for pos < tend {
		if v.end-pos < DataHeaderSize {
			return pos, vf.fail(pos, kindData, "truncated at %d", pos)
		}
		h.decodeFixed(v.b[pos:])
		if h.Tloc != uint64(tpos) {
			return pos, vf.fail(pos, kindData, "data record exceeds transaction record at %d: tloc %d != tpos %d", pos, h.Tloc, tpos)
		}
		if h.Vlen != 0 {
			return pos, vf.fail(pos, kindData, "data record at %d has a non-zero version length %d", pos, h.Vlen)
		}
		n := h.Plen
		if n == 0 {
			n = BackSize
		}
		if tend-pos < DataHeaderSize || n > uint64(tend-pos-DataHeaderSize) {
			return pos, vf.fail(pos, kindData, "has data records that extend beyond the transaction record; end at %d",
				uint64(pos)+DataHeaderSize+n)
		}
		if h.Prev != 0 {
			if err := vf.pointer(pos, h.Oid, h.Prev, "previous"); err != nil {
				return pos, err
			}
		}
		if h.Plen == 0 {
			if back := be64(v.b[pos+DataHeaderSize:]); back != 0 {
				if err := vf.pointer(pos, h.Oid, back, "back"); err != nil {
					return pos, err
				}
			}
		}
		if cur := vf.ix.get(h.Oid); cur != int64(h.Prev) && cur < tpos && len(vf.rep.Warnings) < maxWarnings {
			vf.rep.Warnings = append(vf.rep.Warnings, fmt.Sprintf("incorrect previous pointer at %d", pos))
		}
		vf.ix.set(h.Oid, pos)
		vf.rep.Records++
		pos += DataHeaderSize + int64(n)
	}
	return pos, nil
}

// pointer checks that a prev or back pointer of the record at pos leads
// backwards to a record of the same oid.
func (vf *verifier) pointer(pos int64, oid proto.Oid, p uint64, what string) error {
	v := &vf.v
	if p >= uint64(pos) || p < MagicSize+TxnHeaderSize {
		return vf.fail(pos, kindData, "data record at %d has a %s pointer %d that does not point backwards", pos, what, p)
	}
	if got := proto.Oid(be64(v.b[p:])); got != oid {
		return vf.fail(pos, kindData, "data record at %d (oid %s) has a %s pointer to a record of oid %s at %d",
			pos, oid.Repr(), what, got.Repr(), p)
	}
	return nil
}

// verifyView checks v; the caller has checked the magic.
func verifyView(v view, progress func(done, total int64)) (*verifier, error) {
	vf := &verifier{v: v, pos: MagicSize, ix: newIndex(), rep: &VerifyReport{Path: v.path, Size: MagicSize}, progress: progress}
	err := vf.run()
	vf.rep.Oids = vf.ix.Len()
	return vf, err
}

// VerifyFile checks the Data.fs at path without locking or recovering it
// (what `gozeo fstest` runs). The error is the first problem, a
// *RecordError; the report says how far the check got.
func VerifyFile(path string, progress func(done, total int64)) (*VerifyReport, error) {
	fl, err := OpenFile(path)
	if err != nil {
		var re *RecordError
		if errors.As(err, &re) {
			return &VerifyReport{Path: path, Problem: "invalid file header"}, err
		}
		return nil, err
	}
	defer fl.Close()
	v := view{path: path, b: fl.m.cur, end: fl.size}
	if fl.size < MagicSize {
		return &VerifyReport{Path: path, Problem: "invalid file header"},
			&RecordError{Path: path, Kind: kindFile, Op: "verify", Err: errors.New("invalid file header")}
	}
	vf, err := verifyView(v, progress)
	return vf.rep, err
}

// Verify checks the committed log as VerifyFile does, then checks that the
// index rebuilt from the log equals the live one. Commits may continue
// meanwhile: the check catches up with them before comparing.
func (s *Store) Verify(progress func(done, total int64)) (*VerifyReport, error) {
	v, err := s.pin()
	if err != nil {
		return nil, err
	}
	defer s.unpin()
	vf, err := verifyView(v, progress)
	if err != nil {
		return vf.rep, err
	}
	for {
		s.mu.RLock()
		if s.gen != vf.v.gen {
			// A pack replaced the file meanwhile: check the new one.
			s.mu.RUnlock()
			return s.Verify(progress)
		}
		if s.pos == vf.v.end {
			oid, live, logged, differ := s.idx.diff(vf.ix)
			s.mu.RUnlock()
			if differ {
				return vf.rep, vf.fail(logged, "index", "index mismatch for oid %s: the live index says %d, the log says %d",
					oid.Repr(), live, logged)
			}
			return vf.rep, nil
		}
		vf.v = view{path: s.path, b: s.data, end: s.pos, gen: s.gen}
		s.mu.RUnlock()
		if err := vf.run(); err != nil {
			return vf.rep, err
		}
		vf.rep.Oids = vf.ix.Len()
	}
}
