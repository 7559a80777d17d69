// Pack against the files Python ZODB packed: byte for byte, and the
// fixtures' txns/state/loadBefore dumps of the packed files.

package fsstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

type fxPack struct {
	PackTimeFloat float64 `json:"pack_time_float"`
	PackStopTid   string  `json:"pack_stop_tid"`
}

// packFixture copies a packed/ fixture into a fresh directory, opens it
// and returns the store, its path and the fixture's pack time.
func packFixture(t *testing.T, name string, opts *Options) (*Store, string, proto.Tid) {
	t.Helper()
	pj := readJSON[fxPack](t, copyFixture(t, "filestorage/packed/pack.json"))
	packTime := proto.TidFromUnix(pj.PackTimeFloat)
	if packTime.String() != pj.PackStopTid {
		t.Fatalf("pack time %s, the fixture says %s", packTime, pj.PackStopTid)
	}
	path := copyFixture(t, "filestorage/packed/"+name)
	return openT(t, path, opts), path, packTime
}

// checkAgainstFixture compares the file at path with a fixture data file
// and its dumps (the fixture comparisons of fixtures_test.go).
func checkAgainstFixture(t *testing.T, path, base string) {
	t.Helper()
	got, want := fileBytes(t, path), fileBytes(t, copyFixture(t, base+".fs"))
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s differs from %s.fs (%d vs %d bytes) from byte %d", path, base, len(got), len(want), i)
	}
	// The same dumps the fixture has, through a fresh read-only store.
	s := openT(t, path, &Options{ReadOnly: true, NoIndex: true})
	checkState(t, s, readJSON[fxState](t, copyFixture(t, base+".state.json")))
	for i, l := range readJSONL[fxLoadBefore](t, copyFixture(t, base+".loadbefore.jsonl")) {
		gotLB := loadBeforeResult(s.LoadBefore(mustOid(t, l.Oid), mustTid(t, l.Tid), nil))
		if w := expectedLoadBefore(t, l.Result); gotLB != w {
			t.Errorf("%s line %d loadBefore(%s, %s) = %s, want %s", base, i+1, l.Oid, l.Tid, gotLB, w)
		}
	}
	checkTxnDump(t, path, base)
}

// checkTxnDump compares every transaction and record field with
// X.txns.jsonl.
func checkTxnDump(t *testing.T, path, base string) {
	t.Helper()
	want := readJSONL[fxTxn](t, copyFixture(t, base+".txns.jsonl"))
	fl, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	it := fl.Iterator(0, 0)
	defer it.Close()
	for i, w := range want {
		info, ok, err := it.Next()
		if err != nil || !ok {
			t.Fatalf("txn %d: ok=%v err=%v", i, ok, err)
		}
		h := it.Header()
		got := fxTxn{Tpos: it.Pos(), Tid: info.Tid.String(), TidTime: info.Tid.TimeString(), Status: string(info.Status),
			Tlen: h.Len, UserHex: hexs(info.User), DescriptionHex: hexs(info.Description), ExtensionHex: hexs(info.Extension),
			Records: []fxRecord{}}
		recs := it.Records()
		for {
			rec, ok, err := recs.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got.Records = append(got.Records, recordFields(t, fl, recs.Pos(), rec))
		}
		g, _ := json.Marshal(got)
		e, _ := json.Marshal(w)
		if string(g) != string(e) {
			t.Errorf("%s txn %d:\n got %s\nwant %s", base, i, g, e)
		}
	}
	if _, ok, err := it.Next(); ok || err != nil {
		t.Errorf("%s: extra transaction or error at the end: %v %v", base, ok, err)
	}
}

