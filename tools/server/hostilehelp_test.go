// Helpers of the hostile-client test: a server with small limits and a
// captured log, well-behaved clients that work throughout the storm, ZEO
// frames built by hand, and waiting for the server to hang up.

package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/zeo5"
	"github.com/gozeo/gozeo/tools/config"
)

// hostileServer runs a server with a 16 MB frame limit, a 20 MB output
// limit (above the largest reply: a single reply larger than the output
// limit disconnects even a client that reads) and a 400 ms transaction
// timeout; it returns the Data.fs path too.
func hostileServer(t *testing.T) (*Server, *logBuf, string, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Data.fs")
	cfg := config.DefaultConfig()
	if err := cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: []string{path}}); err != nil {
		t.Fatal(err)
	}
	cfg.ZEO.OutputBufferLimit = 20 << 20
	cfg.ZEO.MaxFrameSize = 16 << 20
	cfg.ZEO.TransactionTimeout = 400 * time.Millisecond
	logs := &logBuf{}
	s, err := New(cfg, logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return s, logs, s.Addrs()[0].String(), path
}

// goodLoader loads an object in a loop on its own connection, every load
// a round trip, and keeps the slowest one.
type goodLoader struct {
	stop    chan struct{}
	done    chan struct{}
	loads   int
	maxLat  time.Duration
	maxAt   time.Time // when the slowest load started
	failure error
}

func startGoodLoader(t *testing.T, addr string, oid proto.Oid, want []byte) *goodLoader {
	g := &goodLoader{stop: make(chan struct{}), done: make(chan struct{})}
	ec, err := dialErr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(g.done)
		defer ec.Close()
		for {
			select {
			case <-g.stop:
				return
			default:
			}
			start := time.Now()
			got, err := ec.load(oid)
			if lat := time.Since(start); lat > g.maxLat {
				g.maxLat, g.maxAt = lat, start
			}
			if err != nil || string(got) != string(want) {
				g.failure = fmt.Errorf("load %d: %q, %v", g.loads, got, err)
				return
			}
			g.loads++
			time.Sleep(time.Millisecond)
		}
	}()
	return g
}

func (g *goodLoader) finish() { close(g.stop); <-g.done }

// goodWriter commits a new object every few milliseconds on its own
// connection and keeps what was acknowledged.
type goodWriter struct {
	stop    chan struct{}
	done    chan struct{}
	mu      sync.Mutex
	acked   []acked
	failure error
}

func startGoodWriter(t *testing.T, addr string, firstOid proto.Oid) *goodWriter {
	g := &goodWriter{stop: make(chan struct{}), done: make(chan struct{})}
	ec, err := dialErr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(g.done)
		defer ec.Close()
		for k := 0; ; k++ {
			select {
			case <-g.stop:
				return
			default:
			}
			oid := firstOid + proto.Oid(k)
			data := fmt.Appendf(nil, "written during the storm, #%d", k)
			tid, err := ec.commit(uint64(k+1), map[proto.Oid][]byte{oid: data})
			if err != nil {
				g.failure = fmt.Errorf("commit %d: %v", k, err)
				return
			}
			g.mu.Lock()
			g.acked = append(g.acked, acked{oid, tid, data})
			g.mu.Unlock()
			time.Sleep(3 * time.Millisecond)
		}
	}()
	return g
}

func (g *goodWriter) finish() { close(g.stop); <-g.done }

// zeoCall encodes one ZEO call frame; args writes the argument tuple.
func zeoCall(enc zeo5.Encoding, msgid int64, name string, args func(w *zeo5.Writer)) []byte {
	w := zeo5.NewWriter(enc, nil)
	w.BeginCall(msgid, name)
	args(w)
	if err := w.EndMessage(); err != nil {
		panic(err)
	}
	return w.Bytes()
}

// dialRaw connects and reads the greeting.
func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &rawConn{t: t, c: c}
	if g := rc.readRaw(); string(g) != "Z5" {
		t.Fatalf("greeting %q", g)
	}
	return c
}

// hangsUp reads until the server closes c and returns what it sent; it
// fails if the server keeps the connection open for 5 s.
func hangsUp(t *testing.T, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server did not hang up within 5 s (it sent %d bytes)", len(b))
	}
	return b
}

// nativeError returns the error of the first error frame in b (after any
// invalidation pushes).
func nativeError(t *testing.T, b []byte) error {
	t.Helper()
	for rest := b; len(rest) > 0; {
		f, n, err := proto.ReadFrame(rest, 0)
		if err != nil || n == 0 {
			break
		}
		if f.IsError() {
			return proto.DecodeError(f.Body)
		}
		rest = rest[n:]
	}
	t.Fatalf("expected an error frame, got %x", b[:min(len(b), 40)])
	return nil
}

// client is the log's name for a connection's client end.
func clientAttr(c net.Conn) string { return "client=" + c.LocalAddr().String() }
