// What TLS costs: the same round trips over a plain connection and
// through the TLS front end (loopback, one client, one request at a time).

package server

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// BenchmarkRoundTrip measures one request and its reply: a ping, and
// loads of objects of 1 KiB and 64 KiB, over plain TCP and over TLS. The
// allocations counted are the whole process's, server included; over TLS
// they are crypto/tls's (one per record read, on each side).
func BenchmarkRoundTrip(b *testing.B) {
	setup := newTLSSetup(b, false, false)
	plainSrv, _ := startOps(b, nil)
	_, _, tlsAddr := startTLS(b, setup)

	dial := map[string]func() net.Conn{
		"plain": func() net.Conn {
			c, err := net.Dial("tcp", plainSrv.Addrs()[0].String())
			if err != nil {
				b.Fatal(err)
			}
			return c
		},
		"tls": func() net.Conn {
			c, err := tls.Dial("tcp", tlsAddr, setup.clientConfig(&setup.clientCert))
			if err != nil {
				b.Fatal(err)
			}
			return c
		},
	}
	sizes := []int{1 << 10, 64 << 10}
	for _, transport := range []string{"plain", "tls"} {
		rc := nativeOver(b, dial[transport]())
		register(b, rc)
		for i, size := range sizes {
			commitOne(b, rc, uint64(i+1), proto.Oid(i+1), 0, make([]byte, size))
		}
		b.Run(transport+"/ping", func(b *testing.B) {
			roundTrips(b, rc.c, (&proto.PingRequest{}).AppendFrame(nil, 1))
		})
		for i, size := range sizes {
			name := transport + "/load-1KiB"
			if size > 1<<10 {
				name = transport + "/load-64KiB"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(size))
				roundTrips(b, rc.c, (&proto.LoadBeforeRequest{Oid: proto.Oid(i + 1), Before: proto.MaxTid}).AppendFrame(nil, 1))
			})
		}
	}
}

// roundTrips sends req and reads one reply frame, b.N times.
func roundTrips(b *testing.B, c net.Conn, req []byte) {
	b.ReportAllocs()
	c.SetDeadline(time.Time{}) // the setup's 5 s deadlines would cut long runs
	buf := make([]byte, 128<<10)
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf[:4]); err != nil {
			b.Fatal(err)
		}
		n := binary.BigEndian.Uint32(buf[:4])
		if _, err := io.ReadFull(c, buf[:n]); err != nil {
			b.Fatal(err)
		}
	}
}
