// TraceOids: ZODB's fsoids, every appearance of some oids in the file.

package fstool

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

type oidMsg struct {
	oid proto.Oid
	tid proto.Tid
	msg string
}

type tidInfo struct {
	user, desc []byte
	pos        int64
}

// TraceOids reports every revision of the given oids (creations,
// modifications, undone creations) and every reference to them from
// other objects' records and from them, through all transactions, in
// fsoids' format:
//
//	oid 0x01 fixture_classes.Item 3 revisions
//	    tid 0x03f58e0008888888 offset=166 2024-01-01 00:00:02.000000
//	        tid user=b''
//	        tid description=b'build graph'
//	        new revision fixture_classes.Item at 1126
//	        referenced by 0x00 persistent.mapping.PersistentMapping at 201
func TraceOids(w io.Writer, path string, oids []proto.Oid, progress func(done, total int64)) error {
	fl, err := fsstore.OpenFile(path)
	if err != nil {
		return err
	}
	defer fl.Close()
	want := map[proto.Oid]int{}
	for _, o := range oids {
		want[o] = 0
	}
	names := map[proto.Oid]string{}    // interesting oid -> class (seen created)
	refNames := map[proto.Oid]string{} // any oid -> class, as learned
	tids := map[proto.Tid]tidInfo{}
	var msgs []oidMsg
	var r reader
	type drec struct {
		oid  proto.Oid
		pos  int64
		data []byte
	}
	it := fl.Iterator(0, 0)
	defer it.Close()
	for n := 0; ; n++ {
		info, ok, err := it.Next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		produced := false
		msg := func(oid proto.Oid, text string) {
			msgs = append(msgs, oidMsg{oid, info.Tid, text})
			produced = true
		}
		var recs []drec
		byOid := map[proto.Oid][]byte{}
		ri := it.Records()
		for {
			rec, ok, err := ri.Next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			_, interesting := want[rec.Oid]
			if rec.Data != nil {
				d := drec{rec.Oid, ri.Pos(), append([]byte(nil), rec.Data...)}
				if interesting {
					klass := r.className(d.data)
					msg(rec.Oid, fmt.Sprintf("new revision %s at %d", klass, d.pos))
					want[rec.Oid]++
					names[rec.Oid], refNames[rec.Oid] = klass, klass
				}
				byOid[rec.Oid] = d.data
				recs = append(recs, d)
			} else if interesting {
				msg(rec.Oid, fmt.Sprintf("creation undo at %d", ri.Pos()))
			}
		}
		for _, d := range recs {
			refs, err := r.references(d.data)
			if err != nil {
				continue // fsoids would fail here; a tracer goes on
			}
			refs = slices.Clone(refs)
			_, self := want[d.oid]
			for _, ref := range refs {
				if !ref.Form.Strong() {
					continue
				}
				if _, ok := want[ref.Oid]; ok {
					cls, ok := refNames[d.oid]
					if !ok {
						cls = r.className(d.data)
						refNames[d.oid] = cls
					}
					msg(ref.Oid, fmt.Sprintf("referenced by %s %s at %d", d.oid.Repr(), cls, d.pos))
				}
				if self {
					klass := ref.Class
					if klass == "" {
						if k, ok := refNames[ref.Oid]; ok {
							klass = k
						} else if data, ok := byOid[ref.Oid]; ok {
							klass = r.className(data)
							refNames[ref.Oid] = klass
						} else {
							klass = "<unknown>"
						}
					} else {
						refNames[ref.Oid] = klass
					}
					msg(d.oid, fmt.Sprintf("references %s %s at %d", ref.Oid.Repr(), klass, d.pos))
				}
			}
		}
		if produced {
			h := it.Header()
			tids[info.Tid] = tidInfo{user: bytes.Clone(h.User), desc: bytes.Clone(h.Description), pos: it.Pos()}
		}
		if progress != nil && n%1024 == 0 {
			progress(it.Pos(), fl.Size())
		}
	}
	if progress != nil {
		progress(fl.Size(), fl.Size())
	}
	const notSeen = "this oid was not defined (no data record for it found)"
	for _, o := range oids {
		if _, ok := names[o]; !ok {
			msgs = append(msgs, oidMsg{o, 0, notSeen})
		}
	}
	slices.SortStableFunc(msgs, func(a, b oidMsg) int {
		switch {
		case a.oid != b.oid:
			return cmpU64(uint64(a.oid), uint64(b.oid))
		case a.tid != b.tid:
			return cmpU64(uint64(a.tid), uint64(b.tid))
		}
		return strings.Compare(a.msg, b.msg)
	})
	bw := bufio.NewWriter(w)
	first := true
	var curOid proto.Oid
	var curTid proto.Tid
	for _, m := range msgs {
		if first || m.oid != curOid {
			first, curOid, curTid = false, m.oid, 0
			nrev := want[m.oid]
			rev := "revisions"
			if nrev == 1 {
				rev = "revision"
			}
			name, ok := names[m.oid]
			if !ok {
				name = "<unknown>"
			}
			fmt.Fprintf(bw, "oid %s %s %d %s\n", m.oid.Repr(), name, nrev, rev)
			if m.msg == notSeen {
				fmt.Fprintf(bw, "    %s\n", m.msg)
				continue
			}
		}
		if m.tid != curTid {
			curTid = m.tid
			ti := tids[m.tid]
			fmt.Fprintf(bw, "    tid %s offset=%d %s\n", m.tid.Repr(), ti.pos, m.tid.TimeString())
			fmt.Fprintf(bw, "        tid user=%s\n", shortRepr(ti.user))
			fmt.Fprintf(bw, "        tid description=%s\n", shortRepr(ti.desc))
		}
		fmt.Fprintf(bw, "        %s\n", m.msg)
	}
	return bw.Flush()
}

func cmpU64(a, b uint64) int {
	if a < b {
		return -1
	}
	return 1
}

// shortRepr is fsoids' shorten (at most 50 bytes, " ... " in the
// middle) printed with repr.
func shortRepr(b []byte) string {
	const size = 50
	if len(b) > size {
		navail := size - 5
		lead := navail / 2
		trail := size - lead
		b = append(append(append([]byte(nil), b[:lead]...), " ... "...), b[len(b)-trail:]...)
	}
	return BytesRepr(b)
}
