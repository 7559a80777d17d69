// Refs: ZODB's fsrefs, the dangling-reference checker.

package fstool

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

// RefsReport counts what Refs found.
type RefsReport struct {
	Oids      int // oids with a current record
	Undone    int // whose current record has no data (creation undone, deleted)
	NoLoad    int // whose current revision cannot be read
	Referrers int // objects reported for referring to an invalid object
	Invalid   int // invalid references in all
}

// Refs checks the current revision of every oid, in file order, as
// fsrefs does: it reports each object that refers (strongly) to a
// missing oid, to an oid whose creation was undone, or to an oid whose
// data cannot be read, in fsrefs' words:
//
//	oid 0x0 persistent.mapping.PersistentMapping
//	last updated: 2024-01-01 00:00:01.000000, tid=0x3f58e0004444444
//	refers to invalid objects:
//		oid 0x99 missing: '<unknown>'
//
// Objects that cannot be read are reported too ("oid 0x.. failed to
// load: ERROR"), which fsrefs only shows with -v.
func Refs(w io.Writer, path string, progress func(done, total int64)) (*RefsReport, error) {
	fl, err := fsstore.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	cur := map[proto.Oid]int64{}
	it := fl.Iterator(0, 0)
	defer it.Close()
	for n := 0; ; n++ {
		_, ok, err := it.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		recs := it.Records()
		for {
			rec, ok, err := recs.Next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			cur[rec.Oid] = recs.Pos()
		}
		if progress != nil && n%1024 == 0 {
			progress(it.Pos(), 2*fl.Size())
		}
	}
	type entry struct {
		oid proto.Oid
		pos int64
	}
	order := make([]entry, 0, len(cur))
	for oid, pos := range cur {
		order = append(order, entry{oid, pos})
	}
	slices.SortFunc(order, func(a, b entry) int { return int(a.pos - b.pos) })
	rep := &RefsReport{Oids: len(order)}
	undone, noload := map[proto.Oid]bool{}, map[proto.Oid]error{}
	var data []byte
	for _, e := range order {
		if data, err = fl.ReadData(e.pos, data[:0]); err != nil {
			var pk *proto.POSKeyError
			if errors.As(err, &pk) {
				undone[e.oid] = true
				rep.Undone++
			} else {
				noload[e.oid] = err
				rep.NoLoad++
			}
		}
	}
	bw := bufio.NewWriter(w)
	var r reader
	for i, e := range order {
		if progress != nil && i%4096 == 0 {
			progress(fl.Size()+e.pos, 2*fl.Size())
		}
		if err := noload[e.oid]; err != nil {
			fmt.Fprintf(bw, "oid %s failed to load: %v\n\n", hexRepr(uint64(e.oid)), err)
			continue
		}
		if undone[e.oid] {
			continue
		}
		data, _ = fl.ReadData(e.pos, data[:0])
		refs, err := r.references(data)
		if err != nil {
			noload[e.oid] = err
			rep.NoLoad++
			fmt.Fprintf(bw, "oid %s failed to load: %v\n\n", hexRepr(uint64(e.oid)), err)
			continue
		}
		var missing []string
		for _, ref := range refs {
			if !ref.Form.Strong() {
				continue
			}
			klass := ref.Class
			if klass == "" {
				klass = "<unknown>"
			}
			if _, ok := cur[ref.Oid]; !ok {
				missing = append(missing, fmt.Sprintf("\toid %s missing: %s", ref.Oid.Repr(), StrRepr(klass)))
			}
			if noload[ref.Oid] != nil {
				missing = append(missing, fmt.Sprintf("\toid %s failed to load: %s", ref.Oid.Repr(), StrRepr(klass)))
			}
			if undone[ref.Oid] {
				missing = append(missing, fmt.Sprintf("\toid %s object creation was undone: %s", ref.Oid.Repr(), StrRepr(klass)))
			}
		}
		if len(missing) == 0 {
			continue
		}
		rep.Referrers++
		rep.Invalid += len(missing)
		h, err := fl.ReadDataHeader(e.pos)
		if err != nil {
			return rep, err
		}
		plural := ""
		if len(missing) > 1 {
			plural = "s"
		}
		fmt.Fprintf(bw, "oid %s %s\n", hexRepr(uint64(e.oid)), r.className(data))
		fmt.Fprintf(bw, "last updated: %s, tid=%s\n", h.Tid.TimeString(), hexRepr(uint64(h.Tid)))
		fmt.Fprintf(bw, "refers to invalid object%s:\n", plural)
		for _, m := range missing {
			fmt.Fprintln(bw, m)
		}
		fmt.Fprintln(bw)
	}
	if progress != nil {
		progress(2*fl.Size(), 2*fl.Size())
	}
	return rep, bw.Flush()
}
