// Stats and the read-only accessors: LastTid, Len, Policy, Path.

package cache

import "github.com/gozeo/gozeo/proto"

// Stats are a cache's counters since it was opened.
type Stats struct {
	Hits          int64 // loads served (current or non-current)
	Misses        int64 // loads not served
	Stores        int64 // records written (excluding no-op duplicates)
	Evictions     int64 // records evicted to make room
	Invalidations int64 // current records invalidated or dropped
	Rejected      int64 // stores refused by the policy's admission test
	TooBig        int64 // stores not cached because the record exceeds the file
	Corrupt       int64 // records dropped because a checksum or field failed
	Rearranged    int64 // hit records copied forward (FIFO rearrangement)
	BytesUsed     int64 // bytes held by records, headers included
	Size          int64 // the file size
	Objects       int   // records held (current and non-current)
}

// LastTid returns the last tid recorded with SetLastTid (ZeroTid if none).
func (c *Cache) LastTid() proto.Tid {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastTid
}

// Len returns the number of records cached (current and non-current).
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idx.len()
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.st
	s.BytesUsed = c.bytesUsed
	s.Size = c.size
	s.Objects = c.idx.len()
	return s
}

// Policy returns the cache's policy.
func (c *Cache) Policy() Policy { return c.policy }

// Path returns the cache file's path ("" when transient or in memory).
func (c *Cache) Path() string { return c.path }
