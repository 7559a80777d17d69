// Our own index file (Data.fs.gzindex): save on close, validated reload.

package fsstore

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/gozeo/gozeo/proto"
)

// IndexSuffix names our index file: Data.fs -> Data.fs.gzindex. Python's
// Data.fs.index is never read or written.
const IndexSuffix = ".gzindex"

const (
	indexMagic      = "GOZEOIDX"
	indexVersion    = 1
	indexHeaderSize = 96
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// indexMeta is what an index file says about the log it describes.
type indexMeta struct {
	pos      int64     // the log position covered: a transaction boundary
	tid      proto.Tid // tid of the transaction ending at pos (0 if pos is 4)
	fileSize int64     // log size when saved
	dev, ino uint64    // log file identity when saved
	firstTid proto.Tid // tid of the first transaction (0 if none)
	count    int64     // oids in the index
	maxOid   proto.Oid
	pages    int64
}

func (m *indexMeta) appendTo(dst []byte) []byte {
	dst = append(dst, indexMagic...)
	dst = binary.BigEndian.AppendUint32(dst, indexVersion)
	dst = binary.BigEndian.AppendUint16(dst, idxShift)
	dst = binary.BigEndian.AppendUint16(dst, posBytes)
	for _, v := range []uint64{uint64(m.pos), uint64(m.tid), uint64(m.fileSize), m.dev, m.ino,
		uint64(m.firstTid), uint64(m.count), uint64(m.maxOid), uint64(m.pages)} {
		dst = binary.BigEndian.AppendUint64(dst, v)
	}
	return append(dst, make([]byte, indexHeaderSize-len(dst))...)
}

// writeIndexFile saves ix atomically: temp file, fsync, rename, fsync of
// the directory.
func writeIndexFile(path string, meta indexMeta, ix *index) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("fsstore: write index: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	crc := crc32.New(castagnoli)
	w := bufio.NewWriterSize(io.MultiWriter(f, crc), 1<<20)
	meta.count = int64(ix.Len())
	meta.maxOid, _ = ix.maxOid()
	meta.pages = int64(ix.pages)
	if _, err = w.Write(meta.appendTo(nil)); err != nil {
		return fmt.Errorf("fsstore: write index: %w", err)
	}
	var key [8]byte
	ix.forEachPage(func(k uint64, p []byte) bool {
		binary.BigEndian.PutUint64(key[:], k)
		if _, err = w.Write(key[:]); err == nil {
			_, err = w.Write(p)
		}
		return err == nil
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		_, err = f.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32()))
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return fmt.Errorf("fsstore: write index %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("fsstore: write index: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename or a removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsstore: sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsstore: sync directory %s: %w", dir, err)
	}
	return nil
}

// errIndexStale explains why an index file cannot be used; the store
// logs it and scans the log instead.
var errIndexStale = errors.New("index file does not match the log")

// readIndexFile loads and checks an index file's own consistency (magic,
// version, sizes, checksum, counts). Checking it against the log is
// checkIndexMeta's job. Pages alias the file's buffer.
func readIndexFile(path string) (indexMeta, *index, error) {
	var meta indexMeta
	buf, err := os.ReadFile(path)
	if err != nil {
		return meta, nil, err
	}
	if len(buf) < indexHeaderSize+4 {
		return meta, nil, fmt.Errorf("%w: %d bytes is too short", errIndexStale, len(buf))
	}
	if string(buf[:8]) != indexMagic {
		return meta, nil, fmt.Errorf("%w: bad magic %q", errIndexStale, buf[:8])
	}
	if v := binary.BigEndian.Uint32(buf[8:]); v != indexVersion {
		return meta, nil, fmt.Errorf("%w: version %d, want %d", errIndexStale, v, indexVersion)
	}
	if binary.BigEndian.Uint16(buf[12:]) != idxShift || binary.BigEndian.Uint16(buf[14:]) != posBytes {
		return meta, nil, fmt.Errorf("%w: page geometry differs", errIndexStale)
	}
	body := buf[:len(buf)-4]
	if got, want := crc32.Checksum(body, castagnoli), binary.BigEndian.Uint32(buf[len(buf)-4:]); got != want {
		return meta, nil, fmt.Errorf("%w: checksum %08x, want %08x", errIndexStale, got, want)
	}
	u := func(i int) uint64 { return binary.BigEndian.Uint64(buf[16+8*i:]) }
	meta = indexMeta{pos: int64(u(0)), tid: proto.Tid(u(1)), fileSize: int64(u(2)), dev: u(3), ino: u(4),
		firstTid: proto.Tid(u(5)), count: int64(u(6)), maxOid: proto.Oid(u(7)), pages: int64(u(8))}
	const rec = 8 + idxPageBytes
	if meta.pages < 0 || uint64(meta.pages) != uint64(len(body)-indexHeaderSize)/rec ||
		(len(body)-indexHeaderSize)%rec != 0 {
		return meta, nil, fmt.Errorf("%w: %d pages do not fill %d bytes", errIndexStale, meta.pages, len(body))
	}
	ix := newIndex()
	var lastKey uint64
	for i := int64(0); i < meta.pages; i++ {
		off := indexHeaderSize + int(i)*rec
		k := binary.BigEndian.Uint64(buf[off:])
		if i > 0 && k <= lastKey {
			return meta, nil, fmt.Errorf("%w: page keys out of order", errIndexStale)
		}
		lastKey = k
		p := buf[off+8 : off+rec : off+rec]
		ix.addPage(k, p)
		for s := uint64(0); s < idxPage; s++ {
			if pos := getPos(p, s); pos != 0 {
				ix.n++
				ix.max = proto.Oid(k<<idxShift | s)
			}
		}
	}
	if int64(ix.n) != meta.count || (ix.n > 0 && ix.max != meta.maxOid) {
		return meta, nil, fmt.Errorf("%w: counted %d oids (max %s), header says %d (max %s)",
			errIndexStale, ix.n, ix.max, meta.count, meta.maxOid)
	}
	return meta, ix, nil
}
