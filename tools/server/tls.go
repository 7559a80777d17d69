// The TLS front end: <ssl> loaded into a tls.Config, and the listener
// that terminates TLS and hands each client to the engine.

package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gozeo/gozeo/engine"
	"github.com/gozeo/gozeo/tools/config"
)

// TLSHandshakeTimeout bounds a client's TLS handshake; a client that has
// not finished it by then is dropped.
const TLSHandshakeTimeout = 10 * time.Second

// ErrNoClientCA is returned when <ssl> authenticate names no usable CA
// certificate: ZEO always requires client certificates, so a server
// without a CA to check them against could admit nobody.
var ErrNoClientCA = errors.New("server: no CA certificate to verify clients with")

// LoadTLSConfig builds the server side of <ssl>: the server's certificate
// and key (key "" means the key is in the certificate file), and the CA
// certificates client certificates must chain to, from authenticate (a PEM
// file, or a directory whose every regular file holding PEM certificates
// is read). Clients must present a valid certificate, as with ZEO.
func LoadTLSConfig(c *config.SSL) (*tls.Config, error) {
	if c == nil {
		return nil, errors.New("server: no <ssl> section")
	}
	keyFile := c.Key
	if keyFile == "" {
		keyFile = c.Certificate
	}
	cert, err := tls.LoadX509KeyPair(c.Certificate, keyFile)
	if err != nil {
		return nil, fmt.Errorf("server: <ssl> certificate %s, key %s: %w", c.Certificate, keyFile, err)
	}
	pool, err := loadCAs(c.Authenticate)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// loadCAs reads the CA certificates of a file or a directory.
func loadCAs(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: <ssl> authenticate is empty", ErrNoClientCA)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("server: <ssl> authenticate: %w", err)
	}
	files := []string{path}
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("server: <ssl> authenticate: %w", err)
		}
		files = files[:0]
		for _, e := range entries {
			if e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0 {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	pool := x509.NewCertPool()
	found := false
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			if fi.IsDir() {
				continue // a dangling link or an unreadable stray file
			}
			return nil, fmt.Errorf("server: <ssl> authenticate: %w", err)
		}
		if pool.AppendCertsFromPEM(pem) {
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: %s holds no PEM certificate", ErrNoClientCA, path)
	}
	return pool, nil
}

// tlsFront accepts TLS clients on the configured address. Each accepted
// connection is handshaken (client certificate required), then bridged to
// the engine through a socket pair (bridge.go).
type tlsFront struct {
	ln   net.Listener
	cfg  *tls.Config
	eng  *engine.Server
	log  *slog.Logger
	addr net.Addr
	max  int // clients open at once, handshaking ones included

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // every client connection still open
	closed bool
	wg     sync.WaitGroup

	refused atomic.Int64 // failed handshakes
	served  atomic.Int64 // clients handed to the engine
}

// listenTLS opens the front end's listener; serve starts accepting.
// maxConns bounds the clients open at once (max-connections, which the
// engine applies again to the clients handed to it): past it a client is
// closed before its handshake, so a flood of handshakes cannot grow
// without bound.
func listenTLS(a config.Address, cfg *tls.Config, log *slog.Logger, maxConns int) (*tlsFront, error) {
	ln, err := listenAddress(a)
	if err != nil {
		return nil, err
	}
	if maxConns <= 0 {
		maxConns = config.DefaultMaxConnections
	}
	return &tlsFront{ln: ln, cfg: cfg, log: log, addr: ln.Addr(), max: maxConns, conns: make(map[net.Conn]struct{})}, nil
}

// serve accepts clients until closeListener; eng must be ready.
func (f *tlsFront) serve(eng *engine.Server) {
	f.eng = eng
	f.log.Info("TLS listening", "address", f.addr.String())
	f.wg.Add(1)
	go f.acceptLoop()
}

func (f *tlsFront) acceptLoop() {
	defer f.wg.Done()
	var pause time.Duration
	for {
		c, err := f.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors and the like: back off as net/http does.
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			f.log.Error("TLS accept", "address", f.addr.String(), "err", err.Error(), "retry_in", pause.String())
			time.Sleep(pause)
			continue
		}
		pause = 0
		switch f.track(c) {
		case trackClosing:
			c.Close()
			return
		case trackFull:
			f.refused.Add(1)
			f.log.Warn("too many connections: refusing TLS client", "client", peerString(c), "limit", f.max)
			c.Close()
			continue
		}
		f.wg.Add(1)
		go f.handle(c)
	}
}

type trackResult uint8

const (
	trackOK      trackResult = iota
	trackClosing             // the front end is closing
	trackFull                // max-connections clients are open
)

// track records an open client connection.
func (f *tlsFront) track(c net.Conn) trackResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return trackClosing
	}
	if len(f.conns) >= f.max {
		return trackFull
	}
	f.conns[c] = struct{}{}
	return trackOK
}

func (f *tlsFront) forget(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

// handle runs one client: handshake, hand-over, then the byte pumps.
func (f *tlsFront) handle(raw net.Conn) {
	defer f.wg.Done()
	defer f.forget(raw)
	peer := peerString(raw)
	tc := tls.Server(raw, f.cfg)
	ctx, cancel := context.WithTimeout(context.Background(), TLSHandshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		f.refused.Add(1)
		f.log.Warn("TLS handshake failed: refusing client", "client", peer,
			"address", f.addr.String(), "err", err.Error())
		raw.Close()
		return
	}
	mine, theirs, err := bridgePair()
	if err != nil {
		f.log.Error("TLS bridge: socket pair", "client", peer, "err", err.Error())
		tc.Close()
		return
	}
	if err := f.eng.ServeConn(theirs, peer); err != nil {
		if !errors.Is(err, engine.ErrServerClosed) {
			f.log.Error("TLS bridge: handing the client to the engine", "client", peer, "err", err.Error())
		}
		mine.Close()
		tc.Close()
		return
	}
	f.served.Add(1)
	f.log.Debug("TLS client accepted", "client", peer, "subject", clientSubject(tc))
	bridge(tc, mine, f.log.With("client", peer))
}

// closeListener stops accepting new clients.
func (f *tlsFront) closeListener() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	_ = f.ln.Close()
}

// close stops accepting, drops every client still connected, and waits
// for the goroutines to end (after the engine stopped, clients left are
// only those still in their handshake or whose bridge has not noticed).
func (f *tlsFront) close() {
	f.closeListener()
	f.mu.Lock()
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// peerString is a client's address for logs.
func peerString(c net.Conn) string {
	if a := c.RemoteAddr(); a != nil && a.String() != "" {
		return a.String()
	}
	return "unix"
}

// clientSubject is the verified client certificate's subject.
func clientSubject(tc *tls.Conn) string {
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		return ""
	}
	return st.PeerCertificates[0].Subject.String()
}
