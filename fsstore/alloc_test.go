// Allocation gates for the hot paths, and the generator's output.

package fsstore

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

// genStore generates a store of n records and opens it.
func genStore(tb testing.TB, n int, opts *Options) (*Store, GenerateResult) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "Data.fs")
	res, err := Generate(path, GenerateOptions{Records: n, Oids: n / 4}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Open(path, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, res
}

func TestHotPathsNoAllocs(t *testing.T) {
	s, res := genStore(t, 20000, nil)
	fileBytes(t, s.Path()) // warm the page cache for TryLoadBefore
	dst := make([]byte, 0, 4096)
	oid := proto.Oid(17)
	_, cur, err := s.Load(oid, dst)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(){
		"Load": func() {
			if _, _, err := s.Load(oid, dst); err != nil {
				t.Fatal(err)
			}
		},
		"LoadBefore": func() {
			if _, _, _, err := s.LoadBefore(oid, cur, dst); err != nil {
				t.Fatal(err)
			}
		},
		"TryLoadBefore": func() {
			if _, _, _, err := s.TryLoadBefore(oid, cur, dst); err != nil {
				t.Fatal(err)
			}
		},
		"LoadBeforeNoRevision": func() {
			if _, _, _, err := s.LoadBefore(oid, 1, dst); !errors.Is(err, proto.ErrNoRevision) {
				t.Fatal(err)
			}
		},
		"indexGet": func() {
			s.mu.RLock()
			if s.idx.get(oid) == 0 {
				t.Fatal("missing")
			}
			s.mu.RUnlock()
		},
	}
	for name, f := range cases {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %.1f allocations per call", name, n)
		}
	}
	if res.LastTid != s.LastTransaction() || int64(res.Size) != s.Size() {
		t.Fatalf("generator said %+v, store has %s %d", res, s.LastTransaction(), s.Size())
	}
}

func TestGenerate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Data.fs")
	res, err := Generate(path, GenerateOptions{Records: 5000, PerTxn: 7, DataSize: 100, Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyFile(path, nil)
	if err != nil || rep.Records != 5000 || rep.Transactions != res.Transactions || rep.Oids != 2500 || len(rep.Warnings) != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	s := openT(t, path, nil)
	if s.Len() != 2500 || s.MaxOid() != res.MaxOid || s.Size() != res.Size {
		t.Fatalf("Len %d MaxOid %s Size %d, generated %+v", s.Len(), s.MaxOid(), s.Size(), res)
	}
	d, _, err := s.Load(5, nil)
	if err != nil || len(d) != 100 || string(d[:25]) != "\x80\x03cgozeo_bench\nRecord\nq\x00." {
		t.Fatalf("%q %v", d, err)
	}
	if _, err := Generate(path, GenerateOptions{}, nil); err == nil {
		t.Fatal("overwrote an existing file")
	}
}

// TestTryLoadBeforeCold drops the file from the page cache and checks that
// TryLoadBefore refuses to touch it, LoadBefore reads it, and
// TryLoadBefore then succeeds.
func TestTryLoadBeforeCold(t *testing.T) {
	path := filepath.Join(t.TempDir(), "Data.fs")
	if _, err := Generate(path, GenerateOptions{Records: 50000, Oids: 50000, DataSize: 400}, nil); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, nil) // scan, then save the index file
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openT(t, path, nil) // with the index: the log's pages are not touched
	if !s.usedIndex {
		t.Fatal("index not used")
	}
	if err := dropPageCache(path); err != nil {
		t.Skipf("cannot drop the page cache here: %v", err)
	}
	oid := proto.Oid(25000) // mid-file: away from the pages open touched
	pos := s.idx.get(oid)
	if resident(s.data, pos, DataHeaderSize) {
		t.Skip("the page cache kept the page; eviction not possible here")
	}
	if _, _, _, err := s.TryLoadBefore(oid, proto.MaxTid, nil); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("cold TryLoadBefore: %v", err)
	}
	if resident(s.data, pos, DataHeaderSize) {
		t.Fatal("TryLoadBefore touched the page")
	}
	want, _, _, err := s.LoadBefore(oid, proto.MaxTid, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _, _, err := s.TryLoadBefore(oid, proto.MaxTid, nil)
	if err != nil || string(got) != string(want) {
		t.Fatalf("warm TryLoadBefore: %v", err)
	}
}

// TestGenerateLong builds the 1 M-record benchmark file (with -long) and
// checks that a scan and the index file give the same store.
func TestGenerateLong(t *testing.T) {
	if !*long {
		t.Skip("the 200 MB generator runs with -long (and in BenchmarkOpen)")
	}
	path := filepath.Join(t.TempDir(), "Data.fs")
	res, err := Generate(path, GenerateOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	scan, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if scan.usedIndex || scan.LastTransaction() != res.LastTid || scan.Len() != 500_000 || scan.Size() != res.Size {
		t.Fatalf("scan: %s %d %d, generated %+v", scan.LastTransaction(), scan.Len(), scan.Size(), res)
	}
	if _, err := scan.Verify(nil); err != nil {
		t.Fatal(err)
	}
	scan.Close()
	s := openT(t, path, &Options{ReadOnly: true})
	if !s.usedIndex || s.Len() != 500_000 {
		t.Fatalf("index open: used %v len %d", s.usedIndex, s.Len())
	}
	t.Logf("%d bytes, %.2f index bytes per oid", res.Size, float64(s.IndexMemory())/float64(s.Len()))
}
