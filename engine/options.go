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
	// Loops is the number of event loops; default GOMAXPROCS-1 (at least
	// 1). A loop waits for input inside epoll_wait, a system call during
	// which the Go scheduler counts its P as busy until sysmon takes it
	// back (20 µs to 10 ms later); with one loop per P, every P can sit in
	// such a wait while workers (commits, cold loads, publishing) or, in a
	// process that also runs clients, the clients are runnable. Leaving one
	// P to them measured 1.4-2x the loads/s of one loop per P on 2 cores
	// with clients in the process, and the same or better tail latency
	// with the server alone (PERFORMANCE.md).
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
		o.Loops = max(1, runtime.GOMAXPROCS(0)-1)
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
