package cache

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// The crash test re-executes the test binary as a child that writes to a
// persistent cache in an endless deterministic loop, kills it with SIGKILL
// at a random moment, reopens the file and checks that everything served
// is something the child stored.
//
// Transaction T touches oid crashOid(T). Every 13th transaction drops the
// oid's current record (Invalidate(oid, ZeroTid)); the others invalidate it
// with T and store the revision starting at T, whose data is
// payload(oid, T, crashLen(oid, T)). Then SetLastTid(T). The child
// resumes at LastTid()+1, so repeated cycles continue one history.

const (
	crashEnv   = "GOZEO_CACHE_CRASH_CHILD"
	crashOids  = 97
	crashSize  = 96 << 10
	crashFirst = 1
)

func crashMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func crashOid(t proto.Tid) proto.Oid { return proto.Oid(crashMix(uint64(t))%crashOids + 1) }
func crashDrop(t proto.Tid) bool     { return t%13 == 0 }
func crashLen(oid proto.Oid, t proto.Tid) int {
	return int(crashMix(uint64(oid)<<32^uint64(t)) % 1500)
}

// crashNext returns the first transaction after s that touches oid.
func crashNext(oid proto.Oid, s proto.Tid) proto.Tid {
	for t := s + 1; ; t++ {
		if crashOid(t) == oid {
			return t
		}
	}
}

// TestCrashChild is the child process; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("helper process of TestCrashKill")
	}
	path, pname, _ := strings.Cut(spec, "|")
	p, err := ParsePolicy(pname)
	if err != nil {
		t.Fatal(err)
	}
	// Pause now and then between the steps of a write, so that kills
	// often land inside one.
	rnd := rand.New(rand.NewPCG(uint64(os.Getpid()), 1))
	crashPoint = func(string) {
		if rnd.IntN(64) == 0 {
			time.Sleep(200 * time.Microsecond)
		}
	}
	c, err := Open(path, &Options{Size: crashSize, Policy: p})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(3)
	}
	fmt.Println("ready")
	os.Stdout.Sync()
	dst := make([]byte, 0, 2048)
	for T := max(c.LastTid()+1, crashFirst); ; T++ {
		oid := crashOid(T)
		// Loads feed TinyLFU and trigger FIFO rearrangement (a write).
		for k := proto.Tid(1); k <= 3; k++ {
			dst, _, _ = c.Load(crashOid(T+k*7), dst)
		}
		if crashDrop(T) {
			c.Invalidate(oid, proto.ZeroTid)
		} else {
			c.Invalidate(oid, T)
			if err := c.Store(oid, T, 0, payload(oid, T, crashLen(oid, T))); err != nil {
				fmt.Println("store:", err)
				os.Exit(4)
			}
		}
		if err := c.SetLastTid(T); err != nil {
			fmt.Println("setlasttid:", err)
			os.Exit(5)
		}
	}
}

func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	cycles := 4
	if *long {
		cycles = 60
	}
	forEachPolicy(t, func(t *testing.T, p Policy) {
		path := tmpPath(t)
		r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
		var lastSeen proto.Tid
		corrupt := int64(0)
		for cycle := 0; cycle < cycles; cycle++ {
			runAndKill(t, path, p, time.Duration(5+r.IntN(60))*time.Millisecond)
			logs := &logCapture{}
			c := openTest(t, path, &Options{Size: crashSize, Policy: p, Logger: logs.logger()})
			verifyCrashCache(t, c)
			if c.LastTid() < lastSeen {
				t.Fatalf("cycle %d: last tid went back from %s to %s", cycle, lastSeen, c.LastTid())
			}
			lastSeen = c.LastTid()
			corrupt += c.Stats().Corrupt
			closeTest(t, c)
		}
		if lastSeen == 0 {
			t.Fatal("the child never got going")
		}
		t.Logf("%d cycles, %d transactions, %d torn records dropped", cycles, lastSeen, corrupt)
	})
}

