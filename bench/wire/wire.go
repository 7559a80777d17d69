// Package wire is the load tool's connection: a net.Conn with a read
// buffer that yields whole length-prefixed frames in place and a write
// buffer flushed explicitly. The native driver, the ZEO 5 driver and the
// echo baseline all use it, so that they measure the same client code
// shape: append requests, flush once when no reply is waiting, read
// frames out of one buffer.
//
//	rbuf:  [ consumed | frame frame fra... | free ]
//	                  r                    w
//
// A frame returned by Next aliases the buffer and is valid until the next
// call to Next. Nothing here allocates once the buffers have grown to the
// largest frame.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
)

// Splitter returns the size of the frame at the start of buf, length
// prefix included: 0 with a nil error while buf holds too little to
// tell, or an error for a frame that cannot be read (too large,
// malformed).
type Splitter func(buf []byte) (int, error)

// ErrFrameTooLarge is a length prefix above the splitter's limit.
var ErrFrameTooLarge = errors.New("wire: frame too large")

// LengthPrefixed splits u32 big-endian length + payload frames of at most
// max payload bytes (the echo baseline's framing, and both protocols'
// handshakes).
func LengthPrefixed(max uint32) Splitter {
	return func(buf []byte) (int, error) {
		if len(buf) < 4 {
			return 0, nil
		}
		n := binary.BigEndian.Uint32(buf)
		if n > max {
			return 0, fmt.Errorf("%w: length %d above %d", ErrFrameTooLarge, n, max)
		}
		return int(n) + 4, nil
	}
}

// initialBuffer is the starting read buffer size.
const initialBuffer = 64 << 10

// Conn is a buffered frame connection. It is not safe for concurrent
// use, except that Close may be called from another goroutine to unblock
// a read.
type Conn struct {
	nc   net.Conn
	rbuf []byte
	r, w int
	// Out is the pending output: append to it, then Flush.
	Out []byte
}

// New wraps nc.
func New(nc net.Conn) *Conn {
	return &Conn{nc: nc, rbuf: make([]byte, initialBuffer), Out: make([]byte, 0, initialBuffer)}
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Next returns the next whole frame, reading as needed.
func (c *Conn) Next(split Splitter) ([]byte, error) {
	for {
		n, err := split(c.rbuf[c.r:c.w])
		if err != nil {
			return nil, err
		}
		if n > 0 && n <= c.w-c.r {
			f := c.rbuf[c.r : c.r+n : c.r+n]
			c.r += n
			return f, nil
		}
		if err := c.fill(n); err != nil {
			return nil, err
		}
	}
}

// Buffered reports whether a whole frame is already in the buffer, so
// that Next will not read from the network.
func (c *Conn) Buffered(split Splitter) bool {
	n, err := split(c.rbuf[c.r:c.w])
	return err == nil && n > 0 && n <= c.w-c.r
}

// fill reads more input, making room for a frame of need bytes (0: not
// known yet).
func (c *Conn) fill(need int) error {
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if need > len(c.rbuf) {
		nb := make([]byte, max(need, 2*len(c.rbuf)))
		c.w = copy(nb, c.rbuf[c.r:c.w])
		c.r, c.rbuf = 0, nb
	} else if c.w == len(c.rbuf) || (need > 0 && c.r+need > len(c.rbuf)) {
		c.w = copy(c.rbuf, c.rbuf[c.r:c.w])
		c.r = 0
	}
	n, err := c.nc.Read(c.rbuf[c.w:])
	c.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// Flush writes Out and empties it.
func (c *Conn) Flush() error {
	if len(c.Out) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.Out)
	c.Out = c.Out[:0]
	return err
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }
