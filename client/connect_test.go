// Connecting end to end: persistent caches, unix sockets, dead and IPv6
// addresses, waiting at Open, read-only servers and fallback.

package client

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

// TestPersistentCache: a named client's cache file survives Close, and the
// next client of that name reuses it after verification.
func TestPersistentCache(t *testing.T) {
	t.Parallel()
	ts := newServer(t)
	o := fastOptions()
	o.ClientName, o.VarDir = "app", t.TempDir()
	c, err := Open(context.Background(), []string{ts.Addr}, o)
	if err != nil {
		t.Fatal(err)
	}
	oids, err := c.NewOIDs(2)
	if err != nil {
		t.Fatal(err)
	}
	t1 := commit(t, c, nil, map[proto.Oid][]byte{oids[0]: []byte("a1"), oids[1]: []byte("b1")})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(o.VarDir, "app-1.zec")
	cf, err := cache.Open(file, &cache.Options{Size: o.CacheSize})
	if err != nil {
		t.Fatal(err)
	}
	if cf.LastTid() != t1 || cf.Len() != 2 {
		t.Fatalf("cache file: last tid %s (want %s), %d records", cf.LastTid(), t1, cf.Len())
	}
	cf.Close()

	b := openClient(t, []string{ts.Addr}, nil)
	t2 := commitOne(t, b, oids[0], t1, []byte("a2"))

	c2 := openClient(t, []string{ts.Addr}, o)
	if c2.LastTransaction() != t2 {
		t.Fatalf("reopened client at %s, want %s", c2.LastTransaction(), t2)
	}
	st0, _ := c2.ServerStatus()
	data, serial, err := c2.Load(oids[1], nil)
	if err != nil || string(data) != "b1" || serial != t1 {
		t.Fatalf("unchanged object: %q %s %v", data, serial, err)
	}
	if st1, _ := c2.ServerStatus(); st1.Loads != st0.Loads {
		t.Fatalf("unchanged object not served from the reopened cache")
	}
	data, serial, err = c2.Load(oids[0], nil)
	if err != nil || string(data) != "a2" || serial != t2 {
		t.Fatalf("changed object: %q %s %v", data, serial, err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestUnixSocketAndDeadAddresses(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "zeo.sock")
	ts := startServer(t, filepath.Join(t.TempDir(), "Data.fs"), sock, nil)
	dead := freeAddr(t)
	c := openClient(t, []string{dead, filepath.Join(t.TempDir(), "none.sock"), ts.Addr}, nil)
	if c.Addr() != sock {
		t.Fatalf("connected to %q, want %q", c.Addr(), sock)
	}
	oid, _ := c.NewOID()
	tid := commitOne(t, c, oid, 0, []byte("over a unix socket"))
	c.noCache = true
	if data, serial, err := c.Load(oid, nil); err != nil || serial != tid || string(data) != "over a unix socket" {
		t.Fatalf("load: %q %s %v", data, serial, err)
	}
}

func TestIPv6(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ts := startServer(t, filepath.Join(t.TempDir(), "Data.fs"), addr, nil)
	c := openClient(t, []string{ts.Addr}, nil)
	if err := c.Sync(context.Background()); err != nil || c.Addr() != addr {
		t.Fatalf("sync over %s: %v", c.Addr(), err)
	}
}

func TestOpenWaitsAndFails(t *testing.T) {
	t.Parallel()
	o := fastOptions()
	o.WaitTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := Open(context.Background(), []string{freeAddr(t)}, o)
	if !isDisconnected(err) || time.Since(start) < o.WaitTimeout {
		t.Fatalf("open without a server: %v after %v", err, time.Since(start))
	}
	var ne *net.OpError
	if !errors.As(err, &ne) {
		t.Fatalf("error %v does not carry the connect error", err)
	}

	// NoWait: Open returns at once, calls wait for the server.
	addr := freeAddr(t)
	o = fastOptions()
	o.NoWait = true
	c := openClient(t, []string{addr}, o)
	if c.Connected() {
		t.Fatal("connected without a server")
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		startServer(t, filepath.Join(t.TempDir(), "Data.fs"), addr, nil)
	}()
	if err := c.Sync(context.Background()); err != nil {
		t.Fatalf("sync once the server is up: %v", err)
	}
}

func TestReadOnly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "Data.fs")
	s0 := startServer(t, path, "127.0.0.1:0", nil)
	w := openClient(t, []string{s0.Addr}, nil)
	oid, _ := w.NewOID()
	t1 := commitOne(t, w, oid, 0, []byte("seed"))
	w.Close()
	s0.Stop()
	roPath := filepath.Join(dir, "ro.fs")
	copyFile(t, path, roPath)
	ro := startServer(t, roPath, "127.0.0.1:0", func(cfg *config.Config) { cfg.ZEO.ReadOnly = true })

	// Without fallback, a read-only server is refused.
	o := fastOptions()
	o.WaitTimeout = 200 * time.Millisecond
	_, err := Open(context.Background(), []string{ro.Addr}, o)
	var roe *proto.ReadOnlyError
	if !isDisconnected(err) || !errors.As(err, &roe) {
		t.Fatalf("writable client on a read-only server: %v", err)
	}
	// A read-only client is fine.
	o = fastOptions()
	o.ReadOnly = true
	r := openClient(t, []string{ro.Addr}, o)
	if data, _, err := r.Load(oid, nil); err != nil || string(data) != "seed" || !r.ReadOnly() {
		t.Fatalf("read-only client: %q %v", data, err)
	}

	// Fallback: read-only first, then the writable server appears.
	rwAddr := freeAddr(t)
	o = fastOptions()
	o.ReadOnlyFallback = true
	o.MinDisconnectPoll = 20 * time.Millisecond
	c := openClient(t, []string{rwAddr, ro.Addr}, o)
	if !c.ReadOnly() || c.Addr() != ro.Addr {
		t.Fatalf("fallback: read-only %v at %s", c.ReadOnly(), c.Addr())
	}
	if data, serial, err := c.Load(oid, nil); err != nil || string(data) != "seed" || serial != t1 {
		t.Fatalf("load on the read-only server: %q %v", data, err)
	}
	if _, err := c.TpcBegin(proto.TxnMeta{}); !errors.As(err, &roe) {
		t.Fatalf("tpc_begin on a read-only connection: %v", err)
	}
	if _, err := c.NewOID(); !errors.As(err, &roe) {
		t.Fatalf("new oid on a read-only connection: %v", err)
	}
	startServer(t, path, rwAddr, nil)
	waitFor(t, "promotion to the writable server", func() bool {
		return c.Connected() && !c.ReadOnly() && c.Addr() == rwAddr
	})
	commitOne(t, c, oid, t1, []byte("written after promotion"))
	if data, _, err := c.Load(oid, nil); err != nil || string(data) != "written after promotion" {
		t.Fatalf("after promotion: %q %v", data, err)
	}
}