func TestPackFixtures(t *testing.T) {
	for _, c := range []struct {
		src  string
		gc   bool
		want string
	}{
		{"before-pack.fs", true, "after-pack-gc"},
		{"before-pack.fs", false, "after-pack-nogc"},
		{"undo-across-packtime.fs", true, "undo-across-packtime.after-pack-gc"},
	} {
		name := c.src + map[bool]string{true: "/gc", false: "/nogc"}[c.gc]
		t.Run(name, func(t *testing.T) {
			s, path, packTime := packFixture(t, c.src, nil)
			before := fileBytes(t, path)
			if err := os.WriteFile(path+PythonIndexSuffix, []byte("stale"), 0o644); err != nil {
				t.Fatal(err)
			}
			var calls int
			var last, lastTotal int64
			res, err := s.Pack(context.Background(), packTime, &PackOptions{GC: c.gc, KeepOld: true,
				Progress: func(done, total int64) { calls++; last, lastTotal = done, total }})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Changed || res.SizeBefore != int64(len(before)) || res.SizeAfter != s.Size() {
				t.Errorf("result %+v (store size %d)", res, s.Size())
			}
			if calls == 0 || last != lastTotal {
				t.Errorf("progress: %d calls, last %d of %d", calls, last, lastTotal)
			}
			if _, err := os.Stat(path + PythonIndexSuffix); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Python's index survived the pack: %v", err)
			}
			if old := fileBytes(t, path+PackOldSuffix); !bytes.Equal(old, before) {
				t.Errorf("Data.fs.old is not the file before the pack")
			}
			if _, err := os.Stat(path + PackSuffix); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Data.fs.pack left behind: %v", err)
			}
			// The live store answers as the packed fixture does.
			checkState(t, s, readJSON[fxState](t, copyFixture(t, "filestorage/packed/"+c.want+".state.json")))
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			checkAgainstFixture(t, path, "filestorage/packed/"+c.want)
			// Reopening uses the index file the pack wrote.
			s2 := openT(t, path, nil)
			if !s2.usedIndex {
				t.Error("the index file written by the pack was not used at reopen")
			}
		})
	}
}

