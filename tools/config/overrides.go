// Command-line overrides: runzeo's flags applied on top of the file.

package config

import (
	"fmt"
	"strconv"
	"time"
)

// Overrides are runzeo's command-line options. The zero value overrides
// nothing.
type Overrides struct {
	// Address is -a ADDRESS: replaces the <zeo> address.
	Address string
	// Filenames are -f FILENAME, in order: each adds a <filestorage> named
	// after its position among the storages ("1" when it is the only one),
	// as runzeo does.
	Filenames []string
	// ReadOnly is -r: makes the server read-only (it cannot turn it off).
	ReadOnly bool
	// TransactionTimeout is -t TIMEOUT (seconds); nil keeps the file's.
	TransactionTimeout *time.Duration
	// InvalidationQueueSize is --invalidation-queue-size; nil keeps the
	// file's.
	InvalidationQueueSize *int
}

// Apply puts the overrides on top of c. Errors name the flag.
func (c *Config) Apply(o Overrides) error {
	if o.Address != "" {
		a, err := ParseAddress(o.Address)
		if err != nil {
			return fmt.Errorf("%w: -a %q: %v", ErrInvalid, o.Address, err)
		}
		c.ZEO.Address = a
	}
	if o.ReadOnly {
		c.ZEO.ReadOnly = true
	}
	if o.TransactionTimeout != nil {
		if *o.TransactionTimeout < 0 {
			return fmt.Errorf("%w: -t: negative timeout %v", ErrInvalid, *o.TransactionTimeout)
		}
		c.ZEO.TransactionTimeout = *o.TransactionTimeout
	}
	if o.InvalidationQueueSize != nil {
		if *o.InvalidationQueueSize < 0 {
			return fmt.Errorf("%w: --invalidation-queue-size: negative size %d", ErrInvalid, *o.InvalidationQueueSize)
		}
		c.ZEO.InvalidationQueueSize = *o.InvalidationQueueSize
	}
	for i, f := range o.Filenames {
		if f == "" {
			return fmt.Errorf("%w: -f: empty file name", ErrInvalid)
		}
		name := strconv.Itoa(len(c.Storages) + 1)
		for _, s := range c.Storages {
			if s.Name == name {
				return fmt.Errorf("%w: -f %s: storage name %q is already used by %s", ErrInvalid, f, name, s.Source)
			}
		}
		st := defaultStorage(name)
		st.Path = f
		st.Source = fmt.Sprintf("-f #%d", i+1)
		c.Storages = append(c.Storages, st)
	}
	return nil
}
