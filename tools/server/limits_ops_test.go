// Limits configured in zeo.conf: each bites at its configured value and
// logs a line naming the client.

package server

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

// startConf starts a server from zeo.conf text; "$DATA" is replaced by a
// fresh Data.fs path.
func startConf(t *testing.T, text string) (*Server, *logBuf) {
	t.Helper()
	text = strings.ReplaceAll(text, "$DATA", filepath.Join(t.TempDir(), "Data.fs"))
	cfg, err := config.Parse("zeo.conf", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
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
		s.Stop(ctx)
	})
	return s, logs
}

// TestLimitsFromConfig: max-connections, max-frame-size and
// transaction-timeout from zeo.conf.
func TestLimitsFromConfig(t *testing.T) {
	s, logs := startConf(t, `
<zeo>
  address 127.0.0.1:0
  max-connections 3
  max-frame-size 1KB
  transaction-timeout 0.3
</zeo>
<filestorage>
  path $DATA
</filestorage>
`)
	addr := s.Addrs()[0].String()
	holder, framer, third := dialNative(t, addr), dialNative(t, addr), dialNative(t, addr)
	register(t, holder)
	register(t, framer)
	register(t, third)

	// A fourth connection is refused.
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetDeadline(time.Now().Add(5 * time.Second))
	if b, _ := io.ReadAll(extra); len(b) != 0 {
		t.Fatalf("fourth client got %q", b)
	}
	logs.lineWith(t, "too many connections: refusing client", "client="+extra.LocalAddr().String(), "limit=3")
	if n := s.Engine().ServerStats().RefusedConns; n != 1 {
		t.Fatalf("refused connections %d", n)
	}

	// A frame over 1 KB closes its connection before its body is read.
	framer.write([]byte{0, 0, 4, 1}) // 1025 bytes announced
	framer.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.ReadAll(framer.c)
	logs.lineWith(t, "refusing frame", "client="+framer.c.LocalAddr().String(), "length=1025", "max=1024")
	// A frame under the limit (a store of 900 bytes) is accepted.
	commitOne(t, third, 1, 1, 0, make([]byte, 900))

	// A voted transaction held past 0.3 s is aborted and its client
	// disconnected.
	holder.send(&proto.TpcBeginRequest{Txn: 1})
	holder.send(&proto.StoreRequest{Txn: 1, Oid: 0, Data: []byte("held")})
	if f := holder.call(&proto.VoteRequest{Txn: 1}); f.IsError() {
		t.Fatal(proto.DecodeError(f.Body))
	}
	holder.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.ReadAll(holder.c)
	logs.lineWith(t, "transaction timeout", "client="+holder.c.LocalAddr().String(), "limit=300ms")
	if n := s.Engine().ServerStats().Timeouts; n != 1 {
		t.Fatalf("timeouts %d", n)
	}
}

// TestOutputLimitNonReader: a client that sends many loads of a large
// object and never reads is disconnected at output-buffer-limit, while
// another client's loads keep completing.
func TestOutputLimitNonReader(t *testing.T) {
	s, logs := startConf(t, `
<zeo>
  address 127.0.0.1:0
  output-buffer-limit 2MB
</zeo>
<filestorage>
  path $DATA
</filestorage>
`)
	addr := s.Addrs()[0].String()
	good := dialNative(t, addr)
	register(t, good)
	big := make([]byte, 256<<10)
	for i := range big {
		big[i] = byte(i * 7)
	}
	commitOne(t, good, 1, 1, 0, big)
	commitOne(t, good, 2, 2, 0, []byte("small"))

	// The non-reader: a raw socket with a small receive buffer.
	nr, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nr.Close()
	nr.(*net.TCPConn).SetReadBuffer(8 << 10)
	raw := &rawConn{t: t, c: nr}
	raw.readRaw() // greeting
	raw.write(proto.AppendHello(nil, proto.Hello{Version: proto.Version}))
	raw.readRaw()
	register(t, raw)
	var reqs []byte
	for i := range 400 { // 100 MB of replies
		reqs = (&proto.LoadBeforeRequest{Oid: 1, Before: proto.MaxTid}).AppendFrame(reqs, uint32(100+i))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		nr.SetWriteDeadline(time.Now().Add(10 * time.Second))
		nr.Write(reqs) // may fail once the server has dropped us
	}()

	// The well-behaved client is served throughout.
	deadline := time.Now().Add(10 * time.Second)
	loads := 0
	for s.Engine().ServerStats().OutputLimitCloses == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the non-reader was not disconnected; log:\n%s", logs.String())
		}
		if data, _ := loadData(t, good, 2); string(data) != "small" {
			t.Fatalf("good client load: %q", data)
		}
		loads++
	}
	line := logs.lineWith(t, "client does not read its replies: disconnecting", "client="+nr.LocalAddr().String())
	if !strings.Contains(line, "limit=2097152") {
		t.Fatalf("limit not in the log line: %s", line)
	}
	for range 20 {
		if data, _ := loadData(t, good, 1); len(data) != len(big) {
			t.Fatalf("good client big load: %d bytes", len(data))
		}
	}
	wg.Wait()
	t.Logf("good client did %d loads while the non-reader filled its buffer", loads)
}