// TestStaleServerAmongMany: of two servers, one restored from an older
// copy, the client always ends up on the current one, never reading from
// the stale one, within one round.
func TestStaleServerAmongMany(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, old := filepath.Join(dir, "Data.fs"), filepath.Join(dir, "old.fs")
	g := startServer(t, path, "127.0.0.1:0", nil)
	o := fastOptions()
	o.ClientName, o.VarDir = "c", dir
	c := openClient(t, []string{g.Addr}, o)
	oid, _ := c.NewOID()
	t1 := commitOne(t, c, oid, 0, []byte("v1"))
	g.Stop()
	copyFile(t, path, old)
	g2 := startServer(t, path, g.Addr, nil)
	waitFor(t, "reconnection", c.Connected)
	t2 := commitOne(t, c, oid, t1, []byte("v2"))
	c.Close()

	stale := startServer(t, old, "127.0.0.1:0", nil)
	o.MinDisconnectPoll = time.Minute // one round only
	o.MaxDisconnectPoll = time.Minute
	for i := 0; i < 3; i++ {
		c, err := Open(context.Background(), []string{stale.Addr, g2.Addr}, o)
		if err != nil {
			t.Fatal(err)
		}
		data, serial, err := c.Load(oid, nil)
		addr := c.Addr()
		c.Close()
		if addr != g2.Addr || err != nil || serial != t2 || string(data) != "v2" {
			t.Fatalf("connected to %s (current server %s): %q %s %v", addr, g2.Addr, data, serial, err)
		}
	}
}
