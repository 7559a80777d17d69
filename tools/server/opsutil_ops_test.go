// Helpers of the operations tests: a captured log, a server started with
// it, and native conversations over any connection.

package server

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

// logBuf is a log destination tests read while the server writes.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// lineWith returns the first log line holding every part, waiting up to
// 5 s for it to appear.
func (l *logBuf) lineWith(t testing.TB, parts ...string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, line := range strings.Split(l.String(), "\n") {
			ok := true
			for _, p := range parts {
				if !strings.Contains(line, p) {
					ok = false
					break
				}
			}
			if ok {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q in:\n%s", parts, l.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startOps runs a server on fresh Data.fs files (one per name in files,
// default one) with a captured log; tweak adjusts the configuration.
func startOps(t testing.TB, tweak func(*config.Config)) (*Server, *logBuf) {
	t.Helper()
	cfg := config.DefaultConfig()
	if err := cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: []string{filepath.Join(t.TempDir(), "Data.fs")}}); err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(cfg)
	}
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
	return s, logs
}

// nativeOver starts a native conversation on an open connection: the
// server's greeting, our hello, its hello.
func nativeOver(t testing.TB, c net.Conn) *rawConn {
	t.Helper()
	t.Cleanup(func() { c.Close() })
	rc := &rawConn{t: t, c: c}
	if g := rc.readRaw(); string(g) != "Z5" {
		t.Fatalf("greeting %q", g)
	}
	rc.write(proto.AppendHello(nil, proto.Hello{Version: proto.Version}))
	if sh, err := proto.DecodeServerHello(rc.readRaw()); err != nil || sh.Version != proto.Version {
		t.Fatalf("server hello %+v %v", sh, err)
	}
	return rc
}

// commitOne stores data under oid (based on serial) and returns the tid.
func commitOne(t testing.TB, rc *rawConn, txn uint64, oid proto.Oid, serial proto.Tid, data []byte) proto.Tid {
	t.Helper()
	rc.send(&proto.TpcBeginRequest{Txn: txn})
	rc.send(&proto.StoreRequest{Txn: txn, Oid: oid, Serial: serial, Data: data})
	f := rc.call(&proto.VoteRequest{Txn: txn})
	var vr proto.VoteReply
	if f.IsError() || vr.Decode(f.Body) != nil || len(vr.Conflicts) > 0 {
		t.Fatalf("vote: %v %+v", proto.DecodeError(f.Body), vr)
	}
	f = rc.call(&proto.TpcFinishRequest{Txn: txn})
	var fin proto.TpcFinishReply
	if f.IsError() || fin.Decode(f.Body) != nil {
		t.Fatalf("finish: %v", proto.DecodeError(f.Body))
	}
	return fin.Tid
}

// loadData loads oid's current data.
func loadData(t testing.TB, rc *rawConn, oid proto.Oid) ([]byte, proto.Tid) {
	t.Helper()
	f := rc.call(&proto.LoadBeforeRequest{Oid: oid, Before: proto.MaxTid})
	var lb proto.LoadBeforeReply
	if f.IsError() || lb.Decode(f.Body) != nil || !lb.Found {
		t.Fatalf("load %s: %v", oid, proto.DecodeError(f.Body))
	}
	return lb.Data, lb.Start
}
