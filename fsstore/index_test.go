// The in-memory index and its file: dense and sparse pages, ordering,
// save/load, and rejection of damaged, stale or foreign index files.

package fsstore

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

func TestIndexDenseSparse(t *testing.T) {
	ix := newIndex()
	oids := []proto.Oid{0, 1, 4095, 4096, 70000, 1 << 40, 1<<40 + 1, 1 << 63, ^proto.Oid(0)}
	for i, oid := range oids {
		ix.set(oid, int64(100+i))
	}
	ix.set(1, 999) // overwrite does not count twice
	if ix.Len() != len(oids) {
		t.Fatalf("Len %d", ix.Len())
	}
	if m, _ := ix.maxOid(); m != ^proto.Oid(0) {
		t.Fatalf("max %s", m)
	}
	for i, oid := range oids {
		want := int64(100 + i)
		if oid == 1 {
			want = 999
		}
		if got := ix.get(oid); got != want {
			t.Fatalf("get(%s) = %d, want %d", oid, got, want)
		}
	}
	for _, absent := range []proto.Oid{2, 4097, 1<<40 + 2, 1<<63 - 1} {
		if ix.get(absent) != 0 {
			t.Fatalf("absent %s found", absent)
		}
	}
	// next walks in order through dense and sparse pages.
	var got []proto.Oid
	for from := proto.Oid(0); ; {
		oid, _, ok := ix.next(from)
		if !ok {
			break
		}
		got = append(got, oid)
		if oid == ^proto.Oid(0) {
			break
		}
		from = oid + 1
	}
	if len(got) != len(oids) {
		t.Fatalf("next visited %v", got)
	}
	for i := range oids {
		if got[i] != oids[i] {
			t.Fatalf("next order %v", got)
		}
	}
	if oid, _, ok := ix.next(1<<40 + 2); !ok || oid != 1<<63 {
		t.Fatalf("next(1<<40+2) = %s %v", oid, ok)
	}
	if len(ix.sparse) == 0 {
		t.Fatal("huge oids did not go to sparse pages")
	}
	// Growing the dense range pulls sparse pages in.
	ix2 := newIndex()
	ix2.set(5000*idxPage, 7) // far: sparse
	for k := 0; k < 5000; k++ {
		ix2.set(proto.Oid(k*idxPage), 8)
	}
	if ix2.get(5000*idxPage) != 7 || len(ix2.sparse) != 0 {
		t.Fatalf("migration: %d, %d sparse", ix2.get(5000*idxPage), len(ix2.sparse))
	}
	if _, a, b, differ := ix.diff(ix); differ {
		t.Fatal("index differs from itself", a, b)
	}
	other := newIndex()
	ix.forEach(func(oid proto.Oid, pos int64) bool { other.set(oid, pos); return true })
	other.set(4096, 5)
	if oid, a, b, differ := ix.diff(other); !differ || oid != 4096 || a != 103 || b != 5 {
		t.Fatalf("diff %s %d %d %v", oid, a, b, differ)
	}
	other.set(4096, 103)
	other.set(123456, 9)
	if oid, a, b, differ := ix.diff(other); !differ || oid != 123456 || a != 0 || b != 9 {
		t.Fatalf("diff of an extra oid %s %d %d %v", oid, a, b, differ)
	}
}

func TestIndexMemoryPerOid(t *testing.T) {
	ix := newIndex()
	const n = 1 << 20
	for i := 0; i < n; i++ {
		ix.set(proto.Oid(i), int64(i)*100+4)
	}
	if per := float64(ix.memBytes()) / n; per > 6.1 {
		t.Fatalf("%.2f bytes per oid", per)
	}
}

