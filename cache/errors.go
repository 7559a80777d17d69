// Error values: sentinels and the typed errors carrying file and position.

package cache

import (
	"errors"
	"fmt"

	"github.com/gozeo/gozeo/proto"
)

var (
	// ErrClosed is returned by every method of a closed cache.
	ErrClosed = errors.New("cache: closed")
	// ErrLocked means another process (or another Cache in this one) holds
	// the cache file's lock file.
	ErrLocked = errors.New("cache: cache file is in use by another process")
	// ErrCurrentConflict is ZEO's "already have current data for oid": a
	// current revision is stored while one with a different start tid is
	// cached. The caller must invalidate first.
	ErrCurrentConflict = errors.New("cache: already have current data for oid with a different start tid")
	// ErrTidNotIncreasing is SetLastTid with a tid below the last one while
	// the cache holds records.
	ErrTidNotIncreasing = errors.New("cache: new last tid must be greater than the previous one")
	// ErrBadRange is a non-current store whose end tid is not after its
	// start tid.
	ErrBadRange = errors.New("cache: end tid must be greater than start tid")
	// ErrCorrupt marks damage found in a cache file; match it with
	// errors.Is. Damage found at open is repaired (records dropped, or the
	// file replaced) and logged, never returned; Check returns it.
	ErrCorrupt = errors.New("cache: corrupt cache file")
	// ErrBadOptions marks an invalid Options value.
	ErrBadOptions = errors.New("cache: bad options")
)

// OpError is a failed operation on one object.
type OpError struct {
	Op  string // "store", "invalidate", "set last tid"
	Oid proto.Oid
	Err error
}

func (e *OpError) Error() string {
	return fmt.Sprintf("cache: %s oid %s: %v", e.Op, e.Oid.Repr(), e.Err)
}

func (e *OpError) Unwrap() error { return e.Err }

// CorruptError describes damage at a position of a cache file. It matches
// ErrCorrupt with errors.Is.
type CorruptError struct {
	Path   string // "" for a transient or in-memory cache
	Off    int64  // byte offset of the damaged block or field; -1 for none
	Oid    proto.Oid
	HasOid bool
	Reason string
}

func (e *CorruptError) Error() string {
	path := e.Path
	if path == "" {
		path = "(transient)"
	}
	if e.HasOid {
		return fmt.Sprintf("cache: %s: block @%d (oid %s): %s", path, e.Off, e.Oid.Repr(), e.Reason)
	}
	if e.Off < 0 {
		return fmt.Sprintf("cache: %s: %s", path, e.Reason)
	}
	if e.Off < headerSize {
		return fmt.Sprintf("cache: %s: header @%d: %s", path, e.Off, e.Reason)
	}
	return fmt.Sprintf("cache: %s: block @%d: %s", path, e.Off, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }
