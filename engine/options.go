// Server options: a documented struct whose zero value works.

package engine

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"
)

// Options configure a Server. The zero value serves with the defaults
// shown on each field.
type Options struct {
	// Msgpack makes the server greet ZEO clients with "M5" rather than
	// "Z5" (ZEO's msgpack option). gozeo clients work either way.
	Msgpack bool
	// ReadOnly makes every connection read-only; pack is still allowed.
	ReadOnly bool
	// Loops is the number of event loops; default GOMAXPROCS.
	Loops int
	// MaxFrameSize bounds a client's frame; a larger length prefix closes
	// the connection before anything is read into memory. Default 64 MiB.
	MaxFrameSize uint32
	// MaxConnections bounds open connections; more are refused with a log
	// line. Default 10,000.
	MaxConnections int
	// OutputLimit bounds the bytes waiting to be sent to one client; a
	// client that stops reading is disconnected past it. Default 64 MiB.
	OutputLimit int
	// MaxPending bounds requests of one connection waiting for a worker;
	// past it the connection's input is not read further until they are
	// answered. Default 256.
	MaxPending int
	// TransactionTimeout disconnects a client that holds commit locks
	// longer than this after its vote without sending tpc_finish or
	// tpc_abort, aborting its transaction (a transaction whose finish has
	// arrived and waits for an earlier one is not timed out). 0 = no
	// timeout (ZEO's default).
	TransactionTimeout time.Duration
	// InvalidationQueueSize is the number of recent transactions kept for
	// quick cache verification. Default 100.
	InvalidationQueueSize int
	// InvalidationAge, when set, lets getInvalidations replay older
	// transactions by iterating the storage, for clients whose last tid is
	// younger than this.
	InvalidationAge time.Duration
	// Workers is the number of goroutines serving loads and other reads
	// that may block. Default 8 × GOMAXPROCS.
	Workers int
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// DefaultOptions returns the defaults, filled in.
func DefaultOptions() Options {
	var o Options
	o.withDefaults()
	return o
}

func (o *Options) withDefaults() {
	if o.Loops <= 0 {
		o.Loops = runtime.GOMAXPROCS(0)
	}
	if o.MaxFrameSize == 0 {
		o.MaxFrameSize = 64 << 20
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = 10000
	}
	if o.OutputLimit <= 0 {
		o.OutputLimit = 64 << 20
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 256
	}
	if o.InvalidationQueueSize <= 0 {
		o.InvalidationQueueSize = 100
	}
	if o.Workers <= 0 {
		o.Workers = 8 * runtime.GOMAXPROCS(0)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Validate reports options that cannot work.
func (o *Options) Validate() error {
	var errs []error
	if o.MaxFrameSize != 0 && o.MaxFrameSize < 64 {
		errs = append(errs, fmt.Errorf("engine: MaxFrameSize %d is below 64 bytes", o.MaxFrameSize))
	}
	if o.TransactionTimeout < 0 {
		errs = append(errs, fmt.Errorf("engine: negative TransactionTimeout %v", o.TransactionTimeout))
	}
	if o.InvalidationAge < 0 {
		errs = append(errs, fmt.Errorf("engine: negative InvalidationAge %v", o.InvalidationAge))
	}
	return errors.Join(errs...)
}
