// The gnet event handler: connection lifecycle and the frame loop.

package engine

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

type handler struct {
	gnet.BuiltinEventEngine
	srv        *Server
	protoAddrs []string
	ready      sync.Once
}

func (h *handler) OnBoot(eng gnet.Engine) gnet.Action {
	s := h.srv
	s.eng = eng
	s.addrs = boundAddrs(eng, h.protoAddrs)
	return gnet.None
}

// OnTick runs first once gnet has registered and started its event loops
// (OnBoot runs before): only then is the server ready, so that ServeConn
// (which asks gnet's load balancer for a loop) never races with the
// registration. Later ticks have nothing to do.
func (h *handler) OnTick() (time.Duration, gnet.Action) {
	h.ready.Do(func() { close(h.srv.booted) })
	return time.Hour, gnet.None
}

// boundAddrs asks the kernel which addresses the listeners got.
func boundAddrs(eng gnet.Engine, protoAddrs []string) []net.Addr {
	var out []net.Addr
	for _, pa := range protoAddrs {
		network, addr, _ := strings.Cut(pa, "://")
		fd, err := eng.DupListener(network, addr)
		if err != nil {
			continue
		}
		sa, err := unix.Getsockname(fd)
		unix.Close(fd)
		if err != nil {
			continue
		}
		switch a := sa.(type) {
		case *unix.SockaddrInet4:
			out = append(out, &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port})
		case *unix.SockaddrInet6:
			out = append(out, &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port})
		case *unix.SockaddrUnix:
			out = append(out, &net.UnixAddr{Name: a.Name, Net: "unix"})
		}
	}
	return out
}

// OnShutdown runs once every event loop and connection is closed.
func (h *handler) OnShutdown(gnet.Engine) { close(h.srv.shutdown) }

func (h *handler) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	s := h.srv
	remote := remoteAddrString(gc)
	if e, ok := gc.Context().(enrolled); ok {
		remote = e.peer
	}
	if s.stopping.Load() {
		return nil, gnet.Close
	}
	if n := s.conns.Add(1); n > int64(s.opts.MaxConnections) {
		s.conns.Add(-1)
		s.stats.refusedConns.Add(1)
		s.log.Warn("too many connections: refusing client", "client", remote, "limit", s.opts.MaxConnections)
		return nil, gnet.Close
	}
	c := &conn{
		srv:    s,
		gc:     gc,
		mb:     s.mailboxFor(gc.EventLoop()),
		id:     s.nextID.Add(1),
		remote: remote,
		opened: s.opts.Now(),
	}
	c.log = s.log.With("client", remote, "conn", c.id)
	gc.SetContext(c)
	c.log.Debug("client connected")
	return greeting(s.opts.Msgpack), gnet.None
}

func (h *handler) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok {
		return gnet.None
	}
	c.closedOnLoop = true
	if c.closed.Swap(true) {
		return gnet.None
	}
	h.srv.conns.Add(-1)
	if err != nil {
		c.log.Info("client disconnected", "reason", err.Error())
	} else {
		c.log.Info("client disconnected")
	}
	h.srv.connClosed(c)
	return gnet.None
}

// OnTraffic decodes every complete frame, answers what can be answered
// without blocking, hands the rest to workers, and writes the replies it
// produced in one write.
func (h *handler) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*conn)
	if !ok || c.closedOnLoop {
		return gnet.Close
	}
	s := h.srv
	// Write what other goroutines queued for this loop first: an
	// invalidation queued before this input arrived goes out before the
	// replies to it, so a ping answered here (ZEO's sync) comes after every
	// invalidation already committed. Replies computed below are never
	// older than what was queued before.
	c.mb.Run(nil)
	action := gnet.None
	for {
		if int(c.pending.Load()) >= s.opts.MaxPending {
			// Workers are behind for this client: leave the rest of its
			// input buffered; the last worker reply wakes the connection.
			if gc.InboundBuffered() > int(s.opts.MaxFrameSize)+s.opts.OutputLimit {
				c.log.Warn("client input backlog over the limit: disconnecting", "buffered", gc.InboundBuffered())
				action = gnet.Close
			}
			break
		}
		hdr, err := gc.Peek(4)
		if err != nil {
			break
		}
		size := binary.BigEndian.Uint32(hdr)
		if size == 0 || size > s.opts.MaxFrameSize {
			s.stats.refusedFrames.Add(1)
			c.log.Warn("refusing frame", "length", size, "max", s.opts.MaxFrameSize)
			c.out = c.appendProtocolError(c.out, fmt.Sprintf("frame length %d outside 1..%d", size, s.opts.MaxFrameSize))
			action = gnet.Close
			break
		}
		frame, err := gc.Peek(4 + int(size))
		if err != nil {
			break
		}
		keep := c.handleFrame(frame[4:])
		_, _ = gc.Discard(4 + int(size))
		if !keep {
			action = gnet.Close
			break
		}
		if len(c.out) > min(s.opts.OutputLimit, flushEarly) {
			// Replies pile up faster than one write per OnTraffic lets
			// them go: write now, so that a client that does not read is
			// dropped at the output limit, not after answering all of its
			// input (pipelined loads of a big object would otherwise hold
			// the loop and any amount of memory), and so that c.out never
			// grows far past flushEarly: growing it to the output limit
			// (20 MB by copying and reallocating, then the garbage) held
			// the loop for 150-200 ms.
			c.flushOut()
			if c.closedOnLoop {
				break
			}
		}
	}
	c.flushOut()
	if c.closedOnLoop {
		return gnet.Close
	}
	return action
}

// flushEarly is how many bytes of replies one OnTraffic gathers before it
// writes them; a read of many pipelined small requests stays one write.
const flushEarly = 512 << 10

// greeting is the frame a server sends first, as ZEO's does.
func greeting(msgpack bool) []byte {
	if msgpack {
		return []byte{0, 0, 0, 2, 'M', '5'}
	}
	return []byte{0, 0, 0, 2, 'Z', '5'}
}

// gnetLogger routes gnet's own messages to slog.
type gnetLogger struct{ l *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.l.Debug(fmt.Sprintf(f, a...), "component", "gnet") }
func (g gnetLogger) Infof(f string, a ...any)  { g.l.Info(fmt.Sprintf(f, a...), "component", "gnet") }
func (g gnetLogger) Warnf(f string, a ...any)  { g.l.Warn(fmt.Sprintf(f, a...), "component", "gnet") }
func (g gnetLogger) Errorf(f string, a ...any) { g.l.Error(fmt.Sprintf(f, a...), "component", "gnet") }
func (g gnetLogger) Fatalf(f string, a ...any) { g.l.Error(fmt.Sprintf(f, a...), "component", "gnet") }
