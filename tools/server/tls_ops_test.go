// TLS front end: clients with a certificate from the configured CA are
// served; clients without one, with one from another CA, or speaking
// plain text are refused with a log line naming them.

package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/tools/config"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

var serialSeq int64

func newCA(t testing.TB, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serialSeq++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serialSeq),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a leaf certificate for a server (IP SAN 127.0.0.1) or a
// client, returning its PEM certificate and key.
func (ca *testCA) issue(t testing.TB, name string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serialSeq++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serialSeq),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// tlsSetup holds the files of a TLS server and the client side's pieces.
type tlsSetup struct {
	ssl        config.SSL
	ca         *testCA
	clientCert tls.Certificate
	roots      *x509.CertPool
}

// newTLSSetup writes a CA, a server certificate and key into dir, and
// makes a client certificate. With keyInCert, the key goes into the
// certificate file (<ssl> without key); with caDir, authenticate names a
// directory holding the CA file.
func newTLSSetup(t testing.TB, keyInCert, caDir bool) *tlsSetup {
	t.Helper()
	dir := t.TempDir()
	ca := newCA(t, "gozeo test CA")
	scert, skey := ca.issue(t, "gozeo server", true)
	ccert, ckey := ca.issue(t, "gozeo client", false)
	write := func(name string, parts ...[]byte) string {
		p := filepath.Join(dir, name)
		var b []byte
		for _, part := range parts {
			b = append(b, part...)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s := &tlsSetup{ca: ca, roots: x509.NewCertPool()}
	s.roots.AddCert(ca.cert)
	if keyInCert {
		s.ssl.Certificate = write("server.pem", scert, skey)
	} else {
		s.ssl.Certificate = write("server.pem", scert)
		s.ssl.Key = write("server.key", skey)
	}
	s.ssl.Authenticate = write("ca.pem", ca.pem)
	if caDir {
		cadir := filepath.Join(dir, "cas")
		os.Mkdir(cadir, 0o700)
		os.WriteFile(filepath.Join(cadir, "README"), []byte("not a certificate\n"), 0o600)
		os.WriteFile(filepath.Join(cadir, "clients.pem"), ca.pem, 0o600)
		s.ssl.Authenticate = cadir
	}
	var err error
	if s.clientCert, err = tls.X509KeyPair(ccert, ckey); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *tlsSetup) clientConfig(cert *tls.Certificate) *tls.Config {
	c := &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1"}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	return c
}

func startTLS(t testing.TB, setup *tlsSetup) (*Server, *logBuf, string) {
	t.Helper()
	s, logs := startOps(t, func(c *config.Config) {
		ssl := setup.ssl
		c.ZEO.SSL = &ssl
	})
	return s, logs, s.Addrs()[0].String()
}

func TestTLSClientCertificate(t *testing.T) {
	for _, variant := range []struct {
		name             string
		keyInCert, caDir bool
	}{{"key-file", false, false}, {"key-in-cert+ca-dir", true, true}} {
		t.Run(variant.name, func(t *testing.T) {
			setup := newTLSSetup(t, variant.keyInCert, variant.caDir)
			s, logs, addr := startTLS(t, setup)

			tc, err := tls.Dial("tcp", addr, setup.clientConfig(&setup.clientCert))
			if err != nil {
				t.Fatal(err)
			}
			rc := nativeOver(t, tc)
			register(t, rc)
			tid := commitOne(t, rc, 1, 0, 0, []byte("over TLS"))
			// A second TLS client sees the commit.
			tc2, err := tls.Dial("tcp", addr, setup.clientConfig(&setup.clientCert))
			if err != nil {
				t.Fatal(err)
			}
			rc2 := nativeOver(t, tc2)
			register(t, rc2)
			if data, serial := loadData(t, rc2, 0); string(data) != "over TLS" || serial != tid {
				t.Fatalf("load over TLS: %q %s", data, serial)
			}
			// The engine logs the client's real address, not the bridge's.
			logs.lineWith(t, "client registered", "client="+tc.LocalAddr().String())
			if n := s.Engine().ServerStats().Connections; n != 2 {
				t.Fatalf("engine connections %d, want 2", n)
			}
			// Closing the client closes the engine's side too.
			tc.Close()
			deadline := time.Now().Add(5 * time.Second)
			for s.Engine().ServerStats().Connections != 1 {
				if time.Now().After(deadline) {
					t.Fatalf("engine still has %d connections after the TLS client left", s.Engine().ServerStats().Connections)
				}
				time.Sleep(10 * time.Millisecond)
			}
			if served := s.front.served.Load(); served != 2 {
				t.Fatalf("served %d", served)
			}
		})
	}
}

// refused dials with cfg and checks that no greeting arrives and the log
// names the client.
func refused(t *testing.T, addr string, cfg *tls.Config, logs *logBuf, why, errText string) {
	t.Helper()
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	local := raw.LocalAddr().String()
	tc := tls.Client(raw, cfg)
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	// With TLS 1.3 the client's side of the handshake may succeed before
	// the server has checked its certificate; the refusal then shows on
	// the first read.
	if err := tc.Handshake(); err == nil {
		var b [6]byte
		if n, err := io.ReadFull(tc, b[:]); err == nil {
			t.Fatalf("%s: got %q, want a refusal", why, b[:n])
		}
	}
	line := logs.lineWith(t, "TLS handshake failed: refusing client", "client="+local, errText)
	if !strings.Contains(line, "address="+addr) {
		t.Fatalf("%s: log line does not name the listening address: %s", why, line)
	}
}

func TestTLSRefusals(t *testing.T) {
	setup := newTLSSetup(t, false, false)
	s, logs, addr := startTLS(t, setup)

	refused(t, addr, setup.clientConfig(nil), logs, "no client certificate", "didn't provide a certificate")

	other := newCA(t, "another CA")
	ocert, okey := other.issue(t, "intruder", false)
	oc, err := tls.X509KeyPair(ocert, okey)
	if err != nil {
		t.Fatal(err)
	}
	// Present it whatever CAs the server names (Go's client would
	// otherwise send no certificate at all).
	ocfg := setup.clientConfig(nil)
	ocfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &oc, nil }
	refused(t, addr, ocfg, logs, "certificate of another CA", "unknown authority")

	// TLS only: a plain ZEO client gets no greeting.
	plain, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	plain.SetDeadline(time.Now().Add(5 * time.Second))
	plain.Write([]byte{0, 0, 0, 2, 'Z', '5'})
	if b, err := io.ReadAll(plain); len(b) >= 6 && string(b[4:6]) == "Z5" {
		t.Fatalf("plain client greeted: %q %v", b, err)
	}
	logs.lineWith(t, "TLS handshake failed: refusing client", "client="+plain.LocalAddr().String(), "does not look like a TLS handshake")

	if n := s.front.refused.Load(); n != 3 {
		t.Fatalf("refused %d, want 3", n)
	}
	if n := s.Engine().ServerStats().Connections; n != 0 {
		t.Fatalf("refused clients reached the engine: %d connections", n)
	}
}

// TestTLSServerClosesFirst: when the engine closes (a ruok probe is
// answered and closed), the client gets every byte, then the end.
func TestTLSServerClosesFirst(t *testing.T) {
	setup := newTLSSetup(t, false, false)
	_, _, addr := startTLS(t, setup)
	tc, err := tls.Dial("tcp", addr, setup.clientConfig(&setup.clientCert))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	tc.Write([]byte{0, 0, 0, 4, 'r', 'u', 'o', 'k'})
	b, err := io.ReadAll(tc)
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, b)
	}
	if len(b) < 8 || string(b[4:6]) != "Z5" || !strings.Contains(string(b), `"1": {"connections": 0`) {
		t.Fatalf("ruok over TLS: %q", b)
	}
}

