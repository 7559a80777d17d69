// Sync and Close: flushing the mapping and the trace, releasing the lock.

package cache

import (
	"errors"
	"fmt"
)

// Sync writes the mapping and the trace buffer to disk (msync). Close
// does it too; the header's last tid is otherwise written back by the
// kernel in its own time, as ZEO's flush-without-fsync is.
func (c *Cache) Sync() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.flushTraceLocked()
	if c.mm != nil {
		return c.mm.Flush()
	}
	return nil
}

// Close flushes and unmaps the file, closes the trace and releases the
// lock. A transient cache's file is gone afterwards. Close is idempotent.
func (c *Cache) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	c.closeTraceLocked()
	var errs []error
	if c.mm != nil {
		if !c.transient {
			errs = append(errs, c.mm.Flush())
		}
		errs = append(errs, c.mm.Unmap())
		c.mm = nil
	}
	c.buf = nil
	if c.file != nil {
		errs = append(errs, c.file.Close())
	}
	if c.lockf != nil {
		errs = append(errs, c.lockf.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cache: close %s: %w", c.path, err)
	}
	return nil
}
