// Byte-for-byte tests: rebuilding Python-written files through the commit
// API (Store, Undo, Delete; Restore for copies) gives the same bytes.

package fsstore

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

type fxRec struct {
	pos  int64
	h    DataHeader
	data []byte
	txn  int
	dtxn proto.Tid
}

type fxTx struct {
	info proto.TxnInfo
	recs []fxRec
}

// readFixtureLog loads every transaction and record of a Data.fs.
func readFixtureLog(t *testing.T, path string) []fxTx {
	t.Helper()
	fl, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	it := fl.Iterator(0, 0)
	var txs []fxTx
	for {
		info, ok, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return txs
		}
		info.User, info.Description, info.Extension = bytes.Clone(info.User), bytes.Clone(info.Description), bytes.Clone(info.Extension)
		tx := fxTx{info: info}
		recs := it.Records()
		for {
			rec, ok, err := recs.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			tx.recs = append(tx.recs, fxRec{pos: recs.Pos(), h: recs.Header(), data: bytes.Clone(rec.Data), txn: len(txs), dtxn: rec.DataTxn})
		}
		txs = append(txs, tx)
	}
}

// undoneTxns infers which transactions a transaction of backpointer
// records undid: for each record, the latest earlier record of the oid
// whose prev is the new record's back. ok is false when the undone
// transactions do not account for exactly these records (a deleteObject).
func undoneTxns(txs []fxTx, i int) (tids []proto.Tid, ok bool) {
	var all []fxRec
	for _, tx := range txs[:i] {
		all = append(all, tx.recs...)
	}
	var idx []int
	for _, r := range txs[i].recs {
		found := -1
		for _, u := range all {
			if u.h.Oid == r.h.Oid && u.h.Prev == r.h.Back && u.pos <= int64(r.h.Prev) {
				found = u.txn
			}
		}
		if found < 0 {
			return nil, false
		}
		if !slices.Contains(idx, found) {
			idx = append(idx, found)
		}
	}
	n := 0
	for _, j := range idx {
		n += len(txs[j].recs)
		tids = append(tids, txs[j].info.Tid)
	}
	return tids, n == len(txs[i].recs)
}

func TestReplayByteForByte(t *testing.T) {
	for _, base := range []string{"filestorage/basic/basic", "filestorage/undo/undo", "filestorage/btrees/btrees",
		"filestorage/big/big", "filestorage/packed/before-pack", "filestorage/packed/undo-across-packtime"} {
		t.Run(base, func(t *testing.T) {
			src := copyFixture(t, fsPath(base))
			txs := readFixtureLog(t, src)
			dst := filepath.Join(t.TempDir(), "Data.fs")
			s := openT(t, dst, &Options{Create: true})
			serial := map[proto.Oid]proto.Tid{}
			undos, deletes := 0, 0
			for i, tx := range txs {
				txn, err := s.Begin(proto.TxnMeta{User: tx.info.User, Description: tx.info.Description,
					Extension: tx.info.Extension, Tid: tx.info.Tid})
				if err != nil {
					t.Fatal(err)
				}
				allBack := len(tx.recs) > 0
				for _, r := range tx.recs {
					allBack = allBack && r.h.Plen == 0
				}
				switch tids, isUndo := undoneTxns(txs, i); {
				case allBack && isUndo:
					var got, want []proto.Oid
					for _, tid := range tids {
						oids, err := txn.Undo(tid)
						if err != nil {
							t.Fatalf("txn %d: undo %s: %v", i, tid, err)
						}
						got = append(got, oids...)
					}
					for _, r := range tx.recs {
						want = append(want, r.h.Oid)
					}
					if !slices.Equal(got, want) {
						t.Errorf("txn %d: Undo returned %v, want %v", i, got, want)
					}
					undos++
				case allBack:
					for _, r := range tx.recs {
						if err := txn.Delete(r.h.Oid, serial[r.h.Oid]); err != nil {
							t.Fatalf("txn %d: delete: %v", i, err)
						}
					}
					deletes++
				default:
					for _, r := range tx.recs {
						if err := txn.Store(r.h.Oid, serial[r.h.Oid], r.data); err != nil {
							t.Fatalf("txn %d: store: %v", i, err)
						}
					}
				}
				if tid, err := txn.Vote(); err != nil || tid != tx.info.Tid {
					t.Fatalf("txn %d: vote = %s, %v", i, tid, err)
				}
				if _, err := txn.Finish(nil); err != nil {
					t.Fatal(err)
				}
				for _, r := range tx.recs {
					serial[r.h.Oid] = tx.info.Tid
				}
			}
			t.Logf("%d transactions, %d undo, %d delete", len(txs), undos, deletes)
			if base == "filestorage/undo/undo" && (undos != 4 || deletes != 1) {
				t.Errorf("undo.fs replay used %d undos and %d deletes, want 4 and 1", undos, deletes)
			}
			compareFiles(t, dst, src)
		})
	}
}

func compareFiles(t *testing.T, got, want string) {
	t.Helper()
	g, w := fileBytes(t, got), fileBytes(t, want)
	if bytes.Equal(g, w) {
		return
	}
	n := min(len(g), len(w))
	i := 0
	for i < n && g[i] == w[i] {
		i++
	}
	t.Fatalf("files differ at byte %d (sizes %d, %d): got % x, want % x", i, len(g), len(w),
		g[i:min(i+16, len(g))], w[i:min(i+16, len(w))])
}

// TestRestoreCopy copies every fixture with Restore, as
// copyTransactionsFrom does (same tids and statuses, backpointers through
// prev_txn). Files without incorrect previous pointers come out identical;
// all of them load identically.
func TestRestoreCopy(t *testing.T) {
	for _, base := range fixtureFiles(t) {
		t.Run(base, func(t *testing.T) {
			src := copyFixture(t, fsPath(base))
			rep, err := VerifyFile(src, nil)
			if err != nil {
				t.Fatal(err)
			}
			txs := readFixtureLog(t, src)
			dst := filepath.Join(t.TempDir(), "Data.fs")
			s := openT(t, dst, nil)
			for i, tx := range txs {
				txn, err := s.Begin(proto.TxnMeta{User: tx.info.User, Description: tx.info.Description,
					Extension: tx.info.Extension, Tid: tx.info.Tid, Status: tx.info.Status})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range tx.recs {
					if err := txn.Restore(r.h.Oid, r.h.Tid, r.data, r.dtxn); err != nil {
						t.Fatalf("txn %d: restore: %v", i, err)
					}
				}
				if _, err := txn.Vote(); err != nil {
					t.Fatal(err)
				}
				if _, err := txn.Finish(nil); err != nil {
					t.Fatal(err)
				}
			}
			if len(rep.Warnings) == 0 {
				compareFiles(t, dst, src)
			} else {
				t.Logf("source has %v: comparing loads only", rep.Warnings)
			}
			orig := openT(t, src, &Options{ReadOnly: true})
			for oid := proto.Oid(0); oid <= orig.MaxOid(); oid++ {
				a, sa, ea := orig.Load(oid, nil)
				b, sb, eb := s.Load(oid, nil)
				if !bytes.Equal(a, b) || sa != sb || fmt.Sprint(ea) != fmt.Sprint(eb) {
					t.Errorf("oid %s: copy loads %d bytes @%s (%v), original %d @%s (%v)", oid, len(b), sb, eb, len(a), sa, ea)
				}
			}
		})
	}
}
