// Package server wires gozeo's pieces into a running server: the
// configuration (tools/config) opens FileStorages (fsstore) and serves them
// with the engine; "gozeo serve" is a thin command over it.
//
// Around the engine it runs what the configuration asks for (ops.go): a
// TLS front end on the configured address when <ssl> is given (tls.go,
// bridge.go; the engine then listens only on a private unix socket), ZEO
// 4's monitor server on monitor-address (monitor.go) and Prometheus
// /metrics on metrics-address (metrics.go, metricshttp.go). They start
// with Start, after their listeners are bound, and stop when the engine
// has stopped, before the storages close.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"sync"
	"time"

	"github.com/gozeo/gozeo/engine"
	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/tools/config"
)

// Server is a configured gozeo server.
type Server struct {
	cfg      *config.Config
	log      *slog.Logger
	stores   []*fsstore.Store
	backends map[string]*Backend
	eng      *engine.Server

	// Front ends around the engine (ops.go): the TLS listener, the
	// monitor and the metrics servers; nil when not configured.
	tlsCfg  *tls.Config
	front   *tlsFront
	monitor *monitorServer
	metrics *metricsServer
	privDir string // holds the engine's private socket when TLS is on

	done    chan struct{}
	err     error
	closeMu sync.Once
	opsMu   sync.Once
}

// Options are what a Server takes besides its configuration.
type Options struct {
	Logger *slog.Logger
	// Now is the clock that picks new transaction ids (tests); nil means
	// time.Now.
	Now func() time.Time
}

// New opens the configured storages and prepares the engine. It does not
// listen yet: call Start.
func New(cfg *config.Config, logger *slog.Logger) (*Server, error) {
	return NewWithOptions(cfg, &Options{Logger: logger})
}

// NewWithOptions is New with Options.
func NewWithOptions(cfg *config.Config, opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ZEO.Address.IsZero() {
		return nil, fmt.Errorf("server: no address to listen on (give -a or <zeo> address)")
	}
	s := &Server{cfg: cfg, log: logger, backends: make(map[string]*Backend), done: make(chan struct{})}
	if cfg.ZEO.SSL != nil {
		tc, err := LoadTLSConfig(cfg.ZEO.SSL)
		if err != nil {
			return nil, err
		}
		s.tlsCfg = tc
	}
	var named []engine.NamedStorage
	for _, sc := range cfg.Storages {
		st, err := fsstore.Open(sc.Path, &fsstore.Options{
			ReadOnly: sc.ReadOnly || cfg.ZEO.ReadOnly,
			Create:   sc.Create,
			Logger:   logger.With("storage", sc.Name, "path", sc.Path),
			Now:      o.Now,
		})
		if err != nil {
			s.closeStores()
			return nil, fmt.Errorf("storage %q (%s): %w", sc.Name, sc.Source, err)
		}
		s.stores = append(s.stores, st)
		b := NewBackend(st)
		b.PackGC, b.PackKeepOld, b.Compress = sc.PackGC, sc.PackKeepOld, sc.Compress
		b.log = logger.With("storage", sc.Name)
		s.backends[sc.Name] = b
		named = append(named, engine.NamedStorage{Name: sc.Name, Storage: b, ReadOnly: sc.ReadOnly})
		logger.Info("storage opened", "storage", sc.Name, "path", sc.Path,
			"last_tid", st.LastTransaction().String(), "objects", st.Len(), "size", st.Size())
	}
	z := &cfg.ZEO
	eng, err := engine.New(named, &engine.Options{
		Msgpack:               z.UseMsgpack(),
		ReadOnly:              z.ReadOnly,
		MaxFrameSize:          uint32(min(z.MaxFrameSize, math.MaxUint32)),
		MaxConnections:        z.MaxConnections,
		OutputLimit:           int(z.OutputBufferLimit),
		TransactionTimeout:    z.TransactionTimeout,
		InvalidationQueueSize: z.InvalidationQueueSize,
		InvalidationAge:       z.InvalidationAge,
		Logger:                logger,
	})
	if err != nil {
		s.closeStores()
		return nil, err
	}
	s.eng = eng
	return s, nil
}

// Start listens and serves in the background until ctx ends or Stop is
// called; it returns once the server accepts connections, or with the
// error that kept it from listening.
func (s *Server) Start(ctx context.Context) error {
	addr, err := s.listenOps()
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		err := s.eng.Serve(ctx, addr)
		s.closeOps()
		s.closeStores()
		s.err = err
		errc <- err
		close(s.done)
	}()
	select {
	case <-s.eng.Ready():
		s.serveOps()
		return nil
	case err := <-errc:
		if err == nil {
			err = errors.New("server stopped before it started")
		}
		return err
	}
}

// listenAddr turns a configured address into the engine's form.
func listenAddr(a config.Address) string {
	if a.Network() == "unix" {
		return a.Path
	}
	return net.JoinHostPort(a.Host, fmt.Sprint(a.Port))
}

// Addrs returns the addresses clients connect to: the TLS listener's
// when <ssl> is configured, else the engine's.
func (s *Server) Addrs() []net.Addr {
	if s.front != nil {
		return []net.Addr{s.front.addr}
	}
	return s.eng.Addrs()
}

// Engine returns the engine (statistics, tests).
func (s *Server) Engine() *engine.Server { return s.eng }

// Backend returns the named storage's backend.
func (s *Server) Backend(name string) *Backend { return s.backends[name] }

// Stop shuts the server down: no new connections, commits that are
// finishing complete, others are aborted, storages are closed (saving
// their index). It waits until everything has stopped or ctx ends.
func (s *Server) Stop(ctx context.Context) error {
	if s.front != nil {
		s.front.closeListener()
	}
	if err := s.eng.Shutdown(ctx); err != nil && !errors.Is(err, engine.ErrServerClosed) {
		return err
	}
	select {
	case <-s.done:
		return s.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.done }

func (s *Server) closeStores() {
	s.closeMu.Do(func() {
		for _, st := range s.stores {
			if err := st.Close(); err != nil {
				s.log.Error("closing storage", "path", st.Path(), "err", err.Error())
			}
		}
	})
}
