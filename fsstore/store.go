// Store: opening a Data.fs (lock, map, index, recovery), closing it, and
// its simple accessors.

package fsstore

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/gozeo/gozeo/proto"
)

// Store is an open FileStorage. Loads, iterators and the commit calls may
// be used from many goroutines at once.
type Store struct {
	path     string
	opts     Options
	log      *slog.Logger
	readOnly bool
	magic    string
	f        *os.File
	lock     *lockFile
	dev, ino uint64

	// mu guards what readers see: the mapping, the index and the committed
	// end. Loads hold it shared; the committer takes it exclusively only
	// to publish finished transactions.
	mu        sync.RWMutex
	closed    bool
	closedFlg atomic.Bool
	m         logMap
	data      []byte // == m.cur
	idx       *index
	pos       int64     // end of the last committed transaction (_pos)
	ltid      proto.Tid // last committed tid

	pipe pipeline  // the commit pipeline (groupcommit.go)
	res  residency // page residency for TryLoadBefore (resident.go)

	oidMu   sync.Mutex
	nextOid proto.Oid // next oid NewOIDs hands out
	oidMark proto.Oid // persisted high-water mark

	packing   atomic.Bool
	gen       uint64         // bumped by each pack swap (positions changed); guarded by mu
	oldFiles  []*os.File     // files replaced by a pack, closed by Close
	usedIndex bool           // the index file was used at open (for tests and logs)
	pins      sync.WaitGroup // readers working without the lock (Verify)

	closeOnce sync.Once
	closeErr  error
}

// Open opens (or creates) the FileStorage at path. opts may be nil.
func Open(path string, opts *Options) (*Store, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	s := &Store{path: path, opts: o, log: o.Logger, readOnly: o.ReadOnly}
	if err := s.open(); err != nil {
		s.m.close()
		if s.f != nil {
			s.f.Close()
		}
		s.lock.release()
		var re *RecordError
		if errors.As(err, &re) {
			return nil, err
		}
		return nil, fmt.Errorf("fsstore: open %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) open() error {
	path := s.path
	if !s.readOnly {
		lk, err := acquireLock(path + ".lock")
		if err != nil {
			return err
		}
		s.lock = lk
	}
	flag := os.O_RDONLY
	if !s.readOnly {
		flag = os.O_RDWR | os.O_CREATE
		if s.opts.Create {
			flag |= os.O_TRUNC
			for _, side := range []string{IndexSuffix, OIDsSuffix} {
				if err := os.Remove(path + side); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
			if err := removePythonIndex(path); err != nil {
				return err
			}
		}
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return err
	}
	s.f = f
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.dev, s.ino = uint64(st.Dev), uint64(st.Ino)
	}
	if size == 0 && !s.readOnly {
		if _, err := f.WriteAt([]byte(Magic30), 0); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(path)); err != nil {
			return err
		}
		size = MagicSize
	}
	if size > 0 && size < MagicSize {
		return recErr(path, 0, kindFile, "open", "file is %d bytes, too short for the magic", size)
	}
	if err := s.m.open(f, s.opts.MapReserve, size); err != nil {
		return err
	}
	b := s.m.cur
	s.magic = Magic30
	if size >= MagicSize {
		switch s.magic = string(b[:MagicSize]); s.magic {
		case Magic30:
		case Magic21:
			if !s.readOnly {
				return fmt.Errorf("%w: %s files (Python 2 ZODB) can only be opened read-only", ErrFormat, Magic21)
			}
		default:
			return &RecordError{Path: path, Kind: kindFile, Op: "open",
				Err: fmt.Errorf("%w: magic %q is not %q", ErrFormat, b[:MagicSize], Magic30)}
		}
	}
	return s.openScan(b, size)
}

// openScan builds the index (from our index file plus the tail, or by a
// full scan) and recovers a damaged tail.
func (s *Store) openScan(b []byte, size int64) error {
	var ix *index
	start, ltid := int64(MagicSize), proto.ZeroTid
	if !s.opts.NoIndex {
		ix, start, ltid = s.loadIndexFile(b, size)
	}
	s.usedIndex = ix != nil
	if ix == nil {
		ix, start, ltid = newIndex(), MagicSize, proto.ZeroTid
	}
	sc := logScan{path: s.path, b: b, size: size, ix: ix, log: s.log, progress: s.opts.Progress, pos: start, ltid: ltid}
	if size < MagicSize {
		sc.size = MagicSize // an empty read-only file: nothing to scan
	}
	if err := sc.run(); err != nil {
		return err
	}
	if sc.cutPos >= 0 {
		s.log.Warn(fmt.Sprintf("%s truncated, possibly due to damaged records at %d", s.path, sc.cutPos),
			"reason", sc.cutReason, "cut_bytes", size-sc.cutPos)
		if n := tailLooksCommitted(b, size, sc.cutPos); n > 0 {
			s.log.Error("the bytes after the damaged transaction header end in complete transactions; "+
				"this is damage inside the file, not a torn write: keep the .tr file for salvage",
				"path", s.path, "pos", sc.cutPos, "transactions", n)
		}
		if !s.readOnly {
			name, err := cutTail(s.f, s.path, b, sc.cutPos, size)
			if err != nil {
				return err
			}
			s.log.Warn(fmt.Sprintf("Writing truncated data from %s to %s", s.path, name))
		}
	}
	s.idx, s.pos, s.ltid, s.data = ix, sc.pos, sc.ltid, b
	s.log.Debug("opened", "path", s.path, "size", s.pos, "oids", ix.Len(), "last_tid", s.ltid.String(),
		"used_index", s.usedIndex, "scanned_from", start, "scanned_transactions", sc.ntxn)
	s.res.grow(int64(len(b)))
	s.initOIDs()
	if !s.readOnly {
		s.pipe.init(s)
	}
	return nil
}

// Close finishes transactions whose Finish was already called, aborts the
// other voted ones, saves the index file (writable stores), and releases
// the file, its mapping and the lock. Later calls return the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	var errs []error
	s.stopRefresher()
	if !s.readOnly {
		errs = append(errs, s.pipe.shutdown())
	}
	s.mu.Lock()
	s.closed = true
	s.closedFlg.Store(true)
	if !s.readOnly && !s.opts.NoIndex {
		if err := s.saveIndexLocked(); err != nil {
			errs = append(errs, err)
		}
	}
	s.mu.Unlock()
	s.pins.Wait() // a running Verify reads the mapping without the lock
	s.mu.Lock()
	errs = append(errs, s.m.close())
	s.data = nil
	s.mu.Unlock()
	for _, f := range s.oldFiles {
		errs = append(errs, f.Close())
	}
	errs = append(errs, s.f.Close(), s.lock.release())
	return errors.Join(errs...)
}

