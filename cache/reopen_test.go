package cache

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// fill stores a known population: oids 1..n current at start 100+oid with
// data of 40+oid bytes; even oids also get a non-current revision
// [50+oid, 100+oid).
func fill(t *testing.T, c *Cache, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		oid := proto.Oid(i)
		if i%2 == 0 {
			mustStore(t, c, oid, tid(50+i), tid(100+i), payload(oid, tid(50+i), 40+i))
		}
		mustStore(t, c, oid, tid(100+i), 0, payload(oid, tid(100+i), 40+i))
	}
}

// wantFilled checks the population of fill for oids in [lo, hi].
func wantFilled(t *testing.T, c *Cache, lo, hi int) {
	t.Helper()
	for i := lo; i <= hi; i++ {
		oid := proto.Oid(i)
		wantLoad(t, c, oid, tid(100+i), payload(oid, tid(100+i), 40+i))
		if i%2 == 0 {
			d, s, e, ok := c.LoadBefore(oid, tid(100+i), nil)
			if !ok || s != tid(50+i) || e != tid(100+i) || !bytes.Equal(d, payload(oid, s, 40+i)) {
				t.Fatalf("oid %d non-current: %s..%s %v", i, s, e, ok)
			}
		}
	}
}

func TestPersistentReopen(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		path := tmpPath(t)
		opts := &Options{Size: 64 << 10, Policy: p}
		c := openTest(t, path, opts)
		fill(t, c, 30)
		c.Invalidate(3, 200)           // current -> non-current
		c.Invalidate(5, proto.ZeroTid) // dropped
		if err := c.SetLastTid(300); err != nil {
			t.Fatal(err)
		}
		if err := c.SetLastTid(301); err != nil {
			t.Fatal(err)
		}
		before := c.Stats()
		ring, seq := c.ring, c.seq
		closeTest(t, c)

		c = openTest(t, path, opts)
		if c.LastTid() != 301 {
			t.Fatalf("last tid %s", c.LastTid())
		}
		if c.Len() != before.Objects || c.Stats().BytesUsed != before.BytesUsed {
			t.Fatalf("reopened %d objects %d bytes, had %d %d", c.Len(), c.Stats().BytesUsed, before.Objects, before.BytesUsed)
		}
		if c.ring != ring || c.seq != seq {
			t.Fatalf("ring %d seq %d, had %d %d", c.ring, c.seq, ring, seq)
		}
		wantFilled(t, c, 6, 30)
		wantMiss(t, c, 3)
		if _, s, e, ok := c.LoadBefore(3, 200, nil); !ok || s != 103 || e != 200 {
			t.Fatalf("invalidated record: %s..%s %v", s, e, ok)
		}
		wantMiss(t, c, 5)
		// Keep writing round the ring after the reopen.
		for i := 100; i < 400; i++ {
			mustStore(t, c, proto.Oid(i), tid(1000+i), 0, payload(proto.Oid(i), tid(1000+i), 200))
		}
		wantLoad(t, c, 399, 1399, payload(399, 1399, 200))
		if err := c.SetLastTid(400); err != nil {
			t.Fatal(err)
		}
		closeTest(t, c)
		c = openTest(t, path, opts)
		wantLoad(t, c, 399, 1399, payload(399, 1399, 200))
		if c.LastTid() != 400 {
			t.Fatalf("last tid %s", c.LastTid())
		}
	})
}

func TestResize(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		path := tmpPath(t)
		c := openTest(t, path, &Options{Size: 16 << 10, Policy: p})
		fill(t, c, 60) // about 12 KB of records, no wrap yet
		if st := c.Stats(); st.Evictions != 0 {
			t.Fatalf("fill evicted: %v", st)
		}
		c.SetLastTid(500)
		closeTest(t, c)

		logs := &logCapture{}
		c = openTest(t, path, &Options{Size: 32 << 10, Policy: p, Logger: logs.logger()})
		wantFilled(t, c, 1, 60)
		if fi, _ := os.Stat(path); fi.Size() != 32<<10 {
			t.Fatalf("file size %d after growing", fi.Size())
		}
		logs.mustContain(t, "resized cache file")
		closeTest(t, c)

		// Shrink to 8 KB: records beyond the new end are dropped, the
		// ones before kept.
		c = openTest(t, path, &Options{Size: 8 << 10, Policy: p})
		n := 0
		for i := 1; i <= 60; i++ {
			d, s, ok := c.Load(proto.Oid(i), nil)
			if ok {
				n++
				if s != tid(100+i) || !bytes.Equal(d, payload(proto.Oid(i), s, 40+i)) {
					t.Fatalf("oid %d wrong after shrink", i)
				}
			}
		}
		if n == 0 || n == 60 {
			t.Fatalf("%d of 60 current records survive the shrink", n)
		}
		if fi, _ := os.Stat(path); fi.Size() != 8<<10 {
			t.Fatalf("file size %d after shrinking", fi.Size())
		}
		if c.LastTid() != 500 {
			t.Fatalf("last tid %s", c.LastTid())
		}
	})
}

func TestLockRefusesSecondOpener(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		path := tmpPath(t)
		c := openTest(t, path, &Options{Size: 8192, Policy: p})
		_, err := Open(path, &Options{Size: 8192, Policy: p})
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path+".lock") {
			t.Fatalf("second Open: %v", err)
		}
		closeTest(t, c)
		c2 := openTest(t, path, &Options{Size: 8192, Policy: p})
		closeTest(t, c2)
		pid, _ := os.ReadFile(path + ".lock")
		if string(pid) != " "+strconv.Itoa(os.Getpid())+"\n" {
			t.Fatalf("lock file content %q, want our pid as zc.lockfile writes it", pid)
		}
	})
}