func TestTLSPrivateSocketRemoved(t *testing.T) {
	setup := newTLSSetup(t, false, false)
	cfg := config.DefaultConfig()
	cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: []string{filepath.Join(t.TempDir(), "Data.fs")}})
	ssl := setup.ssl
	cfg.ZEO.SSL = &ssl
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	dir := s.privDir
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("private directory %s: %v %v", dir, fi.Mode(), err)
	}
	if err := s.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("private directory left behind: %v", err)
	}
}

func TestLoadTLSConfigErrors(t *testing.T) {
	setup := newTLSSetup(t, false, false)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	os.WriteFile(empty, []byte("nothing here\n"), 0o600)
	cases := []struct {
		ssl  config.SSL
		want string
	}{
		{config.SSL{Certificate: filepath.Join(dir, "missing.pem"), Authenticate: setup.ssl.Authenticate}, "missing.pem"},
		{config.SSL{Certificate: setup.ssl.Certificate, Authenticate: setup.ssl.Authenticate}, "server.pem"}, // key not in the file
		{config.SSL{Certificate: setup.ssl.Certificate, Key: setup.ssl.Key, Authenticate: empty}, "holds no PEM certificate"},
		{config.SSL{Certificate: setup.ssl.Certificate, Key: setup.ssl.Key, Authenticate: dir}, "holds no PEM certificate"},
		{config.SSL{Certificate: setup.ssl.Certificate, Key: setup.ssl.Key, Authenticate: filepath.Join(dir, "nope")}, "nope"},
	}
	for _, c := range cases {
		_, err := LoadTLSConfig(&c.ssl)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %q", c.ssl, err, c.want)
		}
	}
	cfg, err := LoadTLSConfig(&setup.ssl)
	if err != nil || cfg.ClientAuth != tls.RequireAndVerifyClientCert {
		t.Fatalf("%v %v", cfg, err)
	}
}

func tlsDial(addr string, cfg *tls.Config) (*tls.Conn, error) {
	return tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
}

// TestTLSUnixSocketAndLimit: TLS on a unix socket; max-connections holds
// for clients still in their handshake.
func TestTLSUnixSocketAndLimit(t *testing.T) {
	setup := newTLSSetup(t, false, false)
	sock := filepath.Join(t.TempDir(), "zeo.sock")
	s, logs := startOps(t, func(c *config.Config) {
		ssl := setup.ssl
		c.ZEO.SSL = &ssl
		c.ZEO.Address = config.Address{Net: "unix", Path: sock}
		c.ZEO.MaxConnections = 2
	})
	if got := s.Addrs()[0].String(); got != sock {
		t.Fatalf("address %q", got)
	}
	cfg := setup.clientConfig(&setup.clientCert)
	cfg.ServerName = "localhost"
	raw, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	rc := nativeOver(t, tls.Client(raw, cfg))
	register(t, rc)
	commitOne(t, rc, 1, 0, 0, []byte("TLS over a unix socket"))

	// A second client idles before its handshake; a third is refused.
	idle, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	logs.lineWith(t, "msg=\"client registered\"") // the first is in
	deadline := time.Now().Add(5 * time.Second)
	for {
		third, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		third.SetDeadline(time.Now().Add(5 * time.Second))
		_, rerr := third.Read(make([]byte, 1))
		third.Close()
		if rerr != nil && strings.Contains(logs.String(), "too many connections: refusing TLS client") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("third client not refused:\n%s", logs)
		}
	}
	logs.lineWith(t, "too many connections: refusing TLS client", "limit=2")
}
