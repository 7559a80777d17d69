package cache

import (
	"bytes"
	"os"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func flipByte(t *testing.T, path string, off int64, mask byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= mask
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}

// filledFile writes fill(n) to a new file and returns the path and the
// offsets of the current records.
func filledFile(t *testing.T, p Policy, size int64, n int) (string, map[proto.Oid]int64) {
	t.Helper()
	path := tmpPath(t)
	c := openTest(t, path, &Options{Size: size, Policy: p})
	fill(t, c, n)
	if err := c.SetLastTid(1000); err != nil {
		t.Fatal(err)
	}
	offs := map[proto.Oid]int64{}
	for oid, off := range c.idx.current {
		offs[oid] = off
	}
	closeTest(t, c)
	return path, offs
}

func TestCorruptRecordDropped(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		for _, k := range []struct {
			name   string
			at     int64 // offset within the record
			reason string
		}{
			{"data", recOverhead + 3, "data checksum mismatch"},
			{"start", offStart + 1, "record header checksum mismatch"},
			{"end", offEnd, "record header checksum mismatch"},
			{"dlen", offDlen, "record header checksum mismatch"},
			{"datacrc", offDataCRC, "record header checksum mismatch"},
		} {
			t.Run(k.name, func(t *testing.T) {
				path, offs := filledFile(t, p, 64<<10, 20)
				flipByte(t, path, offs[7]+k.at, 0x10)
				logs := &logCapture{}
				c := openTest(t, path, &Options{Size: 64 << 10, Policy: p, Logger: logs.logger()})
				wantMiss(t, c, 7)
				wantFilled(t, c, 1, 6)
				wantFilled(t, c, 8, 20)
				logs.mustContain(t, "dropping damaged record", k.reason, "oid 0x07")
				if st := c.Stats(); st.Corrupt != 1 || c.LastTid() != 1000 {
					t.Fatalf("stats %v last %s", st, c.LastTid())
				}
			})
		}
	})
}

func TestCorruptBlockWordEndsChain(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		path, offs := filledFile(t, p, 64<<10, 20)
		bad := offs[10]
		flipByte(t, path, bad+3, 0x01) // a size bit: the check byte no longer matches
		logs := &logCapture{}
		c := openTest(t, path, &Options{Size: 64 << 10, Policy: p, Logger: logs.logger()})
		for oid, off := range offs {
			_, _, ok := c.Load(oid, nil)
			if ok != (off < bad) {
				t.Errorf("oid %d at %d: hit %v (damage at %d)", oid, off, ok, bad)
			}
		}
		logs.mustContain(t, "broken block chain", "unreadable block word")
		// The freed space is usable.
		mustStore(t, c, 99, 5000, 0, payload(99, 5000, 2000))
		wantLoad(t, c, 99, 5000, payload(99, 5000, 2000))
	})
}

func TestForeignOrDamagedFileReplaced(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		cases := []struct {
			name   string
			damage func(t *testing.T, path string)
			reason string
		}{
			{"header-size", func(t *testing.T, path string) { flipByte(t, path, offSize+1, 0x04) }, "header checksum mismatch"},
			{"header-magic", func(t *testing.T, path string) { flipByte(t, path, 0, 0x20) }, "bad magic"},
			{"foreign", func(t *testing.T, path string) {
				os.WriteFile(path, []byte("ZEC3\x00\x00\x00\x00\x00\x00\x00\x00a Python ZEO cache, not ours"), 0o644)
			}, "bad magic"},
			{"empty", func(t *testing.T, path string) { os.WriteFile(path, nil, 0o644) }, "shorter than the header"},
			{"short-header", func(t *testing.T, path string) { os.Truncate(path, 40) }, "shorter than the header"},
		}
		for _, k := range cases {
			t.Run(k.name, func(t *testing.T) {
				path, _ := filledFile(t, p, 16<<10, 10)
				k.damage(t, path)
				logs := &logCapture{}
				c := openTest(t, path, &Options{Size: 16 << 10, Policy: p, Logger: logs.logger()})
				if c.Len() != 0 || c.LastTid() != 0 {
					t.Fatalf("replacement not empty: %d records, last tid %s", c.Len(), c.LastTid())
				}
				logs.mustContain(t, "moving bad cache file aside", k.reason)
				if _, err := os.Stat(path + ".bad"); err != nil {
					t.Fatalf(".bad file: %v", err)
				}
				fill(t, c, 10)
				closeTest(t, c)

				// Damaged again with a .bad already there: the file is
				// removed rather than renamed.
				k.damage(t, path)
				logs2 := &logCapture{}
				c = openTest(t, path, &Options{Size: 16 << 10, Policy: p, Logger: logs2.logger()})
				if c.Len() != 0 {
					t.Fatal("second replacement not empty")
				}
				logs2.mustContain(t, "removing bad cache file")
			})
		}
	})
}

