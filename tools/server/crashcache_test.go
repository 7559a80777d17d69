// Crash safety of the client's persistent cache: a child process (this
// test binary) loads and commits through a Go client with a persistent
// cache, is killed with SIGKILL mid-stream, and is restarted on the same
// cache file against the same in-process server, which other commits keep
// changing. Every load is checked against the server's own answer.

package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
)

const (
	cacheCrashEnv  = "GOZEO_CLIENT_CACHE_CRASH_CHILD"
	cacheCrashOids = 60
	cacheCrashSize = 192 << 10 // small: records are evicted and the file wraps
)

func cacheCrashData(rng *rand.Rand, who string, oid proto.Oid) []byte {
	d := fmt.Appendf(nil, "%s oid %s %d;", who, oid, rng.Uint64())
	for n := 80 + rng.IntN(3000); len(d) < n; {
		d = append(d, byte('A'+len(d)%26))
	}
	return d
}

func TestCrashKillCachingClient(t *testing.T) {
	cycles := 8
	if *long {
		cycles = 100
	}
	_, addr := startServer(t)
	other, err := client.Open(context.Background(), []string{addr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	txn, _ := other.TpcBegin(proto.TxnMeta{Description: []byte("objects")})
	for oid := proto.Oid(1); oid <= cacheCrashOids; oid++ {
		txn.Store(oid, 0, cacheCrashData(rng, "setup", oid))
	}
	if _, err := txn.Vote(); err != nil {
		t.Fatal(err)
	}
	if _, err := txn.Finish(); err != nil {
		t.Fatal(err)
	}

	// Another client keeps committing while the caching client lives and
	// while it is dead, so that it restarts behind the server (sometimes
	// further behind than the invalidation queue reaches).
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var otherCommits atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewPCG(9, 9))
		for {
			select {
			case <-stop:
				return
			default:
			}
			if otherCommit(other, r) == nil {
				otherCommits.Add(1)
			}
			time.Sleep(time.Duration(r.IntN(2000)) * time.Microsecond)
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	vardir := t.TempDir()
	var loads, reopened, maxRecords int
	for cycle := range cycles {
		out := &logBuf{}
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashCachingClientChild$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%s|%d", cacheCrashEnv, addr, vardir, cycle))
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "READY") && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		text := out.String()
		if !strings.Contains(text, "READY") || strings.Contains(text, "WRONG") || strings.Contains(text, "FAIL") {
			t.Fatalf("cycle %d: the caching client reports:\n%s", cycle, text)
		}
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 2 && f[0] == "OPENED" {
				n, _ := strconv.Atoi(f[1])
				if n > 0 {
					reopened++
				}
				maxRecords = max(maxRecords, n)
			}
			if len(f) == 2 && f[0] == "LOADS" {
				n, _ := strconv.Atoi(f[1])
				loads += n
			}
		}
	}
	if loads == 0 || reopened == 0 {
		t.Fatalf("the test did not exercise the cache: %d checked loads, %d reopenings with records", loads, reopened)
	}
	t.Logf("%d SIGKILL cycles of a caching client: at least %d loads checked against the server, %d reopenings found records (up to %d), %d commits by another client meanwhile",
		cycles, loads, reopened, maxRecords, otherCommits.Load())
}

// otherCommit rewrites a random object on its current serial; a conflict
// with the caching client is fine.
func otherCommit(c *client.Client, r *rand.Rand) error {
	oid := proto.Oid(1 + r.IntN(cacheCrashOids))
	_, serial, _, err := c.LoadBefore(oid, proto.MaxTid, nil)
	if err != nil {
		return err
	}
	txn, err := c.TpcBegin(proto.TxnMeta{Description: []byte("other")})
	if err != nil {
		return err
	}
	txn.Store(oid, serial, cacheCrashData(r, "other", oid))
	if conflicts, err := txn.Vote(); err != nil || len(conflicts) > 0 {
		txn.Abort()
		return errors.New("conflict")
	}
	_, err = txn.Finish()
	return err
}