// TestPackUndoAcrossPacktimeNoGC: ZODB fails ("Invalid backpointer
// transaction id": the undo after the pack time points into a dropped
// transaction); we inline the data instead and every later state stays.
func TestPackUndoAcrossPacktimeNoGC(t *testing.T) {
	s, path, packTime := packFixture(t, "undo-across-packtime.fs", nil)
	wantState := readJSON[fxState](t, copyFixture(t, "filestorage/packed/undo-across-packtime.state.json"))
	res, err := s.Pack(context.Background(), packTime, &PackOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Changed || res.Inlined == 0 {
		t.Errorf("result %+v: want a change with an inlined backpointer", res)
	}
	if _, err := os.Stat(path + PackOldSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Data.fs.old kept without KeepOld: %v", err)
	}
	// Same current state as before the pack (nothing is collected
	// without GC, and the undone-creation ghost keeps its index entry
	// only in the unpacked file).
	for oidHex, w := range wantState.Objects {
		data, serial, err := s.Load(mustOid(t, oidHex), nil)
		if w.Error != "" {
			continue
		}
		if err != nil || serial.String() != *w.Tid || sha(data) != *w.DataSHA {
			t.Errorf("Load(%s) = %s %v, want %s", oidHex, serial, err, *w.Tid)
		}
	}
	// The undo of the undo (n=11) must still show keep=4's data.
	undoTid := mustTid(t, "03f58e002eeeeeee")
	data, start, _, err := s.LoadBefore(1, undoTid+1, nil)
	if err != nil || start != undoTid {
		t.Fatalf("LoadBefore(1) at the undo: %v %s", err, start)
	}
	var keep4 string
	for _, tx := range readJSONL[fxTxn](t, copyFixture(t, "filestorage/packed/undo-across-packtime.txns.jsonl")) {
		if tx.Tid == "03f58e0026666666" {
			keep4 = *tx.Records[0].DataSHA
		}
	}
	if sha(data) != keep4 {
		t.Errorf("oid 1 after the undo of the undo: data %s, want keep=4's %s", sha(data), keep4)
	}
	if rep, err := s.Verify(nil); err != nil {
		t.Fatalf("Verify: %v %+v", err, rep)
	}
}

// TestPackNoChange: a pack time before every transaction, and a second
// pack to the same time, leave the file as it is.
func TestPackNoChange(t *testing.T) {
	s, path, packTime := packFixture(t, "before-pack.fs", nil)
	before := fileBytes(t, path)
	res, err := s.Pack(context.Background(), mustTid(t, "03f58e0000000001"), &PackOptions{GC: true})
	if err != nil || res.Changed {
		t.Fatalf("pack before the first transaction: %+v %v", res, err)
	}
	if !bytes.Equal(fileBytes(t, path), before) {
		t.Fatal("file changed")
	}
	if _, err := s.Pack(context.Background(), packTime, &PackOptions{GC: true}); err != nil {
		t.Fatal(err)
	}
	packed := fileBytes(t, path)
	res, err = s.Pack(context.Background(), packTime, &PackOptions{GC: true})
	if err != nil || res.Changed || res.Redundant || res.RecordsDropped != 0 {
		t.Fatalf("second pack: %+v %v, want nothing dropped", res, err)
	}
	// Packing to an earlier time than the last pack: every transaction
	// up to it and the next one are packed already (RedundantPackWarning).
	res, err = s.Pack(context.Background(), mustTid(t, "03f58e0022222222"), &PackOptions{GC: true})
	if err != nil || res.Changed || !res.Redundant {
		t.Fatalf("earlier pack: %+v %v, want a redundant no-op", res, err)
	}
	if !bytes.Equal(fileBytes(t, path), packed) {
		t.Fatal("file changed by a pack that had nothing to do")
	}
}

func TestPackErrors(t *testing.T) {
	s, path, packTime := packFixture(t, "before-pack.fs", nil)
	if _, err := s.Pack(context.Background(), 0, nil); err == nil {
		t.Error("pack time 0 accepted")
	}
	ro := openT(t, copyFixture(t, "filestorage/packed/before-pack.fs"), &Options{ReadOnly: true})
	var roe *proto.ReadOnlyError
	if _, err := ro.Pack(context.Background(), packTime, nil); !errors.As(err, &roe) {
		t.Errorf("read-only pack: %v", err)
	}
	s.packing.Store(true)
	if _, err := s.Pack(context.Background(), packTime, nil); !errors.Is(err, ErrPackInProgress) {
		t.Errorf("concurrent pack: %v", err)
	}
	var ue *proto.UndoError
	if _, err := s.UndoLog(0, 10, nil); !errors.As(err, &ue) {
		t.Errorf("UndoLog during a pack: %v", err)
	}
	s.packing.Store(false)
	before := fileBytes(t, path)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Pack(ctx, packTime, &PackOptions{GC: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled pack: %v", err)
	}
	if !bytes.Equal(fileBytes(t, path), before) {
		t.Error("a cancelled pack changed the file")
	}
	if _, err := os.Stat(path + PackSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cancelled pack left %s: %v", PackSuffix, err)
	}
	empty, _ := newStore(t, nil)
	if res, err := empty.Pack(context.Background(), packTime, &PackOptions{GC: true}); err != nil || res.Changed {
		t.Errorf("empty store: %+v %v", res, err)
	}
}

// TestPackCancelLate cancels at each progress report in turn: every
// cancellation before the swap leaves Data.fs untouched.
func TestPackCancelLate(t *testing.T) {
	for n := 1; ; n++ {
		s, path, packTime := packFixture(t, "before-pack.fs", nil)
		before := fileBytes(t, path)
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		res, err := s.Pack(ctx, packTime, &PackOptions{GC: true, Progress: func(done, total int64) {
			if calls++; calls == n {
				cancel()
			}
		}})
		cancel()
		if err == nil {
			if n == 1 {
				t.Fatal("never cancelled")
			}
			if !res.Changed {
				t.Fatalf("pack after %d reports: %+v", n, res)
			}
			return
		}
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), filepath.Base(path)) {
			t.Fatalf("report %d: %v", n, err)
		}
		if !bytes.Equal(fileBytes(t, path), before) {
			t.Fatalf("report %d: file changed", n)
		}
		if _, err := os.Stat(path + PackSuffix); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("report %d: %s left", n, PackSuffix)
		}
	}
}
