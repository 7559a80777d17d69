package cache

import (
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// loadOrStore is what a client does: load, and on a miss fetch and store.
func loadOrStore(t *testing.T, c *Cache, oid proto.Oid, start proto.Tid, n int) bool {
	t.Helper()
	if _, _, ok := c.Load(oid, nil); ok {
		return true
	}
	mustStore(t, c, oid, start, 0, payload(oid, start, n))
	return false
}

func TestScanResistance(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 64 << 10, Policy: p})
		// A hot set of 20 objects (about 21 KB), each used 5 times.
		for round := 0; round < 5; round++ {
			for i := 1; i <= 20; i++ {
				loadOrStore(t, c, proto.Oid(i), 10, 1000)
			}
		}
		// A scan of 200 objects used once (about 210 KB: three laps).
		for i := 1000; i < 1200; i++ {
			loadOrStore(t, c, proto.Oid(i), 10, 1000)
		}
		hot := 0
		for i := 1; i <= 20; i++ {
			if _, _, ok := c.Load(proto.Oid(i), nil); ok {
				hot++
			}
		}
		st := c.Stats()
		switch p {
		case FIFO:
			if hot != 0 || st.Rejected != 0 {
				t.Fatalf("fifo: %d hot objects survived the scan (want 0), stats %v", hot, st)
			}
		case TinyLFU:
			if hot != 20 || st.Rejected == 0 {
				t.Fatalf("tinylfu: %d of 20 hot objects survived the scan, stats %v", hot, st)
			}
		}
	})
}

func TestRearrangement(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 8192, Policy: p})
		capacity := c.size - headerSize
		loadOrStore(t, c, 1, 10, 500) // record A at offset 64
		// Fill until the ring is more than 80% of the file past A.
		oid := proto.Oid(100)
		for float64(c.ring-headerSize) <= RearrangeFraction*float64(capacity) {
			loadOrStore(t, c, oid, 10, 300)
			oid++
		}
		wantLoad(t, c, 1, 10, payload(1, 10, 500))
		st := c.Stats()
		switch p {
		case FIFO:
			if st.Rearranged != 1 || c.idx.current[1] == headerSize {
				t.Fatalf("fifo: not rearranged: %v, A at %d", st, c.idx.current[1])
			}
		case TinyLFU:
			if st.Rearranged != 0 {
				t.Fatalf("tinylfu rearranged: %v", st)
			}
		}
		// Write on until the ring has wrapped past A's first place: in
		// FIFO, A survives because it moved; in TinyLFU because it is used
		// more than the newcomers and is passed over.
		for wrapped, prev := false, c.ring; !wrapped || c.ring <= headerSize+recordSize(500); prev = c.ring {
			loadOrStore(t, c, oid, 10, 300)
			oid++
			wrapped = wrapped || c.ring < prev
		}
		wantLoad(t, c, 1, 10, payload(1, 10, 500))
	})
}

func TestCheckFindsDamage(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		c := openTest(t, "", &Options{Size: 16 << 10, Policy: p})
		fill(t, c, 10)
		if err := c.Check(); err != nil {
			t.Fatal(err)
		}
		off := c.idx.current[3]
		c.buf[off+recOverhead] ^= 1
		err := c.Check()
		if err == nil || !errorsIsCorrupt(err) {
			t.Fatalf("Check missed a data flip: %v", err)
		}
		c.buf[off+recOverhead] ^= 1
		delete(c.idx.current, 5)
		if err := c.Check(); err == nil {
			t.Fatal("Check missed an unindexed record")
		}
		c.Clear() // leave a consistent cache for the cleanup Check
	})
}