// TestCrashCachingClientChild is the child process of
// TestCrashKillCachingClient; it does nothing in a normal run. It prints
// OPENED (records found in the reopened cache), READY, LOADS n now and
// then, and WRONG with a reason for any load that disagrees with the
// server.
func TestCrashCachingClientChild(t *testing.T) {
	spec := os.Getenv(cacheCrashEnv)
	if spec == "" {
		t.Skip("helper process of TestCrashKillCachingClient")
	}
	parts := strings.Split(spec, "|")
	addr, vardir := parts[0], parts[1]
	seed, _ := strconv.Atoi(parts[2])
	wrong := func(format string, args ...any) {
		fmt.Printf("WRONG "+format+"\n", args...)
		os.Exit(3)
	}
	c, err := client.Open(context.Background(), []string{addr}, &client.Options{
		ClientName: "crash", VarDir: vardir, CacheSize: cacheCrashSize, WaitTimeout: 10 * time.Second})
	if err != nil {
		wrong("open: %v", err)
	}
	fmt.Println("OPENED", c.CacheStats().Objects)
	raw, err := dialErr("tcp", addr)
	if err != nil {
		wrong("raw connection: %v", err)
	}
	fmt.Println("READY")
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(os.Getpid())))
	for n := 1; ; n++ {
		oid := proto.Oid(1 + rng.IntN(cacheCrashOids))
		last := c.LastTransaction()
		data, start, end, err := c.LoadBefore(oid, proto.MaxTid, nil)
		if err != nil || end != 0 {
			wrong("load %s: end %s, %v", oid, end, err)
		}
		// The revision exists on the server with this data, and it was
		// still current at the client's last tid.
		sdata, sstart, send, found, err := rawLoadBefore(raw, oid, start+1)
		if err != nil || !found || sstart != start || string(sdata) != string(data) {
			wrong("load %s gave revision %s (%d bytes) the server does not have: %s %v", oid, start, len(data), sstart, err)
		}
		if send != 0 && send <= last {
			wrong("load %s gave revision %s, replaced at %s, but the client was at %s: stale", oid, start, send, last)
		}
		if rng.IntN(3) == 0 {
			// A non-current revision: exact forever.
			d, s, e, err := c.LoadBefore(oid, start, nil)
			sd, ss, se, found, serr := rawLoadBefore(raw, oid, start)
			if (err == nil) != found || serr != nil || (found && (string(d) != string(sd) || s != ss || e != se)) {
				wrong("loadBefore(%s, %s): %s..%s %d bytes (%v), server %s..%s %d bytes (%v)", oid, start, s, e, len(d), err, ss, se, len(sd), serr)
			}
		}
		if rng.IntN(4) == 0 {
			mine := cacheCrashData(rng, "child", oid)
			txn, err := c.TpcBegin(proto.TxnMeta{Description: []byte("child")})
			if err != nil {
				wrong("tpc_begin: %v", err)
			}
			txn.Store(oid, start, mine)
			if conflicts, err := txn.Vote(); err != nil || len(conflicts) > 0 {
				txn.Abort() // the other client got there first
			} else if tid, err := txn.Finish(); err != nil {
				wrong("finish: %v", err)
			} else if got, err := rawLoadSerial(raw, oid, tid); err != nil || string(got) != string(mine) {
				wrong("commit %s of %s reads back %d bytes from the server, %v", tid, oid, len(got), err)
			}
		}
		if n%50 == 0 {
			fmt.Println("LOADS", 50)
		}
	}
}

// rawLoadBefore asks the server directly (no cache).
func rawLoadBefore(ec *errConn, oid proto.Oid, before proto.Tid) (data []byte, start, end proto.Tid, found bool, err error) {
	body, err := ec.call(&proto.LoadBeforeRequest{Oid: oid, Before: before})
	if err != nil {
		var pk *proto.POSKeyError
		if errors.As(err, &pk) {
			return nil, 0, 0, false, nil
		}
		return nil, 0, 0, false, err
	}
	var lb proto.LoadBeforeReply
	if err := lb.Decode(body); err != nil {
		return nil, 0, 0, false, err
	}
	if !lb.Found {
		return nil, 0, 0, false, nil
	}
	return lb.Data, lb.Start, lb.End, true, nil
}

func rawLoadSerial(ec *errConn, oid proto.Oid, serial proto.Tid) ([]byte, error) {
	body, err := ec.call(&proto.LoadSerialRequest{Oid: oid, Serial: serial})
	if err != nil {
		return nil, err
	}
	var ls proto.LoadSerialReply
	if err := ls.Decode(body); err != nil {
		return nil, err
	}
	return ls.Data, nil
}
