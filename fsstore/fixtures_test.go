// Golden tests against the files Python ZODB wrote: every transaction and
// record field, the state, and every loadBefore answer.

package fsstore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

type fxRecord struct {
	Pos         int64   `json:"pos"`
	Oid         string  `json:"oid"`
	Tid         string  `json:"tid"`
	Prev        int64   `json:"prev"`
	Tloc        int64   `json:"tloc"`
	Plen        int64   `json:"plen"`
	Back        *int64  `json:"back"`
	BackTid     *string `json:"back_tid"`
	DataFromPos *int64  `json:"data_from_pos"`
	DataLen     *int64  `json:"data_len"`
	DataSHA     *string `json:"data_sha256"`
}

type fxTxn struct {
	Tpos           int64      `json:"tpos"`
	Tid            string     `json:"tid"`
	TidTime        string     `json:"tid_time"`
	Status         string     `json:"status"`
	Tlen           uint64     `json:"tlen"`
	UserHex        string     `json:"user_hex"`
	DescriptionHex string     `json:"description_hex"`
	ExtensionHex   string     `json:"extension_hex"`
	Records        []fxRecord `json:"records"`
}

type fxObject struct {
	Tid     *string `json:"tid"`
	DataLen *int64  `json:"data_len"`
	DataSHA *string `json:"data_sha256"`
	Error   string  `json:"error"`
}

type fxState struct {
	FileSize        int64               `json:"file_size"`
	LastTid         string              `json:"last_tid"`
	NumTransactions int                 `json:"num_transactions"`
	Len             int                 `json:"len"`
	Size            int64               `json:"size"`
	MaxOid          string              `json:"max_oid"`
	Objects         map[string]fxObject `json:"objects"`
}

