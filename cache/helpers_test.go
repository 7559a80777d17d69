package cache

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

var long = flag.Bool("long", false, "run the long crash-test mode")

// forEachPolicy runs f as a subtest for every policy.
func forEachPolicy(t *testing.T, f func(t *testing.T, p Policy)) {
	t.Helper()
	for _, p := range Policies() {
		t.Run(p.Name(), func(t *testing.T) { f(t, p) })
	}
}

// logCapture collects log output for assertions.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCapture) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logCapture) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logCapture) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *logCapture) mustContain(t *testing.T, subs ...string) {
	t.Helper()
	s := l.String()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Fatalf("log lacks %q; log:\n%s", sub, s)
		}
	}
}

// openTest opens a cache and registers a Check and a Close in t.Cleanup
// (Check first).
func openTest(t *testing.T, path string, opts *Options) *Cache {
	t.Helper()
	c, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	t.Cleanup(func() { checkOpen(t, c) })
	return c
}

// checkOpen runs Check on a cache that may have been closed by the test.
func checkOpen(t *testing.T, c *Cache) {
	t.Helper()
	if err := c.Check(); err != nil && !errors.Is(err, ErrClosed) {
		t.Errorf("Check: %v", err)
	}
}

// closeTest checks and closes c.
func closeTest(t *testing.T, c *Cache) {
	t.Helper()
	if err := c.Check(); err != nil {
		t.Fatalf("Check before close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func tmpPath(t *testing.T) string { return filepath.Join(t.TempDir(), "client-1.zec") }

// payload is deterministic test data for (oid, start) of length n.
func payload(oid proto.Oid, start proto.Tid, n int) []byte {
	b := make([]byte, n)
	x := uint64(oid)*0x9e3779b97f4a7c15 ^ uint64(start)*0xbf58476d1ce4e5b9 | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

func mustStore(t *testing.T, c *Cache, oid proto.Oid, start, end proto.Tid, data []byte) {
	t.Helper()
	if err := c.Store(oid, start, end, data); err != nil {
		t.Fatalf("Store(%s, %s, %s): %v", oid.Repr(), start, end, err)
	}
}

func wantLoad(t *testing.T, c *Cache, oid proto.Oid, start proto.Tid, data []byte) {
	t.Helper()
	got, s, ok := c.Load(oid, nil)
	if !ok {
		t.Fatalf("Load(%s): miss, want start %s", oid.Repr(), start)
	}
	if s != start || !bytes.Equal(got, data) {
		t.Fatalf("Load(%s) = start %s, %d bytes; want start %s, %d bytes", oid.Repr(), s, len(got), start, len(data))
	}
}

func wantMiss(t *testing.T, c *Cache, oid proto.Oid) {
	t.Helper()
	if _, s, ok := c.Load(oid, nil); ok {
		t.Fatalf("Load(%s) hit (start %s), want miss", oid.Repr(), s)
	}
}

func tid(n int) proto.Tid { return proto.Tid(n) }

func (s Stats) String() string {
	return fmt.Sprintf("hits %d misses %d stores %d evict %d inval %d rej %d toobig %d corrupt %d rearr %d used %d objs %d",
		s.Hits, s.Misses, s.Stores, s.Evictions, s.Invalidations, s.Rejected, s.TooBig, s.Corrupt, s.Rearranged, s.BytesUsed, s.Objects)
}

func errorsIsCorrupt(err error) bool { return errors.Is(err, ErrCorrupt) }
