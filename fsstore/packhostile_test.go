// Pack on damaged files that Open tolerates: fspack's strict checks give
// a RecordError naming the file and the position, and nothing changes.

package fsstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestPackHostile(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(b []byte)
		want   string
		pos    int64
	}{
		// Open only warns about a time-stamp reduction (ZODB does too).
		{"tid reduction", func(b []byte) { copy(b[1258:], b[4:12]) }, "time-stamp reduction", 1258},
		// Open does not follow prev pointers; pack checks them.
		{"prev forward", func(b []byte) { binary.BigEndian.PutUint64(b[1288+16:], 3000) }, "invalid previous pointer: 3000", 1288},
		// A backpointer after the pack time that points forward.
		{"back forward", func(b []byte) {
			binary.BigEndian.PutUint64(b[2982+DataHeaderSize:], 3500)
		}, "invalid back pointer", 2982},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := copyFixture(t, "filestorage/packed/before-pack.fs")
			b := fileBytes(t, path)
			c.damage(b)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, &Options{NoIndex: true})
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer s.Close()
			pj := readJSON[fxPack](t, copyFixture(t, "filestorage/packed/pack.json"))
			packTime := mustTid(t, pj.PackStopTid)
			if c.name == "back forward" {
				packTime = mustTid(t, "03f58e0026666666") // 2982 is after it
			}
			_, err = s.Pack(context.Background(), packTime, &PackOptions{GC: true})
			var re *RecordError
			if !errors.As(err, &re) || !errors.Is(err, ErrCorruption) || re.Pos != c.pos || !strings.Contains(err.Error(), c.want) ||
				!strings.Contains(err.Error(), path) {
				t.Fatalf("pack: %v, want a RecordError at %d saying %q", err, c.pos, c.want)
			}
			if !bytes.Equal(fileBytes(t, path), b) {
				t.Error("file changed")
			}
			if _, err := os.Stat(path + PackSuffix); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s left behind", PackSuffix)
			}
		})
	}
}

// TestPackClose: closing the store during a pack stops the pack before
// the swap; the file is left as it was.
func TestPackClose(t *testing.T) {
	s, _ := genStore(t, 20000, nil)
	path := s.Path()
	before := fileBytes(t, path)
	closed := make(chan error, 1)
	once := false
	_, err := s.Pack(context.Background(), s.LastTransaction(), &PackOptions{Progress: func(done, total int64) {
		if !once {
			once = true
			go func() { closed <- s.Close() }()
			for !s.isClosed() {
				time.Sleep(time.Millisecond)
			}
		}
	}})
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("pack during Close: %v, want ErrClosed", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fileBytes(t, path), before) {
		t.Error("file changed")
	}
	if _, err := os.Stat(path + PackSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind", PackSuffix)
	}
}