func TestTruncatedFile(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		path, offs := filledFile(t, p, 64<<10, 30)
		cut := offs[15] + 30 // inside oid 15's current record
		if err := os.Truncate(path, cut); err != nil {
			t.Fatal(err)
		}
		logs := &logCapture{}
		c := openTest(t, path, &Options{Size: 64 << 10, Policy: p, Logger: logs.logger()})
		for oid, off := range offs {
			_, _, ok := c.Load(oid, nil)
			if ok != (off < offs[15]) {
				t.Errorf("oid %d at %d: hit %v (cut at %d)", oid, off, ok, cut)
			}
		}
		if fi, _ := os.Stat(path); fi.Size() != 64<<10 {
			t.Fatalf("file not extended: %d", fi.Size())
		}
		logs.mustContain(t, "dropping damaged record", "oid 0x0f")
		if c.LastTid() != 1000 {
			t.Fatalf("last tid %s", c.LastTid())
		}
	})
}

func TestLastTidSlots(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		path := tmpPath(t)
		c := openTest(t, path, &Options{Size: 8192, Policy: p})
		mustStore(t, c, 1, 1, 0, []byte("a"))
		c.SetLastTid(100)
		c.SetLastTid(200)
		newest := int64(offSlot0 + c.slot*slotSize)
		closeTest(t, c)

		flipByte(t, path, newest+2, 0x01) // damage the slot holding 200
		logs := &logCapture{}
		c = openTest(t, path, &Options{Size: 8192, Policy: p, Logger: logs.logger()})
		if c.LastTid() != 100 {
			t.Fatalf("last tid %s, want the previous one (100)", c.LastTid())
		}
		wantLoad(t, c, 1, 1, []byte("a"))
		if err := c.SetLastTid(300); err != nil {
			t.Fatal(err)
		}
		closeTest(t, c)

		flipByte(t, path, offSlot0+3, 0x01)
		flipByte(t, path, offSlot0+slotSize+3, 0x01)
		c = openTest(t, path, &Options{Size: 8192, Policy: p, Logger: logs.logger()})
		if c.LastTid() != 0 {
			t.Fatalf("both slots damaged: last tid %s, want ZeroTid", c.LastTid())
		}
		logs.mustContain(t, "last tid unreadable")
	})
}

func TestCorruptionWhileOpenNeverServed(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		logs := &logCapture{}
		c := openTest(t, "", &Options{Size: 64 << 10, Policy: p, Logger: logs.logger()})
		fill(t, c, 10)
		c.buf[c.idx.current[4]+recOverhead+1] ^= 0x80 // data
		wantMiss(t, c, 4)
		ncOff := c.idx.ncs[c.idx.ncFind(6, 56)].off
		c.buf[ncOff+offEnd+2] ^= 0x01 // non-current header
		if _, _, _, ok := c.LoadBefore(6, 57, nil); ok {
			t.Fatal("damaged non-current record served")
		}
		wantLoad(t, c, 6, 106, payload(6, 106, 46))
		logs.mustContain(t, "dropping damaged record", "data checksum mismatch", "oid 0x04", "record header checksum mismatch")
		if st := c.Stats(); st.Corrupt != 2 {
			t.Fatalf("stats %v", st)
		}
		if err := c.Check(); err != nil {
			t.Fatal(err)
		}
		// A damaged block word: the chain is untrustworthy, the cache is
		// cleared rather than served.
		c.buf[c.idx.current[8]+4] ^= 0x01
		wantMiss(t, c, 8)
		if c.Len() != 0 {
			t.Fatalf("%d records left after a damaged block word", c.Len())
		}
		logs.mustContain(t, "clearing the cache")
	})
}

