// Per-connection state and the writes made from the event loop.

package engine

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/panjf2000/gnet/v2"
)

type connPhase uint8

const (
	phaseHandshake connPhase = iota // greeting sent, waiting for the client's answer
	phaseActive                     // protocol chosen
	phaseClosing                    // a close is under way
)

// conn is one client connection. Fields marked "loop" are touched only on
// the connection's event loop; the rest are guarded as noted.
type conn struct {
	srv    *Server
	gc     gnet.Conn
	mb     *mailbox
	id     uint64
	remote string // client address, for logs
	log    *slog.Logger

	// loop
	phase           connPhase
	codec           codec
	out             []byte   // replies produced by one OnTraffic, written once
	req             request  // scratch for decoding
	iov             [][]byte // writes gathered by a mailbox flush
	inFlush         bool
	closeAfterFlush bool
	closedOnLoop    bool

	// set once at register, read by other goroutines after that (the
	// registration publishes it under storage.connsMu)
	st       *storageState
	readOnly bool
	// regTid is the last tid Register answered: the client already knows
	// every transaction up to it, so publish sends it only later ones.
	// Guarded by st.connsMu.
	regTid proto.Tid
	// compressed: the client accepts records as stored (compressed ones
	// included); otherwise it is served the plain view.
	compressed bool

	closed  atomic.Bool
	pending atomic.Int32 // requests handed to workers and not answered yet

	mu     sync.Mutex // guards txn, iters, label
	txn    *txnState
	iters  map[uint64]*iterState
	nextIt uint64
	label  string

	opened time.Time
}

// post queues bytes for this connection from any goroutine.
func (c *conn) post(buf []byte, owned *outBuf) {
	c.mb.post(outOp{c: c, buf: buf, owned: owned})
}

// postClose queues a close after everything posted before it.
func (c *conn) postClose() { c.mb.post(outOp{c: c, close: true}) }

// flushIOV writes what a mailbox flush gathered, in one writev. It runs on
// the loop.
func (c *conn) flushIOV() {
	if len(c.iov) > 0 && !c.closedOnLoop {
		if len(c.iov) == 1 {
			_, _ = c.gc.Write(c.iov[0])
		} else {
			_, _ = c.gc.Writev(c.iov)
		}
		c.checkOutputLimit()
	}
	clear(c.iov)
	c.iov = c.iov[:0]
	if c.closeAfterFlush && !c.closedOnLoop {
		c.closeAfterFlush = false
		_ = c.gc.Close()
	}
}

// flushOut writes the replies one OnTraffic produced. It runs on the loop.
func (c *conn) flushOut() {
	if len(c.out) == 0 {
		return
	}
	_, _ = c.gc.Write(c.out)
	if cap(c.out) > 1<<20 {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	c.checkOutputLimit()
}

// checkOutputLimit disconnects a client that does not read its replies
// fast enough to keep the server's buffer for it under the limit.
func (c *conn) checkOutputLimit() {
	limit := c.srv.opts.OutputLimit
	if n := c.gc.OutboundBuffered(); n > limit && !c.closedOnLoop {
		c.log.Warn("client does not read its replies: disconnecting",
			"buffered", n, "limit", limit)
		c.srv.stats.outputLimitCloses.Add(1)
		_ = c.gc.Close()
		c.closedOnLoop = true
	}
}

// remoteAddrString formats a gnet connection's peer address.
func remoteAddrString(gc gnet.Conn) string {
	if a := gc.RemoteAddr(); a != nil {
		if s := a.String(); s != "" {
			return s
		}
	}
	return "unix"
}

// storage is the view of the registered storage this client is served:
// records as stored, or decompressed.
func (c *conn) storage() Storage {
	if c.compressed {
		return c.st.st
	}
	return c.st.plain
}
