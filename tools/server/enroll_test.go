package server

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// socketPair returns both ends of a unix stream socket pair.
func socketPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(fd int) net.Conn {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	return mk(fds[0]), mk(fds[1])
}

func TestServeConnSocketPair(t *testing.T) {
	s, _ := startServer(t)
	mine, theirs := socketPair(t)
	defer mine.Close()
	if err := s.Engine().ServeConn(theirs, "tls:192.0.2.1:5555"); err != nil {
		t.Fatal(err)
	}
	mine.SetDeadline(time.Now().Add(5 * time.Second))
	var hdr [4]byte
	if _, err := io.ReadFull(mine, hdr[:]); err != nil {
		t.Fatal(err)
	}
	g := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	io.ReadFull(mine, g)
	if string(g) != "Z5" {
		t.Fatalf("greeting %q", g)
	}
	rc := &rawConn{t: t, c: mine}
	rc.write(proto.AppendHello(nil, proto.Hello{Version: proto.Version}))
	if _, err := proto.DecodeServerHello(rc.readRaw()); err != nil {
		t.Fatal(err)
	}
	if tid := register(t, rc); tid != 0 {
		t.Fatalf("last tid %s", tid)
	}
}
