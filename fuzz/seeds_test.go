// Seeds: a native conversation over the fixture basic.fs, the recorded
// ZEO client streams, and finding the fixtures without skipping.

package fuzz

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/prototest"
)

// fixturesDir is ../shared/fixtures from the repository root, or "" when
// it is absent: fuzz seeds must not skip, they just get fewer.
func fixturesDir() string {
	root, err := prototest.RepoRoot()
	if err != nil {
		return ""
	}
	dir := filepath.Join(root, "..", "shared", "fixtures")
	if _, err := os.Stat(dir); err != nil {
		return ""
	}
	return dir
}

type wireSeed struct {
	kind  uint8
	data  []byte
	split uint16
}

// basic.fs: oid 1 is current at 03f58e0048888888, the last transaction is
// 03f58e0055555555 (transaction 21).
const (
	basicOid1Tid = proto.Tid(0x03f58e0048888888)
	basicLastTid = proto.Tid(0x03f58e0055555555)
)

type framer interface {
	AppendFrame(dst []byte, msgid uint32) []byte
}

func nativeStream(msgs ...framer) []byte {
	var b []byte
	for i, m := range msgs {
		b = m.AppendFrame(b, uint32(i+1))
	}
	return b
}

func wireSeeds() []wireSeed {
	reg := &proto.RegisterRequest{Storage: "1"}
	reads := nativeStream(reg,
		&proto.GetInfoRequest{}, &proto.LastTransactionRequest{},
		&proto.LoadBeforeRequest{Oid: 1, Before: proto.MaxTid},
		&proto.LoadBeforeRequest{Oid: 1, Before: basicOid1Tid},
		&proto.LoadSerialRequest{Oid: 1, Serial: basicOid1Tid},
		&proto.LoadBeforeRequest{Oid: 99, Before: proto.MaxTid},
		&proto.HistoryRequest{Oid: 1, Size: 10},
		&proto.GetInvalidationsRequest{Tid: 0x03f58e0004444444},
		&proto.RecordIterNextRequest{},
		&proto.IteratorStartRequest{Start: 0x03f58e0004444444},
		&proto.IteratorNextRequest{ID: 0},
		&proto.IteratorRecordStartRequest{TxnIter: 0, Tid: 0x03f58e0004444444},
		&proto.IteratorRecordNextRequest{ID: 1},
		&proto.IteratorGCRequest{IDs: []uint64{0, 1}},
		&proto.UndoLogRequest{First: 0, Last: 5},
		&proto.UndoInfoRequest{First: 0, Last: 5, User: []byte("alice")},
		&proto.ServerStatusRequest{}, &proto.PingRequest{})
	commit := nativeStream(reg,
		&proto.NewOIDsRequest{N: 2},
		&proto.TpcBeginRequest{Txn: 1, Meta: proto.TxnMeta{User: []byte("fuzz"), Description: []byte("seed")}},
		&proto.StoreRequest{Txn: 1, Oid: 1, Serial: basicOid1Tid, Data: []byte("\x80\x03}q\x00.")},
		&proto.StoreRequest{Txn: 1, Oid: 2, Serial: 0x03f58e0004444444, Data: []byte("stale")},
		&proto.CheckCurrentSerialRequest{Txn: 1, Oid: 0, Serial: 0x03f58e002eeeeeee},
		&proto.VoteRequest{Txn: 1},
		&proto.TpcAbortRequest{Txn: 1})
	// Vote answered, then finish: the split falls after the vote.
	voted := nativeStream(reg,
		&proto.TpcBeginRequest{Txn: 2},
		&proto.StoreRequest{Txn: 2, Oid: 200, Data: []byte("new object")},
		&proto.DeleteObjectRequest{Txn: 2, Oid: 3, Serial: 0x03f58e0004444444},
		&proto.VoteRequest{Txn: 2})
	split := len(voted)
	voted = (&proto.TpcFinishRequest{Txn: 2}).AppendFrame(voted, 6)
	undo := nativeStream(reg,
		&proto.TpcBeginRequest{Txn: 3},
		&proto.UndoRequest{Txn: 3, ID: []byte("A/WOAFVVVVU=")},
		&proto.RestoreRequest{Txn: 3, Oid: 300, Serial: 0x03f58e0004444444, Data: []byte("restored")},
		&proto.VoteRequest{Txn: 3})
	seeds := []wireSeed{
		{wireNative, reads, uint16(len(reads) / 2)},
		{wireNative, commit, 0},
		{wireNative, voted, uint16(split)},
		{wireNative, undo, 7},
		{wireNative, append(nativeStream(reg), 0xff, 0xff, 0xff, 0xff), 0}, // 4 GB announced
		{wireNative, append(nativeStream(reg), 0, 0, 0, 0x40, 0, 0, 0), 0}, // cut off
		{wireNative, nativeStream(&proto.LoadBeforeRequest{Oid: 1, Before: proto.MaxTid}), 0},
		{wireNative, append(nativeStream(reg), 0, 0, 0, 6, 0, 0, 0, 9, 0x7e, 0), 3},
	}
	for kind, mode := range map[uint8]string{wireZ5: "pickle", wireM5: "msgpack"} {
		for _, s := range recordedClientStreams(mode) {
			seeds = append(seeds, wireSeed{kind, s, uint16(len(s) / 3)})
		}
	}
	return seeds
}

// recordedClientStreams returns what each client of a recorded ZEO
// session sent after its handshake, framed.
func recordedClientStreams(mode string) [][]byte {
	dir := fixturesDir()
	if dir == "" {
		return nil
	}
	fh, err := os.Open(filepath.Join(dir, "zeo-wire", mode, "session.jsonl"))
	if err != nil {
		return nil
	}
	defer fh.Close()
	streams := map[int][]byte{}
	var order []int
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct {
			Conn int    `json:"conn"`
			Dir  string `json:"dir"`
			Kind string `json:"kind"`
			Hex  string `json:"hex"`
		}
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Dir != "c2s" || r.Kind == "handshake" {
			continue
		}
		p, err := hex.DecodeString(r.Hex)
		if err != nil {
			continue
		}
		if _, ok := streams[r.Conn]; !ok {
			order = append(order, r.Conn)
		}
		streams[r.Conn] = append(binary.BigEndian.AppendUint32(streams[r.Conn], uint32(len(p))), p...)
	}
	var out [][]byte
	for _, c := range order {
		out = append(out, streams[c])
	}
	return out
}
