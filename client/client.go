// The Client type: Open, Close, waiting for a connection, and the
// accessors answered locally.

package client

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

// Client is a ZEO ClientStorage speaking gozeo's native protocol: a
// connection (with failover and reconnection) to servers sharing one
// storage, and a cache in front of it. All methods are safe for concurrent
// use; see doc.go for the contract.
type Client struct {
	opts  Options
	addrs []string
	log   *slog.Logger
	cache *cache.Cache

	ctx         context.Context // ends at Close
	cancel      context.CancelFunc
	managerDone chan struct{}

	cur    atomic.Pointer[conn] // the current connection; nil while disconnected
	closed atomic.Bool

	mu      sync.Mutex    // guards the fields below, and cur's changes
	stateCh chan struct{} // closed and replaced whenever cur changes
	lastErr error         // why the client is not connected, for errors
	info    proto.StorageInfo
	tidCh   chan struct{} // closed when the last tid advances, if tidWaiting

	tidWaiting atomic.Bool // a Sync waits for the last tid to advance

	commitMu sync.Mutex // one transaction at a time (ZEO's _commit_lock)
	txnSeq   atomic.Uint64
	txnBufs  txnBufs // the last transaction's buffers, for the next (commitMu)

	oidMu  sync.Mutex
	oids   []proto.Oid // prefetched new oids
	oidBuf []proto.Oid

	loadMu  sync.Mutex
	loading map[loadKey]*waiter // outstanding loads, shared by identical callers

	// noCache makes loads bypass the cache (tests and benchmarks of the
	// round trip).
	noCache bool
}

// Open starts a client of the servers at addrs ("host:port", "[ipv6]:port"
// or a unix socket path, which contains a slash), all assumed to serve the
// same storage. It opens the cache and starts connecting in the
// background; unless opts.NoWait it waits, at most opts.WaitTimeout or
// until ctx ends, for a connection to be verified and fails with
// ErrDisconnected (wrapped with the last attempt's error) when none is.
func Open(ctx context.Context, addrs []string, opts *Options) (*Client, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: no server address", ErrBadOptions)
	}
	o := opts.withDefaults()
	log := o.Logger
	if o.Name != "" {
		log = log.With("client", o.Name)
	}
	ch, err := cache.Open(o.cachePath(), &cache.Options{Size: o.CacheSize, Policy: o.CachePolicy, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	c := &Client{
		opts:        o,
		addrs:       append([]string(nil), addrs...),
		log:         log,
		cache:       ch,
		managerDone: make(chan struct{}),
		stateCh:     make(chan struct{}),
		loading:     make(map[loadKey]*waiter),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	go c.run()
	if o.NoWait {
		return c, nil
	}
	if _, err := c.waitConn(ctx); err != nil {
		c.Close()
		return nil, opErr("", "open", err)
	}
	return c, nil
}

// broadcastLocked wakes everyone waiting for a change of connection.
// REQUIRES: c.mu held.
func (c *Client) broadcastLocked() {
	close(c.stateCh)
	c.stateCh = make(chan struct{})
}

// acquire returns the current connection, waiting for one while
// disconnected (see waitConn).
func (c *Client) acquire(ctx context.Context) (*conn, error) {
	if cn := c.cur.Load(); cn != nil {
		return cn, nil
	}
	return c.waitConn(ctx)
}

// waitConn waits up to WaitTimeout (or until ctx, which may be nil, ends)
// for a connection. Its error wraps ErrDisconnected (or ErrClosed) and
// says why the last attempt failed.
func (c *Client) waitConn(ctx context.Context) (*conn, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	timer := time.NewTimer(c.opts.WaitTimeout)
	defer timer.Stop()
	for {
		if c.closed.Load() {
			return nil, ErrClosed
		}
		c.mu.Lock()
		cn, ch := c.cur.Load(), c.stateCh
		c.mu.Unlock()
		if cn != nil {
			return cn, nil
		}
		select {
		case <-ch:
		case <-timer.C:
			c.mu.Lock()
			last := c.lastErr
			c.mu.Unlock()
			if last != nil {
				return nil, fmt.Errorf("%w (no connection within %v; last error: %w)", ErrDisconnected, c.opts.WaitTimeout, last)
			}
			return nil, fmt.Errorf("%w (no connection within %v)", ErrDisconnected, c.opts.WaitTimeout)
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrDisconnected, ctx.Err())
		}
	}
}

// Close disconnects, fails outstanding calls with ErrClosed, stops the
// background goroutines and closes the cache (a persistent cache keeps
// its contents and last tid for the next Open). A transaction in progress
// is aborted by the server when the connection closes.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return ErrClosed
	}
	c.cancel()
	c.mu.Lock()
	cn := c.cur.Load()
	c.cur.Store(nil)
	c.broadcastLocked()
	c.mu.Unlock()
	if cn != nil {
		cn.close(ErrClosed)
	}
	<-c.managerDone
	if err := c.cache.Close(); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	return nil
}

// Connected reports whether the client has a verified connection.
func (c *Client) Connected() bool { return c.cur.Load() != nil }

// Addr returns the address of the current server, "" while disconnected.
func (c *Client) Addr() string {
	if cn := c.cur.Load(); cn != nil {
		return cn.addr
	}
	return ""
}

// ReadOnly reports whether the current connection is read-only (while
// disconnected: whether the client was opened read-only).
func (c *Client) ReadOnly() bool {
	if cn := c.cur.Load(); cn != nil {
		return cn.readOnly
	}
	return c.opts.ReadOnly
}

// LastTransaction returns the last transaction the client knows of: the
// cache's last tid, answered locally as ZEO does. Every invalidation up to
// it has been applied (and passed to OnInvalidate).
func (c *Client) LastTransaction() proto.Tid { return c.cache.LastTid() }

// Info returns the storage's description, fetched at connect and updated
// by the server's info pushes.
func (c *Client) Info() proto.StorageInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// CacheStats returns the cache's counters.
func (c *Client) CacheStats() cache.Stats { return c.cache.Stats() }
