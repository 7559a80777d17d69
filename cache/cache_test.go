package cache

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestLoadStoreMiss(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 64 << 10, Policy: p})
		if c.Policy() != p {
			t.Fatalf("Policy() = %v", c.Policy())
		}
		d := payload(1, 10, 300)
		mustStore(t, c, 1, 10, 0, d)
		wantLoad(t, c, 1, 10, d)
		wantMiss(t, c, 2)
		// dst with room: data lands in it.
		dst := make([]byte, 0, 1024)
		got, _, ok := c.Load(1, dst)
		if !ok || &got[0] != &dst[:1][0] {
			t.Fatal("Load did not use dst's capacity")
		}
		mustStore(t, c, 2, 11, 0, nil) // empty data is a valid record
		if got, s, ok := c.Load(2, nil); !ok || s != 11 || len(got) != 0 {
			t.Fatalf("empty record: %v %s %v", got, s, ok)
		}
		st := c.Stats()
		if st.Hits != 3 || st.Misses != 1 || st.Stores != 2 || st.Objects != 2 || c.Len() != 2 {
			t.Fatalf("stats %v len %d", st, c.Len())
		}
		if st.BytesUsed != recordSize(300)+recordSize(0) || st.Size != 64<<10 {
			t.Fatalf("bytes used %d size %d", st.BytesUsed, st.Size)
		}
	})
}

func TestEvictionWrapAround(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		// 4096-byte file: 4032 bytes of records; records of 560 bytes, so
		// 7 fit and the 8th wraps to offset 64, evicting the 1st.
		c := openTest(t, "", &Options{Size: MinSize, Policy: p})
		const dlen = 504
		if recordSize(dlen) != 560 {
			t.Fatalf("record size %d", recordSize(dlen))
		}
		for i := 1; i <= 20; i++ {
			mustStore(t, c, proto.Oid(i), tid(100+i), 0, payload(proto.Oid(i), tid(100+i), dlen))
			if err := c.Check(); err != nil {
				t.Fatalf("after store %d: %v", i, err)
			}
		}
		for i := 1; i <= 13; i++ {
			wantMiss(t, c, proto.Oid(i))
		}
		for i := 14; i <= 20; i++ {
			wantLoad(t, c, proto.Oid(i), tid(100+i), payload(proto.Oid(i), tid(100+i), dlen))
		}
		if st := c.Stats(); st.Evictions != 13 || st.Objects != 7 || st.Stores != 20 {
			t.Fatalf("stats %v", st)
		}
		// Ring: 20 records, 7 per lap: record 20 is the 6th of lap 3.
		if want := int64(headerSize + 6*560); c.ring != want {
			t.Fatalf("ring at %d, want %d", c.ring, want)
		}
	})
}

func TestInvalidate(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 64 << 10, Policy: p})
		d := payload(1, 10, 100)
		mustStore(t, c, 1, 10, 0, d)

		c.Invalidate(1, 10) // same tid: ignored
		wantLoad(t, c, 1, 10, d)

		c.Invalidate(1, 20) // current -> non-current [10, 20)
		wantMiss(t, c, 1)
		got, s, e, ok := c.LoadBefore(1, 20, nil)
		if !ok || s != 10 || e != 20 || !bytes.Equal(got, d) {
			t.Fatalf("LoadBefore(1, 20) = %s..%s %v", s, e, ok)
		}
		d2 := payload(1, 20, 50)
		mustStore(t, c, 1, 20, 0, d2)
		wantLoad(t, c, 1, 20, d2)

		c.Invalidate(1, proto.ZeroTid) // drop current, keep non-current
		wantMiss(t, c, 1)
		if _, s, e, ok := c.LoadBefore(1, 15, nil); !ok || s != 10 || e != 20 {
			t.Fatalf("non-current lost by drop: %s %s %v", s, e, ok)
		}
		c.Invalidate(9, 30) // miss: nothing happens
		if st := c.Stats(); st.Invalidations != 2 || st.Objects != 1 {
			t.Fatalf("stats %v", st)
		}
		// Invalidate again after the drop: a miss.
		c.Invalidate(1, 40)
		if c.Len() != 1 {
			t.Fatalf("len %d", c.Len())
		}
	})
}

