// What the commands that talk to a server (status, up, pack) share:
// target addresses, TLS flags, and the options of a short-lived client.

package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gozeo/gozeo/client"
)

// SplitTarget splits zeopack's server form: host:port[:storage],
// [ipv6]:port[:storage], or a unix socket path (containing "/") with an
// optional ":storage" after its last "/". The storage defaults to "1".
func SplitTarget(s string) (addr, storage string, err error) {
	storage = "1"
	if strings.Contains(s, "/") {
		if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
			s, storage = s[:i], s[i+1:]
		}
		if storage == "" {
			return "", "", fmt.Errorf("empty storage name in %q", s)
		}
		return s, storage, nil
	}
	rest := s
	host := ""
	if strings.HasPrefix(s, "[") {
		j := strings.IndexByte(s, ']')
		if j < 0 {
			return "", "", fmt.Errorf("unclosed [ in %q", s)
		}
		host, rest = s[:j+1], s[j+1:]
		if !strings.HasPrefix(rest, ":") {
			return "", "", fmt.Errorf("missing port in %q", s)
		}
		rest = rest[1:]
	} else {
		h, r, ok := strings.Cut(s, ":")
		if !ok {
			return "", "", fmt.Errorf("missing port in %q (use host:port[:storage] or a unix socket path)", s)
		}
		host, rest = h, r
	}
	port, name, hasName := strings.Cut(rest, ":")
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", "", fmt.Errorf("invalid port %q in %q", port, s)
	}
	if hasName {
		if name == "" {
			return "", "", fmt.Errorf("empty storage name in %q", s)
		}
		storage = name
	}
	if host == "" {
		host = "localhost"
	}
	return host + ":" + port, storage, nil
}

// addrNetwork is "unix" for a socket path, else "tcp".
func addrNetwork(addr string) string {
	if strings.Contains(addr, "/") {
		return "unix"
	}
	return "tcp"
}

// netFlags are the connection flags of status, up and pack.
type netFlags struct {
	timeout                  time.Duration
	cert, key, ca, tlsServer string
}

func addNetFlags(fs *flag.FlagSet, timeout time.Duration) *netFlags {
	nf := &netFlags{}
	fs.DurationVar(&nf.timeout, "timeout", timeout, "how long to wait for the server")
	fs.StringVar(&nf.cert, "tls-cert", "", "client certificate (PEM) for a TLS server; may hold the key")
	fs.StringVar(&nf.key, "tls-key", "", "key of -tls-cert, when not in the certificate file")
	fs.StringVar(&nf.ca, "tls-ca", "", "CA certificate(s) that signed the server's certificate (default: the system's)")
	fs.StringVar(&nf.tlsServer, "tls-server-name", "", "name to check the server's certificate against (default: the address's host)")
	return nf
}

// tlsConfig is nil (plain) unless a TLS flag was given.
func (nf *netFlags) tlsConfig(addr string) (*tls.Config, error) {
	if nf.cert == "" && nf.ca == "" && nf.key == "" && nf.tlsServer == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: nf.tlsServer}
	if cfg.ServerName == "" && addrNetwork(addr) == "tcp" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	if nf.cert != "" {
		key := nf.key
		if key == "" {
			key = nf.cert
		}
		cert, err := tls.LoadX509KeyPair(nf.cert, key)
		if err != nil {
			return nil, fmt.Errorf("-tls-cert %s: %w", nf.cert, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if nf.ca != "" {
		pem, err := os.ReadFile(nf.ca)
		if err != nil {
			return nil, fmt.Errorf("-tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-tls-ca %s: no PEM certificate in it", nf.ca)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// clientOptions are the client options of a short-lived admin client: a
// small transient cache, quick reconnection attempts, waiting at most the
// timeout.
func (nf *netFlags) clientOptions(tlsCfg *tls.Config) *client.Options {
	return &client.Options{
		WaitTimeout:       nf.timeout,
		MinDisconnectPoll: 500 * time.Millisecond,
		MaxDisconnectPoll: 2 * time.Second,
		DialTimeout:       min(nf.timeout, 10*time.Second),
		CacheSize:         1 << 20,
		TLS:               tlsCfg,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// errUnreachable marks "no server answered" (exit status 1 with a clear
// message).
var errUnreachable = errors.New("no server reached")

// explainOpen adds the reason a direct dial gives when a client could not
// connect (the client's own error may only say it timed out).
func explainOpen(addr string, err error) error {
	if err == nil {
		return nil
	}
	c, derr := net.DialTimeout(addrNetwork(addr), addr, 2*time.Second)
	if derr != nil {
		if strings.Contains(err.Error(), derr.Error()) {
			return err // the client said it already
		}
		return fmt.Errorf("%w (%v)", err, derr)
	}
	c.Close()
	return err
}
