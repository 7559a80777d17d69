package bench

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gozeo/gozeo/bench/report"
	"github.com/gozeo/gozeo/proto"
)

func TestStatCPU(t *testing.T) {
	// A command name with spaces and parentheses; utime 250, stime 50
	// ticks of 10 ms.
	line := []byte("4242 (my (odd) server) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 0 0")
	if got := statCPU(line); got != 3e9 {
		t.Fatalf("statCPU = %d, want 3e9", got)
	}
	if statCPU([]byte("garbage")) != -1 || statCPU([]byte("1 (x) S 1 2")) != -1 {
		t.Fatal("garbage parsed")
	}
}

func TestProcessCPUGrows(t *testing.T) {
	a := processCPU(os.Getpid())
	if a <= 0 {
		t.Skipf("no CPU accounting in /proc here (%d)", a)
	}
	deadline := time.Now().Add(30 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	if b := processCPU(os.Getpid()); b < a+int64(10*time.Millisecond) {
		t.Fatalf("CPU %d -> %d after 30 ms of spinning (%d)", a, b, x)
	}
	if processCPU(1<<30) != -1 {
		t.Fatal("CPU of a process that does not exist")
	}
}

func TestEnsureFileLimit(t *testing.T) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		t.Skip(err)
	}
	if note, err := ensureFileLimit(rl.Cur); note != "" || err != nil {
		t.Fatalf("limit already met: %q %v", note, err)
	}
	if rl.Max < 1<<40 {
		if _, err := ensureFileLimit(rl.Max + 1); err == nil {
			t.Fatal("a need above the hard limit was accepted")
		}
	}
}

// echoRun drives the echo server with loadLoop and returns the result.
func echoRun(t testing.TB, conns, depth int, n int64) report.Result {
	rn := &runner{o: (&Options{N: n, Workload: "baseline"}).withDefaults(), parent: context.Background()}
	rn.o.Duration = 0
	res, err := rn.echo(context.Background(), conns, depth, 600)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestEchoLoadLoop(t *testing.T) {
	for _, c := range []struct{ conns, depth int }{{1, 1}, {3, 1}, {2, 16}} {
		res := echoRun(t, c.conns, c.depth, 200)
		if res.Ops != int64(c.conns)*200 || res.Errors != 0 || res.Latency.P50 <= 0 {
			t.Fatalf("%dx%d: %d ops %d errors p50 %v", c.conns, c.depth, res.Ops, res.Errors, res.Latency.P50)
		}
	}
}

// slotChecker is a loadConn that answers in reverse order and checks that
// loadLoop never reuses a slot in flight.
type slotChecker struct {
	t        *testing.T
	inflight map[int]bool
	pending  []int
	sent     int
}

func (c *slotChecker) SendLoad(slot int, _ proto.Oid) {
	if c.inflight[slot] {
		c.t.Fatalf("slot %d reused while in flight", slot)
	}
	c.inflight[slot] = true
	c.pending = append(c.pending, slot)
	c.sent++
}
func (c *slotChecker) Flush() error   { return nil }
func (c *slotChecker) Buffered() bool { return len(c.pending) > 1 }
func (c *slotChecker) RecvLoad() (int, int, error) {
	s := c.pending[len(c.pending)-1]
	c.pending = c.pending[:len(c.pending)-1]
	delete(c.inflight, s)
	if s%5 == 0 {
		return s, 0, proto.ErrNoRevision // a failed load
	}
	return s, 10, nil
}

func TestLoadLoopSlotsAndCounts(t *testing.T) {
	var stop atomic.Bool
	rec := &recorder{hist: report.NewHistogram(), limit: 103, stop: &stop}
	c := &slotChecker{t: t, inflight: map[int]bool{}}
	if err := loadLoop(c, 8, rec, func() proto.Oid { return 1 }); err != nil {
		t.Fatal(err)
	}
	if c.sent != 103 || rec.done.Load() != 103 || rec.hist.Count()+rec.errs != 103 || rec.errs == 0 || len(c.inflight) != 0 {
		t.Fatalf("sent %d done %d ok %d errs %d inflight %d", c.sent, rec.done.Load(), rec.hist.Count(), rec.errs, len(c.inflight))
	}
}

func TestEchoRoundTripNoAllocs(t *testing.T) {
	srv, err := startEcho()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	c, err := dialEcho(context.Background(), srv.addr(), 600)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	one := func() {
		c.SendLoad(7, 0)
		c.Flush()
		if s, n, err := c.RecvLoad(); s != 7 || n != 600 || err != nil {
			t.Fatal(s, n, err)
		}
	}
	one()
	if n := testing.AllocsPerRun(100, one); n != 0 {
		t.Fatalf("%v allocations per echo round trip", n)
	}
}

// BenchmarkEchoRoundTrip is the loopback floor the load figures are
// compared with: one 26-byte request and a 604-byte reply.
func BenchmarkEchoRoundTrip(b *testing.B) {
	srv, err := startEcho()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.close()
	c, err := dialEcho(context.Background(), srv.addr(), 600)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		c.SendLoad(0, 0)
		c.Flush()
		if _, _, err := c.RecvLoad(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFsyncProbe(t *testing.T) {
	dir := t.TempDir()
	rn := &runner{o: (&Options{N: 20, Workload: "baseline"}).withDefaults(), parent: context.Background()}
	res, err := rn.fsync(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ops != 20 || res.Latency.P50 <= 0 {
		t.Fatalf("%d ops p50 %v", res.Ops, res.Latency.P50)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Fatalf("the probe left %v", left)
	}
}
