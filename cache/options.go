// Options: the documented configuration struct whose zero value works.

package cache

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// Size limits.
const (
	DefaultSize = 20 << 20 // ZEO's ClientStorage default cache_size
	MinSize     = 4096
	MaxSize     = 1 << 46
)

// TraceEnv names the environment variable that turns on tracing when
// Options.TracePath is empty: its value is the trace file's path.
const TraceEnv = "GOZEO_CACHE_TRACE"

// Options configure a cache. The zero value (or nil) means DefaultOptions.
type Options struct {
	// Size is the cache file's size in bytes, header included; rounded
	// down to a multiple of 8. Default 20 MB. An existing file of another
	// size is resized (see doc.go).
	Size int64
	// Policy chooses which records the ring keeps: FIFO (nil, the default)
	// or TinyLFU. See ParsePolicy.
	Policy Policy
	// Logger receives repairs, discarded files and trace problems.
	// Default: discard.
	Logger *slog.Logger
	// TracePath appends every cache event to this file in ZEO's trace
	// format. "" means the path in $GOZEO_CACHE_TRACE when that is set
	// (file-backed caches only), else no tracing.
	TracePath string

	traceClock func() int64 // tests: trace timestamps
}

// DefaultOptions are the options used for a nil *Options.
var DefaultOptions = Options{Size: DefaultSize}

// withDefaults returns a copy with every zero field filled in.
func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Size == 0 {
		r.Size = DefaultSize
	}
	r.Size &^= align - 1
	if r.Policy == nil {
		r.Policy = FIFO
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r
}

// Validate reports whether the options are usable (after defaults).
func (o *Options) Validate() error {
	r := o.withDefaults()
	if r.Size < MinSize || r.Size > MaxSize {
		return fmt.Errorf("%w: size %d outside [%d, %d]", ErrBadOptions, r.Size, MinSize, int64(MaxSize))
	}
	return nil
}

// tracePath resolves the trace file for a cache (file-backed or not).
func (o *Options) tracePath(fileBacked bool) string {
	if o.TracePath != "" || !fileBacked {
		return o.TracePath
	}
	return os.Getenv(TraceEnv)
}

// ParsePolicy returns the policy named s: "fifo" or "tinylfu" (any case).
func ParsePolicy(s string) (Policy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fifo", "":
		return FIFO, nil
	case "tinylfu":
		return TinyLFU, nil
	}
	return nil, fmt.Errorf("%w: unknown cache policy %q (want fifo or tinylfu)", ErrBadOptions, s)
}

// Policies lists the built-in policies, FIFO first.
func Policies() []Policy { return []Policy{FIFO, TinyLFU} }
