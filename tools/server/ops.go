// Starting and stopping what runs around the engine: the TLS front end,
// the monitor server and the metrics endpoint, and the listeners they
// share.

package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gozeo/gozeo/engine"
	"github.com/gozeo/gozeo/tools/config"
)

// listenOps opens every listener the configuration asks for besides the
// engine's (so a busy port fails Start before anything is served) and
// returns the address the engine itself must listen on.
//
// With <ssl>, the configured address belongs to the TLS listener and the
// engine listens on a unix socket in a fresh private directory (mode 0700,
// removed at stop): gnet needs a listener, but clients reach the engine
// only through the TLS bridge.
func (s *Server) listenOps() (engineAddr string, err error) {
	z := &s.cfg.ZEO
	engineAddr = listenAddr(z.Address)
	defer func() {
		if err != nil {
			s.closeOps()
		}
	}()
	if s.tlsCfg != nil {
		if s.front, err = listenTLS(z.Address, s.tlsCfg, s.log, z.MaxConnections); err != nil {
			return "", err
		}
		if s.privDir, err = os.MkdirTemp("", "gozeo-"); err != nil {
			return "", fmt.Errorf("server: private directory for the TLS bridge: %w", err)
		}
		engineAddr = filepath.Join(s.privDir, "engine.sock")
	}
	if !z.MonitorAddress.IsZero() {
		if s.monitor, err = listenMonitor(z.MonitorAddress, s.log.With("component", "monitor")); err != nil {
			return "", err
		}
	}
	if !z.MetricsAddress.IsZero() {
		if s.metrics, err = listenMetrics(z.MetricsAddress, s.log.With("component", "metrics")); err != nil {
			return "", err
		}
	}
	return engineAddr, nil
}

// serveOps starts the front ends once the engine is ready.
func (s *Server) serveOps() {
	if s.front != nil {
		s.front.serve(s.eng)
	}
	if s.monitor != nil {
		s.monitor.serve(s.eng)
	}
	if s.metrics != nil {
		c := newCollector(s.eng)
		c.sizes = func(name string) storageSizer {
			if b := s.backends[name]; b != nil {
				return b
			}
			return nil
		}
		if f := s.front; f != nil {
			c.tlsSeen = func() (int64, int64) { return f.served.Load(), f.refused.Load() }
		}
		s.metrics.serve(newMetricsRegistry(c))
	}
}

// closeOps stops the front ends (once): after the engine stopped, or when
// Start fails. Metrics stop before the storages close, since a scrape
// reads them.
func (s *Server) closeOps() {
	s.opsMu.Do(func() {
		if s.front != nil {
			s.front.close()
		}
		if s.monitor != nil {
			s.monitor.close()
		}
		if s.metrics != nil {
			s.metrics.close()
		}
		if s.privDir != "" {
			if err := os.RemoveAll(s.privDir); err != nil && !errors.Is(err, os.ErrNotExist) {
				s.log.Warn("removing the TLS bridge's private directory", "path", s.privDir, "err", err.Error())
			}
		}
	})
}

// MonitorAddr is the monitor server's bound address, nil without one.
func (s *Server) MonitorAddr() net.Addr {
	if s.monitor == nil {
		return nil
	}
	return s.monitor.addr
}

// MetricsAddr is the metrics server's bound address, nil without one.
func (s *Server) MetricsAddr() net.Addr {
	if s.metrics == nil {
		return nil
	}
	return s.metrics.addr
}

// listenAddress listens on a TCP address or a unix socket. A socket file
// left by a dead server is replaced; the socket of a live one is not.
func listenAddress(a config.Address) (net.Listener, error) {
	if a.Network() == "unix" {
		if err := clearStaleSocket(a.Path); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen(a.Network(), a.String())
	if err != nil {
		return nil, fmt.Errorf("server: listen on %s: %w", a.String(), err)
	}
	return ln, nil
}

// clearStaleSocket removes path if it is the socket of a dead server; it
// refuses when a server answers on it or when path is not a socket.
func clearStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("server: unix socket %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("server: %s exists and is not a socket; not replacing it", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w: a server is listening on unix socket %s", engine.ErrAddressInUse, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("server: unix socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("server: removing stale unix socket %s: %w", path, err)
	}
	return nil
}
