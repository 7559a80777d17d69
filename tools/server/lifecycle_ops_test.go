// The life of a "gozeo serve" process: unix sockets (live and stale), a
// locked Data.fs, log reopening on SIGUSR2, SIGTERM during commits, and
// the second signal.

package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

func TestGozeoServe(t *testing.T) {
	bin := gozeoBinary(t, t.TempDir())
	t.Run("UnixSocket", func(t *testing.T) { t.Parallel(); testUnixSocket(t, bin) })
	t.Run("LockedDataFs", func(t *testing.T) { t.Parallel(); testLockedDataFs(t, bin) })
	t.Run("ReopenLog", func(t *testing.T) { t.Parallel(); testReopenLog(t, bin) })
	t.Run("SIGTERMDuringCommits", func(t *testing.T) { t.Parallel(); testSIGTERMDuringCommits(t, bin) })
	t.Run("SecondSignal", func(t *testing.T) { t.Parallel(); testSecondSignal(t, bin) })
}

// testUnixSocket: serve on a unix socket; a second server refuses to take
// the socket of the live one; after the first dies (SIGKILL, leaving its
// socket file), a new server replaces the stale file.
func testUnixSocket(t *testing.T, bin string) {
	dir := t.TempDir()
	sock, data := filepath.Join(dir, "zeo.sock"), filepath.Join(dir, "Data.fs")
	first := startChild(t, bin, "-a", sock, "-f", data)
	if got := first.ready(t); got != sock {
		t.Fatalf("ready on %q, want %q", got, sock)
	}
	c, err := dialErr("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.commit(1, map[proto.Oid][]byte{0: []byte("over a unix socket")}); err != nil {
		t.Fatal(err)
	}
	c.Close()

	second := startChild(t, bin, "-a", sock, "-f", filepath.Join(dir, "Other.fs"))
	if code := second.wait(t, 10*time.Second); code != 1 {
		t.Fatalf("second server on a live socket: exit %d\n%s", code, second.stderr)
	}
	if msg := second.stderr.String(); !strings.Contains(msg, "a server is listening on unix socket "+sock) {
		t.Fatalf("second server's message does not explain: %s", msg)
	}
	if c, err = dialErr("unix", sock); err != nil {
		t.Fatalf("first server lost its socket: %v", err)
	}
	c.Close()

	first.cmd.Process.Kill()
	first.wait(t, 10*time.Second)
	if fi, err := os.Lstat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("a killed server should leave its socket file: %v", err)
	}
	third := startChild(t, bin, "-a", sock, "-f", data)
	third.ready(t)
	if c, err = dialErr("unix", sock); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, err := c.load(0); err != nil || string(got) != "over a unix socket" {
		t.Fatalf("after replacing the stale socket: %q %v", got, err)
	}
	third.cmd.Process.Signal(syscall.SIGTERM)
	if code := third.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, third.stderr)
	}
}

// testLockedDataFs: a second server on the same Data.fs exits with a
// message naming the lock file; the first keeps serving.
func testLockedDataFs(t *testing.T, bin string) {
	dir := t.TempDir()
	data := filepath.Join(dir, "Data.fs")
	first := startChild(t, bin, "-a", "127.0.0.1:0", "-f", data)
	addr := first.ready(t)
	second := startChild(t, bin, "-a", "127.0.0.1:0", "-f", data)
	if code := second.wait(t, 10*time.Second); code != 1 {
		t.Fatalf("second server on a locked Data.fs: exit %d\n%s", code, second.stderr)
	}
	msg := second.stderr.String()
	want := fmt.Sprintf("could not lock %s.lock (held by pid %d)", data, first.cmd.Process.Pid)
	if !strings.Contains(msg, "database is locked") || !strings.Contains(msg, want) {
		t.Fatalf("message %q does not name the lock file and holder (%q)", msg, want)
	}
	c, err := dialErr("tcp", addr)
	if err != nil {
		t.Fatalf("first server: %v", err)
	}
	c.Close()
}