func TestIndexFileRoundTrip(t *testing.T) {
	s, path := newStore(t, nil)
	for i := 0; i < 20; i++ {
		commit(t, s, map[proto.Oid][]byte{proto.Oid(i % 7): []byte{byte(i), 1}, proto.Oid(1 << 50): []byte{byte(i)}})
	}
	want := s.LastTransaction()
	s.Close()
	meta, ix, err := readIndexFile(path + IndexSuffix)
	if err != nil || ix.Len() != 8 || meta.tid != want {
		t.Fatalf("index file: %v len %d", err, ix.Len())
	}
	var logs logBuffer
	s2 := openT(t, path, &Options{Logger: logs.logger()})
	if !s2.usedIndex || s2.LastTransaction() != want || s2.Len() != 8 || strings.Contains(logs.String(), "WARN") {
		t.Fatalf("reopen: used %v, last %s, len %d, log %q", s2.usedIndex, s2.LastTransaction(), s2.Len(), logs.String())
	}
	// Commits made without saving the index (NoIndex, or a crash) are
	// found by scanning the tail after the index's position.
	s2.Close()
	s3 := openT(t, path, &Options{NoIndex: true})
	tail := commit(t, s3, map[proto.Oid][]byte{3: []byte("tail")})
	s3.Close()
	s4 := openT(t, path, nil)
	if d, serial, err := s4.Load(3, nil); !s4.usedIndex || err != nil || string(d) != "tail" || serial != tail {
		t.Fatalf("tail after index: used %v %q %v", s4.usedIndex, d, err)
	}
	if _, err := s4.Verify(nil); err != nil {
		t.Fatal(err)
	}
}

// TestIndexFileRejected damages, truncates or swaps the index file or the
// log; every case is detected, logged, and the store rebuilt by scanning.
func TestIndexFileRejected(t *testing.T) {
	build := func(t *testing.T) (string, []byte) {
		s, path := newStore(t, nil)
		for i := 0; i < 10; i++ {
			commit(t, s, map[proto.Oid][]byte{proto.Oid(i): []byte("data"), 1: {byte(i)}})
		}
		s.Close()
		return path, fileBytes(t, path+IndexSuffix)
	}
	cases := []struct {
		name   string
		damage func(t *testing.T, path string, idx []byte)
		reason string
	}{
		{"flipped byte", func(t *testing.T, path string, idx []byte) {
			idx[len(idx)/2] ^= 0x40
			os.WriteFile(path+IndexSuffix, idx, 0o644)
		}, "checksum"},
		{"truncated", func(t *testing.T, path string, idx []byte) {
			os.WriteFile(path+IndexSuffix, idx[:len(idx)-100], 0o644)
		}, "index file does not match"},
		{"garbage", func(t *testing.T, path string, idx []byte) {
			os.WriteFile(path+IndexSuffix, []byte("not an index at all, clearly not"), 0o644)
		}, "too short"},
		{"log shorter", func(t *testing.T, path string, idx []byte) {
			b := fileBytes(t, path)
			os.WriteFile(path, b[:len(b)/2], 0o644)
		}, "covers position"},
		{"foreign log", func(t *testing.T, path string, idx []byte) {
			// Another database with the same size in place of this one.
			other, _ := build(t)
			os.Remove(path)
			os.Link(other, path)
		}, "another file"},
		{"same inode, rewritten", func(t *testing.T, path string, idx []byte) {
			b := fileBytes(t, path)
			b[MagicSize+7] ^= 1 // the first tid
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			f.WriteAt(b, 0)
			f.Close()
		}, "first transaction"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, idx := build(t)
			c.damage(t, path, idx)
			var logs logBuffer
			s, err := Open(path, &Options{Logger: logs.logger(), ReadOnly: true})
			defer func() {
				if w, err := Open(path, &Options{NoIndex: true}); err == nil {
					w.Close()
				}
			}()
			if err != nil {
				if c.name == "log shorter" || c.name == "same inode, rewritten" {
					// The damaged log itself may not open; the index must
					// still have been rejected first.
					if !strings.Contains(logs.String(), c.reason) {
						t.Fatalf("%v; log %q", err, logs.String())
					}
					return
				}
				t.Fatal(err)
			}
			if s.usedIndex || !strings.Contains(logs.String(), "ignoring index file") || !strings.Contains(logs.String(), c.reason) {
				t.Fatalf("used %v, log %q", s.usedIndex, logs.String())
			}
			if _, err := s.Verify(nil); err != nil {
				t.Fatal(err)
			}
			s.Close()
			// A writable open recovers whatever the damage left (the
			// cleanup verifies the file).
			w, err := Open(path, &Options{NoIndex: true})
			if err != nil {
				t.Fatal(err)
			}
			w.Close()
		})
	}
}

