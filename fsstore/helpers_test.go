// Test helpers: fixtures, temporary stores that verify themselves on
// cleanup, the -long flag.

package fsstore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/prototest"
)

var long = flag.Bool("long", false, "run the long crash and generator modes")

// copyFixture copies a fixture file into a fresh temporary directory and
// returns the copy's path (tests never write to the fixtures).
func copyFixture(t testing.TB, rel string) string {
	t.Helper()
	src := prototest.Fixture(t, rel)
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(rel))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// logBuffer collects log lines for assertions.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// openT opens a store and registers a cleanup that closes it and checks
// the file with VerifyFile (bbolt's check-after-every-test habit).
func openT(t testing.TB, path string, opts *Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if opts != nil && opts.ReadOnly {
			return
		}
		if rep, err := VerifyFile(path, nil); err != nil {
			t.Errorf("VerifyFile after test: %v (report %+v)", err, rep)
		}
	})
	return s
}

// newStore creates an empty store in a temporary directory.
func newStore(t testing.TB, opts *Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Data.fs")
	return openT(t, path, opts), path
}

// commit stores oid -> data pairs in one transaction, reading each
// current serial first, and returns the tid.
func commit(t testing.TB, s *Store, objs map[proto.Oid][]byte) proto.Tid {
	t.Helper()
	tx, err := s.Begin(proto.TxnMeta{User: []byte("test")})
	if err != nil {
		t.Fatal(err)
	}
	for oid, data := range objs {
		serial, _, err := s.currentTid(oid, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Store(oid, serial, data); err != nil {
			t.Fatalf("store %s: %v", oid, err)
		}
	}
	if _, err := tx.Vote(); err != nil {
		t.Fatal(err)
	}
	tid, err := tx.Finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	return tid
}

func readJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = append(r, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return r
}

func readJSON[T any](t testing.TB, path string) T {
	t.Helper()
	var v T
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func mustTid(t testing.TB, s string) proto.Tid {
	t.Helper()
	v, err := proto.ParseTid(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustOid(t testing.TB, s string) proto.Oid {
	t.Helper()
	v, err := proto.ParseOid(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fixtureFiles lists every Data.fs fixture that has expected dumps, by
// path relative to the fixtures folder, without the ".fs".
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	dir := prototest.FixturesDir(t)
	var r []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".txns.jsonl") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		r = append(r, strings.TrimSuffix(filepath.ToSlash(rel), ".txns.jsonl"))
		return nil
	})
	if len(r) < 10 {
		t.Fatalf("found only %d fixtures with dumps: %v", len(r), r)
	}
	return r
}

// fsPath returns the data file of a fixture base name: "x/y" -> "x/y.fs",
// and the ZEO capture's "server-Data" -> "server-Data.fs".
func fsPath(base string) string { return base + ".fs" }

func fileBytes(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
