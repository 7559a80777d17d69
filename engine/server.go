// The Server: storages, listeners, the gnet engine, and shutdown.

package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// Sentinel errors.
var (
	ErrServerClosed  = errors.New("engine: server closed")
	ErrNoStorages    = errors.New("engine: no storages to serve")
	ErrAlreadyServed = errors.New("engine: Serve called twice")
	ErrAddressInUse  = errors.New("engine: address in use")
)

// NamedStorage is a storage and the name clients register with ("1" by
// convention).
type NamedStorage struct {
	Name     string
	Storage  Storage
	ReadOnly bool // refuse writes on this storage; pack is still allowed
}

// Server serves storages to ZEO and gozeo clients.
type Server struct {
	opts     Options
	log      *slog.Logger
	storages map[string]*storageState
	names    []string // sorted storage names
	start    time.Time

	eng      gnet.Engine
	booted   chan struct{}
	shutdown chan struct{} // closed by OnShutdown
	served   atomic.Bool
	stopping atomic.Bool
	done     chan struct{}
	addrs    []net.Addr

	mbMu      sync.Mutex
	mailboxes map[gnet.EventLoop]*mailbox

	work    chan *job
	workWG  sync.WaitGroup
	nextID  atomic.Uint64
	conns   atomic.Int64
	txnsWG  sync.WaitGroup // commit goroutines
	tickers sync.WaitGroup
	quit    chan struct{} // closed when Serve stops: ends the tickers at once

	lockedMu sync.Mutex
	locked   map[*txnState]struct{} // voted transactions holding locks (timeout)

	stats serverStats
}

// New returns a server for the given storages. Call Serve to listen.
func New(storages []NamedStorage, opts *Options) (*Server, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.withDefaults()
	if len(storages) == 0 {
		return nil, ErrNoStorages
	}
	s := &Server{
		opts:      o,
		log:       o.Logger,
		storages:  make(map[string]*storageState, len(storages)),
		start:     o.Now(),
		booted:    make(chan struct{}),
		shutdown:  make(chan struct{}),
		done:      make(chan struct{}),
		quit:      make(chan struct{}),
		mailboxes: make(map[gnet.EventLoop]*mailbox),
		work:      make(chan *job, 64*1024),
		locked:    make(map[*txnState]struct{}),
	}
	for _, ns := range storages {
		if ns.Name == "" {
			return nil, fmt.Errorf("engine: storage with an empty name")
		}
		if _, dup := s.storages[ns.Name]; dup {
			return nil, fmt.Errorf("engine: storage %q given twice", ns.Name)
		}
		st, err := newStorageState(s, ns)
		if err != nil {
			return nil, err
		}
		s.storages[ns.Name] = st
		s.names = append(s.names, ns.Name)
	}
	slices.Sort(s.names)
	return s, nil
}

// Serve listens on addrs ("host:port", "[ipv6]:port" or a unix socket
// path containing "/") and serves until Shutdown or until ctx ends. It
// returns once the engine has stopped.
func (s *Server) Serve(ctx context.Context, addrs ...string) error {
	if !s.served.CompareAndSwap(false, true) {
		return ErrAlreadyServed
	}
	if len(addrs) == 0 {
		return fmt.Errorf("engine: no address to listen on")
	}
	protoAddrs := make([]string, 0, len(addrs))
	for _, a := range addrs {
		pa, err := gnetAddr(a)
		if err != nil {
			return err
		}
		protoAddrs = append(protoAddrs, pa)
	}
	for w := 0; w < s.opts.Workers; w++ {
		s.workWG.Add(1)
		go s.worker()
	}
	s.tickers.Add(1)
	go s.timeoutLoop()
	h := &handler{srv: s, protoAddrs: protoAddrs}
	errc := make(chan error, 1)
	go func() {
		errc <- gnet.Rotate(h, protoAddrs,
			gnet.WithMulticore(true),
			gnet.WithNumEventLoop(s.opts.Loops),
			gnet.WithLoadBalancing(gnet.LeastConnections),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithReuseAddr(true),
			gnet.WithLogger(gnetLogger{s.log}),
			gnet.WithTicker(true), // OnTick marks the loops started (Ready)
		)
	}()
	var err error
	select {
	case <-s.booted:
		s.log.Info("serving", "addresses", addrs, "storages", s.names)
		select {
		case <-ctx.Done():
			_ = s.Shutdown(context.Background())
			err = <-errc
		case err = <-errc:
		}
	case err = <-errc:
		if err == nil {
			err = errors.New("engine: event loops stopped before they started")
		}
		err = fmt.Errorf("listen on %s: %w", strings.Join(addrs, ", "), err)
	}
	s.stopping.Store(true)
	close(s.work)
	s.workWG.Wait()
	close(s.quit)
	s.tickers.Wait()
	s.txnsWG.Wait()
	close(s.done)
	return err
}

// Ready is closed once the server accepts connections.
func (s *Server) Ready() <-chan struct{} { return s.booted }

// Addrs returns the bound listener addresses (with the real port when 0
// was asked for). Valid after Ready.
func (s *Server) Addrs() []net.Addr { return s.addrs }

// Shutdown stops accepting, closes every connection (aborting transactions
// that are not finishing; finishing ones complete), and waits until the
// engine stops or ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopping.Store(true)
	select {
	case <-s.booted:
	default:
		return ErrServerClosed
	}
	// gnet's Stop notices the end only by polling every half second; the
	// OnShutdown callback tells us at once, which cuts that wait.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.shutdown:
			cancel()
		case <-sctx.Done():
		}
	}()
	err := s.eng.Stop(sctx)
	select {
	case <-s.shutdown:
		return nil
	default:
		return err
	}
}

// gnetAddr turns an address into gnet's "network://address" form.
func gnetAddr(a string) (string, error) {
	if strings.Contains(a, "/") {
		if err := checkUnixSocket(a); err != nil {
			return "", err
		}
		return "unix://" + a, nil
	}
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return "", fmt.Errorf("engine: bad address %q: %w", a, err)
	}
	return "tcp://" + net.JoinHostPort(host, port), nil
}

// checkUnixSocket refuses to start on the socket of a live server: gnet
// removes an existing socket file before binding, which would silently
// take the address over from a running process.
func checkUnixSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("engine: unix socket %s: %w", path, err)
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("engine: %s exists and is not a socket; not replacing it", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w: a server is listening on unix socket %s", ErrAddressInUse, path)
	}
	if errors.Is(err, unix.ECONNREFUSED) {
		return nil // stale socket file of a dead server: gnet replaces it
	}
	return fmt.Errorf("engine: unix socket %s: %w", path, err)
}

// mailboxFor returns the mailbox of a connection's event loop.
func (s *Server) mailboxFor(loop gnet.EventLoop) *mailbox {
	s.mbMu.Lock()
	defer s.mbMu.Unlock()
	m := s.mailboxes[loop]
	if m == nil {
		m = newMailbox(loop)
		s.mailboxes[loop] = m
	}
	return m
}
