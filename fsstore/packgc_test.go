// Pack's garbage collection: compressed records, dangling references,
// oids never reused, and the reference extraction without allocations.

package fsstore

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"github.com/gozeo/gozeo/fsstore/pickle"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
)

// refPickle is a ZODB record of a PersistentMapping whose data dict
// holds a strong (oid, class) reference to each oid given.
func refPickle(oids ...proto.Oid) []byte {
	b := []byte("\x80\x03cpersistent.mapping\nPersistentMapping\nq\x00.")
	b = append(b, "\x80\x03}q\x01X\x04\x00\x00\x00dataq\x02}q\x03("...)
	for i, oid := range oids {
		b = append(b, 'X', 1, 0, 0, 0, byte('a'+i%26))
		b = append(b, 'C', 8)
		b = binary.BigEndian.AppendUint64(b, uint64(oid))
		b = append(b, "h\x00\x86Q"...)
	}
	return append(b, "us."...)
}

func TestRefPickle(t *testing.T) {
	got, err := pickle.StrongRefs(refPickle(3, 0x99), nil)
	if err != nil || len(got) != 2 || got[0] != 3 || got[1] != 0x99 {
		t.Fatalf("refPickle refs %v %v", got, err)
	}
}

// forceCompress returns the stored form of src in codec c even when it is
// longer than src (the fixture's pickles are too small to shrink).
func forceCompress(t *testing.T, c compress.Codec, src []byte) []byte {
	t.Helper()
	var out []byte
	switch c {
	case compress.None:
		return bytes.Clone(src)
	case compress.Zlib:
		var b bytes.Buffer
		b.WriteString(compress.PrefixZlib)
		w := zlib.NewWriter(&b)
		w.Write(src)
		w.Close()
		out = b.Bytes()
	case compress.Zstd:
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true), zstd.WithSingleSegment(true))
		if err != nil {
			t.Fatal(err)
		}
		out = enc.EncodeAll(src, []byte(compress.PrefixZstd))
	case compress.S2:
		out = binary.LittleEndian.AppendUint32([]byte(compress.PrefixS2), crc32.Checksum(src, crc32.MakeTable(crc32.Castagnoli)))
		out = append(out, s2.Encode(nil, src)...)
	}
	var dec compress.Decompressor
	if back, err := dec.Decompress(nil, out, 0); err != nil || !bytes.Equal(back, src) || compress.CodecOf(out) != c {
		t.Fatalf("%s record does not round-trip: %v", c, err)
	}
	return out
}

