// The open-time scan: builds the index from the log and finds where the
// committed part ends (ZODB's read_index).

package fsstore

import (
	"fmt"
	"log/slog"

	"github.com/gozeo/gozeo/proto"
)

// logScan walks transactions forward from pos, adding every data record to
// ix. It stops at a clean end of file, or at a tail that is not a complete
// committed transaction (cutPos/cutReason: a torn write, an unfinished 'c'
// transaction, a length running past the end). Damage inside the log is a
// *RecordError.
type logScan struct {
	path     string
	b        []byte
	size     int64
	ix       *index
	log      *slog.Logger
	progress func(done, total int64)

	pos  int64     // next transaction position; the committed end when done
	ltid proto.Tid // highest tid seen
	ntxn int

	cutPos    int64 // -1, or where the tail must be cut
	cutReason string
}

const progressStep = 64 << 20

func (sc *logScan) run() error {
	sc.cutPos = -1
	b, size := sc.b, sc.size
	nextProgress := sc.pos + progressStep
	for sc.pos < size {
		pos := sc.pos
		if sc.progress != nil && pos >= nextProgress {
			sc.progress(pos, size)
			nextProgress = pos + progressStep
		}
		if size-pos < TxnHeaderSize {
			sc.cut(pos, fmt.Sprintf("incomplete transaction header (%d bytes)", size-pos))
			return nil
		}
		t := decodeTxnFixed(b[pos:])
		if t.tid <= sc.ltid {
			sc.log.Warn("time-stamp reduction", "path", sc.path, "pos", pos, "tid", t.tid.String(), "last", sc.ltid.String())
		}
		if t.tlen > uint64(size-pos-RedundantSize) {
			sc.cut(pos, fmt.Sprintf("transaction length %d runs past the end of the file (%d)", t.tlen, size))
			return nil
		}
		if t.status == proto.StatusCheckpoint {
			sc.cut(pos, "checkpoint flag was not cleared (a transaction voted but never finished)")
			return nil
		}
		tend := pos + int64(t.tlen)
		if t.tlen < t.headerLen() {
			// ZODB's rule: garbage at the very end (the last 8 bytes are no
			// plausible length) is cut; otherwise the file is damaged.
			rtl := be64(b[size-RedundantSize:])
			if rtl < TxnHeaderSize || rtl > uint64(size-pos) {
				sc.cut(pos, fmt.Sprintf("invalid transaction header: length %d < header length %d", t.tlen, t.headerLen()))
				return nil
			}
			return recErr(sc.path, pos, kindTxn, "open", "invalid transaction header: length %d < header length %d", t.tlen, t.headerLen())
		}
		switch t.status {
		case proto.StatusCommitted, proto.StatusPacked:
			if err := sc.records(pos, tend, t.headerLen()); err != nil {
				return err
			}
		case proto.StatusUndone:
			// Obsolete: its records are skipped.
		default:
			sc.log.Warn("invalid transaction status", "path", sc.path, "pos", pos, "status", string(t.status))
			if err := sc.records(pos, tend, t.headerLen()); err != nil {
				return err
			}
		}
		if rtl := be64(b[tend:]); rtl != t.tlen {
			return recErr(sc.path, pos, kindTxn, "open", "redundant transaction length check failed at %d: %d != %d", tend, rtl, t.tlen)
		}
		if t.tid > sc.ltid {
			sc.ltid = t.tid
		}
		sc.ntxn++
		sc.pos = tend + RedundantSize
	}
	if sc.progress != nil {
		sc.progress(sc.pos, size)
	}
	return nil
}

// records indexes the data records of the transaction at tpos.
func (sc *logScan) records(tpos, tend int64, hlen uint64) error {
	b := sc.b
	pos := tpos + int64(hlen)
	var h DataHeader
	for pos < tend {
		if pos+DataHeaderSize > sc.size {
			return recErr(sc.path, pos, kindData, "open", "header runs past the end of the file (%d)", sc.size)
		}
		h.decodeFixed(b[pos:])
		if h.Tloc != uint64(tpos) {
			return recErr(sc.path, pos, kindData, "open", "data record exceeds transaction record: tloc %d != tpos %d", h.Tloc, tpos)
		}
		if h.Vlen != 0 {
			return recErr(sc.path, pos, kindData, "open", "non-zero version length %d (versions are not supported)", h.Vlen)
		}
		n := h.Plen
		if n == 0 {
			n = BackSize
		}
		if tend-pos < DataHeaderSize || n > uint64(tend-pos-DataHeaderSize) {
			return recErr(sc.path, pos, kindData, "open", "data record exceeds transaction record: ends at %d, transaction ends at %d",
				uint64(pos)+DataHeaderSize+n, tend)
		}
		if cur := sc.ix.get(h.Oid); cur != int64(h.Prev) && cur < tpos {
			// ZODB logs this and goes on; pack writes such files (two
			// packed revisions of one oid that both say prev=0).
			if h.Prev != 0 {
				sc.log.Error("incorrect previous pointer", "path", sc.path, "pos", pos, "oid", h.Oid.String(), "prev", h.Prev, "index", cur)
			} else {
				sc.log.Warn("incorrect previous pointer", "path", sc.path, "pos", pos, "oid", h.Oid.String(), "index", cur)
			}
		}
		if pos > MaxPos {
			return recErr(sc.path, pos, kindData, "open", "position beyond the index limit %d", int64(MaxPos))
		}
		sc.ix.set(h.Oid, pos)
		pos += DataHeaderSize + int64(n)
	}
	return nil
}

func (sc *logScan) cut(pos int64, reason string) {
	sc.cutPos, sc.cutReason = pos, reason
}

// tailLooksCommitted reports how many complete transactions the bytes
// after pos hold when walked backwards from the end of the file through
// the redundant lengths (0 when the walk does not land exactly on pos).
// A positive answer means that the header at pos was damaged in the middle
// of committed data, rather than torn by a crash.
func tailLooksCommitted(b []byte, size, pos int64) int {
	n := 0
	end := size
	for end > pos && n < 1<<20 {
		if end-pos < TxnHeaderSize+RedundantSize {
			return 0
		}
		rtl := be64(b[end-RedundantSize:])
		if rtl < TxnHeaderSize || rtl > uint64(end-RedundantSize-pos) {
			return 0
		}
		tpos := end - RedundantSize - int64(rtl)
		if tpos != pos {
			t := decodeTxnFixed(b[tpos:])
			if t.tlen != rtl || (t.status != ' ' && t.status != 'p') {
				return 0
			}
		}
		n++
		end = tpos
	}
	if end != pos {
		return 0
	}
	return n
}