type fxLoadBefore struct {
	Oid    string          `json:"oid"`
	Tid    string          `json:"tid"`
	Result json.RawMessage `json:"result"`
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hexs(b []byte) string { return hex.EncodeToString(b) }

// TestFixtureTxns reproduces X.txns.jsonl (every field but the pickle
// class) through the public File reader and the Store's iterator.
func TestFixtureTxns(t *testing.T) {
	for _, base := range fixtureFiles(t) {
		t.Run(base, func(t *testing.T) {
			want := readJSONL[fxTxn](t, copyFixture(t, base+".txns.jsonl"))
			path := copyFixture(t, fsPath(base))
			fl, err := OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer fl.Close()
			s := openT(t, path, &Options{ReadOnly: true, NoIndex: true})
			fit, sit := fl.Iterator(0, 0), s.Iterator(0, 0)
			defer fit.Close()
			defer sit.Close()
			for i, w := range want {
				info, ok, err := fit.Next()
				if err != nil || !ok {
					t.Fatalf("txn %d: ok=%v err=%v", i, ok, err)
				}
				sinfo, sok, serr := sit.Next()
				if serr != nil || !sok || sinfo.Tid != info.Tid {
					t.Fatalf("store iterator txn %d: %v %v %v", i, sinfo.Tid, sok, serr)
				}
				h := fit.Header()
				got := fxTxn{Tpos: fit.Pos(), Tid: info.Tid.String(), TidTime: info.Tid.TimeString(), Status: string(info.Status),
					Tlen: h.Len, UserHex: hexs(info.User), DescriptionHex: hexs(info.Description), ExtensionHex: hexs(info.Extension),
					Records: []fxRecord{}}
				if sit.Pos() != fit.Pos() || string(sinfo.Extension) != string(info.Extension) {
					t.Errorf("txn %d: store iterator at %d, file iterator at %d", i, sit.Pos(), fit.Pos())
				}
				recs, srecs := fit.Records(), sit.Records()
				for j, wr := range w.Records {
					rec, ok, err := recs.Next()
					if err != nil || !ok {
						t.Fatalf("txn %d record %d: ok=%v err=%v", i, j, ok, err)
					}
					srec, _, err := srecs.Next()
					if err != nil || string(srec.Data) != string(rec.Data) || srec.DataTxn != rec.DataTxn {
						t.Errorf("txn %d record %d: store iterator differs (%v)", i, j, err)
					}
					got.Records = append(got.Records, recordFields(t, fl, recs.Pos(), rec))
					_ = wr
				}
				if _, more, _ := recs.Next(); more {
					t.Errorf("txn %d: more records than expected", i)
				}
				g, _ := json.Marshal(got)
				e, _ := json.Marshal(w)
				if string(g) != string(e) {
					t.Errorf("txn %d:\n got %s\nwant %s", i, g, e)
				}
			}
			if _, ok, err := fit.Next(); ok || err != nil {
				t.Fatalf("extra transaction or error at the end: %v %v", ok, err)
			}
		})
	}
}

func recordFields(t *testing.T, fl *File, pos int64, rec proto.DataRecord) fxRecord {
	t.Helper()
	h, err := fl.ReadDataHeader(pos)
	if err != nil {
		t.Fatal(err)
	}
	r := fxRecord{Pos: pos, Oid: h.Oid.String(), Tid: h.Tid.String(), Prev: int64(h.Prev), Tloc: int64(h.Tloc), Plen: int64(h.Plen)}
	if rec.Oid != h.Oid || rec.Tid != h.Tid {
		t.Errorf("record at %d: iterator says %s/%s", pos, rec.Oid, rec.Tid)
	}
	if h.Plen == 0 {
		back := int64(h.Back)
		r.Back = &back
		if back != 0 {
			bh, err := fl.ReadDataHeader(back)
			if err != nil {
				t.Fatal(err)
			}
			bt := bh.Tid.String()
			r.BackTid = &bt
			if rec.DataTxn != bh.Tid {
				t.Errorf("record at %d: DataTxn %s, want %s", pos, rec.DataTxn, bh.Tid)
			}
			// Follow the chain by hand to find where the data is.
			from := back
			for bh.Plen == 0 && bh.Back != 0 {
				from = int64(bh.Back)
				if bh, err = fl.ReadDataHeader(from); err != nil {
					t.Fatal(err)
				}
			}
			if bh.Plen > 0 {
				r.DataFromPos = &from
			}
		}
	}
	if rec.Data != nil {
		n, s := int64(len(rec.Data)), sha(rec.Data)
		r.DataLen, r.DataSHA = &n, &s
		d, err := fl.ReadData(pos, nil)
		if err != nil || string(d) != string(rec.Data) {
			t.Errorf("ReadData(%d) differs from the iterator: %v", pos, err)
		}
	}
	return r
}

// TestFixtureState reproduces X.state.json: last tid, counts, size, max
// oid and every object's Load result.
func TestFixtureState(t *testing.T) {
	for _, base := range fixtureFiles(t) {
		t.Run(base, func(t *testing.T) {
			want := readJSON[fxState](t, copyFixture(t, base+".state.json"))
			path := copyFixture(t, fsPath(base))
			for _, ro := range []bool{true, false} {
				s, err := Open(path, &Options{ReadOnly: ro})
				if err != nil {
					t.Fatal(err)
				}
				checkState(t, s, want)
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if got := int64(len(fileBytes(t, path))); got != want.FileSize {
				t.Errorf("file size changed by open: %d, want %d", got, want.FileSize)
			}
		})
	}
}

func checkState(t *testing.T, s *Store, want fxState) {
	t.Helper()
	if got := s.LastTransaction().String(); got != want.LastTid {
		t.Errorf("LastTransaction %s, want %s", got, want.LastTid)
	}
	if s.Len() != want.Len || s.Size() != want.Size || s.MaxOid().String() != want.MaxOid {
		t.Errorf("Len %d Size %d MaxOid %s, want %d %d %s", s.Len(), s.Size(), s.MaxOid(), want.Len, want.Size, want.MaxOid)
	}
	n := 0
	it := s.Iterator(0, 0)
	for {
		_, ok, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		n++
	}
	if n != want.NumTransactions {
		t.Errorf("%d transactions, want %d", n, want.NumTransactions)
	}
	if len(want.Objects) != want.Len {
		t.Fatalf("fixture lists %d objects for len %d", len(want.Objects), want.Len)
	}
	for oidHex, w := range want.Objects {
		oid := mustOid(t, oidHex)
		data, serial, err := s.Load(oid, nil)
		var pk *proto.POSKeyError
		switch {
		case w.Error == "POSKeyError":
			if !errors.As(err, &pk) || pk.Oid != oid {
				t.Errorf("Load(%s): %v, want POSKeyError", oidHex, err)
			}
		case err != nil:
			t.Errorf("Load(%s): %v", oidHex, err)
		case serial.String() != *w.Tid || int64(len(data)) != *w.DataLen || sha(data) != *w.DataSHA:
			t.Errorf("Load(%s) = %d bytes @%s, want %d @%s", oidHex, len(data), serial, *w.DataLen, *w.Tid)
		}
	}
}

// TestFixtureLoadBefore answers every line of X.loadbefore.jsonl exactly,
// through LoadBefore and TryLoadBefore (warm: the fixture was just read).
func TestFixtureLoadBefore(t *testing.T) {
	for _, base := range fixtureFiles(t) {
		t.Run(base, func(t *testing.T) {
			lines := readJSONL[fxLoadBefore](t, copyFixture(t, base+".loadbefore.jsonl"))
			path := copyFixture(t, fsPath(base))
			s := openT(t, path, &Options{ReadOnly: true})
			fileBytes(t, path) // make the pages resident for TryLoadBefore
			for i, l := range lines {
				got := loadBeforeResult(s.LoadBefore(mustOid(t, l.Oid), mustTid(t, l.Tid), nil))
				if want := expectedLoadBefore(t, l.Result); got != want {
					t.Errorf("line %d loadBefore(%s, %s) = %s, want %s", i+1, l.Oid, l.Tid, got, want)
				}
				tgot := loadBeforeResult(s.TryLoadBefore(mustOid(t, l.Oid), mustTid(t, l.Tid), nil))
				if tgot != got { // the file was just read: its pages are resident
					t.Errorf("line %d TryLoadBefore = %s, LoadBefore = %s", i+1, tgot, got)
				}
			}
		})
	}
}

func loadBeforeResult(data []byte, start, end proto.Tid, err error) string {
	var pk *proto.POSKeyError
	switch {
	case errors.Is(err, proto.ErrNoRevision):
		return "<nil>"
	case errors.As(err, &pk):
		return "POSKeyError"
	case err != nil:
		return "error: " + err.Error()
	}
	e := "<nil>"
	if end != 0 {
		e = end.String()
	}
	return fmt.Sprintf("map[data_len:%d data_sha256:%s end_tid:%s start_tid:%s]", len(data), sha(data), e, start)
}

func expectedLoadBefore(t *testing.T, raw json.RawMessage) string {
	switch string(raw) {
	case "null":
		return "<nil>"
	case `"POSKeyError"`:
		return "POSKeyError"
	}
	var r struct {
		DataLen  int64   `json:"data_len"`
		DataSHA  string  `json:"data_sha256"`
		StartTid string  `json:"start_tid"`
		EndTid   *string `json:"end_tid"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("result %s: %v", raw, err)
	}
	e := "<nil>"
	if r.EndTid != nil {
		e = *r.EndTid
	}
	return fmt.Sprintf("map[data_len:%d data_sha256:%s end_tid:%s start_tid:%s]", r.DataLen, r.DataSHA, e, r.StartTid)
}