// TestCreate starts over: the file and its side files are reset.
func TestCreate(t *testing.T) {
	s, path := newStore(t, nil)
	commit(t, s, map[proto.Oid][]byte{1: []byte("old")})
	s.NewOIDs(nil, 5000)
	s.Close()
	os.WriteFile(path+PythonIndexSuffix, []byte("x"), 0o644)
	s2 := openT(t, path, &Options{Create: true})
	if s2.Len() != 0 || s2.Size() != MagicSize || s2.LastTransaction() != 0 {
		t.Fatal("Create kept data")
	}
	if oids, _ := s2.NewOIDs(nil, 1); oids[0] != 1 {
		t.Fatalf("Create kept the oid mark: %v", oids)
	}
	for _, side := range []string{PythonIndexSuffix} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("%s survived Create", side)
		}
	}
	if b := fileBytes(t, path); !bytes.Equal(b, []byte(Magic30)) {
		t.Fatalf("new file %q", b)
	}
	// A directory that does not exist is an error, not a panic.
	if _, err := Open(filepath.Join(t.TempDir(), "no", "such", "Data.fs"), nil); err == nil {
		t.Fatal("opened in a missing directory")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.fs"), &Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing file succeeded")
	}
	if _, err := Open(path, &Options{ReadOnly: true, Create: true}); err == nil {
		t.Fatal("read-only create accepted")
	}
}

// TestBadMagic rejects files that are not FileStorages, and FS21 files
// for writing.
func TestBadMagic(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"short": "FS", "other": "SQLite format 3\x00", "fs21": "FS21"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		_, err := Open(p, nil)
		if err == nil {
			t.Fatalf("%s: opened", name)
		}
		t.Logf("%s: %v", name, err)
		if name == "fs21" {
			s, err := Open(p, &Options{ReadOnly: true})
			if err != nil || s.Magic() != Magic21 {
				t.Fatalf("FS21 read-only: %v", err)
			}
			s.Close()
		}
	}
}

// TestEmptyFile: a 0-byte file is an empty database read-only (as in
// ZODB) and gets the magic when opened for writing.
func TestEmptyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "Data.fs")
	os.WriteFile(p, nil, 0o644)
	ro, err := Open(p, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if ro.Len() != 0 || ro.LastTransaction() != 0 || ro.Size() != MagicSize {
		t.Fatalf("empty read-only store: %d %s %d", ro.Len(), ro.LastTransaction(), ro.Size())
	}
	if _, err := ro.Verify(nil); err != nil {
		t.Fatal(err)
	}
	it := ro.Iterator(0, 0)
	if _, ok, err := it.Next(); ok || err != nil {
		t.Fatalf("iterating an empty store: %v %v", ok, err)
	}
	if log, err := ro.UndoLog(0, 10, nil); len(log) != 0 || err != nil {
		t.Fatal(log, err)
	}
	ro.Close()
	if rep, err := VerifyFile(p, nil); err == nil || rep.Problem != "invalid file header" {
		t.Fatalf("VerifyFile of 0 bytes: %+v %v", rep, err)
	}
	w := openT(t, p, nil)
	w.Close()
	if b := fileBytes(t, p); string(b) != Magic30 {
		t.Fatalf("%q", b)
	}
}