func TestDuplicateRecordsOnReopen(t *testing.T) {
	forEachPolicy(t, func(t *testing.T, p Policy) {
		path := tmpPath(t)
		c := openTest(t, path, &Options{Size: 16 << 10, Policy: p})
		mustStore(t, c, 1, 10, 0, payload(1, 10, 16))
		mustStore(t, c, 2, 10, 0, payload(2, 10, 16))
		// Rewrite oid 2's record as a second current record of oid 1
		// (start 11), newer than the first: as if two writers had raced.
		off := c.idx.current[2]
		h := recHeader{size: recordSize(16), seq: c.seq, oid: 1, start: 11, dlen: 16}
		copy(c.buf[off+recOverhead:], payload(1, 11, 16))
		h.dataCRC = crc(c.buf[off+recOverhead : off+recOverhead+16])
		var hdr [recOverhead]byte
		encodeRecHeader(&h, &hdr)
		copy(c.buf[off:], hdr[:])
		c.seq++
		c.Close()

		logs := &logCapture{}
		c = openTest(t, path, &Options{Size: 16 << 10, Policy: p, Logger: logs.logger()})
		wantLoad(t, c, 1, 11, payload(1, 11, 16))
		wantMiss(t, c, 2)
		if c.Len() != 1 {
			t.Fatalf("len %d", c.Len())
		}
		logs.mustContain(t, "dropping duplicate record")
	})
}

func TestFormatCodecs(t *testing.T) {
	for _, k := range []struct {
		kind byte
		size int64
	}{{kindAlloc, 64}, {kindFree, 8}, {kindFree, maxBlockSize}} {
		kd, sz, ok := parseWord(makeWord(k.kind, k.size))
		if !ok || kd != k.kind || sz != k.size {
			t.Errorf("word %c/%d round trip: %c/%d %v", k.kind, k.size, kd, sz, ok)
		}
	}
	for _, w := range []uint64{0, makeWord(kindFree, 12), makeWord('x', 64), makeWord(kindAlloc, 64) ^ 1<<20, makeWord(kindFree, 0)} {
		if _, _, ok := parseWord(w); ok {
			t.Errorf("word %#x accepted", w)
		}
	}
	// Every truncated header or record header fails cleanly.
	buf := make([]byte, 8192)
	initFresh(buf)
	for n := 0; n < headerSize; n++ {
		if _, _, ok := decodeHeader(buf[:n]); ok {
			t.Fatalf("header prefix of %d bytes accepted", n)
		}
	}
	if _, _, ok := decodeHeader(buf); !ok {
		t.Fatal("fresh header rejected")
	}
	h := recHeader{size: recordSize(3), seq: 1, oid: 2, start: 3, dlen: 3, dataCRC: crc([]byte("abc"))}
	var hdr [recOverhead]byte
	encodeRecHeader(&h, &hdr)
	for n := 0; n < recOverhead; n++ {
		if _, _, ok := decodeRecHeader(hdr[:n]); ok {
			t.Fatalf("record header prefix of %d bytes accepted", n)
		}
	}
	got, _, ok := decodeRecHeader(hdr[:])
	if !ok || got != h {
		t.Fatalf("record header round trip: %+v %v", got, ok)
	}
	// end <= start is rejected even with a correct checksum.
	h.end = 3
	encodeRecHeader(&h, &hdr)
	if _, reason, ok := decodeRecHeader(hdr[:]); ok || reason != "end tid not after start tid" {
		t.Fatalf("bad range accepted: %q", reason)
	}
	if !bytes.Equal(buf[:4], []byte(magic)) {
		t.Fatal("magic")
	}
}
