// The baseline: a length-prefixed echo server on loopback driven by the
// same load loop as the protocols, and the fsync rate of the data
// directory.

package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gozeo/gozeo/bench/report"
	"github.com/gozeo/gozeo/bench/wire"
	"github.com/gozeo/gozeo/proto"
)

// Echo framing: a request is u32 length + (u32 slot, u32 reply payload
// size, padding) sized like a native LoadBefore request; the reply is u32
// length + a payload of the asked size starting with the slot.
const (
	echoRequestPayload = proto.FrameHeaderSize - 4 + 16 // a native LoadBefore request
	echoReplyOverhead  = proto.FrameHeaderSize - 4 + 1 + 4 + 16
	echoMaxPayload     = 64 << 20
	fsyncBlock         = 4096
)

// echoReplySize is the payload of a native LoadBefore reply carrying
// dataSize bytes, which the echo server sends back.
func echoReplySize(dataSize int) int { return dataSize + echoReplyOverhead }

// echoServer answers every request frame with a reply of the size it asks.
type echoServer struct {
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[net.Conn]struct{}
}

func startEcho() (*echoServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: echo server: %w", err)
	}
	s := &echoServer{ln: ln, open: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.open[nc] = struct{}{}
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				serveEcho(nc)
				s.mu.Lock()
				delete(s.open, nc)
				s.mu.Unlock()
			}()
		}
	}()
	return s, nil
}

func (s *echoServer) addr() string { return s.ln.Addr().String() }

func (s *echoServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for nc := range s.open {
		nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// serveEcho is the server's loop: read a request, append its reply,
// write when no further request is buffered (as the engine batches).
func serveEcho(nc net.Conn) {
	defer nc.Close()
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	c := wire.New(nc)
	split := wire.LengthPrefixed(echoMaxPayload)
	var zeros []byte
	for {
		f, err := c.Next(split)
		if err != nil || len(f) < 12 {
			return
		}
		size := int(binary.BigEndian.Uint32(f[8:]))
		if size < 4 || size > echoMaxPayload {
			return
		}
		if len(zeros) < size {
			zeros = make([]byte, size)
		}
		c.Out = binary.BigEndian.AppendUint32(c.Out, uint32(size))
		c.Out = append(c.Out, f[4:8]...) // the slot
		c.Out = append(c.Out, zeros[:size-4]...)
		if !c.Buffered(split) {
			if c.Flush() != nil {
				return
			}
		}
	}
}

// echoConn is the echo client: a loadConn like the protocol drivers.
type echoConn struct {
	wc        *wire.Conn
	split     wire.Splitter
	replySize int
	pad       [echoRequestPayload - 8]byte
}

func dialEcho(ctx context.Context, addr string, replySize int) (*echoConn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("bench: echo: %w", err)
	}
	nc.(*net.TCPConn).SetNoDelay(true)
	return &echoConn{wc: wire.New(nc), split: wire.LengthPrefixed(echoMaxPayload), replySize: replySize}, nil
}

func (c *echoConn) SendLoad(slot int, _ proto.Oid) {
	c.wc.Out = binary.BigEndian.AppendUint32(c.wc.Out, echoRequestPayload)
	c.wc.Out = binary.BigEndian.AppendUint32(c.wc.Out, uint32(slot))
	c.wc.Out = binary.BigEndian.AppendUint32(c.wc.Out, uint32(c.replySize))
	c.wc.Out = append(c.wc.Out, c.pad[:]...)
}

func (c *echoConn) Flush() error   { return c.wc.Flush() }
func (c *echoConn) Buffered() bool { return c.wc.Buffered(c.split) }
func (c *echoConn) Close() error   { return c.wc.Close() }

func (c *echoConn) RecvLoad() (slot, size int, err error) {
	f, err := c.wc.Next(c.split)
	if err != nil {
		return -1, 0, err
	}
	if len(f) < 8 {
		return -1, 0, errors.New("bench: echo: short reply")
	}
	return int(binary.BigEndian.Uint32(f[4:])), len(f) - 4, nil
}

// echo measures conns x depth echo round trips with replies of
// replySize payload bytes.
func (rn *runner) echo(ctx context.Context, conns, depth, replySize int) (report.Result, error) {
	srv, err := startEcho()
	if err != nil {
		return report.Result{}, err
	}
	defer srv.close()
	cs := make([]*echoConn, 0, conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range conns {
		c, err := dialEcho(ctx, srv.addr(), replySize)
		if err != nil {
			return report.Result{}, err
		}
		cs = append(cs, c)
	}
	res, err := rn.timed(ctx, "echo", conns, func(ctx context.Context, id int, rec *recorder) error {
		return loadLoop(cs[id], depth, rec, func() proto.Oid { return 0 })
	})
	res.Params = report.Params{Clients: conns, Conns: conns, Depth: depth, Size: fmt.Sprint(replySize)}
	res.Notes = append(res.Notes, fmt.Sprintf("loopback echo: %d-byte requests, %d-byte replies (length prefix included)",
		echoRequestPayload+4, replySize+4))
	return res, err
}

// fsync measures 4 KiB appends each followed by fdatasync in dir.
func (rn *runner) fsync(ctx context.Context, dir string) (report.Result, error) {
	f, err := os.CreateTemp(dir, ".gozeo-bench-fsync-")
	if err != nil {
		return report.Result{}, fmt.Errorf("bench: fsync probe: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, fsyncBlock)
	fd := int(f.Fd())
	res, err := rn.timed(ctx, "fsync", 1, func(ctx context.Context, id int, rec *recorder) error {
		for rec.issue() {
			t0 := time.Now()
			if _, err := f.Write(block); err != nil {
				return err
			}
			if err := unix.Fdatasync(fd); err != nil {
				return fmt.Errorf("fdatasync: %w", err)
			}
			rec.ok(time.Since(t0))
		}
		return nil
	})
	res.Params = report.Params{Clients: 1, Size: fmt.Sprint(fsyncBlock)}
	res.Notes = append(res.Notes, "4 KiB append + fdatasync in "+dir)
	return res, err
}
