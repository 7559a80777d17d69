// The TLS bridge: a socket pair between a TLS client and the engine, and
// the two goroutines that copy bytes across it.

package server

import (
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// The engine runs on gnet, which reads and writes plain sockets and knows
// nothing of TLS. The front end terminates TLS and gives the engine one
// end of a unix socket pair (engine.Server.ServeConn); two goroutines copy
// the plaintext:
//
//	client ══TLS══> tls.Conn ──pump──> mine ┄┄pair┄┄> theirs ──> event loop
//	client <══TLS══ tls.Conn <──pump── mine <┄┄pair┄┄ theirs <── event loop
//
// Closes travel both ways. When the client ends its stream (EOF, or a TLS
// close_notify) the engine gets EOF on the pair (half close, so replies
// already written are still delivered); when the client's connection
// fails, the pair is closed outright. When the engine closes its end (a
// ruok answer, a limit that bites, shutdown), the bytes it wrote before
// are forwarded, then the TLS connection is closed with a close_notify.
//
// Flow control stays end to end: a client that stops reading blocks the
// engine-to-client pump, the pair's kernel buffer fills, and the engine's
// own output limit (Options.OutputLimit) disconnects the client as it
// would on a plain socket.

// bridgeBufSize is one pump's buffer: a TLS record's largest plaintext, so
// that a full read of the pair becomes one record.
const bridgeBufSize = 16 << 10

// bridgeBufs holds the pumps' buffers while clients are idle elsewhere.
var bridgeBufs = sync.Pool{New: func() any { return new([bridgeBufSize]byte) }}

// bridge copies bytes between the TLS client and the engine's end of the
// socket pair until both directions have ended.
func bridge(tc *tls.Conn, pair *net.UnixConn, log *slog.Logger) {
	inDone := make(chan error, 1)
	go func() {
		err := pump(pair, tc)
		if err == nil {
			// The client finished sending: let the engine see EOF and
			// still deliver what it owes.
			_ = pair.CloseWrite()
		} else {
			_ = pair.Close()
		}
		inDone <- err
	}()
	outErr := pump(tc, pair)
	// The engine closed its end (EOF), or the client stopped taking
	// bytes: close the TLS connection (close_notify), which also ends the
	// other pump's read.
	_ = tc.Close()
	inErr := <-inDone
	_ = pair.Close()
	if err := firstRealError(inErr, outErr); err != nil {
		log.Debug("TLS client connection ended", "err", err.Error())
	}
}

// pump copies src to dst until src ends; nil means a clean end of stream
// (EOF), anything else is the read or write error.
func pump(dst io.Writer, src io.Reader) error {
	buf := bridgeBufs.Get().(*[bridgeBufSize]byte)
	defer bridgeBufs.Put(buf)
	for {
		n, err := src.Read(buf[:])
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// firstRealError drops the errors a normal close produces.
func firstRealError(errs ...error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
			return err
		}
	}
	return nil
}

// bridgePair returns the two ends of a connected unix stream socket pair.
func bridgePair() (mine, theirs *net.UnixConn, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	mine, err = fileUnixConn(fds[0])
	if err != nil {
		unix.Close(fds[1])
		return nil, nil, err
	}
	theirs, err = fileUnixConn(fds[1])
	if err != nil {
		mine.Close()
		return nil, nil, err
	}
	return mine, theirs, nil
}

// fileUnixConn wraps a socket descriptor (and takes ownership of it).
func fileUnixConn(fd int) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), "tls-bridge")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	return c.(*net.UnixConn), nil
}
