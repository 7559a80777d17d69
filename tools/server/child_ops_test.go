// Running "gozeo serve" as a child process: building the binary, waiting
// for it, and a client that reports errors instead of failing the test.

package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// gozeoBinary returns $GOZEO_BIN (make test sets it), or builds the
// command into dir.
func gozeoBinary(t *testing.T, dir string) string {
	t.Helper()
	if bin := os.Getenv("GOZEO_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("GOZEO_BIN: %v", err)
		}
		return bin
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go") // the toolchain that built this test
		if _, err := os.Stat(gobin); err != nil {
			t.Skip("no go command to build gozeo with, and GOZEO_BIN is not set")
		}
	}
	bin := filepath.Join(dir, "gozeo")
	out, err := exec.Command(gobin, "build", "-o", bin, "github.com/gozeo/gozeo/tools/gozeo").CombinedOutput()
	if err != nil {
		t.Fatalf("building gozeo: %v\n%s", err, out)
	}
	return bin
}

// child is a running "gozeo serve".
type child struct {
	cmd    *exec.Cmd
	stderr *logBuf
	done   chan struct{}
	err    error // valid after done
}

func startChild(t *testing.T, bin string, args ...string) *child {
	t.Helper()
	c := &child{stderr: &logBuf{}, done: make(chan struct{})}
	c.cmd = exec.Command(bin, append([]string{"serve"}, args...)...)
	c.cmd.Stderr = c.stderr
	c.cmd.Stdout = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			c.cmd.Process.Kill()
			<-c.done
		}
	})
	return c
}

var readyAddr = regexp.MustCompile(`gozeo server ready"? addresses="?\[([^\]]+)\]`)

// ready waits for the "ready" line on stderr and returns the address.
func (c *child) ready(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := readyAddr.FindStringSubmatch(c.stderr.String()); m != nil {
			return m[1]
		}
		select {
		case <-c.done:
			t.Fatalf("gozeo serve exited (%v) before it was ready:\n%s", c.err, c.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gozeo serve not ready after 10 s:\n%s", c.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait waits for the child to exit and returns its exit code.
func (c *child) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(limit):
		t.Fatalf("gozeo serve still running after %v:\n%s", limit, c.stderr)
	}
	var ee *exec.ExitError
	if errors.As(c.err, &ee) {
		return ee.ExitCode()
	}
	if c.err != nil {
		t.Fatal(c.err)
	}
	return 0
}

// errConn is a native client whose calls return errors (for goroutines
// and for conversations a server may cut).
type errConn struct {
	c  net.Conn
	id uint32
}

func dialErr(network, addr string) (*errConn, error) {
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	ec := &errConn{c: c}
	if g, err := ec.read(); err != nil || string(g) != "Z5" {
		c.Close()
		return nil, fmt.Errorf("greeting %q: %v", g, err)
	}
	if err := ec.write(proto.AppendHello(nil, proto.Hello{Version: proto.Version})); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := ec.read(); err != nil {
		c.Close()
		return nil, err
	}
	if _, err := ec.call(&proto.RegisterRequest{Storage: "1"}); err != nil {
		c.Close()
		return nil, err
	}
	return ec, nil
}

func (ec *errConn) write(b []byte) error {
	ec.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := ec.c.Write(b)
	return err
}

func (ec *errConn) read() ([]byte, error) {
	ec.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hdr [4]byte
	if _, err := io.ReadFull(ec.c, hdr[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err := io.ReadFull(ec.c, buf)
	return buf, err
}

// call sends m and returns the reply's body, skipping pushes.
func (ec *errConn) call(m framer) ([]byte, error) {
	ec.id++
	if err := ec.write(m.AppendFrame(nil, ec.id)); err != nil {
		return nil, err
	}
	for {
		p, err := ec.read()
		if err != nil {
			return nil, err
		}
		full := binary.BigEndian.AppendUint32(nil, uint32(len(p)))
		f, _, err := proto.ReadFrame(append(full, p...), 0)
		if err != nil {
			return nil, err
		}
		if f.IsPush() {
			continue
		}
		if f.MsgID != ec.id {
			return nil, fmt.Errorf("reply to %d, want %d", f.MsgID, ec.id)
		}
		if f.IsError() {
			return nil, proto.DecodeError(f.Body)
		}
		return f.Body, nil
	}
}

// commit stores new objects and returns the tid once tpc_finish is
// acknowledged.
func (ec *errConn) commit(txn uint64, data map[proto.Oid][]byte) (proto.Tid, error) {
	var b []byte
	b = (&proto.TpcBeginRequest{Txn: txn}).AppendFrame(b, 0)
	for oid, d := range data {
		b = (&proto.StoreRequest{Txn: txn, Oid: oid, Data: d}).AppendFrame(b, 0)
	}
	if err := ec.write(b); err != nil {
		return 0, err
	}
	body, err := ec.call(&proto.VoteRequest{Txn: txn})
	if err != nil {
		return 0, err
	}
	var vr proto.VoteReply
	if err := vr.Decode(body); err != nil || len(vr.Conflicts) > 0 {
		return 0, fmt.Errorf("vote: %v %+v", err, vr.Conflicts)
	}
	if body, err = ec.call(&proto.TpcFinishRequest{Txn: txn}); err != nil {
		return 0, err
	}
	var fin proto.TpcFinishReply
	if err := fin.Decode(body); err != nil {
		return 0, err
	}
	return fin.Tid, nil
}

func (ec *errConn) load(oid proto.Oid) ([]byte, error) {
	body, err := ec.call(&proto.LoadBeforeRequest{Oid: oid, Before: proto.MaxTid})
	if err != nil {
		return nil, err
	}
	var lb proto.LoadBeforeReply
	if err := lb.Decode(body); err != nil {
		return nil, err
	}
	if err := lb.Err(); err != nil {
		return nil, err
	}
	return lb.Data, nil
}

func (ec *errConn) Close() error { return ec.c.Close() }

// network is "unix" for a path, else "tcp".
func network(addr string) string {
	if strings.Contains(addr, "/") {
		return "unix"
	}
	return "tcp"
}
