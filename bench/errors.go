// Error values of the load tool.

package bench

import (
	"errors"
	"fmt"
)

var (
	// ErrBadOptions marks an invalid Options value.
	ErrBadOptions = errors.New("bench: bad options")
	// ErrMissingKeys means an existing database lacks the key space.
	ErrMissingKeys = errors.New("bench: the database lacks the key space")
	// ErrStalled means an operation did not complete in time (a fan-out
	// invalidation that never arrived).
	ErrStalled = errors.New("bench: operation stalled")
)

// WorkerError is a worker that failed: which workload, which worker, what
// it was doing, and why.
type WorkerError struct {
	Workload string
	Worker   int
	Op       string
	Err      error
}

func (e *WorkerError) Error() string {
	return fmt.Sprintf("bench: %s worker %d: %s: %v", e.Workload, e.Worker, e.Op, e.Err)
}

func (e *WorkerError) Unwrap() error { return e.Err }
