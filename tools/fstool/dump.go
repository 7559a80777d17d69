// Dump: ZODB's fsdump (one line per transaction and record) and its
// field-by-field Dumper.

package fstool

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/gozeo/gozeo/fsstore"
)

// Dump writes fsdump's output for the file at path: per transaction
//
//	Trans #00000 tid=... size=TLEN time=TIMESTAMP offset=DATA_START
//	    status=' ' user=b'...' description=b'...'
//
// and per record
//
//	data #00000 oid=... size=N class=module.Class[ bp=DATA_TXN]
//
// ("undo or abort of object creation" for a record without data). A
// compressed record also shows " codec=NAME" after its class. It stops
// quietly at a torn or unfinished tail, as ZODB's FileIterator does.
func Dump(w io.Writer, path string, progress func(done, total int64)) error {
	fl, err := fsstore.OpenFile(path)
	if err != nil {
		return err
	}
	defer fl.Close()
	bw := bufio.NewWriter(w)
	var r reader
	it := fl.Iterator(0, 0)
	defer it.Close()
	for i := 0; ; i++ {
		info, ok, err := it.Next()
		if err != nil {
			bw.Flush()
			return err
		}
		if !ok {
			break
		}
		h := it.Header()
		fmt.Fprintf(bw, "Trans #%05d tid=%s size=%d time=%s offset=%d\n", i, info.Tid, h.Len, info.Tid.TimeString(), it.Pos()+h.HeaderLen())
		fmt.Fprintf(bw, "    status=%s user=%s description=%s\n", StrRepr(string(info.Status)), BytesRepr(info.User), BytesRepr(info.Description))
		recs := it.Records()
		for j := 0; ; j++ {
			rec, ok, err := recs.Next()
			if err != nil {
				bw.Flush()
				return err
			}
			if !ok {
				break
			}
			size, class := "", "undo or abort of object creation"
			if rec.Data != nil {
				size = fmt.Sprintf(" size=%d", len(rec.Data))
				class = r.className(rec.Data) + codecNote(rec.Data)
			}
			bp := ""
			if rec.DataTxn != 0 {
				bp = " bp=" + rec.DataTxn.String()
			}
			fmt.Fprintf(bw, "  data #%05d oid=%s%s class=%s%s\n", j, rec.Oid, size, class, bp)
		}
		if progress != nil && i%1024 == 0 {
			progress(it.Pos(), fl.Size())
		}
	}
	if progress != nil {
		progress(fl.Size(), fl.Size())
	}
	return bw.Flush()
}

// DumpRaw writes the Dumper's field-by-field dump (fsdump's -v): every
// header field of every transaction and record.
func DumpRaw(w io.Writer, path string, progress func(done, total int64)) error {
	fl, err := fsstore.OpenFile(path)
	if err != nil {
		return err
	}
	defer fl.Close()
	bw := bufio.NewWriter(w)
	sep := func(c string) { bw.WriteString(strings.Repeat(c, 60) + "\n") }
	sep("*")
	fmt.Fprintf(bw, "file identifier: %s\n", BytesRepr([]byte(fl.Magic())))
	it := fl.Iterator(0, 0)
	defer it.Close()
	var data []byte
	for i := 0; ; i++ {
		_, ok, err := it.Next()
		if err != nil {
			bw.Flush()
			return err
		}
		if !ok {
			break
		}
		h, pos := it.Header(), it.Pos()
		sep("=")
		fmt.Fprintf(bw, "offset: %d\nend pos: %d\ntransaction id: %s\ntrec len: %d\nstatus: %s\n",
			pos, pos+int64(h.Len), h.Tid, h.Len, BytesRepr([]byte{h.Status}))
		fmt.Fprintf(bw, "user: %s\ndescription: %s\nlen(extra): %d\n", emptyOrBytes(h.User), emptyOrBytes(h.Description), len(h.Extension))
		recs := it.Records()
		for {
			_, ok, err := recs.Next()
			if err != nil {
				bw.Flush()
				return err
			}
			if !ok {
				break
			}
			d, rpos := recs.Header(), recs.Pos()
			sep("-")
			fmt.Fprintf(bw, "offset: %d\noid: %s\nrevid: %s\nprevious record offset: %d\ntransaction offset: %d\nlen(data): %d\n",
				rpos, d.Oid, d.Tid, d.Prev, d.Tloc, d.Plen)
			if d.Plen == 0 {
				fmt.Fprintf(bw, "backpointer: %d\n", d.Back)
			} else if data, err = fl.ReadData(rpos, data[:0]); err == nil {
				if note := codecNote(data); note != "" {
					fmt.Fprintf(bw, "codec: %s\n", strings.TrimPrefix(note, " codec="))
				}
			}
		}
		fmt.Fprintf(bw, "redundant trec len: %d\n", h.Len)
		if progress != nil && i%1024 == 0 {
			progress(pos, fl.Size())
		}
	}
	if progress != nil {
		progress(fl.Size(), fl.Size())
	}
	return bw.Flush()
}

// emptyOrBytes prints an empty field as Python's Dumper does (” is a
// str there, the rest bytes).
func emptyOrBytes(b []byte) string {
	if len(b) == 0 {
		return "''"
	}
	return BytesRepr(b)
}
