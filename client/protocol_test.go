// Protocol-level tests against the scripted server: in-flight failures,
// shared loads, reply/invalidation ordering, hostile servers, handshake
// errors, compression and TLS.

package client

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

func TestInFlightFailsFast(t *testing.T) {
	t.Parallel()
	held := make(chan proto.Frame, 4)
	fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		if f.Op == proto.OpLoadBefore {
			held <- f
		}
	})
	c := openClient(t, []string{fs.Addr}, nil) // WaitTimeout 5 s
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.Load(7, nil)
		errc <- err
	}()
	<-held
	start := time.Now()
	fs.DropAll()
	err := <-errc
	if !isDisconnected(err) || time.Since(start) > time.Second {
		t.Fatalf("in-flight load: %v after %v", err, time.Since(start))
	}
}

func TestSharedLoads(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var frames []proto.Frame
	var conn *fakeConn
	fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		if f.Op == proto.OpLoadBefore {
			mu.Lock()
			frames, conn = append(frames, f), fc
			mu.Unlock()
		}
	})
	c := openClient(t, []string{fs.Addr}, nil)
	const n = 8
	type result struct {
		data  string
		start proto.Tid
		err   error
	}
	results := make(chan result, n)
	for range n {
		go func() {
			data, start, err := c.Load(7, nil)
			results <- result{string(data), start, err}
		}()
	}
	waitFor(t, "every load to join the first", func() bool {
		c.loadMu.Lock()
		defer c.loadMu.Unlock()
		l := c.loading[loadKey{7, proto.MaxTid}]
		k := 0
		for f := (*waiter)(nil); l != nil; {
			if f == nil {
				f = l.followers
			} else {
				f = f.next
			}
			if f == nil {
				break
			}
			k++
		}
		return k == n-1
	})
	mu.Lock()
	if len(frames) != 1 {
		t.Fatalf("%d requests for %d identical loads", len(frames), n)
	}
	conn.reply(frames[0], &proto.LoadBeforeReply{Found: true, Data: []byte("shared"), Start: 5})
	mu.Unlock()
	for range n {
		r := <-results
		if r.err != nil || r.data != "shared" || r.start != 5 {
			t.Fatalf("shared load: %+v", r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(frames) != 1 {
		t.Fatalf("%d requests", len(frames))
	}
}

// TestLoadReplyThenInvalidation: a load reply followed at once by an
// invalidation of the same object (in one write) leaves the revision in
// the cache as non-current, never as current.
func TestLoadReplyThenInvalidation(t *testing.T) {
	t.Parallel()
	var loads atomic.Int32
	var fs *fakeServer
	fs = newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		if f.Op != proto.OpLoadBefore {
			return
		}
		switch loads.Add(1) {
		case 1:
			b := (&proto.LoadBeforeReply{Found: true, Data: []byte("old"), Start: 0x180}).AppendFrame(nil, f.MsgID)
			b = (&proto.InvalidateTransaction{Tid: 0x200, Oids: []proto.Oid{7}}).AppendFrame(b, 0)
			fs.setLastTid(0x200)
			fc.write(b)
		default:
			fc.reply(f, &proto.LoadBeforeReply{Found: true, Data: []byte("new"), Start: 0x200})
		}
	})
	fs.setLastTid(0x100)
	log := &invLog{t: t}
	o := fastOptions()
	o.OnInvalidate = log.record
	c := openClient(t, []string{fs.Addr}, o)
	if data, start, err := c.Load(7, nil); err != nil || string(data) != "old" || start != 0x180 {
		t.Fatalf("first load: %q %s %v", data, start, err)
	}
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.LastTransaction() != 0x200 {
		t.Fatalf("last transaction %s", c.LastTransaction())
	}
	if data, start, err := c.Load(7, nil); err != nil || string(data) != "new" || start != 0x200 {
		t.Fatalf("load after the invalidation: %q %s %v", data, start, err)
	}
	if loads.Load() != 2 {
		t.Fatalf("%d loads reached the server, want 2", loads.Load())
	}
	data, start, end, err := c.LoadBefore(7, 0x200, nil)
	if err != nil || string(data) != "old" || start != 0x180 || end != 0x200 || loads.Load() != 2 {
		t.Fatalf("non-current revision: %q [%s, %s) %v (loads %d)", data, start, end, err, loads.Load())
	}
	if got := log.snapshot(); len(got) != 1 || got[0].tid != 0x200 {
		t.Fatalf("OnInvalidate calls %+v", got)
	}
}

