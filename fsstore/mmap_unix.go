//go:build unix

// The log's memory mapping: a read-only shared map larger than the file,
// replaced (never moved under a reader) when the file outgrows it.

package fsstore

import (
	"fmt"
	"os"

	mmap "github.com/edsrzf/mmap-go"
)

var pageSize = int64(os.Getpagesize())

// logMap owns the mappings of one log file. cur is the live mapping;
// retired ones stay mapped until close because a reader may still hold a
// slice of them (iterators copy, but keeping them is cheap: the mapped
// sizes grow geometrically, so all retired maps together are smaller than
// the current one, and they are only address space).
type logMap struct {
	f       *os.File
	reserve int64
	cur     mmap.MMap
	retired []mmap.MMap
}

func roundUpPage(n int64) int64 { return (n + pageSize - 1) &^ (pageSize - 1) }

// mapSizeFor is the mapping length used for a file of the given size.
func (m *logMap) mapSizeFor(size int64) int64 {
	if m.reserve == 0 { // a read-only File: exactly the file
		return roundUpPage(size)
	}
	n := size + m.reserve
	if n < 2*size {
		n = 2 * size
	}
	return roundUpPage(n)
}

// open maps the file for the first time.
func (m *logMap) open(f *os.File, reserve, size int64) error {
	m.f = f
	m.reserve = reserve
	b, err := mmap.MapRegion(f, int(m.mapSizeFor(size)), mmap.RDONLY, 0, 0)
	if err != nil {
		return fmt.Errorf("fsstore: mmap %s: %w", f.Name(), err)
	}
	m.cur = b
	return nil
}

// covers reports whether the live mapping reaches size.
func (m *logMap) covers(size int64) bool { return int64(len(m.cur)) >= size }

// grow replaces the live mapping by one that covers size. The old one is
// retired, not unmapped. The caller publishes m.cur to readers under its
// own lock.
func (m *logMap) grow(size int64) error {
	if m.covers(size) {
		return nil
	}
	b, err := mmap.MapRegion(m.f, int(m.mapSizeFor(size)), mmap.RDONLY, 0, 0)
	if err != nil {
		return fmt.Errorf("fsstore: remap %s to %d bytes: %w", m.f.Name(), m.mapSizeFor(size), err)
	}
	m.retired = append(m.retired, m.cur)
	m.cur = b
	return nil
}

// close unmaps everything. No reader may run.
func (m *logMap) close() error {
	var first error
	for i := range m.retired {
		if err := m.retired[i].Unmap(); err != nil && first == nil {
			first = err
		}
	}
	m.retired = nil
	if m.cur != nil {
		if err := m.cur.Unmap(); err != nil && first == nil {
			first = err
		}
		m.cur = nil
	}
	return first
}
