// FuzzFileStorageDamage: real Data.fs files, cut and bit-flipped, through
// the read-only readers and the writable open that recovers a torn tail.

package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

// damageFixtures are the Data.fs files the damage target starts from
// (small ones: each iteration copies one).
var damageFixtures = []string{
	"filestorage/basic/basic.fs",
	"filestorage/undo/undo.fs",
	"filestorage/btrees/btrees.fs",
	"filestorage/packed/after-pack-gc.fs",
	"filestorage/truncated/checkpoint.fs",
	"filestorage/big/zero-length-store.fs",
	"zeo-wire/pickle/server-Data.fs",
}

// damage cuts orig at cut and applies flips: each 5 bytes are a u32
// position (modulo the size) and a mask XORed there.
func damage(orig []byte, cut uint32, flips []byte) []byte {
	b := bytes.Clone(orig[:int(cut)%(len(orig)+1)])
	for i := 0; i+5 <= len(flips) && len(b) > 0; i += 5 {
		b[int(binary.BigEndian.Uint32(flips[i:]))%len(b)] ^= flips[i+4]
	}
	return b
}

func FuzzFileStorageDamage(f *testing.F) {
	var files [][]byte
	for _, rel := range damageFixtures {
		if p := fixturePath(rel); p != "" {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			files = append(files, b)
		}
	}
	if len(files) == 0 {
		files = append(files, []byte(fsstore.Magic30))
	}
	for i, b := range files {
		n := uint32(len(b))
		f.Add(uint8(i), n, []byte{})                  // intact
		f.Add(uint8(i), n-n/3, []byte{})              // torn inside a transaction
		f.Add(uint8(i), n-8, []byte{})                // the last redundant length lost
		f.Add(uint8(i), n, []byte{0, 0, 0, 12, 0x80}) // the first transaction's length
		f.Add(uint8(i), n, []byte{0, 0, 0, byte(n / 2), 0x01, 0, 0, 0, 30, 0xff})
	}
	f.Fuzz(func(t *testing.T, which uint8, cut uint32, flips []byte) {
		if len(flips) > 200 {
			return
		}
		data := damage(files[int(which)%len(files)], cut, flips)
		checkDamaged(t, filepath.Join(t.TempDir(), "Data.fs"), data)
	})
}

// checkDamaged: VerifyFile and a read-only open answer or fail cleanly; a
// writable open fails with a RecordError naming the file, or recovers: the
// store then serves every object, takes a commit, and after Close the file
// keeps the commit and verifies (or, for damage inside the file that the
// open tolerates, fails just as it did before).
func checkDamaged(t *testing.T, path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	damaged, err := fsstore.VerifyFile(path, nil)
	if err != nil && damaged != nil && damaged.Problem == "" {
		t.Fatalf("VerifyFile failed (%v) with no problem in its report", err)
	}
	if ro, err := fsstore.Open(path, &fsstore.Options{ReadOnly: true, NoIndex: true}); err == nil {
		readAll(ro)
		ro.Close()
	}
	st, err := fsstore.Open(path, &fsstore.Options{NoIndex: true})
	if err != nil {
		var re *fsstore.RecordError
		if !errors.As(err, &re) || !errors.Is(err, fsstore.ErrCorruption) || !strings.Contains(err.Error(), path) {
			t.Fatalf("a damaged file gives %T %q, not a RecordError naming the file", err, err)
		}
		return
	}
	readAll(st)
	oid, tid, committed := commitAfterRecovery(t, st)
	if err := st.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	// Recovery cuts a torn tail; damage inside the file that the open
	// tolerates, as ZODB does (an incorrect previous pointer), stays what
	// it was. So the file verifies, or fails exactly as before.
	rep, err := fsstore.VerifyFile(path, nil)
	if err != nil && (damaged == nil || rep == nil || rep.Problem != damaged.Problem || rep.ProblemPos != damaged.ProblemPos) {
		t.Fatalf("after recovery and a commit the file fails to verify with %v (%+v); before: %+v", err, rep, damaged)
	}
	if !committed {
		return
	}
	st, err = fsstore.Open(path, &fsstore.Options{ReadOnly: true, NoIndex: true})
	if err != nil {
		t.Fatalf("reopening the recovered file: %v", err)
	}
	defer st.Close()
	if got, err := st.LoadSerial(oid, tid, nil); err != nil || string(got) != "written after recovery" {
		t.Fatalf("the commit after recovery reads back %q, %v", got, err)
	}
}

// readAll loads every object at every end of history and walks the log;
// errors are fine, panics and hangs are not.
func readAll(st *fsstore.Store) {
	buf := make([]byte, 0, 4096)
	for oid := proto.Oid(0); oid <= st.MaxOid() && oid < 500; oid++ {
		st.LoadBefore(oid, proto.MaxTid, buf)
		st.LoadBefore(oid, st.LastTransaction(), buf)
		st.History(oid, 50)
	}
	it := st.Iterator(0, 0)
	for i := 0; i < 5000; i++ {
		if _, ok, err := it.Next(); err != nil || !ok {
			break
		}
		recs := it.Records()
		for j := 0; j < 5000; j++ {
			if _, ok, err := recs.Next(); err != nil || !ok {
				break
			}
		}
	}
	st.UndoLog(0, 50, nil)
}

// commitAfterRecovery stores a new object on a recovered store. A damaged
// last tid or oid near the top of their space is refused cleanly (no
// commit, false); any other failure fails the test.
func commitAfterRecovery(t *testing.T, st *fsstore.Store) (proto.Oid, proto.Tid, bool) {
	before := st.LastTransaction()
	oids, err := st.NewOIDs(nil, 1)
	if err != nil {
		if st.MaxOid() > proto.Oid(1)<<62 {
			return 0, 0, false
		}
		t.Fatalf("new oid on a recovered file (max oid %s): %v", st.MaxOid(), err)
	}
	txn, err := st.Begin(proto.TxnMeta{Description: []byte("after recovery")})
	if err != nil {
		t.Fatalf("begin on a recovered file: %v", err)
	}
	if err := txn.Store(oids[0], 0, []byte("written after recovery")); err != nil {
		t.Fatalf("store on a recovered file: %v", err)
	}
	if _, err := txn.Vote(); err != nil {
		txn.Abort()
		if errors.Is(err, fsstore.ErrTidOrder) && before > proto.TidFromTime(time.Now().Add(24*time.Hour)) {
			return 0, 0, false // the damage put the last tid in the future
		}
		t.Fatalf("vote on a recovered file (last tid %s): %v", before, err)
	}
	tid, err := txn.Finish(func(proto.Tid) {})
	if err != nil || tid <= before {
		t.Fatalf("finish on a recovered file: tid %s after %s, %v", tid, before, err)
	}
	return oids[0], tid, true
}
