// The connection manager: rounds of concurrent attempts on every address,
// backoff between rounds, and the read-only client's search for a
// writable server.

package client

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"
)

// errRetired is the shutdown cause of a connection the client replaced.
var errRetired = errors.New("client: connection replaced by a writable one")

// drainTimeout bounds how long a retired connection's outstanding calls
// may take before it is closed under them.
const drainTimeout = 5 * time.Second

// run is the manager goroutine: connect, serve until the connection is
// lost (or replaced), reconnect.
func (c *Client) run() {
	defer close(c.managerDone)
	delay := c.opts.MinDisconnectPoll
	preferWritable := false
	lastMsg := ""
	for c.ctx.Err() == nil {
		cn, err := c.connectRound(preferWritable)
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			c.mu.Lock()
			c.lastErr = err
			c.mu.Unlock()
			pause := jitter(delay)
			// Warn when the reason changes; repeats go to Debug.
			level := slog.LevelDebug
			if msg := err.Error(); msg != lastMsg {
				level, lastMsg = slog.LevelWarn, msg
			}
			c.log.Log(c.ctx, level, "no usable server", "err", err.Error(), "retry_in", pause.String())
			if !c.sleep(pause) {
				return
			}
			delay = min(delay*2, c.opts.MaxDisconnectPoll)
			continue
		}
		delay, lastMsg = c.opts.MinDisconnectPoll, ""
		preferWritable = c.serve(cn)
	}
}

// jitter returns a pause between half and all of d.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// sleep pauses for d; false when the client closes meanwhile.
func (c *Client) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

type attemptResult struct {
	cn  *conn
	err error
}

// connectRound tries every address concurrently and returns the first
// connection that registers and passes verification, now current. A
// writable connection is verified as soon as it registers; a read-only one
// (fallback) too, unless preferWritable, when it waits until every attempt
// has answered without a writable one. A connection that fails
// verification (a server behind the cache) is closed and the round goes on
// with the other addresses.
func (c *Client) connectRound(preferWritable bool) (*conn, error) {
	actx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	results := make(chan attemptResult, len(c.addrs))
	for _, addr := range c.addrs {
		go func() {
			cn, err := c.attempt(actx, addr, false)
			results <- attemptResult{cn, err}
		}()
	}
	var (
		errs   []error
		queue  []*conn // registered, not yet verified
		left   = len(c.addrs)
		closeQ = func(cause error) {
			for _, cn := range queue {
				cn.close(cause)
			}
		}
	)
	for {
		cn := c.pick(&queue, preferWritable && left > 0)
		if cn == nil {
			if left == 0 {
				break
			}
			r := <-results
			left--
			if r.err != nil {
				errs = append(errs, r.err)
			} else {
				queue = append(queue, r.cn)
			}
			continue
		}
		vctx, vcancel := context.WithTimeout(c.ctx, max(c.opts.DialTimeout, c.opts.WaitTimeout))
		err := c.verify(vctx, cn)
		vcancel()
		if err != nil {
			errs = append(errs, err)
			cn.close(err)
			continue
		}
		closeQ(errRetired)
		if left > 0 { // attempts still running: cancel them, close what they open
			cancel()
			go func(n int) {
				for ; n > 0; n-- {
					if r := <-results; r.cn != nil {
						r.cn.close(errRetired)
					}
				}
			}(left)
		}
		return cn, nil
	}
	closeQ(errRetired)
	if c.ctx.Err() != nil {
		return nil, ErrClosed
	}
	return nil, errors.Join(errs...)
}

// pick takes the next connection to verify out of queue: a writable one
// first, else a read-only one unless waitWritable.
func (c *Client) pick(queue *[]*conn, waitWritable bool) *conn {
	q := *queue
	for i, cn := range q {
		if !cn.readOnly || c.opts.ReadOnly {
			*queue = append(q[:i:i], q[i+1:]...)
			return cn
		}
	}
	if len(q) == 0 || waitWritable {
		return nil
	}
	*queue = q[1:]
	return q[0]
}

// serve waits while cn is the current connection. A read-only connection
// of a ReadOnlyFallback client meanwhile probes the addresses for a
// writable server every MinDisconnectPoll; when one answers, cn is retired
// and serve returns true so that the next round prefers writable servers.
func (c *Client) serve(cn *conn) (preferWritable bool) {
	if !cn.readOnly || !c.opts.ReadOnlyFallback {
		select {
		case <-cn.done:
		case <-c.ctx.Done():
		}
		return false
	}
	t := time.NewTicker(c.opts.MinDisconnectPoll)
	defer t.Stop()
	for {
		select {
		case <-cn.done:
			return false
		case <-c.ctx.Done():
			return false
		case <-t.C:
			if addr, ok := c.probeWritable(); ok {
				c.log.Info("writable server found; leaving the read-only one", "writable", addr, "read_only", cn.addr)
				c.retire(cn)
				return true
			}
		}
	}
}

// probeWritable tries to register writable on every address concurrently
// and closes what it opens: the real connection is made by the next round,
// after the read-only one is retired, so that verification starts from a
// cache nobody else changes.
func (c *Client) probeWritable() (string, bool) {
	results := make(chan attemptResult, len(c.addrs))
	for _, addr := range c.addrs {
		go func() {
			cn, err := c.attempt(c.ctx, addr, true)
			results <- attemptResult{cn, err}
		}()
	}
	found := ""
	for range c.addrs {
		r := <-results
		if r.cn != nil {
			if found == "" {
				found = r.cn.addr
			}
			r.cn.close(errRetired)
		}
	}
	return found, found != ""
}

// retire takes cn out of service: new calls wait for the next connection,
// outstanding ones get up to drainTimeout to finish, then cn is closed.
func (c *Client) retire(cn *conn) {
	c.mu.Lock()
	if c.cur.Load() == cn {
		c.cur.Store(nil)
		c.broadcastLocked()
	}
	c.mu.Unlock()
	deadline := time.Now().Add(drainTimeout)
	for cn.pendingCount() > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cn.close(errRetired)
}
