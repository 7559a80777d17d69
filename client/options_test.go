// Unit tests: options, errors, backoff jitter, addresses; Close and the
// goroutines it must stop.

package client

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/cache"
	"github.com/gozeo/gozeo/proto"
)

func TestOptions(t *testing.T) {
	var nilOpts *Options
	d := nilOpts.withDefaults()
	if d.Storage != "1" || d.WaitTimeout != 30*time.Second || d.MinDisconnectPoll != 5*time.Second ||
		d.MaxDisconnectPoll != 300*time.Second || d.CacheSize != 20<<20 || d.CachePolicy != cache.FIFO ||
		d.MaxFrameSize != proto.DefaultMaxFrameSize || d.Logger == nil || d.DialTimeout != 10*time.Second {
		t.Fatalf("defaults: %+v", d)
	}
	if err := nilOpts.Validate(); err != nil {
		t.Fatal(err)
	}
	// A minimum above the default maximum raises the maximum.
	if d := (&Options{MinDisconnectPoll: time.Hour}).withDefaults(); d.MaxDisconnectPoll != time.Hour {
		t.Fatalf("max poll %v", d.MaxDisconnectPoll)
	}
	for _, bad := range []Options{
		{WaitTimeout: -1},
		{MinDisconnectPoll: 2 * time.Second, MaxDisconnectPoll: time.Second},
		{DialTimeout: -1},
		{MaxFrameSize: 4},
		{ReadOnly: true, ReadOnlyFallback: true},
		{CacheSize: 100},
	} {
		if err := bad.Validate(); !errors.Is(err, ErrBadOptions) {
			t.Errorf("Validate(%+v) = %v", bad, err)
		}
		if _, err := Open(context.Background(), []string{"127.0.0.1:1"}, &bad); !errors.Is(err, ErrBadOptions) {
			t.Errorf("Open with %+v: %v", bad, err)
		}
	}
	if _, err := Open(context.Background(), nil, nil); !errors.Is(err, ErrBadOptions) {
		t.Fatalf("open without addresses: %v", err)
	}

	o := (&Options{ClientName: "app", Storage: "main", VarDir: "/var/zeo"}).withDefaults()
	if p := o.cachePath(); p != filepath.Join("/var/zeo", "app-main.zec") {
		t.Fatalf("cache path %q", p)
	}
	o = (&Options{ClientName: "app"}).withDefaults()
	if p := o.cachePath(); p != "app-1.zec" {
		t.Fatalf("cache path without VarDir %q", p)
	}
	if p := d.cachePath(); p != "" {
		t.Fatalf("transient cache path %q", p)
	}
}

func TestOpErrorAndHelpers(t *testing.T) {
	err := oidErr("127.0.0.1:8100", "load", 0x1234, &proto.POSKeyError{Oid: 0x1234})
	want := "client: load oid 0x1234 (127.0.0.1:8100): POSKeyError: 0x1234"
	if err.Error() != want {
		t.Fatalf("%q, want %q", err.Error(), want)
	}
	var pk *proto.POSKeyError
	if !errors.As(err, &pk) || pk.Oid != 0x1234 {
		t.Fatal("errors.As through OpError")
	}
	if e := opErr("", "sync", ErrDisconnected); e.Error() != "client: sync: client: disconnected from the server" ||
		!errors.Is(e, ErrDisconnected) {
		t.Fatalf("%q", e)
	}

	for _, d := range []time.Duration{0, 1, 10 * time.Millisecond, 5 * time.Second} {
		for range 100 {
			if j := jitter(d); j < d/2 || j > d {
				t.Fatalf("jitter(%v) = %v", d, j)
			}
		}
	}
	for addr, want := range map[string]string{
		"127.0.0.1:8100": "tcp", "[::1]:8100": "tcp", "zeo:8100": "tcp",
		"/run/zeo.sock": "unix", "./zeo.sock": "unix",
	} {
		if got := network(addr); got != want {
			t.Errorf("network(%q) = %q, want %q", addr, got, want)
		}
	}
}

// clientGoroutines counts goroutines running code of this package, other
// than test code (and the scripted servers).
func clientGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "gozeo/client.(*") && !strings.Contains(g, "_test.go:") {
			n++
		}
	}
	return n
}

// TestClose: Close fails calls in flight with ErrClosed, every later call
// too, and stops every goroutine of the client.
func TestClose(t *testing.T) {
	held := make(chan struct{}, 1)
	fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		if f.Op == proto.OpLoadBefore {
			held <- struct{}{}
		}
	})
	before := clientGoroutines()
	c, err := Open(context.Background(), []string{fs.Addr, freeAddr(t)}, fastOptions())
	if err != nil {
		t.Fatal(err)
	}
	if n := clientGoroutines(); n < before+2 {
		t.Fatalf("%d client goroutines while open (manager and reader expected), %d before", n, before)
	}
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.Load(1, nil)
		errc <- err
	}()
	<-held
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("in-flight load at Close: %v", err)
	}
	if _, _, err := c.Load(1, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("load after close: %v", err)
	}
	if err := c.Sync(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("sync after close: %v", err)
	}
	if _, err := c.TpcBegin(proto.TxnMeta{}); !errors.Is(err, ErrClosed) {
		t.Fatalf("tpc_begin after close: %v", err)
	}
	if err := c.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second close: %v", err)
	}
	if c.Connected() {
		t.Fatal("connected after close")
	}
	deadline := time.Now().Add(5 * time.Second)
	for clientGoroutines() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("client goroutines left after Close (%d before Open):\n%s", before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(2 * time.Millisecond)
	}
}