// TestPackCompressed rewrites before-pack.fs through the store with every
// pickle compressed by a codec chosen per oid (.z, .Z, .S; records that
// do not shrink stay plain), packs it with GC, and checks that the same
// objects survive with the same data as Python's packed file.
func TestPackCompressed(t *testing.T) {
	src := copyFixture(t, "filestorage/packed/before-pack.fs")
	fl, err := OpenFile(src)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	s, _ := newStore(t, nil)
	codecs := []compress.Codec{compress.Zlib, compress.Zstd, compress.S2, compress.None}
	counts := map[compress.Codec]int{}
	it := fl.Iterator(0, 0)
	for {
		info, ok, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		tx, err := s.Begin(proto.TxnMeta{Tid: info.Tid, User: info.User, Description: info.Description, Extension: info.Extension})
		if err != nil {
			t.Fatal(err)
		}
		recs := it.Records()
		for {
			rec, ok, err := recs.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			var data []byte
			if rec.Data != nil {
				c := codecs[int(rec.Oid)%len(codecs)]
				data = forceCompress(t, c, rec.Data)
				counts[c]++
			}
			if err := tx.Restore(rec.Oid, rec.Tid, data, rec.DataTxn); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tx.Vote(); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Finish(nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range codecs {
		if counts[c] == 0 {
			t.Fatalf("no %s record in the rewritten file: %v", c, counts)
		}
	}
	pj := readJSON[fxPack](t, copyFixture(t, "filestorage/packed/pack.json"))
	res, err := s.Pack(context.Background(), proto.TidFromUnix(pj.PackTimeFloat), &PackOptions{GC: true})
	if err != nil {
		t.Fatal(err)
	}
	want := readJSON[fxState](t, copyFixture(t, "filestorage/packed/after-pack-gc.state.json"))
	if res.DanglingCount != 0 || s.Len() != want.Len {
		t.Fatalf("after pack: %d oids (want %d), result %+v", s.Len(), want.Len, res)
	}
	var dec compress.Decompressor
	for oidHex, w := range want.Objects {
		stored, serial, err := s.Load(mustOid(t, oidHex), nil)
		if err != nil {
			t.Fatalf("Load(%s): %v", oidHex, err)
		}
		data, err := dec.Decompress(nil, stored, 0)
		if err != nil || serial.String() != *w.Tid || sha(data) != *w.DataSHA {
			t.Errorf("Load(%s) = %s %s %v, want %s %s", oidHex, serial, sha(data), err, *w.Tid, *w.DataSHA)
		}
	}
	// The packed transactions are Python's: same tids, same oids.
	wantTxns := readJSONL[fxTxn](t, copyFixture(t, "filestorage/packed/after-pack-gc.txns.jsonl"))
	sit := s.Iterator(0, 0)
	for i, w := range wantTxns {
		info, ok, err := sit.Next()
		if err != nil || !ok || info.Tid.String() != w.Tid || string(info.Status) != w.Status {
			t.Fatalf("txn %d: %s %q %v %v, want %s %q", i, info.Tid, info.Status, ok, err, w.Tid, w.Status)
		}
		recs := sit.Records()
		for j, wr := range w.Records {
			rec, ok, err := recs.Next()
			if err != nil || !ok || rec.Oid.String() != wr.Oid {
				t.Fatalf("txn %d record %d: %s %v %v, want %s", i, j, rec.Oid, ok, err, wr.Oid)
			}
		}
	}
	if _, ok, _ := sit.Next(); ok {
		t.Error("more transactions than Python's packed file")
	}
}

// TestPackDangling: references to a missing object and to an object whose
// creation was undone are reported, and the pack completes.
func TestPackDangling(t *testing.T) {
	s, _ := newStore(t, nil)
	commit(t, s, map[proto.Oid][]byte{0: refPickle(1, 0x99, 2), 1: refPickle(), 2: refPickle()})
	tid2 := commit(t, s, map[proto.Oid][]byte{3: refPickle()})
	commit(t, s, map[proto.Oid][]byte{0: refPickle(1, 0x99, 2, 3)})
	// Undo the creation of 3: its record has no data any more.
	tx, _ := s.Begin(proto.TxnMeta{})
	if _, err := tx.Undo(tid2); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Vote(); err != nil {
		t.Fatal(err)
	}
	last, err := tx.Finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Pack(context.Background(), last, &PackOptions{GC: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []DanglingRef{{Oid: 0x99, From: 0}, {Oid: 3, From: 0, NoData: true}}
	if res.DanglingCount != 2 || len(res.Dangling) != 2 {
		t.Fatalf("dangling %v (count %d), want %v", res.Dangling, res.DanglingCount, want)
	}
	for _, w := range want {
		found := false
		for _, d := range res.Dangling {
			found = found || d == w
		}
		if !found {
			t.Errorf("missing %v in %v", w, res.Dangling)
		}
	}
	if res.Dangling[0].String() == "" || s.Len() != 3 || res.OidsCollected != 1 {
		t.Errorf("after pack: %d oids, %d collected", s.Len(), res.OidsCollected)
	}
	for _, oid := range []proto.Oid{0, 1, 2} {
		if _, _, err := s.Load(oid, nil); err != nil {
			t.Errorf("Load(%d): %v", oid, err)
		}
	}
	// A record whose references cannot be read aborts the pack.
	commit(t, s, map[proto.Oid][]byte{0: []byte("not a pickle")})
	if _, err := s.Pack(context.Background(), s.LastTransaction(), &PackOptions{GC: true}); err == nil {
		t.Error("pack with an unreadable root succeeded")
	}
	// A custom References function is used instead of the pickle scanner.
	calls := 0
	res, err = s.Pack(context.Background(), s.LastTransaction(), &PackOptions{GC: true,
		References: func(data []byte, dst []proto.Oid) ([]proto.Oid, error) { calls++; return append(dst, 1), nil }})
	if err != nil || calls != 2 || s.Len() != 2 {
		t.Errorf("custom references: %v, %d calls, %d oids left", err, calls, s.Len())
	}
}

// TestPackOidsNotReused: oids dropped by GC are not handed out again,
// even after a reopen.
func TestPackOidsNotReused(t *testing.T) {
	s, path := newStore(t, nil)
	commit(t, s, map[proto.Oid][]byte{0: refPickle(1), 1: refPickle(), 7: refPickle()})
	res, err := s.Pack(context.Background(), s.LastTransaction(), &PackOptions{GC: true})
	if err != nil || res.OidsCollected != 1 || s.MaxOid() != 1 {
		t.Fatalf("pack: %+v %v, max oid %s", res, err, s.MaxOid())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openT(t, path, nil)
	oids, err := s2.NewOIDs(nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, oid := range oids {
		if oid <= 7 {
			t.Errorf("NewOIDs handed out %s after the pack dropped oid 7", oid)
		}
	}
}

// TestPackRefsNoAllocs: extracting the references of a plain or a
// compressed record during GC allocates nothing once the packer is warm.
func TestPackRefsNoAllocs(t *testing.T) {
	s, _ := newStore(t, nil)
	var oids []proto.Oid
	for i := 1; i <= 40; i++ {
		oids = append(oids, proto.Oid(i))
	}
	plain := refPickle(oids...)
	z, ok := compress.NewCompressor(compress.Zstd, nil).Compress(nil, plain)
	if !ok {
		t.Fatal("record not compressed")
	}
	commit(t, s, map[proto.Oid][]byte{0: plain, 1: z})
	v, err := s.pin()
	if err != nil {
		t.Fatal(err)
	}
	p := newPacker(s, v, s.LastTransaction(), PackOptions{})
	defer p.release()
	for _, oid := range []proto.Oid{0, 1} {
		pos := s.idx.get(oid)
		refs, err := p.refsAt(oid, pos)
		if err != nil || len(refs) != len(oids) || refs[39] != 40 {
			t.Fatalf("oid %d: refs %v %v", oid, refs, err)
		}
		if n := testing.AllocsPerRun(100, func() { p.refsAt(oid, pos) }); n != 0 {
			t.Errorf("oid %d: refsAt allocates %v times", oid, n)
		}
	}
}
