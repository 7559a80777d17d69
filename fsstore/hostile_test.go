// Hostile input: random damage to real files must give errors, never a
// panic, a hang or a read outside the file; plus a fuzz target.

package fsstore

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/prototest"
)

// exercise opens data read-only and runs every reader over it; it only
// returns errors (a panic fails the test).
func exercise(t testing.TB, path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	VerifyFile(path, nil)
	if fl, err := OpenFile(path); err == nil {
		it := fl.Iterator(0, 0)
		for i := 0; i < 10000; i++ {
			_, ok, err := it.Next()
			if err != nil || !ok {
				break
			}
			r := it.Records()
			for {
				if _, ok, err := r.Next(); err != nil || !ok {
					break
				}
				fl.ReadData(r.Pos(), nil)
			}
		}
		for pos, i := fl.Size(), 0; i < 10000; i++ {
			p, ok, err := fl.PrevTxn(pos)
			if err != nil || !ok {
				break
			}
			fl.ReadTxnHeader(p)
			pos = p
		}
		fl.Close()
	}
	s, err := Open(path, &Options{ReadOnly: true, NoIndex: true})
	if err != nil {
		var re *RecordError
		if errors.As(err, &re) && !errors.Is(err, ErrCorruption) {
			t.Fatalf("RecordError not marked: %v", err)
		}
		return
	}
	defer s.Close()
	buf := make([]byte, 0, 1024)
	for oid := proto.Oid(0); oid <= s.MaxOid() && oid < 300; oid++ {
		s.Load(oid, buf)
		s.LoadBefore(oid, proto.MaxTid, buf)
		s.LoadBefore(oid, s.LastTransaction(), buf)
		s.TryLoadBefore(oid, proto.MaxTid, buf)
		s.History(oid, 100)
		s.LoadSerial(oid, s.LastTransaction(), buf)
	}
	for next, i := proto.Oid(0), 0; i < 1000; i++ {
		_, n, more, err := s.RecordIterNext(next, buf)
		if err != nil || !more {
			break
		}
		next = n
	}
	s.UndoLog(0, 100, nil)
	s.LastInvalidations(100)
	s.TxnOids(s.LastTransaction())
	s.Verify(nil)
	it := s.Iterator(s.LastTransaction()/2, 0)
	for i := 0; i < 10000; i++ {
		if _, ok, err := it.Next(); err != nil || !ok {
			break
		}
	}
}

// TestRandomDamage flips bytes, truncates and splices real files at
// random; every reader must cope.
func TestRandomDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 42))
	path := filepath.Join(t.TempDir(), "Data.fs")
	rounds := 150
	if *long {
		rounds = 3000
	}
	for _, rel := range []string{"filestorage/undo/undo.fs", "filestorage/basic/basic.fs", "filestorage/packed/after-pack-gc.fs"} {
		orig := fileBytes(t, copyFixture(t, rel))
		for i := 0; i < rounds; i++ {
			b := bytes.Clone(orig)
			switch i % 4 {
			case 0: // flip a few bytes
				for k := 0; k < 1+rng.IntN(4); k++ {
					b[MagicSize+rng.IntN(len(b)-MagicSize)] ^= byte(1 + rng.IntN(255))
				}
			case 1: // truncate
				b = b[:rng.IntN(len(b))]
			case 2: // a huge or tiny 8-byte value somewhere
				v := []uint64{0, 1, 23, 41, 42, 1 << 62, ^uint64(0), uint64(len(b)), uint64(len(b) - 8)}[rng.IntN(9)]
				at := MagicSize + rng.IntN(len(b)-MagicSize-8)
				for k := 0; k < 8; k++ {
					b[at+k] = byte(v >> (56 - 8*k))
				}
			case 3: // splice a chunk of the file elsewhere
				from, to := rng.IntN(len(b)), MagicSize+rng.IntN(len(b)-MagicSize)
				n := min(rng.IntN(200), len(b)-from, len(b)-to)
				copy(b[to:to+n], orig[from:from+n])
			}
			exercise(t, path, b)
		}
	}
}

// FuzzOpen feeds arbitrary bytes to every reader; seeded with the fixtures.
func FuzzOpen(f *testing.F) {
	dir := prototest.FixturesDir(f)
	for _, rel := range []string{"filestorage/undo/undo.fs", "filestorage/truncated/checkpoint.fs",
		"filestorage/corrupt/corrupt-tlen-low.fs", "filestorage/big/zero-length-store.fs"} {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("FS30"))
	f.Add([]byte("FS2"))
	// One directory for the worker, not t.TempDir per input: creating and
	// removing a directory per input took most of the time.
	work := f.TempDir()
	path := filepath.Join(work, "Data.fs")
	f.Fuzz(func(t *testing.T, data []byte) {
		exercise(t, path, data)
		if extra, _ := filepath.Glob(path + ".*"); len(extra) > 0 {
			t.Fatalf("a read-only open left files behind: %v", extra)
		}
	})
}
