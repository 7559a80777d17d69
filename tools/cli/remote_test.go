package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
	"github.com/gozeo/gozeo/tools/server"
)

// startNetServer runs an in-process server on fresh Data.fs files (names
// "1", "2", ... for n files) and returns it with its address.
func startNetServer(t *testing.T, n int, tweak func(*config.Config)) (*server.Server, string) {
	t.Helper()
	cfg := config.DefaultConfig()
	var files []string
	for i := range n {
		files = append(files, filepath.Join(t.TempDir(), "Data"+string(rune('1'+i))+".fs"))
	}
	if err := cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: files}); err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(cfg)
	}
	s, err := server.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Stop(ctx)
	})
	return s, s.Addrs()[0].String()
}

// commitData commits the given objects (serials looked up) through the
// Go client and returns the tid.
func commitData(t *testing.T, addr, storage string, objs map[proto.Oid][]byte) proto.Tid {
	t.Helper()
	c, err := client.Open(context.Background(), []string{addr}, &client.Options{Storage: storage, WaitTimeout: 5 * time.Second, CacheSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	txn, err := c.TpcBegin(proto.TxnMeta{User: []byte("test")})
	if err != nil {
		t.Fatal(err)
	}
	for oid, data := range objs {
		var serial proto.Tid
		if _, s, err := c.Load(oid, nil); err == nil {
			serial = s
		}
		if err := txn.Store(oid, serial, data); err != nil {
			t.Fatal(err)
		}
	}
	if conflicts, err := txn.Vote(); err != nil || len(conflicts) > 0 {
		t.Fatalf("vote: %v %v", conflicts, err)
	}
	tid, err := txn.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return tid
}

// freeAddr returns a loopback TCP address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// tlsFiles writes a CA, a server certificate (127.0.0.1) with its key, a
// client certificate with its key in one file, and a client certificate
// of another CA; it returns the server's <ssl> and the client's paths.
func tlsFiles(t *testing.T) (ssl config.SSL, clientPEM, otherPEM, caPEM string) {
	t.Helper()
	dir := t.TempDir()
	serial := int64(0)
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	mk := func(tmpl, parent *x509.Certificate, pub, signer *ecdsa.PrivateKey) ([]byte, *x509.Certificate) {
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &pub.PublicKey, signer)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := x509.ParseCertificate(der)
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), c
	}
	keyPEM := func(k *ecdsa.PrivateKey) []byte {
		b, _ := x509.MarshalECPrivateKey(k)
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b})
	}
	caTmpl := func(name string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	write := func(name string, parts ...[]byte) string {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caKey, otherKey := newKey(), newKey()
	caCert, ca := mk(caTmpl("test CA"), nil, caKey, caKey)
	_, other := mk(caTmpl("other CA"), nil, otherKey, otherKey)
	sk, ck, ok := newKey(), newKey(), newKey()
	srv, _ := mk(&x509.Certificate{Subject: pkix.Name{CommonName: "server"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, ca, sk, caKey)
	cli, _ := mk(&x509.Certificate{Subject: pkix.Name{CommonName: "client"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, ca, ck, caKey)
	oc, _ := mk(&x509.Certificate{Subject: pkix.Name{CommonName: "intruder"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, other, ok, otherKey)
	ssl = config.SSL{Certificate: write("server.pem", srv), Key: write("server.key", keyPEM(sk)), Authenticate: write("ca.pem", caCert)}
	return ssl, write("client.pem", cli, keyPEM(ck)), write("other.pem", oc, keyPEM(ok)), ssl.Authenticate
}

func TestSplitTarget(t *testing.T) {
	cases := []struct{ in, addr, storage, err string }{
		{"127.0.0.1:8100", "127.0.0.1:8100", "1", ""},
		{"zeo.example.com:8100:main", "zeo.example.com:8100", "main", ""},
		{"host:8100:2", "host:8100", "2", ""},
		{":8100", "localhost:8100", "1", ""},
		{"[::1]:8100", "[::1]:8100", "1", ""},
		{"[::1]:8100:catalog", "[::1]:8100", "catalog", ""},
		{"/run/zeo.sock", "/run/zeo.sock", "1", ""},
		{"/run/zeo.sock:main", "/run/zeo.sock", "main", ""},
		{"./a:b/zeo.sock", "./a:b/zeo.sock", "1", ""},
		{"host", "", "", "missing port"},
		{"host:x", "", "", "invalid port"},
		{"host:70000", "", "", "invalid port"},
		{"host:8100:", "", "", "empty storage"},
		{"[::1", "", "", "unclosed"},
		{"[::1]8100", "", "", "missing port"},
		{"/run/zeo.sock:", "", "", "empty storage"},
	}
	for _, c := range cases {
		addr, storage, err := SplitTarget(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error with %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || addr != c.addr || storage != c.storage {
			t.Errorf("%q: %q %q %v, want %q %q", c.in, addr, storage, err, c.addr, c.storage)
		}
	}
}