func (s *Store) isClosed() bool { return s.closedFlg.Load() }

// Path returns the file name given to Open.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// LastTransaction returns the tid of the last committed transaction that
// survived recovery (ZeroTid for an empty store). Unlike Python ZODB, the
// tid of a discarded tail is never reported.
func (s *Store) LastTransaction() proto.Tid {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ltid
}

// Len returns the number of oids in the index, deleted ones and undone
// creations included (ZODB's len(storage)).
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.idx.Len()
}

// Size returns the end of the last committed transaction (getSize()).
func (s *Store) Size() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pos
}

// MaxOid returns the highest oid in the index (0 when empty).
func (s *Store) MaxOid() proto.Oid {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, _ := s.idx.maxOid()
	return m
}

// Magic returns the file's magic: Magic30 or (read-only) Magic21.
func (s *Store) Magic() string { return s.magic }

// IndexMemory returns the bytes the in-memory index holds.
func (s *Store) IndexMemory() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.idx.memBytes()
}

// rlock takes the shared lock and returns the committed view; callers
// runlock when done. It fails once the store is closed.
func (s *Store) rlock() (view, error) {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return view{}, ErrClosed
	}
	return view{path: s.path, b: s.data, end: s.pos, gen: s.gen}, nil
}

func (s *Store) runlock() { s.mu.RUnlock() }

// pin returns the committed view and keeps its mapping alive (Close waits)
// until unpin, without holding the lock: for long reads such as Verify.
func (s *Store) pin() (view, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return view{}, ErrClosed
	}
	s.pins.Add(1)
	return view{path: s.path, b: s.data, end: s.pos, gen: s.gen}, nil
}

func (s *Store) unpin() { s.pins.Done() }

func readOnlyErr(op string) error {
	return fmt.Errorf("%w: %w", ErrReadOnly, &proto.ReadOnlyError{Msg: op + " on a read-only storage"})
}
