// Test helpers: in-process servers on loopback, clients with fast
// reconnection, commit and wait helpers.

package client

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
	"github.com/gozeo/gozeo/tools/server"
)

// testServer is a gozeo server serving one Data.fs in-process.
type testServer struct {
	t    testing.TB
	srv  *server.Server
	Addr string
	Path string
	once sync.Once
}

// startServer serves path (created if missing) at addr ("127.0.0.1:0" for
// a fresh port, a unix socket path, or an address a stopped server used).
// mod, if set, adjusts the configuration.
func startServer(t testing.TB, path, addr string, mod func(*config.Config)) *testServer {
	t.Helper()
	cfg := config.DefaultConfig()
	if err := cfg.Apply(config.Overrides{Address: addr, Filenames: []string{path}}); err != nil {
		t.Fatal(err)
	}
	if mod != nil {
		mod(cfg)
	}
	var s *server.Server
	var err error
	// A port a stopped server used may take a moment to be free again.
	for i := 0; ; i++ {
		if s, err = server.New(cfg, nil); err != nil {
			t.Fatal(err)
		}
		if err = s.Start(context.Background()); err == nil || i == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("start server on %s: %v", addr, err)
	}
	ts := &testServer{t: t, srv: s, Path: path, Addr: s.Addrs()[0].String()}
	t.Cleanup(ts.Stop)
	return ts
}

// Stop stops the server (once).
func (ts *testServer) Stop() {
	ts.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ts.srv.Stop(ctx); err != nil {
			ts.t.Errorf("stop server %s: %v", ts.Addr, err)
		}
	})
}

// newServer starts a server on a fresh Data.fs.
func newServer(t testing.TB) *testServer {
	t.Helper()
	return startServer(t, filepath.Join(t.TempDir(), "Data.fs"), "127.0.0.1:0", nil)
}

// fastOptions reconnect quickly, so tests of disconnection stay short.
func fastOptions() *Options {
	return &Options{
		WaitTimeout:       5 * time.Second,
		MinDisconnectPoll: 10 * time.Millisecond,
		MaxDisconnectPoll: 50 * time.Millisecond,
		DialTimeout:       time.Second,
		CacheSize:         1 << 20,
		Logger:            testLogger(),
	}
}

// testLogger logs to stderr with -v and $GOZEO_TEST_LOG set, else nowhere.
func testLogger() *slog.Logger {
	if os.Getenv("GOZEO_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// openClient opens a client and registers its Close, and a check of its
// cache file, for the end of the test.
func openClient(t testing.TB, addrs []string, o *Options) *Client {
	t.Helper()
	if o == nil {
		o = fastOptions()
	}
	c, err := Open(context.Background(), addrs, o)
	if err != nil {
		t.Fatalf("open client: %v", err)
	}
	t.Cleanup(func() {
		if c.closed.Load() {
			return
		}
		if err := c.cache.Check(); err != nil {
			t.Errorf("cache check: %v", err)
		}
		c.Close()
	})
	return c
}

// commit stores each oid's data on the given serial and finishes.
func commit(t testing.TB, c *Client, serials map[proto.Oid]proto.Tid, data map[proto.Oid][]byte) proto.Tid {
	t.Helper()
	tx, err := c.TpcBegin(proto.TxnMeta{User: []byte("test"), Description: []byte("commit")})
	if err != nil {
		t.Fatalf("tpc_begin: %v", err)
	}
	for oid, d := range data {
		if err := tx.Store(oid, serials[oid], d); err != nil {
			t.Fatalf("store: %v", err)
		}
	}
	conflicts, err := tx.Vote()
	if err != nil || len(conflicts) != 0 {
		tx.Abort()
		t.Fatalf("vote: %v %+v", err, conflicts)
	}
	tid, err := tx.Finish()
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	return tid
}

// commitOne stores one object.
func commitOne(t testing.TB, c *Client, oid proto.Oid, serial proto.Tid, data []byte) proto.Tid {
	t.Helper()
	return commit(t, c, map[proto.Oid]proto.Tid{oid: serial}, map[proto.Oid][]byte{oid: data})
}

// counter encodes v as object data: 8 bytes and some padding.
func counter(v uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, v)
	return append(b, "-counter-padding-"...)
}

func counterValue(t testing.TB, b []byte) uint64 {
	t.Helper()
	if len(b) < 8 {
		t.Fatalf("object data %q is not a counter", b)
	}
	return binary.BigEndian.Uint64(b)
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// copyFile copies a Data.fs (the server must be stopped).
func copyFile(t testing.TB, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// invLog records OnInvalidate calls and checks their order.
type invLog struct {
	mu    sync.Mutex
	t     testing.TB
	calls []invCall
}

type invCall struct {
	tid  proto.Tid
	oids []proto.Oid // nil: cache dropped
}

func (l *invLog) record(tid proto.Tid, oids []proto.Oid) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.calls); n > 0 && tid <= l.calls[n-1].tid && oids != nil {
		l.t.Errorf("OnInvalidate out of order: %s after %s", tid, l.calls[n-1].tid)
	}
	var cp []proto.Oid
	if oids != nil {
		cp = append([]proto.Oid{}, oids...)
	}
	l.calls = append(l.calls, invCall{tid, cp})
}

func (l *invLog) snapshot() []invCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]invCall(nil), l.calls...)
}

func isDisconnected(err error) bool { return errors.Is(err, ErrDisconnected) }

// recordingHandler is a slog handler that keeps the text of Warn and
// Error records (and passes everything to testLogger's handler too).
type recordingHandler struct {
	mu     sync.Mutex
	errors []string
	warns  []string
}

func (h *recordingHandler) logger() *slog.Logger { return slog.New(h) }

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *recordingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		text := r.Message
		r.Attrs(func(a slog.Attr) bool {
			text += " " + a.String()
			return true
		})
		h.mu.Lock()
		if r.Level >= slog.LevelError {
			h.errors = append(h.errors, text)
		}
		h.warns = append(h.warns, text)
		h.mu.Unlock()
	}
	return testLogger().Handler().Handle(ctx, r)
}

func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// hasWarn reports whether a Warn (or Error) record contains s.
func (h *recordingHandler) hasWarn(s string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.warns {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// has reports whether an Error record contains s.
func (h *recordingHandler) has(s string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, m := range h.errors {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}
