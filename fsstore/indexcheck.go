// Using the index file: validating it against the log at open, saving it
// on close.

package fsstore

import (
	"errors"
	"fmt"
	"os"

	"github.com/gozeo/gozeo/proto"
)

// loadIndexFile returns the saved index and the position and tid it
// covers, or a nil index (with the reason logged) when there is none or it
// does not match the log.
func (s *Store) loadIndexFile(b []byte, size int64) (*index, int64, proto.Tid) {
	name := s.path + IndexSuffix
	meta, ix, err := readIndexFile(name)
	if err == nil {
		err = s.checkIndexMeta(meta, ix, b, size)
	}
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("ignoring index file, scanning the whole log", "path", name, "reason", err.Error())
		}
		return nil, 0, 0
	}
	return ix, meta.pos, meta.tid
}

// checkIndexMeta decides whether an index file describes this log: same
// file (device, inode, first transaction), a position that is a
// transaction boundary inside the file whose tid matches, and a sample of
// that transaction's records that the index points at (ZODB's _sane).
func (s *Store) checkIndexMeta(meta indexMeta, ix *index, b []byte, size int64) error {
	if meta.pos < MagicSize || meta.pos > size {
		return fmt.Errorf("%w: covers position %d, the log has %d bytes", errIndexStale, meta.pos, size)
	}
	if meta.dev != s.dev || meta.ino != s.ino {
		return fmt.Errorf("%w: written for another file (device/inode %d/%d, this one is %d/%d)",
			errIndexStale, meta.dev, meta.ino, s.dev, s.ino)
	}
	if meta.pos != MagicSize && meta.pos < MagicSize+TxnHeaderSize+RedundantSize {
		return fmt.Errorf("%w: position %d cannot end a transaction", errIndexStale, meta.pos)
	}
	if meta.pos == MagicSize {
		if meta.tid != 0 || meta.count != 0 {
			return fmt.Errorf("%w: empty position with %d oids", errIndexStale, meta.count)
		}
		return nil
	}
	if first := proto.Tid(be64(b[MagicSize:])); first != meta.firstTid {
		return fmt.Errorf("%w: first transaction is %s, index says %s", errIndexStale, first, meta.firstTid)
	}
	v := view{path: s.path, b: b, end: meta.pos}
	tpos, ok, err := v.prevTxn(meta.pos, "index check")
	if err != nil || !ok {
		return fmt.Errorf("%w: position %d is not a transaction boundary (%v)", errIndexStale, meta.pos, err)
	}
	t := decodeTxnFixed(b[tpos:])
	if t.tid != meta.tid {
		return fmt.Errorf("%w: transaction before %d is %s, index says %s", errIndexStale, meta.pos, t.tid, meta.tid)
	}
	if t.status == proto.StatusCheckpoint {
		return fmt.Errorf("%w: transaction before %d is not finished", errIndexStale, meta.pos)
	}
	if t.status == proto.StatusUndone {
		return nil
	}
	tend := tpos + int64(t.tlen)
	seen := map[proto.Oid]bool{}
	for pos, checked := tpos+int64(t.headerLen()), 0; pos < tend && checked < 5; checked++ {
		h, err := v.dataHeader(pos, "index check")
		if err != nil || h.Tloc != uint64(tpos) {
			return fmt.Errorf("%w: bad data record at %d", errIndexStale, pos)
		}
		next := pos + int64(h.RecordLen())
		if next > tend {
			return fmt.Errorf("%w: bad data record at %d", errIndexStale, pos)
		}
		// With two records of one oid in the transaction, the later wins.
		if !seen[h.Oid] && !laterRecordOf(v, h.Oid, next, tend) && ix.get(h.Oid) != pos {
			return fmt.Errorf("%w: oid %s is at %d in the log, at %d in the index", errIndexStale, h.Oid, pos, ix.get(h.Oid))
		}
		seen[h.Oid] = true
		pos = next
	}
	return nil
}

// laterRecordOf reports whether another record of oid follows in
// [pos, tend).
func laterRecordOf(v view, oid proto.Oid, pos, tend int64) bool {
	for pos < tend {
		h, err := v.dataHeader(pos, "index check")
		if err != nil {
			return false
		}
		if h.Oid == oid {
			return true
		}
		pos += int64(h.RecordLen())
	}
	return false
}

// saveIndexLocked writes the index file for the committed end.
// REQUIRES: s.mu held exclusively, the commit pipeline stopped.
func (s *Store) saveIndexLocked() error {
	meta := indexMeta{pos: s.pos, tid: s.ltid, fileSize: s.pos, dev: s.dev, ino: s.ino}
	if s.pos > MagicSize {
		meta.firstTid = proto.Tid(be64(s.data[MagicSize:]))
	}
	if err := writeIndexFile(s.path+IndexSuffix, meta, s.idx); err != nil {
		return err
	}
	return nil
}
