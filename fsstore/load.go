// Reads of object revisions: Load, LoadBefore, TryLoadBefore, LoadSerial,
// History.

package fsstore

import (
	"bytes"

	"github.com/gozeo/gozeo/proto"
)

// Allocation rule for the loads: the pickle is copied once, from the
// mapping into dst; nothing else is allocated unless an error is returned.
// Pass a dst with enough capacity to make a load allocation-free.

// Load returns the current revision of oid: data = append(dst, pickle...)
// and its serial. *proto.POSKeyError for an unknown oid or one whose
// current record has no data (deleted, creation undone).
func (s *Store) Load(oid proto.Oid, dst []byte) (data []byte, serial proto.Tid, err error) {
	v, err := s.rlock()
	if err != nil {
		return dst, 0, err
	}
	defer s.runlock()
	pos := s.idx.get(oid)
	if pos == 0 {
		return dst, 0, &proto.POSKeyError{Oid: oid}
	}
	if data, serial, ok, _ := v.fastPickle(oid, pos, dst, nil); ok {
		return data, serial, nil
	}
	h, err := v.dataHeaderOf(oid, pos, "load")
	if err != nil {
		return dst, 0, err
	}
	data, err = v.appendData(dst, oid, pos, h, "load", nil)
	if err != nil {
		return dst, 0, err
	}
	return data, h.Tid, nil
}

// LoadBefore returns the revision of oid valid just before the given tid:
// the newest with start < before; end is the tid of the next newer
// revision (ZeroTid when it is current). proto.ErrNoRevision when no
// revision is older than before (the object did not exist yet, or its
// history was packed away); *proto.POSKeyError for an unknown oid or when
// the revision found has no data.
func (s *Store) LoadBefore(oid proto.Oid, before proto.Tid, dst []byte) (data []byte, start, end proto.Tid, err error) {
	return s.loadBefore(oid, before, dst, nil)
}

// TryLoadBefore is LoadBefore that never waits for the disk: when a page
// it would read is not in the page cache, it returns ErrWouldBlock without
// touching it. Residency comes from a per-page bitmap (set by mincore and
// by the store's own writes, rebuilt from mincore every second), with an
// exact mincore for pages the bitmap does not know, so a page evicted in
// the last second can still fault. It allocates nothing (errors aside).
// The server calls it on its event loop and falls back to LoadBefore on a
// worker.
func (s *Store) TryLoadBefore(oid proto.Oid, before proto.Tid, dst []byte) (data []byte, start, end proto.Tid, err error) {
	s.startRefresher()
	return s.loadBefore(oid, before, dst, &s.res)
}

func (s *Store) loadBefore(oid proto.Oid, before proto.Tid, dst []byte, try *residency) ([]byte, proto.Tid, proto.Tid, error) {
	v, err := s.rlock()
	if err != nil {
		return dst, 0, 0, err
	}
	defer s.runlock()
	pos := s.idx.get(oid)
	if pos == 0 {
		return dst, 0, 0, &proto.POSKeyError{Oid: oid}
	}
	var end proto.Tid
	for {
		if try != nil && !try.check(v.b, pos, DataHeaderSize+BackSize) {
			return dst, 0, 0, ErrWouldBlock
		}
		tid, prev, ok := v.chainStep(oid, pos)
		if !ok { // damaged: the full reader says what is wrong
			_, err := v.dataHeaderOf(oid, pos, "loadBefore")
			return dst, 0, 0, err
		}
		if tid < before {
			break
		}
		end = tid
		if prev == 0 {
			return dst, 0, 0, proto.ErrNoRevision
		}
		if prev >= uint64(pos) {
			return dst, 0, 0, recErr(v.path, pos, kindData, "loadBefore", "previous pointer %d does not point backwards", prev)
		}
		pos = int64(prev)
	}
	if data, serial, ok, err := v.fastPickle(oid, pos, dst, try); ok || err != nil {
		return data, serial, end, err
	}
	h, err := v.dataHeaderOf(oid, pos, "loadBefore")
	if err != nil {
		return dst, 0, 0, err
	}
	data, err := v.appendData(dst, oid, pos, h, "loadBefore", try)
	if err != nil {
		return dst, 0, 0, err
	}
	return data, h.Tid, end, nil
}

// LoadSerial returns the revision of oid written by transaction serial.
// *proto.POSKeyError when there is none, or when it has no data.
func (s *Store) LoadSerial(oid proto.Oid, serial proto.Tid, dst []byte) ([]byte, error) {
	v, err := s.rlock()
	if err != nil {
		return dst, err
	}
	defer s.runlock()
	pos := s.idx.get(oid)
	if pos == 0 {
		return dst, &proto.POSKeyError{Oid: oid}
	}
	for {
		h, err := v.dataHeaderOf(oid, pos, "loadSerial")
		if err != nil {
			return dst, err
		}
		if h.Tid == serial {
			return v.appendData(dst, oid, pos, h, "loadSerial", nil)
		}
		if h.Tid < serial || h.Prev == 0 {
			return dst, &proto.POSKeyError{Oid: oid}
		}
		if h.Prev >= uint64(pos) {
			return dst, recErr(v.path, pos, kindData, "loadSerial", "previous pointer %d does not point backwards", h.Prev)
		}
		pos = int64(h.Prev)
	}
}

// History returns up to size revisions of oid, newest first, each with the
// metadata of the transaction that wrote it. Size is the record's pickle
// length (0 for backpointer records), as ZODB reports it.
func (s *Store) History(oid proto.Oid, size int) ([]proto.HistoryEntry, error) {
	v, err := s.rlock()
	if err != nil {
		return nil, err
	}
	defer s.runlock()
	pos := s.idx.get(oid)
	if pos == 0 {
		return nil, &proto.POSKeyError{Oid: oid}
	}
	var r []proto.HistoryEntry
	for len(r) < size {
		h, err := v.dataHeaderOf(oid, pos, "history")
		if err != nil {
			return r, err
		}
		if h.Tloc >= uint64(pos) {
			return r, recErr(v.path, pos, kindData, "history", "tloc %d is not before the record", h.Tloc)
		}
		th, err := v.txnHeader(int64(h.Tloc), "history")
		if err != nil {
			return r, err
		}
		r = append(r, proto.HistoryEntry{
			Tid:         h.Tid,
			User:        bytes.Clone(th.User),
			Description: bytes.Clone(th.Description),
			Extension:   bytes.Clone(th.Extension),
			Size:        int64(h.Plen),
		})
		if h.Prev == 0 {
			break
		}
		if h.Prev >= uint64(pos) {
			return r, recErr(v.path, pos, kindData, "history", "previous pointer %d does not point backwards", h.Prev)
		}
		pos = int64(h.Prev)
	}
	return r, nil
}

// currentTid returns the serial of oid's current record (ZeroTid when the
// oid is unknown), and its position. REQUIRES: s.mu held.
func (s *Store) currentTidLocked(v *view, oid proto.Oid, op string) (proto.Tid, int64, error) {
	pos := s.idx.get(oid)
	if pos == 0 {
		return proto.ZeroTid, 0, nil
	}
	h, err := v.dataHeaderOf(oid, pos, op)
	if err != nil {
		return 0, pos, err
	}
	return h.Tid, pos, nil
}
