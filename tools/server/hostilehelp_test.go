// Helpers of the hostile-client test: a server with small limits and a
// captured log, well-behaved clients that work throughout the storm, ZEO
// frames built by hand, waiting for the server to hang up, the connection
// flood and the heap sampler.

package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
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

// sampleHeap samples HeapInuse every millisecond until the returned
// function is called, which returns the highest value seen.
func sampleHeap() func() uint64 {
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(stop); return <-done }
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// waitConns waits until the server counts n connections.
func waitConns(t *testing.T, s *Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Engine().ServerStats().Connections > n {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open, want %d", s.Engine().ServerStats().Connections, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// connectionFlood opens and drops 3,000 connections in parallel batches,
// each leaving at a different point of the conversation; the server ends
// with as many connections as it had.
func connectionFlood(t *testing.T, addr string) {
	total, batch := 3000, 150
	if lim := raiseNoFile(t, 2*batch+512); lim < uint64(2*batch+512) {
		batch = max(10, int(lim-256)/2)
		t.Logf("RLIMIT_NOFILE is %d: batches of %d", lim, batch)
	}
	hello := proto.AppendHello(nil, proto.Hello{Version: proto.Version})
	reg := (&proto.RegisterRequest{Storage: "1"}).AppendFrame(nil, 1)
	var failed atomic.Int64
	for done := 0; done < total; done += batch {
		var wg sync.WaitGroup
		for i := range batch {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					failed.Add(1)
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				var greeting [6]byte
				switch (done + i) % 5 {
				case 0: // gone at once
				case 1:
					c.Read(greeting[:])
				case 2:
					c.Write(hello)
				case 3:
					c.Write(append(append([]byte(nil), hello...), reg...))
					c.Read(make([]byte, 64))
				case 4:
					c.Write([]byte("\x00\x00\x00\x02Z5"))
					c.Write(binary.BigEndian.AppendUint32(nil, 1<<20)) // a frame never sent
				}
			}()
		}
		wg.Wait()
	}
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d connections could not be opened", n, total)
	}
	t.Logf("%d connections opened and dropped, %d at a time", total, batch)
}

// raiseNoFile raises the soft RLIMIT_NOFILE towards want (up to the hard
// limit) and returns the soft limit in force.
func raiseNoFile(t *testing.T, want int) uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return uint64(want)
	}
	if rl.Cur < uint64(want) {
		rl.Cur = min(uint64(want), rl.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			t.Logf("raising RLIMIT_NOFILE: %v", err)
		}
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	return rl.Cur
}
