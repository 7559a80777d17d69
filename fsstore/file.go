// File: a read-only view of a Data.fs by path, for tools (dump, tail,
// oid tracing, verify) that must not lock or recover the file.

package fsstore

import (
	"bytes"
	"fmt"
	"os"

	"github.com/gozeo/gozeo/proto"
)

// File maps a Data.fs read-only, as it is: no lock, no index, no recovery
// (a torn or unfinished tail is visible; iterators stop quietly before
// it). It is not safe for concurrent use with Close.
type File struct {
	path   string
	f      *os.File
	m      logMap
	size   int64
	magic  string
	closed bool
}

// OpenFile maps the file at path for reading.
func OpenFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fsstore: open %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fsstore: open %s: %w", path, err)
	}
	fl := &File{path: path, f: f, size: fi.Size()}
	if fl.size > 0 && fl.size < MagicSize {
		f.Close()
		return nil, recErr(path, 0, kindFile, "open", "file is %d bytes, too short for the magic", fl.size)
	}
	if fl.size > 0 {
		if err := fl.m.open(f, 0, fl.size); err != nil {
			f.Close()
			return nil, err
		}
		fl.magic = string(fl.m.cur[:MagicSize])
		if fl.magic != Magic30 && fl.magic != Magic21 {
			fl.Close()
			return nil, &RecordError{Path: path, Kind: kindFile, Op: "open",
				Err: fmt.Errorf("%w: magic %q is not %q", ErrFormat, fl.magic, Magic30)}
		}
	}
	return fl, nil
}

// Close unmaps and closes the file.
func (fl *File) Close() error {
	if fl.closed {
		return nil
	}
	fl.closed = true
	err := fl.m.close()
	if cerr := fl.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Path returns the file name.
func (fl *File) Path() string { return fl.path }

// Size returns the file size when it was opened.
func (fl *File) Size() int64 { return fl.size }

// Magic returns the file's magic ("" for an empty file).
func (fl *File) Magic() string { return fl.magic }

func (fl *File) rlock() (view, error) {
	if fl.closed {
		return view{}, ErrClosed
	}
	end := fl.size
	if end < MagicSize {
		end = MagicSize
	}
	return view{path: fl.path, b: fl.m.cur, end: end}, nil
}

func (fl *File) runlock()           {}
func (fl *File) tolerateTail() bool { return true }

// Iterator walks the file's transactions with start <= tid <= stop
// (ZeroTid: unbounded), stopping quietly at a torn or unfinished tail.
func (fl *File) Iterator(start, stop proto.Tid) *TxnIterator {
	return newTxnIterator(fl, start, stop)
}

// ReadTxnHeader reads the transaction header at pos (metadata copied).
func (fl *File) ReadTxnHeader(pos int64) (TxnHeader, error) { return readTxnHeader(fl, pos) }

// ReadDataHeader reads the data record header at pos, with its
// backpointer.
func (fl *File) ReadDataHeader(pos int64) (DataHeader, error) { return readDataHeader(fl, pos) }

// ReadData appends the pickle the data record at pos stands for,
// following backpointers; *proto.POSKeyError when it has none.
func (fl *File) ReadData(pos int64, dst []byte) ([]byte, error) { return readData(fl, pos, dst) }

// PrevTxn returns the position of the transaction ending just before pos
// (found through its redundant length); ok is false at the file start.
func (fl *File) PrevTxn(pos int64) (int64, bool, error) {
	v, err := fl.rlock()
	if err != nil {
		return 0, false, err
	}
	return v.prevTxn(pos, "read")
}

// ReadTxnHeader reads the committed transaction header at pos (metadata
// copied).
func (s *Store) ReadTxnHeader(pos int64) (TxnHeader, error) { return readTxnHeader(s, pos) }

// ReadDataHeader reads the committed data record header at pos.
func (s *Store) ReadDataHeader(pos int64) (DataHeader, error) { return readDataHeader(s, pos) }

// ReadData appends the pickle the committed data record at pos stands for.
func (s *Store) ReadData(pos int64, dst []byte) ([]byte, error) { return readData(s, pos, dst) }

func readTxnHeader(src source, pos int64) (TxnHeader, error) {
	v, err := src.rlock()
	if err != nil {
		return TxnHeader{}, err
	}
	defer src.runlock()
	h, err := v.txnHeader(pos, "read")
	if err != nil {
		return h, err
	}
	h.User, h.Description, h.Extension = bytes.Clone(h.User), bytes.Clone(h.Description), bytes.Clone(h.Extension)
	return h, nil
}

func readDataHeader(src source, pos int64) (DataHeader, error) {
	v, err := src.rlock()
	if err != nil {
		return DataHeader{}, err
	}
	defer src.runlock()
	return v.dataHeader(pos, "read")
}

func readData(src source, pos int64, dst []byte) ([]byte, error) {
	v, err := src.rlock()
	if err != nil {
		return dst, err
	}
	defer src.runlock()
	h, err := v.dataHeader(pos, "read")
	if err != nil {
		return dst, err
	}
	return v.appendData(dst, h.Oid, pos, h, "read", nil)
}