// TestLoadBeforeSemantics mirrors spec §5.3: the non-current entry with the
// largest start < T if T <= its end, else the current one if its start < T.
func TestLoadBeforeSemantics(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 64 << 10, Policy: p})
		// oid 1: [10,20) [20,30) current@30
		mustStore(t, c, 1, 10, 20, payload(1, 10, 10))
		mustStore(t, c, 1, 20, 30, payload(1, 20, 20))
		mustStore(t, c, 1, 30, 0, payload(1, 30, 30))
		// oid 2: [10,20), gap, current@30
		mustStore(t, c, 2, 10, 20, payload(2, 10, 10))
		mustStore(t, c, 2, 30, 0, payload(2, 30, 30))
		// oid 3: only [10,20)
		mustStore(t, c, 3, 10, 20, payload(3, 10, 10))
		// oid 4: only current@30
		mustStore(t, c, 4, 30, 0, payload(4, 30, 30))
		cases := []struct {
			oid        proto.Oid
			before     proto.Tid
			ok         bool
			start, end proto.Tid
		}{
			{1, 5, false, 0, 0},
			{1, 10, false, 0, 0}, // start must be < before
			{1, 11, true, 10, 20},
			{1, 20, true, 10, 20}, // before <= end
			{1, 21, true, 20, 30},
			{1, 30, true, 20, 30},
			{1, 31, true, 30, 0}, // current
			{1, proto.MaxTid, true, 30, 0},
			{2, 15, true, 10, 20},
			{2, 25, false, 0, 0}, // [10,20) ends before 25, current starts at 30
			{2, 31, true, 30, 0},
			{3, 15, true, 10, 20},
			{3, 25, false, 0, 0},
			{4, 30, false, 0, 0},
			{4, 31, true, 30, 0},
			{5, 31, false, 0, 0},
			{1, 0, false, 0, 0},
		}
		for _, k := range cases {
			data, s, e, ok := c.LoadBefore(k.oid, k.before, nil)
			if ok != k.ok || s != k.start || e != k.end {
				t.Errorf("LoadBefore(%d, %d) = %d..%d %v, want %d..%d %v", k.oid, k.before, s, e, ok, k.start, k.end, k.ok)
				continue
			}
			if ok && !bytes.Equal(data, payload(k.oid, s, len(data))) || ok && len(data) != int(s) {
				t.Errorf("LoadBefore(%d, %d): wrong data", k.oid, k.before)
			}
		}
	})
}

func TestStoreSemantics(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 8192, Policy: p})
		mustStore(t, c, 1, 10, 0, payload(1, 10, 10))
		mustStore(t, c, 1, 10, 0, payload(1, 10, 99)) // same start: no-op
		wantLoad(t, c, 1, 10, payload(1, 10, 10))
		err := c.Store(1, 11, 0, []byte("x"))
		var oe *OpError
		if !errors.Is(err, ErrCurrentConflict) || !errors.As(err, &oe) || oe.Oid != 1 || oe.Op != "store" {
			t.Fatalf("different start: %v", err)
		}
		mustStore(t, c, 2, 10, 20, payload(2, 10, 5))
		mustStore(t, c, 2, 10, 20, payload(2, 10, 77)) // duplicate non-current: no-op
		if err := c.Store(3, 20, 20, nil); !errors.Is(err, ErrBadRange) {
			t.Fatalf("end == start: %v", err)
		}
		if err := c.Store(3, 20, 10, nil); !errors.Is(err, ErrBadRange) {
			t.Fatalf("end < start: %v", err)
		}
		// Too big: the record would exceed the record space.
		big := make([]byte, 8192-headerSize-recOverhead+1)
		mustStore(t, c, 4, 10, 0, big)
		wantMiss(t, c, 4)
		// Exactly fitting: cached, evicting everything else. Like a client,
		// load (miss) before storing: TinyLFU refuses a record less used
		// than those it would evict.
		wantMiss(t, c, 5)
		wantMiss(t, c, 5)
		fit := payload(5, 10, 8192-headerSize-recOverhead)
		mustStore(t, c, 5, 10, 0, fit)
		wantLoad(t, c, 5, 10, fit)
		st := c.Stats()
		if st.TooBig != 1 || st.Stores != 3 || st.Objects != 1 {
			t.Fatalf("stats %v", st)
		}
	})
}

