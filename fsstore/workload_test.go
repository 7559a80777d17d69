// A random mixed workload checked against a model: stores, multi-record
// transactions, deletes, restores, undo and undo of undo, empty
// transactions, odd metadata; every revision read back through LoadBefore,
// before and after reopening.

package fsstore

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gozeo/gozeo/proto"
)

type rev struct {
	tid  proto.Tid
	data []byte // nil: no data
}

type model struct {
	revs map[proto.Oid][]rev
	txns []modelTxn
}

type modelTxn struct {
	tid  proto.Tid
	oids map[proto.Oid]int // oid -> index of the revision it wrote
	undo bool
}

func (m *model) cur(oid proto.Oid) (rev, bool) {
	r := m.revs[oid]
	if len(r) == 0 {
		return rev{}, false
	}
	return r[len(r)-1], true
}

func TestWorkloadModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	path := filepath.Join(t.TempDir(), "Data.fs")
	s := openT(t, path, &Options{MapReserve: 8192}) // tiny reserve: remaps happen
	m := &model{revs: map[proto.Oid][]rev{}}
	const nOids = 12
	ext := []byte("\x80\x03}q\x00(X\x03\x00\x00\x00appq\x01X\x04\x00\x00\x00testq\x02X\x01\x00\x00\x00nq\x03K\x07u.")
	undone, undoFailed, restores := 0, 0, 0
	for i := 0; i < 300; i++ {
		meta := proto.TxnMeta{User: []byte(" /zoë"), Description: []byte(fmt.Sprintf("naïve café ✓ %d", i))}
		if i%3 == 0 {
			meta.Extension = ext
		}
		kind := rng.IntN(10)
		if i < 5 {
			kind = 0
		}
		if kind == 9 { // restore with a chosen tid
			meta.Tid = s.LastTransaction() + proto.Tid(1+rng.IntN(1000))
		}
		txn, err := s.Begin(meta)
		if err != nil {
			t.Fatal(err)
		}
		mt := modelTxn{oids: map[proto.Oid]int{}}
		var pending []struct {
			oid  proto.Oid
			data []byte
		}
		switch {
		case kind <= 4: // stores, sometimes the same oid twice
			for j := 0; j < 1+rng.IntN(4); j++ {
				oid := proto.Oid(rng.IntN(nOids))
				c, _ := m.cur(oid)
				data := []byte(fmt.Sprintf("oid %d txn %d rec %d %s", oid, i, j, bytes.Repeat([]byte{'x'}, rng.IntN(300))))
				if err := txn.Store(oid, c.tid, data); err != nil {
					t.Fatalf("txn %d: store: %v", i, err)
				}
				pending = append(pending, struct {
					oid  proto.Oid
					data []byte
				}{oid, data})
			}
		case kind == 5: // delete
			oid := proto.Oid(rng.IntN(nOids))
			c, ok := m.cur(oid)
			err := txn.Delete(oid, c.tid)
			if !ok {
				var pk *proto.POSKeyError
				if !errors.As(err, &pk) {
					t.Fatalf("delete of unknown oid: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			} else {
				pending = append(pending, struct {
					oid  proto.Oid
					data []byte
				}{oid, nil})
			}
		case kind <= 8 && len(m.txns) > 0: // undo (of anything, undos included)
			target := m.txns[len(m.txns)-1-rng.IntN(min(len(m.txns), 8))]
			allowed := true
			for oid, k := range target.oids {
				c, _ := m.cur(oid)
				r := m.revs[oid][k]
				if !(k == len(m.revs[oid])-1 || (c.data != nil && r.data != nil && bytes.Equal(c.data, r.data))) {
					allowed = false
				}
			}
			oids, err := txn.Undo(target.tid)
			if (err == nil) != allowed {
				t.Fatalf("txn %d: undo of %s: err %v, model allows %v", i, target.tid, err, allowed)
			}
			if err != nil {
				var ue *proto.UndoError
				if !errors.As(err, &ue) {
					t.Fatalf("undo error %T %v", err, err)
				}
				undoFailed++
			} else {
				undone++
				mt.undo = true
				for _, oid := range oids {
					k := target.oids[oid]
					var data []byte
					if k > 0 {
						data = m.revs[oid][k-1].data
					}
					pending = append(pending, struct {
						oid  proto.Oid
						data []byte
					}{oid, data})
				}
			}
		case kind == 9: // restore, with a backpointer when an old txn had the same data
			oid := proto.Oid(rng.IntN(nOids))
			var data []byte
			var prev proto.Tid
			if rs := m.revs[oid]; len(rs) > 0 && rng.IntN(2) == 0 {
				r := rs[rng.IntN(len(rs))]
				data, prev = r.data, r.tid
			} else {
				data = []byte(fmt.Sprintf("restored %d", i))
			}
			if err := txn.Restore(oid, meta.Tid, data, prev); err != nil {
				t.Fatal(err)
			}
			restores++
			pending = append(pending, struct {
				oid  proto.Oid
				data []byte
			}{oid, data})
		default: // empty transaction
		}
		tid, err := txn.Vote()
		if err != nil {
			t.Fatalf("txn %d: vote: %v", i, err)
		}
		if meta.Tid != 0 && tid != meta.Tid {
			t.Fatalf("vote gave %s, asked %s", tid, meta.Tid)
		}
		if _, err := txn.Finish(nil); err != nil {
			t.Fatal(err)
		}
		mt.tid = tid
		for _, p := range pending {
			rs := m.revs[p.oid]
			if len(rs) > 0 && rs[len(rs)-1].tid == tid {
				rs[len(rs)-1].data = p.data // the later record of one txn wins
			} else {
				rs = append(rs, rev{tid: tid, data: p.data})
			}
			m.revs[p.oid] = rs
			mt.oids[p.oid] = len(rs) - 1
		}
		m.txns = append(m.txns, mt)
	}
	t.Logf("%d undos, %d refused, %d restores", undone, undoFailed, restores)
	if undone < 10 || undoFailed < 3 || restores < 10 {
		t.Fatalf("workload too tame: %d undos, %d refused, %d restores", undone, undoFailed, restores)
	}
	checkModel(t, s, m)
	if rep, err := s.Verify(nil); err != nil || rep.Transactions != 300 {
		t.Fatalf("Verify: %v %+v", err, rep)
	}
	s.Close()
	for _, o := range []*Options{nil, {NoIndex: true}, {ReadOnly: true}} {
		s2 := openT(t, path, o)
		checkModel(t, s2, m)
		s2.Close()
	}
}

func checkModel(t *testing.T, s *Store, m *model) {
	t.Helper()
	n := 0
	for oid, rs := range m.revs {
		n++
		if _, _, _, err := s.LoadBefore(oid, rs[0].tid, nil); !errors.Is(err, proto.ErrNoRevision) {
			t.Errorf("oid %s before its creation: %v", oid, err)
		}
		for k, r := range rs {
			var end proto.Tid
			if k+1 < len(rs) {
				end = rs[k+1].tid
			}
			for _, before := range []proto.Tid{r.tid + 1, end} {
				if before == 0 {
					before = proto.MaxTid
				}
				data, start, e, err := s.LoadBefore(oid, before, nil)
				if r.data == nil {
					var pk *proto.POSKeyError
					if !errors.As(err, &pk) {
						t.Errorf("oid %s rev %d: %v, want POSKeyError", oid, k, err)
					}
					continue
				}
				if err != nil || !bytes.Equal(data, r.data) || start != r.tid || e != end {
					t.Errorf("oid %s rev %d before %s: %q %s %s %v; want %q %s %s", oid, k, before, data, start, e, err, r.data, r.tid, end)
				}
			}
			if r.data != nil {
				if d, err := s.LoadSerial(oid, r.tid, nil); err != nil || !bytes.Equal(d, r.data) {
					t.Errorf("LoadSerial(%s, %s): %v", oid, r.tid, err)
				}
			}
		}
		last := rs[len(rs)-1]
		data, serial, err := s.Load(oid, nil)
		if last.data == nil {
			if err == nil {
				t.Errorf("Load(%s) of a deleted object succeeded", oid)
			}
		} else if err != nil || serial != last.tid || !bytes.Equal(data, last.data) {
			t.Errorf("Load(%s): %v", oid, err)
		}
		h, err := s.History(oid, 1000)
		if err != nil || len(h) != len(rs) || h[0].Tid != last.tid {
			t.Errorf("History(%s): %d entries, %v", oid, len(h), err)
		}
	}
	if s.Len() != n {
		t.Errorf("Len %d, want %d", s.Len(), n)
	}
}