func TestCompressedRecords(t *testing.T) {
	t.Parallel()
	plain := []byte(strings.Repeat("a compressible pickle ", 50))
	z := compress.NewCompressor(compress.Zstd, nil)
	packed, ok := z.Compress(nil, plain)
	if !ok {
		t.Fatal("test data did not compress")
	}
	var loads atomic.Int32
	fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		switch f.Op {
		case proto.OpLoadBefore:
			loads.Add(1)
			fc.reply(f, &proto.LoadBeforeReply{Found: true, Data: packed, Start: 0x10})
		case proto.OpLoadSerial:
			fc.reply(f, &proto.LoadSerialReply{Data: packed})
		}
	})
	fs.Features = proto.FeatureCompressedRecords
	fs.setLastTid(0x10)
	o := fastOptions()
	o.CompressedRecords = true
	c := openClient(t, []string{fs.Addr}, o)
	for i := 0; i < 2; i++ {
		data, _, err := c.Load(1, nil)
		if err != nil || string(data) != string(plain) {
			t.Fatalf("load %d: %d bytes %v", i, len(data), err)
		}
	}
	if loads.Load() != 1 {
		t.Fatalf("%d loads reached the server; the plain record was not cached", loads.Load())
	}
	data, err := c.LoadSerial(2, 0x10, nil)
	if err != nil || string(data) != string(plain) {
		t.Fatalf("loadSerial: %d bytes %v", len(data), err)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
	})
	if err != nil {
		t.Fatal(err)
	}
	fs := serveFake(t, ln, nil)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	o := fastOptions()
	o.TLS = &tls.Config{RootCAs: pool}
	c := openClient(t, []string{fs.Addr}, o)
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	// An untrusted certificate is refused.
	o = fastOptions()
	o.TLS, o.WaitTimeout = &tls.Config{RootCAs: x509.NewCertPool()}, 200*time.Millisecond
	_, err = Open(context.Background(), []string{fs.Addr}, o)
	var cve *tls.CertificateVerificationError
	if !isDisconnected(err) || !errors.As(err, &cve) {
		t.Fatalf("untrusted server: %v", err)
	}
}

// TestIteratorGC: Close tells the server to drop the iterators that were
// not exhausted.
func TestIteratorGC(t *testing.T) {
	t.Parallel()
	gc := make(chan []uint64, 1)
	fs := newFakeServer(t, func(fc *fakeConn, f proto.Frame) {
		switch f.Op {
		case proto.OpIteratorStart:
			fc.reply(f, &proto.IteratorStartReply{ID: 42})
		case proto.OpIteratorNext:
			fc.reply(f, &proto.IteratorNextReply{Found: true, Txn: proto.TxnInfo{Tid: 5, Status: ' ', User: []byte("u")}})
		case proto.OpIteratorRecordStart:
			var m proto.IteratorRecordStartRequest
			if m.Decode(f.Body) != nil || m.TxnIter != 42 || m.Tid != 5 {
				t.Errorf("record start %+v", m)
			}
			fc.reply(f, &proto.IteratorRecordStartReply{ID: 43})
		case proto.OpIteratorRecordNext:
			fc.reply(f, &proto.IteratorRecordNextReply{Found: true, Record: proto.DataRecord{Oid: 1, Tid: 5, Data: []byte("d")}})
		case proto.OpIteratorGC:
			var m proto.IteratorGCRequest
			if err := m.Decode(f.Body); err != nil || !f.IsOneWay() {
				t.Errorf("iterator gc: %v", err)
			}
			gc <- m.IDs
		}
	})
	c := openClient(t, []string{fs.Addr}, nil)
	it := c.Iterator(0, 0)
	if r := it.Records(); r == nil {
		t.Fatal("nil record iterator")
	} else if _, _, err := r.Next(); !errors.Is(err, ErrTxnState) {
		t.Fatalf("records before next: %v", err)
	}
	txn, ok, err := it.Next()
	if err != nil || !ok || txn.Tid != 5 || string(txn.User) != "u" {
		t.Fatalf("next: %+v %v %v", txn, ok, err)
	}
	rec, ok, err := it.Records().Next()
	if err != nil || !ok || rec.Oid != 1 || string(rec.Data) != "d" {
		t.Fatalf("record: %+v %v %v", rec, ok, err)
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case ids := <-gc:
		if len(ids) != 2 || ids[0] != 42 || ids[1] != 43 {
			t.Fatalf("iterator gc ids %v", ids)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no IteratorGC")
	}
}
