// Replies carrying transaction metadata: iterator_next, history and
// undoLog, whose maps merge the stored extension dict as FileStorage does.

package zeo5

import (
	"encoding/base64"

	"github.com/gozeo/gozeo/proto"
)

// extDecoder returns the Writer's scratch Decoder for extension dicts.
func (w *Writer) extDecoder() *Decoder {
	if w.ext == nil {
		w.ext = &Decoder{}
	}
	return w.ext
}

// ReplyIteratorNext writes iterator_next's (tid, status, user,
// description, extension): status a one-character str, the extension as a
// map; a nil info writes None (the end).
func (w *Writer) ReplyIteratorNext(msgid []byte, info *proto.TxnInfo) error {
	if info == nil {
		return w.ReplyNil(msgid)
	}
	d := w.extDecoder()
	ext, err := ExtensionToValue(d, info.Extension)
	if err != nil {
		return err
	}
	status := info.Status
	if status == 0 {
		status = proto.StatusCommitted
	}
	w.BeginReply(msgid)
	w.BeginTuple(5)
	w.Tid(info.Tid)
	w.StrBytes([]byte{status})
	w.Bin(info.User)
	w.Bin(info.Description)
	w.Value(d, ext)
	w.End()
	return w.EndMessage()
}

// historyKeys are the keys FileStorage.history sets over the extension's.
var historyKeys = [...]string{"time", "user_name", "description", "tid", "size"}

// ReplyHistory writes history's list of maps. As FileStorage builds them,
// each map starts from the transaction's extension dict and then sets
// time, user_name, description, tid and size (a same-named extension key
// keeps its position and takes the standard value).
func (w *Writer) ReplyHistory(msgid []byte, entries []proto.HistoryEntry) error {
	if err := w.ready(); err != nil {
		return err
	}
	d := w.extDecoder()
	w.BeginReply(msgid)
	w.BeginList(len(entries))
	for i := range entries {
		e := &entries[i]
		ext, err := ExtensionToValue(d, e.Extension)
		if err != nil {
			w.fail(err)
			break
		}
		std := func(k int) {
			switch k {
			case 0:
				w.Float(e.Tid.Unix())
			case 1:
				w.Bin(e.User)
			case 2:
				w.Bin(e.Description)
			case 3:
				w.Tid(e.Tid)
			case 4:
				w.Int(e.Size)
			}
		}
		w.mergedMap(d, ext, historyKeys[:], std, true)
	}
	w.End()
	return w.EndMessage()
}

// undoKeys are the keys FileStorage's undo log sets before the extension's.
var undoKeys = [...]string{"id", "time", "user_name", "size", "description"}

// ReplyUndoLog writes undoLog's (and undoInfo's) list of maps: id, time,
// user_name, size and description, then the extension's keys (which win
// over a standard key of the same name, in its position). An entry without
// ID gets ZODB's id, base64 of the tid.
func (w *Writer) ReplyUndoLog(msgid []byte, entries []proto.UndoEntry) error {
	if err := w.ready(); err != nil {
		return err
	}
	d := w.extDecoder()
	w.BeginReply(msgid)
	w.BeginList(len(entries))
	for i := range entries {
		e := &entries[i]
		ext, err := ExtensionToValue(d, e.Extension)
		if err != nil {
			w.fail(err)
			break
		}
		std := func(k int) {
			switch k {
			case 0:
				if e.ID != nil {
					w.Bin(e.ID)
				} else {
					b := e.Tid.Bytes()
					var id [12]byte
					base64.StdEncoding.Encode(id[:], b[:])
					w.Bin(id[:])
				}
			case 1:
				w.Float(e.Tid.Unix())
			case 2:
				w.Bin(e.User)
			case 3:
				w.Int(e.Size)
			case 4:
				w.Bin(e.Description)
			}
		}
		w.mergedMap(d, ext, undoKeys[:], std, false)
	}
	w.End()
	return w.EndMessage()
}

// mergedMap writes a dict built from the standard keys (values written by
// std) and the pairs of the extension map ext. extFirst: d = ext;
// d.update(standard) (history). Otherwise: d = standard; d.update(ext)
// (undo log).
func (w *Writer) mergedMap(d *Decoder, ext Value, keys []string, std func(int), extFirst bool) {
	n := d.Len(ext)
	stdIndex := func(k Value) int {
		if k.kind == KindStr {
			for j, name := range keys {
				if string(k.b) == name {
					return j
				}
			}
		}
		return -1
	}
	var inExt uint32 // bit j: standard key j also in ext
	for i := 0; i < n; i++ {
		if j := stdIndex(d.Key(ext, i)); j >= 0 {
			inExt |= 1 << j
		}
	}
	count := n
	for j := range keys {
		if inExt&(1<<j) == 0 {
			count++
		}
	}
	w.BeginMap(count)
	if extFirst {
		for i := 0; i < n; i++ {
			k := d.Key(ext, i)
			w.Value(d, k)
			if j := stdIndex(k); j >= 0 {
				std(j)
			} else {
				w.Value(d, d.Val(ext, i))
			}
		}
		for j, name := range keys {
			if inExt&(1<<j) == 0 {
				w.Str(name)
				std(j)
			}
		}
	} else {
		for j, name := range keys {
			w.Str(name)
			if inExt&(1<<j) == 0 {
				std(j)
				continue
			}
			// The extension's (last) value for this key wins.
			v, _ := d.Lookup(ext, name)
			w.Value(d, v)
		}
		for i := 0; i < n; i++ {
			if k := d.Key(ext, i); stdIndex(k) < 0 {
				w.Value(d, k)
				w.Value(d, d.Val(ext, i))
			}
		}
	}
	w.End()
}