// TestCrashPoints runs the child's history in process and, at every step
// between two writes of every operation, copies the mapped file as it is
// (what a kill at that instant leaves), reopens the copy and verifies it.
func TestCrashPoints(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		dir := t.TempDir()
		c := openTest(t, dir+"/live.zec", &Options{Size: 16 << 10, Policy: p})
		points := map[string]int{}
		var corrupt int64
		snap := func(point string) {
			points[point]++
			if points[point]%3 != 1 { // every third snapshot of each kind
				return
			}
			path := fmt.Sprintf("%s/snap-%d.zec", dir, len(points)*1000000+points[point])
			if err := os.WriteFile(path, c.buf, 0o644); err != nil {
				t.Fatal(err)
			}
			saved := crashPoint
			crashPoint = nil
			defer func() { crashPoint = saved }()
			s, err := Open(path, &Options{Size: 16 << 10, Policy: p})
			if err != nil {
				t.Fatalf("%s: reopen: %v", point, err)
			}
			if err := s.Check(); err != nil {
				t.Fatalf("%s: %v", point, err)
			}
			verifyCrashCache(t, s)
			corrupt += s.Stats().Corrupt
			s.Close()
			os.Remove(path)
		}
		crashPoint = snap
		defer func() { crashPoint = nil }()
		dst := make([]byte, 0, 2048)
		for T := proto.Tid(crashFirst); T < 400; T++ {
			oid := crashOid(T)
			dst, _, _ = c.Load(crashOid(T+7), dst)
			if crashDrop(T) {
				c.Invalidate(oid, proto.ZeroTid)
			} else {
				c.Invalidate(oid, T)
				if err := c.Store(oid, T, 0, payload(oid, T, crashLen(oid, T))); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.SetLastTid(T); err != nil {
				t.Fatal(err)
			}
		}
		crashPoint = nil
		for _, pt := range []string{"store: room freed", "store: body written", "invalidate: end written", "last tid: slot written"} {
			if points[pt] == 0 {
				t.Errorf("crash point %q never reached", pt)
			}
		}
		if corrupt == 0 {
			t.Error("no snapshot held a torn record: the crash points are not where writes tear")
		}
		t.Logf("crash points %v, torn records dropped %d", points, corrupt)
	})
}

func runAndKill(t *testing.T, path string, p Policy, after time.Duration) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path+"|"+p.Name())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not start: %q %v; stderr: %s", line, err, stderr.String())
	}
	time.Sleep(after)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(interface{ Signaled() bool }); !ok || !ws.Signaled() {
		t.Fatalf("child ended by itself (%v): %s", err, stderr.String())
	}
}

// verifyCrashCache checks that every record the reopened cache serves is
// one the child stored, with the right data, and not stale.
func verifyCrashCache(t *testing.T, c *Cache) {
	t.Helper()
	last := c.LastTid()
	for oid := proto.Oid(1); oid <= crashOids; oid++ {
		if data, s, ok := c.Load(oid, nil); ok {
			if crashOid(s) != oid || crashDrop(s) || s > last+1 {
				t.Fatalf("oid %d: current record starts at %s, which did not write it (last tid %s)", oid, s, last)
			}
			if !bytes.Equal(data, payload(oid, s, crashLen(oid, s))) {
				t.Fatalf("oid %d start %s: wrong data served", oid, s)
			}
			if next := crashNext(oid, s); next <= last {
				t.Fatalf("oid %d: stale current record %s served; transaction %s (<= last tid %s) replaced it", oid, s, next, last)
			}
		}
		var starts []proto.Tid
		for sl := c.idx.nchead[oid]; sl != 0; sl = c.idx.ncs[sl].next {
			starts = append(starts, c.idx.ncs[sl].start)
		}
		for _, s := range starts {
			next := crashNext(oid, s)
			data, gs, ge, ok := c.LoadBefore(oid, s+1, nil)
			if !ok {
				continue // dropped as damaged while loading: never served
			}
			if gs != s || ge != next || crashDrop(next) || crashOid(s) != oid {
				t.Fatalf("oid %d: non-current %s..%s served, the child wrote %s..%s", oid, gs, ge, s, next)
			}
			if !bytes.Equal(data, payload(oid, s, crashLen(oid, s))) {
				t.Fatalf("oid %d start %s: wrong non-current data", oid, s)
			}
		}
	}
}
