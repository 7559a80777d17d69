// Opening a cache: persistent files (locked, validated, resized or
// replaced), transient files, and in-memory buffers.

package cache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"unsafe"

	"github.com/edsrzf/mmap-go"

	"github.com/gozeo/gozeo/proto"
)

// Open opens the cache file at path, creating it if needed, or a transient
// cache if path is "": a temporary file, unlinked as soon as it is mapped,
// so it is gone after Close (or a crash). A persistent file is locked
// (path+".lock"), validated and repaired; see doc.go for what is dropped or
// discarded and what is logged.
func Open(path string, opts *Options) (*Cache, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	if path == "" {
		return openTransient(&o)
	}
	return openPersistent(path, &o)
}

// OpenMemory returns a cache over an in-memory buffer of opts.Size bytes:
// the same file layout, ring and policy code as a file-backed cache, with
// nothing on disk (simulation and tests). $GOZEO_CACHE_TRACE is ignored;
// opts.TracePath still works.
func OpenMemory(opts *Options) (*Cache, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	words := make([]uint64, o.Size/8) // 8-aligned for the atomic word stores
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), o.Size)
	initFresh(buf)
	c := newCache(&o, buf)
	c.transient = true
	if err := c.startTrace(&o, false); err != nil {
		return nil, err
	}
	return c, nil
}

func newCache(o *Options, buf []byte) *Cache {
	c := &Cache{
		buf:    buf,
		size:   int64(len(buf)),
		policy: o.Policy,
		pstate: o.Policy.NewState(int64(len(buf)) - headerSize),
		log:    o.Logger,
		idx:    newIndex(),
		ring:   headerSize,
		seq:    1,
		slot:   0,
	}
	c.slotGen = 1
	return c
}

// initFresh writes an empty cache into buf: header, two last-tid slots
// holding ZeroTid, one free block.
func initFresh(buf []byte) {
	size := int64(len(buf))
	storeWord(buf, headerSize, makeWord(kindFree, size-headerSize))
	putSlot(buf, 1, proto.ZeroTid, 0)
	putSlot(buf, 0, proto.ZeroTid, 1)
	putHeader(buf, size)
}

func (c *Cache) startTrace(o *Options, fileBacked bool) error {
	p := o.tracePath(fileBacked)
	if p == "" {
		return nil
	}
	t, err := openTracer(p, o.traceClock)
	if err != nil {
		// ZEO carries on without a trace; so do we, with a log line.
		c.log.Warn("cache: cannot open trace file; tracing off", "path", p, "err", err)
		return nil
	}
	c.tr = t
	c.log.Info("cache: tracing", "path", p)
	c.traceLocked(TraceRestart, 0, 0, 0, 0)
	return nil
}

func openTransient(o *Options) (*Cache, error) {
	f, err := os.CreateTemp("", "gozeo-cache-*.zec")
	if err != nil {
		return nil, fmt.Errorf("cache: create temporary file: %w", err)
	}
	name := f.Name()
	defer os.Remove(name)
	mm, err := sizeAndMap(f, o.Size, true)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cache: %s: %w", name, err)
	}
	initFresh(mm)
	c := newCache(o, mm)
	c.file, c.mm, c.transient = f, mm, true
	c.log.Info("cache: created temporary cache file", "path", name, "size", o.Size)
	if err := c.startTrace(o, true); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func openPersistent(path string, o *Options) (c *Cache, err error) {
	lockf, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lockf.Close()
		}
	}()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c, err = createPersistent(path, o)
	case err != nil:
		return nil, fmt.Errorf("cache: open %s: %w", path, err)
	default:
		c, err = reopenPersistent(f, path, o)
	}
	if err != nil {
		return nil, err
	}
	c.lockf = lockf
	if err := c.startTrace(o, true); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// createPersistent writes a fresh cache file under a temporary name and
// renames it into place, so a crash never leaves a half-initialised file.
func createPersistent(path string, o *Options) (*Cache, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cache: create %s: %w", path, err)
	}
	mm, err := sizeAndMap(f, o.Size, true)
	if err == nil {
		initFresh(mm)
		if err = mm.Flush(); err == nil {
			err = os.Rename(tmp, path)
		}
		if err != nil {
			mm.Unmap()
		}
	}
	if err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("cache: create %s: %w", path, err)
	}
	c := newCache(o, mm)
	c.file, c.mm, c.path = f, mm, path
	c.log.Info("cache: created persistent cache file", "path", path, "size", o.Size)
	return c, nil
}

// reopenPersistent validates an existing file. A file whose header is not
// ours, is damaged or is too short is moved aside (".bad") and replaced;
// otherwise the file is resized to the configured size and scanned.
func reopenPersistent(f *os.File, path string, o *Options) (*Cache, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cache: stat %s: %w", path, err)
	}
	var hb [headerSize]byte
	n, err := f.ReadAt(hb[:], 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("cache: read %s: %w", path, err)
	}
	h, reason, ok := decodeHeader(hb[:n])
	if !ok {
		f.Close()
		if err := quarantine(path, reason, o); err != nil {
			return nil, err
		}
		return createPersistent(path, o)
	}
	oldLen := st.Size()
	validEnd := min(oldLen, h.size)
	mm, err := sizeAndMap(f, o.Size, oldLen < o.Size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cache: %s: %w", path, err)
	}
	c := newCache(o, mm)
	c.file, c.mm, c.path = f, mm, path
	changed := c.recover(validEnd)
	if h.size != o.Size {
		c.log.Info("cache: resized cache file", "path", path, "from", h.size, "to", o.Size)
		putHeader(mm, o.Size)
		changed = true
	}
	if changed {
		if err := mm.Flush(); err != nil {
			c.Close()
			return nil, fmt.Errorf("cache: flush %s: %w", path, err)
		}
	}
	c.log.Info("cache: reusing persistent cache file", "path", path,
		"objects", c.idx.len(), "last_tid", c.lastTid.String())
	return c, nil
}

// quarantine moves a damaged or foreign file to path+".bad" (or removes it
// when a .bad file already exists), as ZEO does.
func quarantine(path, reason string, o *Options) error {
	bad := path + ".bad"
	err := &CorruptError{Path: path, Off: 0, Reason: reason}
	if _, serr := os.Stat(bad); serr == nil {
		o.Logger.Error("cache: removing bad cache file (a previous .bad exists)", "err", err)
		if rerr := os.Remove(path); rerr != nil {
			return fmt.Errorf("cache: remove bad cache file %s: %w", path, rerr)
		}
		return nil
	}
	o.Logger.Error("cache: moving bad cache file aside", "err", err, "to", bad)
	if rerr := os.Rename(path, bad); rerr != nil {
		return fmt.Errorf("cache: move bad cache file %s: %w", path, rerr)
	}
	return nil
}

// sizeAndMap sets f's length to size (reserving the disk blocks when
// grow, so that writing through the mapping cannot hit a full disk) and
// maps it read-write.
func sizeAndMap(f *os.File, size int64, grow bool) (mmap.MMap, error) {
	if err := f.Truncate(size); err != nil {
		return nil, err
	}
	if grow {
		if err := preallocate(f, size); err != nil {
			return nil, fmt.Errorf("reserve %d bytes: %w", size, err)
		}
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("size %d does not fit the address space", size)
	}
	return mmap.MapRegion(f, int(size), mmap.RDWR, 0, 0)
}
