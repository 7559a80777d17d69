// Serving connections accepted elsewhere (the TLS bridge).

package engine

import (
	"context"
	"fmt"
	"net"

	"github.com/panjf2000/gnet/v2"
)

// enrolled carries the real peer's address of an enrolled connection to
// OnOpen.
type enrolled struct{ peer string }

// ServeConn hands an already connected stream socket to the event loops,
// to be served like an accepted connection; peer is the client's address
// for logs. c must be a *net.TCPConn or *net.UnixConn (the engine takes a
// duplicate of its descriptor and closes c). The TLS front end uses it:
// it terminates TLS and hands the engine one end of a socket pair.
func (s *Server) ServeConn(c net.Conn, peer string) error {
	select {
	case <-s.booted:
	default:
		return fmt.Errorf("engine: ServeConn before the server is ready")
	}
	if s.stopping.Load() {
		c.Close()
		return ErrServerClosed
	}
	ctx := gnet.NewNetConnContext(gnet.NewContext(context.Background(), enrolled{peer: peer}), c)
	ch, err := s.eng.Register(ctx)
	if err != nil {
		c.Close()
		return fmt.Errorf("engine: serve connection from %s: %w", peer, err)
	}
	res := <-ch
	if res.Err != nil {
		return fmt.Errorf("engine: serve connection from %s: %w", peer, res.Err)
	}
	return nil
}
