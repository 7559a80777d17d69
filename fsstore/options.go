// Options of Open: defaults and validation.

package fsstore

import (
	"errors"
	"io"
	"log/slog"
	"time"
)

// Options configure Open. The zero value (or a nil *Options) works: a
// writable store that creates the file when it is missing.
type Options struct {
	// ReadOnly opens without writing anything: no lock file, no index
	// file, no truncation of a damaged tail (the store just ends there).
	ReadOnly bool
	// Create starts a new, empty database: an existing file is truncated
	// (like ZODB's create=True), and its index and oid files are removed.
	Create bool
	// Logger receives warnings (recovery, ignored index files, incorrect
	// previous pointers). Nil discards them.
	Logger *slog.Logger
	// NoIndex neither reads nor writes our index file: every open scans
	// the whole log. For tests and benchmarks.
	NoIndex bool
	// MapReserve is the virtual size mapped for the log, beyond its end,
	// so that the mapping does not have to be replaced as the file grows.
	// Zero means DefaultOptions.MapReserve. The mapping is always at least
	// twice the file size.
	MapReserve int64
	// OIDBlock is how many oids one fsync of the Data.fs.oids high-water
	// mark reserves. Zero means DefaultOptions.OIDBlock.
	OIDBlock int
	// Progress, when set, is called during full scans at open with the
	// bytes scanned so far and the total.
	Progress func(done, total int64)
	// Now is the clock used for new transaction ids. Nil means time.Now.
	Now func() time.Time
}

// DefaultOptions holds the values used for zero fields.
var DefaultOptions = Options{
	MapReserve: 1 << 30,
	OIDBlock:   1024,
}

// minMapReserve keeps tiny reserves (used by tests to force remapping)
// at one page.
const minMapReserve = 4096

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MapReserve == 0 {
		r.MapReserve = DefaultOptions.MapReserve
	}
	if r.MapReserve < minMapReserve {
		r.MapReserve = minMapReserve
	}
	if r.OIDBlock == 0 {
		r.OIDBlock = DefaultOptions.OIDBlock
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

// Validate reports options that cannot work together.
func (o *Options) Validate() error {
	if o == nil {
		return nil
	}
	if o.ReadOnly && o.Create {
		return errors.New("fsstore: options: cannot create a read-only file")
	}
	if o.MapReserve < 0 {
		return errors.New("fsstore: options: negative MapReserve")
	}
	if o.OIDBlock < 0 {
		return errors.New("fsstore: options: negative OIDBlock")
	}
	return nil
}
