// Recovery and corruption: the truncated, checkpoint and corrupt fixtures,
// fstest wording, and every prefix of an unfinished transaction.

package fsstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

type fxOpen struct {
	Opened       bool                `json:"opened"`
	LastTid      string              `json:"last_tid"`
	Size         int64               `json:"size"`
	Len          int                 `json:"len"`
	Transactions []string            `json:"transactions"`
	Objects      map[string]fxObject `json:"objects"`
	FileSize     int64               `json:"file_size_after"`
	Files        map[string]struct {
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"files_created"`
}

type fxExpected struct {
	Surviving     []string `json:"surviving_transactions"`
	LastSurviving string   `json:"last_surviving_tid"`
	SizeAfter     int64    `json:"expected_size_after_recovery"`
	VictimTpos    int64    `json:"victim_txn_tpos"`
	Open          struct {
		ReadOnly  fxOpen `json:"read_only"`
		ReadWrite fxOpen `json:"read_write"`
	} `json:"open"`
	Fstest struct {
		Stderr string `json:"stderr"`
	} `json:"fstest"`
}

func txnTids(t *testing.T, s *Store) []string {
	t.Helper()
	var r []string
	it := s.Iterator(0, 0)
	defer it.Close()
	for {
		info, ok, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return r
		}
		r = append(r, info.Tid.String())
	}
}

// TestRecoverFixtures opens the damaged-tail fixtures read-only (nothing
// changes) and writable (the tail goes to .tr0, the file is cut where
// Python cuts it), and checks what survives. Our LastTransaction is the
// last surviving tid; Python reports the discarded one.
func TestRecoverFixtures(t *testing.T) {
	cases := []struct {
		rel, exp string
		logs     []string
	}{
		{"filestorage/truncated/truncated.fs", "filestorage/truncated/truncated.expected.json", nil},
		{"filestorage/truncated/checkpoint.fs", "filestorage/truncated/checkpoint.expected.json", nil},
		{"filestorage/corrupt/corrupt-tlen-high.fs", "filestorage/corrupt/corrupt-tlen-high.expected.json",
			[]string{"transactions=10", "not a torn write"}},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.rel), func(t *testing.T) {
			exp := readJSON[fxExpected](t, copyFixture(t, c.exp))
			path := copyFixture(t, c.rel)
			orig := fileBytes(t, path)
			pyIndex := path + PythonIndexSuffix
			if err := os.WriteFile(pyIndex, []byte("stale"), 0o644); err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(path)
			var logs logBuffer
			for _, ro := range []bool{true, false} {
				want := exp.Open.ReadWrite
				if ro {
					want = exp.Open.ReadOnly
				}
				s, err := Open(path, &Options{ReadOnly: ro, Logger: logs.logger()})
				if err != nil {
					t.Fatal(err)
				}
				surviving := exp.Surviving
				if surviving == nil {
					surviving = want.Transactions
				}
				if surviving == nil { // corrupt-tlen-high: the first 10 of basic.fs
					surviving = readFixtureTids(t, "filestorage/basic/basic")[:10]
				}
				if got := txnTids(t, s); strings.Join(got, ",") != strings.Join(surviving, ",") {
					t.Errorf("ro=%v: transactions %v, want %v", ro, got, surviving)
				}
				if got := s.LastTransaction().String(); got != surviving[len(surviving)-1] {
					t.Errorf("ro=%v: LastTransaction %s, want the last survivor %s (Python says %s)", ro, got, surviving[len(surviving)-1], want.LastTid)
				}
				if s.Size() != want.Size || s.Len() != want.Len {
					t.Errorf("ro=%v: Size %d Len %d, want %d %d", ro, s.Size(), s.Len(), want.Size, want.Len)
				}
				if want.Objects != nil {
					checkObjects(t, s, want.Objects)
				}
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				after := fileBytes(t, path)
				if int64(len(after)) != want.FileSize {
					t.Errorf("ro=%v: file is %d bytes after open, want %d", ro, len(after), want.FileSize)
				}
				_, pyErr := os.Stat(pyIndex)
				if ro {
					if !bytes.Equal(after, orig) || pyErr != nil {
						t.Errorf("read-only open changed the file or removed %s", pyIndex)
					}
					if _, err := os.Stat(path + ".tr0"); err == nil {
						t.Errorf("read-only open wrote a .tr0")
					}
					continue
				}
				if !errors.Is(pyErr, os.ErrNotExist) {
					t.Errorf("writable recovery left Python's %s: %v", pyIndex, pyErr)
				}
				tr := fileBytes(t, path+".tr0")
				wf := want.Files[name+".tr0"]
				sum := sha256.Sum256(tr)
				if int64(len(tr)) != wf.Size || hex.EncodeToString(sum[:]) != wf.SHA256 || !bytes.Equal(tr, orig[len(after):]) {
					t.Errorf(".tr0 has %d bytes, want %d (the cut tail)", len(tr), wf.Size)
				}
				if len(after) != int(want.Size) {
					t.Errorf("recovered size %d, want %d", len(after), want.Size)
				}
			}
			l := logs.String()
			for _, w := range append(c.logs, "truncated, possibly due to damaged records at", "Writing truncated data from") {
				if !strings.Contains(l, w) {
					t.Errorf("log lacks %q:\n%s", w, l)
				}
			}
			// A second writable open finds a clean file.
			s := openT(t, path, nil)
			if _, err := os.Stat(path + ".tr1"); err == nil {
				t.Errorf("second open cut again")
			}
			commit(t, s, map[proto.Oid][]byte{1: []byte("after recovery")})
		})
	}
}

func readFixtureTids(t *testing.T, base string) []string {
	var r []string
	for _, tx := range readJSONL[fxTxn](t, copyFixture(t, base+".txns.jsonl")) {
		r = append(r, tx.Tid)
	}
	return r
}

func checkObjects(t *testing.T, s *Store, objs map[string]fxObject) {
	t.Helper()
	for oidHex, w := range objs {
		data, serial, err := s.Load(mustOid(t, oidHex), nil)
		if w.Error != "" {
			if err == nil {
				t.Errorf("Load(%s) succeeded, want %s", oidHex, w.Error)
			}
			continue
		}
		if err != nil || serial.String() != *w.Tid || sha(data) != *w.DataSHA {
			t.Errorf("Load(%s) = @%s %v, want @%s", oidHex, serial, err, *w.Tid)
		}
	}
}

// TestCorruptFixtures: files damaged inside fail to open in both modes
// with a precise RecordError, and change nothing.
func TestCorruptFixtures(t *testing.T) {
	cases := []struct {
		rel     string
		pos     int64
		kind    string
		message string
	}{
		{"filestorage/corrupt/corrupt-tlen-low.fs", 4986, kindData, "tloc 2305847407411205220 != tpos 4596"},
		{"filestorage/big/zero-length-store.fs", 548, kindData, "data record exceeds transaction record: ends at 598, transaction ends at 590"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.rel), func(t *testing.T) {
			path := copyFixture(t, c.rel)
			orig := fileBytes(t, path)
			for _, ro := range []bool{true, false} {
				s, err := Open(path, &Options{ReadOnly: ro})
				if err == nil {
					s.Close()
					t.Fatalf("ro=%v: opened a corrupt file", ro)
				}
				var re *RecordError
				if !errors.As(err, &re) || !errors.Is(err, ErrCorruption) {
					t.Fatalf("ro=%v: %T %v is not a RecordError marked ErrCorruption", ro, err, err)
				}
				if re.Pos != c.pos || re.Kind != c.kind || re.Path != path || !strings.Contains(err.Error(), c.message) {
					t.Errorf("ro=%v: %v, want %s @%d: ...%s", ro, err, c.kind, c.pos, c.message)
				}
				t.Logf("%v", err)
			}
			if !bytes.Equal(fileBytes(t, path), orig) {
				t.Errorf("a failed open changed the file")
			}
			if _, err := os.Stat(path + ".tr0"); err == nil {
				t.Errorf("a failed open wrote .tr0")
			}
			// The lock is released after a failed writable open.
			if lk, err := acquireLock(path + ".lock"); err != nil {
				t.Errorf("lock still held: %v", err)
			} else {
				lk.release()
			}
		})
	}
}

// TestVerifyFstestWording compares VerifyFile's first problem with ZODB
// fstest's stderr for every fixture that records it.
func TestVerifyFstestWording(t *testing.T) {
	cases := map[string]string{
		"filestorage/truncated/truncated.fs":       "filestorage/truncated/truncated.expected.json",
		"filestorage/truncated/checkpoint.fs":      "filestorage/truncated/checkpoint.expected.json",
		"filestorage/corrupt/corrupt-tlen-high.fs": "filestorage/corrupt/corrupt-tlen-high.expected.json",
		"filestorage/corrupt/corrupt-tlen-low.fs":  "filestorage/corrupt/corrupt-tlen-low.expected.json",
		"filestorage/big/zero-length-store.fs":     "filestorage/big/zero-length-store.expected.json",
	}
	for rel, exp := range cases {
		t.Run(filepath.Base(rel), func(t *testing.T) {
			want := readJSON[fxExpected](t, copyFixture(t, exp)).Fstest.Stderr
			path := copyFixture(t, rel)
			rep, err := VerifyFile(path, nil)
			if err == nil || !errors.Is(err, ErrCorruption) {
				t.Fatalf("VerifyFile: %v", err)
			}
			if got := filepath.Base(path) + " " + rep.Problem + "\n"; got != want {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
	for _, base := range fixtureFiles(t) {
		rep, err := VerifyFile(copyFixture(t, fsPath(base)), nil)
		if err != nil || rep.Problem != "" {
			t.Errorf("%s: %v %q", base, err, rep.Problem)
		}
	}
}

// TestOpenRecovery appends every prefix of a voted-but-unfinished
// transaction (and of the same transaction finished) to a good file: each
// opens at the last committed tid, with the cut bytes in .tr0, or (the
// whole finished transaction) at the new one.
func TestOpenRecovery(t *testing.T) {
	good := fileBytes(t, copyFixture(t, "filestorage/basic/basic.fs"))
	lastGood := readFixtureTids(t, "filestorage/basic/basic")
	last := mustTid(t, lastGood[len(lastGood)-1])

	// Produce the real bytes of a vote.
	dir := t.TempDir()
	src := filepath.Join(dir, "src.fs")
	os.WriteFile(src, good, 0o644)
	s, err := Open(src, &Options{NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	txn, _ := s.Begin(proto.TxnMeta{User: []byte("u"), Description: []byte("tail")})
	for oid := proto.Oid(1); oid <= 3; oid++ {
		serial, _, _ := s.currentTid(oid, "test")
		if err := txn.Store(oid, serial, bytes.Repeat([]byte{byte(oid)}, 40)); err != nil {
			t.Fatal(err)
		}
	}
	newTid, err := txn.Vote()
	if err != nil {
		t.Fatal(err)
	}
	voted := fileBytes(t, src)[len(good):]
	txn.Abort()
	s.Close()
	if voted[16] != 'c' || len(voted) < 100 {
		t.Fatalf("unexpected vote bytes %q", voted[:23])
	}
	finished := bytes.Clone(voted)
	finished[16] = ' '

	for _, tail := range [][]byte{voted, finished} {
		for l := 0; l <= len(tail); l++ {
			for _, ro := range []bool{true, false} {
				path := filepath.Join(t.TempDir(), "Data.fs")
				content := append(bytes.Clone(good), tail[:l]...)
				os.WriteFile(path, content, 0o644)
				s, err := Open(path, &Options{ReadOnly: ro, NoIndex: true})
				if err != nil {
					t.Fatalf("status %q, l=%d, ro=%v: %v", tail[16], l, ro, err)
				}
				wantTid, wantSize := last, int64(len(good))
				if l == len(tail) && tail[16] == ' ' {
					wantTid, wantSize = newTid, int64(len(content))
				}
				if s.LastTransaction() != wantTid || s.Size() != wantSize {
					t.Fatalf("status %q, l=%d, ro=%v: at %s/%d, want %s/%d", tail[16], l, ro, s.LastTransaction(), s.Size(), wantTid, wantSize)
				}
				s.Close()
				tr, trErr := os.ReadFile(path + ".tr0")
				switch {
				case ro || wantSize == int64(len(content)):
					if trErr == nil || !bytes.Equal(fileBytes(t, path), content) {
						t.Fatalf("l=%d ro=%v: file changed", l, ro)
					}
				case !bytes.Equal(tr, tail[:l]) || int64(len(fileBytes(t, path))) != wantSize:
					t.Fatalf("l=%d: .tr0 holds %d bytes (err %v), file %d bytes", l, len(tr), trErr, len(fileBytes(t, path)))
				}
			}
		}
	}

	// Damage inside a complete transaction is an error, not a cut: one
	// exact message per kind of damage.
	damage := []struct {
		name  string
		patch func(b []byte)
		want  string
	}{
		{"redundant length", func(b []byte) { b[len(b)-1] ^= 0xff },
			"Data.fs: transaction record @9690: redundant transaction length check failed at 9964: 493 != 274"},
		{"tloc", func(b []byte) { b[len(good)+TxnHeaderSize+len("u")+len("tail")+24+7] ^= 1 },
			"Data.fs: data record @9718: data record exceeds transaction record: tloc 9691 != tpos 9690"},
		{"version", func(b []byte) { b[len(good)+TxnHeaderSize+5+33] = 1 },
			"Data.fs: data record @9718: non-zero version length 1 (versions are not supported)"},
	}
	for _, d := range damage {
		path := filepath.Join(t.TempDir(), "Data.fs")
		content := append(bytes.Clone(good), finished...)
		d.patch(content)
		os.WriteFile(path, content, 0o644)
		_, err := Open(path, &Options{NoIndex: true})
		if err == nil || strings.TrimPrefix(err.Error(), filepath.Dir(path)+"/") != d.want {
			t.Errorf("%s: %v\nwant %s", d.name, err, d.want)
		}
	}
}
