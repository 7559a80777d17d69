// New oids, and their high-water mark in Data.fs.oids that keeps them
// unique across restarts, crashes and packs.

package fsstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/gozeo/gozeo/proto"
)

// OIDsSuffix names the oid high-water-mark file: Data.fs -> Data.fs.oids.
// It holds "GOZEOOID", the mark (u64: every oid below it may have been
// handed out) and a CRC32C of both. Python ZODB ignores it.
const OIDsSuffix = ".oids"

const (
	oidsMagic    = "GOZEOOID"
	oidsFileSize = 20
)

func readOIDsFile(path string) (proto.Oid, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	if len(b) != oidsFileSize || string(b[:8]) != oidsMagic {
		return 0, fmt.Errorf("fsstore: %s: not an oid mark file (%d bytes)", path, len(b))
	}
	if crc32.Checksum(b[:16], castagnoli) != binary.BigEndian.Uint32(b[16:]) {
		return 0, fmt.Errorf("fsstore: %s: checksum mismatch", path)
	}
	return proto.Oid(binary.BigEndian.Uint64(b[8:])), nil
}

func writeOIDsFile(path string, mark proto.Oid) error {
	b := append([]byte(oidsMagic), make([]byte, 8)...)
	binary.BigEndian.PutUint64(b[8:], uint64(mark))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("fsstore: write oid mark: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fsstore: write oid mark %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// initOIDs sets the oid counter at open: past the highest oid in the
// index and past the saved mark. REQUIRES: no concurrency yet.
func (s *Store) initOIDs() {
	s.nextOid = 1 // oid 0 is the root, created without new_oid
	if m, ok := s.idx.maxOid(); ok && m+1 > s.nextOid {
		s.nextOid = m + 1
	}
	if s.readOnly {
		return // a read-only store hands out no oids
	}
	mark, err := readOIDsFile(s.path + OIDsSuffix)
	switch {
	case err == nil:
		s.oidMark = mark
		if mark > s.nextOid {
			s.nextOid = mark
		}
	case errors.Is(err, os.ErrNotExist):
	default:
		// Without the mark, oids handed out but never stored (or dropped
		// by a pack) could be handed out again; say so loudly.
		s.log.Error("oid high-water mark unreadable; continuing from the highest oid in the log",
			"path", s.path, "err", err)
	}
}

// noteOidLocked moves the counter past an oid that a transaction stored.
// REQUIRES: s.oidMu held.
func (s *Store) noteOidLocked(oid proto.Oid) {
	if oid >= s.nextOid && oid != ^proto.Oid(0) {
		s.nextOid = oid + 1
	}
}

// NewOIDs appends n new oids to dst. An oid is never handed out twice,
// across restarts and crashes: the high-water mark is raised and fsynced
// in blocks before any oid of a block is handed out.
func (s *Store) NewOIDs(dst []proto.Oid, n int) ([]proto.Oid, error) {
	if s.readOnly {
		return dst, readOnlyErr("new_oids")
	}
	if n <= 0 {
		return dst, nil
	}
	s.oidMu.Lock()
	defer s.oidMu.Unlock()
	if s.isClosed() {
		return dst, ErrClosed
	}
	next := s.nextOid
	if uint64(next)+uint64(n) < uint64(next) || uint64(next)+uint64(n)+uint64(s.opts.OIDBlock) < uint64(next) {
		return dst, errors.New("fsstore: oid space exhausted")
	}
	if need := next + proto.Oid(n); need > s.oidMark {
		mark := need + proto.Oid(s.opts.OIDBlock)
		if err := writeOIDsFile(s.path+OIDsSuffix, mark); err != nil {
			return dst, err
		}
		s.oidMark = mark
	}
	for i := 0; i < n; i++ {
		dst = append(dst, next+proto.Oid(i))
	}
	s.nextOid = next + proto.Oid(n)
	return dst, nil
}