// testReopenLog: SIGUSR2 reopens the log file, so after a rename
// (logrotate) new lines land in a new file.
func testReopenLog(t *testing.T, bin string) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "zeo.log")
	conf := filepath.Join(dir, "zeo.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`
<zeo>
  address 127.0.0.1:0
</zeo>
<filestorage>
  path %s
</filestorage>
<eventlog>
  <logfile>
    path %s
  </logfile>
</eventlog>
`, filepath.Join(dir, "Data.fs"), logPath)), 0o644)
	ch := startChild(t, bin, "-C", conf)
	var addr string
	waitFile := func(path, re string) string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			b, _ := os.ReadFile(path)
			if m := readyAddr.FindStringSubmatch(string(b)); m != nil && re == "ready" {
				return m[1]
			}
			if re != "ready" && strings.Contains(string(b), re) {
				return string(b)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no %q after 10 s:\n%s\nstderr: %s", path, re, b, ch.stderr)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	addr = waitFile(logPath, "ready")
	rotated := logPath + ".1"
	if err := os.Rename(logPath, rotated); err != nil {
		t.Fatal(err)
	}
	c1, err := dialErr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c1Line := "client=" + c1.c.LocalAddr().String()
	waitFile(rotated, c1Line) // still written to the renamed file
	ch.cmd.Process.Signal(syscall.SIGUSR2)
	waitFile(logPath, "log files reopened")
	c2, err := dialErr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2Line := "client=" + c2.c.LocalAddr().String()
	fresh := waitFile(logPath, c2Line)
	old, _ := os.ReadFile(rotated)
	if strings.Contains(string(old), c2Line) || strings.Contains(fresh, c1Line) || strings.Contains(fresh, "gozeo server ready") {
		t.Fatalf("lines in the wrong file:\nold:\n%s\nnew:\n%s", old, fresh)
	}
	if strings.Contains(string(old), "log files reopened") {
		t.Fatalf("the reopen line went to the rotated file:\n%s", old)
	}
}

// acked is one acknowledged commit.
type acked struct {
	oid  proto.Oid
	tid  proto.Tid
	data []byte
}

// testSIGTERMDuringCommits: clients commit concurrently; SIGTERM stops the
// server; every commit whose tpc_finish was acknowledged is in Data.fs,
// which verifies.
func testSIGTERMDuringCommits(t *testing.T, bin string) {
	dir := t.TempDir()
	data := filepath.Join(dir, "Data.fs")
	ch := startChild(t, bin, "-a", "127.0.0.1:0", "-f", data)
	addr := ch.ready(t)

	const writers = 6
	var (
		mu     sync.Mutex
		done   []acked
		errs   = make([]error, writers)
		wg     sync.WaitGroup
		enough = make(chan struct{})
		once   sync.Once
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dialErr("tcp", addr)
			if err != nil {
				errs[w] = err
				return
			}
			defer c.Close()
			for k := 0; ; k++ {
				a := proto.Oid(1 + w*100000 + 2*k)
				b := a + 1
				da := []byte(fmt.Sprintf("writer %d commit %d a", w, k))
				db := []byte(fmt.Sprintf("writer %d commit %d b", w, k))
				tid, err := c.commit(uint64(k+1), map[proto.Oid][]byte{a: da, b: db})
				if err != nil {
					errs[w] = err
					return
				}
				mu.Lock()
				done = append(done, acked{a, tid, da}, acked{b, tid, db})
				if len(done) >= 2*writers*20 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(10 * time.Second):
		t.Fatalf("commits too slow; errors %v\n%s", errs, ch.stderr)
	}
	ch.cmd.Process.Signal(syscall.SIGTERM)
	if code := ch.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM\n%s", code, ch.stderr)
	}
	wg.Wait()
	if !strings.Contains(ch.stderr.String(), "stopped cleanly") {
		t.Fatalf("no clean stop:\n%s", ch.stderr)
	}
	for w, err := range errs {
		if err == nil {
			t.Fatalf("writer %d saw no error: the server did not stop", w)
		}
	}

	st, err := fsstore.Open(data, &fsstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, a := range done {
		got, err := st.LoadSerial(a.oid, a.tid, nil)
		if err != nil || string(got) != string(a.data) {
			t.Fatalf("acknowledged commit %s of oid %s lost: %q %v", a.tid, a.oid, got, err)
		}
	}
	rep, err := fsstore.VerifyFile(data, nil)
	if err != nil || rep.Problem != "" {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	if rep.Transactions < len(done)/2 {
		t.Fatalf("%d transactions in the file, %d acknowledged", rep.Transactions, len(done)/2)
	}
	t.Logf("%d acknowledged commits survived SIGTERM; the file holds %d transactions", len(done)/2, rep.Transactions)
}

// testSecondSignal: a second signal during the graceful stop exits at
// once with status 1.
func testSecondSignal(t *testing.T, bin string) {
	dir := t.TempDir()
	ch := startChild(t, bin, "-a", "127.0.0.1:0", "-f", filepath.Join(dir, "Data.fs"))
	addr := ch.ready(t)
	c, err := dialErr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ch.cmd.Process.Signal(syscall.SIGTERM)
	ch.cmd.Process.Signal(syscall.SIGINT)
	if code := ch.wait(t, 10*time.Second); code != 1 {
		t.Fatalf("exit %d after two signals, want 1\n%s", code, ch.stderr)
	}
	if msg := ch.stderr.String(); !strings.Contains(msg, "second signal: exiting at once") || strings.Contains(msg, "stopped cleanly") {
		t.Fatalf("stderr:\n%s", msg)
	}
}

// TestStopWithTransactionTimeout: a configured transaction timeout does
// not hold up a stop until the timeout checker's next tick (a tenth of
// the timeout: a minute here).
func TestStopWithTransactionTimeout(t *testing.T) {
	cfg := config.DefaultConfig()
	cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: []string{filepath.Join(t.TempDir(), "Data.fs")}})
	cfg.ZEO.TransactionTimeout = 10 * time.Minute
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
