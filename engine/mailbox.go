// Per-event-loop mailboxes: how goroutines other than the loop hand bytes
// to connections, in order, with one wakeup per batch.

package engine

import (
	"context"
	"sync"

	"github.com/panjf2000/gnet/v2"
)

// outOp is one thing to do on a connection from its event loop.
type outOp struct {
	c     *conn
	buf   []byte  // bytes to write (shared buffers are never modified)
	owned *outBuf // pooled buffer to release once written, or nil
	close bool    // close the connection after earlier writes
}

// mailbox queues outOps for the connections of one event loop. Producers
// append under mu; the first append after a flush schedules one Execute on
// the loop, which writes everything queued so far. Ops are carried out in
// the order they were posted, so a producer that posts A before B (for
// example under a lock that orders commits) gets A on the wire first.
type mailbox struct {
	loop      gnet.EventLoop
	mu        sync.Mutex
	queued    []outOp
	running   []outOp
	scheduled bool
	// touched collects the connections written in one flush, so each gets
	// a single writev.
	touched []*conn
}

func newMailbox(loop gnet.EventLoop) *mailbox { return &mailbox{loop: loop} }

// post queues op. It never blocks for long: only mu is taken.
func (m *mailbox) post(op outOp) {
	m.mu.Lock()
	m.queued = append(m.queued, op)
	if m.scheduled {
		m.mu.Unlock()
		return
	}
	m.scheduled = true
	m.mu.Unlock()
	if err := m.loop.Execute(context.Background(), m); err != nil {
		// The engine is shutting down: drop what is queued.
		m.mu.Lock()
		for _, op := range m.queued {
			op.owned.release()
		}
		m.queued = m.queued[:0]
		m.scheduled = false
		m.mu.Unlock()
	}
}

// Run flushes the mailbox; it runs on the event loop (gnet.Runnable).
func (m *mailbox) Run(context.Context) error {
	m.mu.Lock()
	m.running, m.queued = m.queued, m.running[:0]
	m.scheduled = false
	m.mu.Unlock()

	for i := range m.running {
		op := &m.running[i]
		c := op.c
		if c.closedOnLoop {
			continue
		}
		if !c.inFlush {
			c.inFlush = true
			m.touched = append(m.touched, c)
		}
		if len(op.buf) > 0 {
			c.iov = append(c.iov, op.buf)
		}
		if op.close {
			c.closeAfterFlush = true
		}
	}
	for _, c := range m.touched {
		c.inFlush = false
		c.flushIOV()
	}
	clear(m.touched)
	m.touched = m.touched[:0]
	for i := range m.running {
		m.running[i].owned.release()
		m.running[i] = outOp{}
	}
	return nil
}
