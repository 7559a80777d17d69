package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
)

func frame(payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(payload))), payload...)
}

// chunkConn feeds its input a few bytes per Read, so frames span reads.
type chunkConn struct {
	net.Conn
	in    []byte
	chunk int
	out   bytes.Buffer
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.in) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.chunk, len(c.in))
	copy(p, c.in[:n])
	c.in = c.in[n:]
	return n, nil
}

func (c *chunkConn) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c *chunkConn) Close() error                { return nil }

func TestNextAcrossReadsAndGrowth(t *testing.T) {
	var in []byte
	var want [][]byte
	for i, n := range []int{0, 1, 5, 100000, 3, 200000, 7} {
		p := bytes.Repeat([]byte{byte(i + 1)}, n)
		want = append(want, frame(p))
		in = append(in, frame(p)...)
	}
	for _, chunk := range []int{1, 3, 4096, 1 << 20} {
		c := New(&chunkConn{in: in, chunk: chunk})
		split := LengthPrefixed(1 << 20)
		for i, w := range want {
			f, err := c.Next(split)
			if err != nil {
				t.Fatalf("chunk %d frame %d: %v", chunk, i, err)
			}
			if !bytes.Equal(f, w) {
				t.Fatalf("chunk %d frame %d: %d bytes, want %d", chunk, i, len(f), len(w))
			}
		}
		if _, err := c.Next(split); !errors.Is(err, io.EOF) {
			t.Fatalf("after the last frame: %v", err)
		}
	}
}

func TestBufferedAndTooLarge(t *testing.T) {
	in := append(frame([]byte("ab")), frame([]byte("cd"))...)
	in = append(in, 0xff, 0xff, 0xff, 0xff)
	c := New(&chunkConn{in: in, chunk: 1 << 10})
	split := LengthPrefixed(100)
	if c.Buffered(split) {
		t.Fatal("buffered before any read")
	}
	if f, err := c.Next(split); err != nil || string(f[4:]) != "ab" {
		t.Fatalf("%q %v", f, err)
	}
	if !c.Buffered(split) {
		t.Fatal("second frame not reported buffered")
	}
	c.Next(split)
	if _, err := c.Next(split); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("oversize prefix: %v", err)
	}
}

func TestFlush(t *testing.T) {
	cc := &chunkConn{}
	c := New(cc)
	c.Out = append(c.Out, "hello"...)
	if err := c.Flush(); err != nil || cc.out.String() != "hello" || len(c.Out) != 0 {
		t.Fatalf("flush: %v %q %d", err, cc.out.String(), len(c.Out))
	}
	if err := c.Flush(); err != nil || cc.out.Len() != 5 {
		t.Fatal("empty flush wrote")
	}
}

func TestNextNoAllocs(t *testing.T) {
	one := frame([]byte("0123456789"))
	cc := &chunkConn{chunk: 1 << 16}
	c := New(cc)
	split := LengthPrefixed(1 << 10)
	if n := testing.AllocsPerRun(100, func() {
		cc.in = one
		if _, err := c.Next(split); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("%v allocations per frame", n)
	}
}

func BenchmarkNext(b *testing.B) {
	one := frame(bytes.Repeat([]byte("x"), 512))
	cc := &chunkConn{chunk: 1 << 16}
	c := New(cc)
	split := LengthPrefixed(1 << 10)
	b.ReportAllocs()
	for b.Loop() {
		cc.in = one
		if _, err := c.Next(split); err != nil {
			b.Fatal(err)
		}
	}
}
