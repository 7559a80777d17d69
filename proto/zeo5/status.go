// Server statistics: the server_status map and the ruok JSON, with
// Python's ctime, float repr and json.dumps formatting.

package zeo5

import (
	"strconv"
	"time"

	"github.com/gozeo/gozeo/proto"
)

// TimeoutThread is the "timeout-thread-is-alive" entry: ZEO reports the
// string "stub" when no transaction timeout is configured, else a bool.
type TimeoutThread uint8

const (
	TimeoutStub  TimeoutThread = iota // "stub": no transaction timeout
	TimeoutAlive                      // True
	TimeoutDead                       // False
)

// ServerStatus is one storage's statistics exactly as ZEO reports them
// (server_status and the ruok JSON), in wire types.
type ServerStatus struct {
	Connections       int64
	Loads             int64
	Stores            int64
	Commits           int64
	Aborts            int64
	ActiveTxns        int64
	LockTime          float64 // epoch seconds; written only when Locked
	Locked            bool    // false writes lock_time None
	Conflicts         int64
	ConflictsResolved int64
	Start             string // time.ctime() of the server start (see Ctime)
	Waiting           int64
	TimeoutThread     TimeoutThread
	LastTransaction   proto.Tid // written as 16 hex digits
}

// NewServerStatus converts storage statistics, formatting the start time in
// loc (the server's local zone; nil means time.Local).
func NewServerStatus(st proto.Stats, loc *time.Location) ServerStatus {
	if loc == nil {
		loc = time.Local
	}
	sec := int64(st.Start)
	start := time.Unix(sec, int64((st.Start-float64(sec))*1e9)).In(loc)
	s := ServerStatus{
		Connections: st.Connections, Loads: st.Loads, Stores: st.Stores,
		Commits: st.Commits, Aborts: st.Aborts, ActiveTxns: st.ActiveTxns,
		LockTime: st.LockTime, Locked: st.LockTime != 0,
		Conflicts: st.Conflicts, ConflictsResolved: st.ConflictsResolved,
		Start: Ctime(start), Waiting: st.Waiting,
		LastTransaction: st.LastTransaction,
	}
	if st.TimeoutEnabled {
		s.TimeoutThread = TimeoutAlive
	}
	return s
}

// Ctime formats t as Python's time.ctime: "Sun Nov 22 02:17:31 2026", the
// day padded with a space.
func Ctime(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }

// statusKeys in ZEO's order (StorageStats.__dict__, then the three the
// server adds).
var statusKeys = [...]string{"connections", "loads", "stores", "commits", "aborts",
	"active_txns", "lock_time", "conflicts", "conflicts_resolved", "start", "waiting",
	"timeout-thread-is-alive", "last-transaction"}

// ReplyServerStatus writes server_status's map.
func (w *Writer) ReplyServerStatus(msgid []byte, st *ServerStatus) error {
	w.BeginReply(msgid)
	w.BeginMap(len(statusKeys))
	ints := [...]int64{st.Connections, st.Loads, st.Stores, st.Commits, st.Aborts, st.ActiveTxns}
	for i, v := range ints {
		w.Str(statusKeys[i])
		w.Int(v)
	}
	w.Str("lock_time")
	if st.Locked {
		w.Float(st.LockTime)
	} else {
		w.Nil()
	}
	w.Str("conflicts")
	w.Int(st.Conflicts)
	w.Str("conflicts_resolved")
	w.Int(st.ConflictsResolved)
	w.Str("start")
	w.Str(st.Start)
	w.Str("waiting")
	w.Int(st.Waiting)
	w.Str("timeout-thread-is-alive")
	switch st.TimeoutThread {
	case TimeoutAlive:
		w.Bool(true)
	case TimeoutDead:
		w.Bool(false)
	default:
		w.Str("stub")
	}
	w.Str("last-transaction")
	var hex [16]byte
	w.StrBytes(st.LastTransaction.AppendHex(hex[:0]))
	w.End()
	return w.EndMessage()
}

// NamedStatus is one storage's entry in the ruok JSON.
type NamedStatus struct {
	Name   string
	Status ServerStatus
}

// AppendRuokJSON appends the JSON a server sends after its handshake to a
// "ruok" client: {"<storage>": {stats}, ...}, formatted as Python's
// json.dumps (", " and ": " separators, ASCII-only escapes, float repr).
func AppendRuokJSON(dst []byte, storages []NamedStatus) []byte {
	dst = append(dst, '{')
	for i := range storages {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		st := &storages[i].Status
		dst = appendJSONString(dst, storages[i].Name)
		dst = append(dst, ": {"...)
		ints := [...]int64{st.Connections, st.Loads, st.Stores, st.Commits, st.Aborts, st.ActiveTxns}
		for j, v := range ints {
			dst = appendJSONKey(dst, statusKeys[j], j == 0)
			dst = strconv.AppendInt(dst, v, 10)
		}
		dst = appendJSONKey(dst, "lock_time", false)
		if st.Locked {
			dst = appendJSONFloat(dst, st.LockTime)
		} else {
			dst = append(dst, "null"...)
		}
		dst = appendJSONKey(dst, "conflicts", false)
		dst = strconv.AppendInt(dst, st.Conflicts, 10)
		dst = appendJSONKey(dst, "conflicts_resolved", false)
		dst = strconv.AppendInt(dst, st.ConflictsResolved, 10)
		dst = appendJSONKey(dst, "start", false)
		dst = appendJSONString(dst, st.Start)
		dst = appendJSONKey(dst, "waiting", false)
		dst = strconv.AppendInt(dst, st.Waiting, 10)
		dst = appendJSONKey(dst, "timeout-thread-is-alive", false)
		switch st.TimeoutThread {
		case TimeoutAlive:
			dst = append(dst, "true"...)
		case TimeoutDead:
			dst = append(dst, "false"...)
		default:
			dst = append(dst, `"stub"`...)
		}
		dst = appendJSONKey(dst, "last-transaction", false)
		dst = append(dst, '"')
		dst = st.LastTransaction.AppendHex(dst)
		dst = append(dst, "\"}"...)
	}
	return append(dst, '}')
}

// AppendRuokReply appends what a server sends a "ruok" client: its
// handshake frame, then the JSON frame. (The server then closes.)
func AppendRuokReply(dst []byte, enc Encoding, storages []NamedStatus) []byte {
	dst = AppendHandshake(dst, enc)
	dst, start := StartFrame(dst)
	dst = AppendRuokJSON(dst, storages)
	dst, _ = FinishFrame(dst, start)
	return dst
}