func TestSetLastTid(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 8192, Policy: p})
		if c.LastTid() != 0 {
			t.Fatal("fresh last tid")
		}
		for _, x := range []proto.Tid{50, 40, 0} { // empty: any non-zero goes
			if err := c.SetLastTid(x); err != nil {
				t.Fatal(err)
			}
		}
		if c.LastTid() != 40 {
			t.Fatalf("last tid %s (ZeroTid must be ignored)", c.LastTid())
		}
		mustStore(t, c, 1, 10, 0, nil)
		if err := c.SetLastTid(40); err != nil || c.LastTid() != 40 {
			t.Fatalf("equal: %v", err)
		}
		if err := c.SetLastTid(39); !errors.Is(err, ErrTidNotIncreasing) || c.LastTid() != 40 {
			t.Fatalf("lower: %v, last %s", err, c.LastTid())
		}
		if err := c.SetLastTid(41); err != nil || c.LastTid() != 41 {
			t.Fatalf("higher: %v", err)
		}
		if err := c.Clear(); err != nil || c.LastTid() != 0 || c.Len() != 0 {
			t.Fatalf("Clear: %v last %s len %d", err, c.LastTid(), c.Len())
		}
		if err := c.SetLastTid(5); err != nil {
			t.Fatal(err)
		}
	})
}

func TestClosedCache(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 8192, Policy: p})
		mustStore(t, c, 1, 1, 0, nil)
		closeTest(t, c)
		if err := c.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		if _, _, ok := c.Load(1, nil); ok {
			t.Fatal("Load after Close")
		}
		if _, _, _, ok := c.LoadBefore(1, 5, nil); ok {
			t.Fatal("LoadBefore after Close")
		}
		c.Invalidate(1, 0)
		for _, err := range []error{c.Store(2, 1, 0, nil), c.SetLastTid(9), c.Clear(), c.Check(), c.Sync()} {
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("after close: %v", err)
			}
		}
	})
}

func TestTransientFileRemoved(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		dir := t.TempDir()
		t.Setenv("TMPDIR", dir)
		c := openTest(t, "", &Options{Size: 8192, Policy: p})
		mustStore(t, c, 1, 1, 0, []byte("x"))
		ents, _ := os.ReadDir(dir)
		if len(ents) != 0 {
			t.Fatalf("transient file visible: %v", ents)
		}
		if c.Path() != "" {
			t.Fatal("transient cache has a path")
		}
		closeTest(t, c)
	})
}

func TestOptions(t *testing.T) {
	if _, err := Open("", &Options{Size: 100}); !errors.Is(err, ErrBadOptions) {
		t.Fatalf("tiny size: %v", err)
	}
	if _, err := OpenMemory(&Options{Size: MaxSize + 8}); !errors.Is(err, ErrBadOptions) {
		t.Fatalf("huge size: %v", err)
	}
	c := openTest(t, "", nil) // nil options: the defaults
	if st := c.Stats(); st.Size != DefaultSize || c.Policy() != FIFO {
		t.Fatalf("nil options: size %d policy %v", st.Size, c.Policy())
	}
	o := (*Options)(nil).withDefaults()
	if o.Size != DefaultSize || o.Policy != FIFO || o.Logger == nil {
		t.Fatalf("defaults %+v", o)
	}
	if o := (&Options{Size: 10007}).withDefaults(); o.Size != 10000 {
		t.Fatalf("size not rounded to 8: %d", o.Size)
	}
	for in, want := range map[string]Policy{"fifo": FIFO, "TinyLFU": TinyLFU, "": FIFO} {
		if p, err := ParsePolicy(in); err != nil || p != want {
			t.Errorf("ParsePolicy(%q) = %v, %v", in, p, err)
		}
	}
	if _, err := ParsePolicy("lru"); !errors.Is(err, ErrBadOptions) {
		t.Fatalf("ParsePolicy(lru): %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, tmpPath(t), &Options{Size: 32 << 10, Policy: p})
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				var dst []byte
				for i := 0; i < 2000; i++ {
					oid := proto.Oid(i*7+g) % 64
					var ok bool
					var s proto.Tid
					dst, s, ok = c.Load(oid, dst)
					if ok && !bytes.Equal(dst, payload(oid, s, len(dst))) {
						t.Errorf("oid %d: wrong data", oid)
						return
					}
					if !ok {
						st := tid(1000 + i)
						if err := c.Store(oid, st, 0, payload(oid, st, 50+int(oid)*8)); err != nil && !errors.Is(err, ErrCurrentConflict) {
							t.Error(err)
							return
						}
					}
					if i%50 == g {
						c.Invalidate(oid, tid(5000+i))
					}
					if i%300 == 0 {
						c.Stats()
					}
				}
			}(g)
		}
		wg.Wait()
	})
}
