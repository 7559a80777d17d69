package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/prototest"
	"github.com/gozeo/gozeo/proto/zeo5"
	"github.com/gozeo/gozeo/tools/config"
)

// recordedFrame is one line of a zeo-wire session.jsonl.
type recordedFrame struct {
	Seq    int    `json:"seq"`
	Conn   int    `json:"conn"`
	Client string `json:"client"`
	Dir    string `json:"dir"`
	Step   string `json:"step"`
	Hex    string `json:"hex"`
	Kind   string `json:"kind"`
}

func loadSession(t *testing.T, mode string) []recordedFrame {
	t.Helper()
	f, err := os.Open(prototest.Fixture(t, "zeo-wire/"+mode+"/session.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []recordedFrame
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var fr recordedFrame
		if err := json.Unmarshal(sc.Bytes(), &fr); err != nil {
			t.Fatal(err)
		}
		out = append(out, fr)
	}
	return out
}

// fixtureClock gives transaction n the tid of 2024-01-01T00:00:00Z + n
// seconds, as the recorded server's clock did; skip consumes a tid the way
// ZEO's vote does when it calls tpc_begin on the storage and then fails.
type fixtureClock struct{ n atomic.Int64 }

func (c *fixtureClock) Now() time.Time {
	return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(c.n.Add(1)) * time.Second)
}

func (c *fixtureClock) skip() { c.n.Add(1) }

// TestZEOReplay sends the stock clients' frames of each recorded
// conversation to gozeo and checks that gozeo answers with the recorded
// server's frames, byte for byte, except where gozeo differs on purpose:
// store conflicts come back as conflict maps for the client to resolve
// (gozeo always behaves as ZEO with client-conflict-resolution), the
// getInvalidations oid list is compared as a set (ZEO builds it from a
// Python set), and the ruok JSON's start time and abort count. The
// resulting Data.fs must equal the recorded server's.
func TestZEOReplay(t *testing.T) {
	for _, mode := range []string{"pickle", "msgpack"} {
		t.Run(mode, func(t *testing.T) { replaySession(t, mode) })
	}
}

func replaySession(t *testing.T, mode string) {
	frames := loadSession(t, mode)
	dir := t.TempDir()
	t.Chdir(dir)
	cfg := config.DefaultConfig()
	msgpack := mode == "msgpack"
	cfg.ZEO.Msgpack = &msgpack
	if err := cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: []string{"Data.fs"}}); err != nil {
		t.Fatal(err)
	}
	// ZODB's BaseStorage reads the clock once when the storage opens, so
	// the recorded server's first transaction got n=2.
	clock := &fixtureClock{}
	clock.skip()
	s, err := NewWithOptions(cfg, &Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Stop(ctx)
	}()
	addr := s.Addrs()[0].String()
	enc := zeo5.Pickle
	if msgpack {
		enc = zeo5.Msgpack
	}

	conns := map[int]net.Conn{}
	closed := map[int]bool{}
	closeConn := func(n int) {
		if c := conns[n]; c != nil && !closed[n] {
			c.Close()
			closed[n] = true
		}
	}
	var dec zeo5.Decoder
	for i, fr := range frames {
		// The proxy cut B's connection before A committed "while B is
		// away"; D closed before E's ruok.
		if fr.Step == "B.disconnect_reconnect_verify" && !closed[2] {
			closeConn(2)
		}
		if fr.Client == "E" {
			closeConn(5)
			waitConnections(t, s, 3)
		}
		c := conns[fr.Conn]
		if c == nil {
			if c, err = net.Dial("tcp", addr); err != nil {
				t.Fatal(err)
			}
			conns[fr.Conn] = c
			defer c.Close()
		}
		want, _ := hex.DecodeString(fr.Hex)
		if fr.Dir == "c2s" {
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(binary.BigEndian.AppendUint32(nil, uint32(len(want)))); err != nil {
				t.Fatalf("seq %d: write: %v", fr.Seq, err)
			}
			if _, err := c.Write(want); err != nil {
				t.Fatalf("seq %d: write: %v", fr.Seq, err)
			}
			continue
		}
		got := readZEOFrame(t, c, fr)
		switch {
		case bytes.Equal(got, want):
		case fr.Kind == "error-reply" && bytes.Contains(want, []byte("ConflictError")):
			checkConflictMaps(t, &dec, enc, fr, got, want)
			clock.skip()
		case fr.Step == "B.disconnect_reconnect_verify" && bytes.Contains(frames[i-1].Hex2(), []byte("getInvalidations")):
			checkInvalidationsAsSet(t, &dec, enc, fr, got, want)
		case fr.Kind == "ruok-json":
			checkRuok(t, fr, got, want)
		default:
			t.Fatalf("seq %d (%s %s %s): frame differs\n got %x\nwant %x\n got %s\nwant %s", fr.Seq, fr.Client, fr.Step, fr.Kind,
				got, want, describe(&dec, enc, got), describe(&dec, enc, want))
		}
	}
	for n := range conns {
		closeConn(n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	gotFS, err := os.ReadFile(filepath.Join(dir, "Data.fs"))
	if err != nil {
		t.Fatal(err)
	}
	wantFS, err := os.ReadFile(prototest.Fixture(t, "zeo-wire/"+mode+"/server-Data.fs"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotFS, wantFS) {
		t.Fatalf("Data.fs differs from the recorded server's: %d bytes vs %d; first difference at %d",
			len(gotFS), len(wantFS), firstDiff(gotFS, wantFS))
	}
}

// Hex2 returns the frame's payload bytes.
func (fr recordedFrame) Hex2() []byte {
	b, _ := hex.DecodeString(fr.Hex)
	return b
}

func readZEOFrame(t *testing.T, c net.Conn, fr recordedFrame) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatalf("seq %d (%s %s): waiting for %s: %v", fr.Seq, fr.Client, fr.Step, fr.Kind, err)
	}
	buf := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("seq %d: %v", fr.Seq, err)
	}
	return buf
}

// waitConnections waits until the server has noticed closed connections.
func waitConnections(t *testing.T, s *Server, n int64) {
	deadline := time.Now().Add(5 * time.Second)
	for s.Engine().Stats()["1"].Connections != n {
		if time.Now().After(deadline) {
			t.Fatalf("server still counts %d connections, want %d", s.Engine().Stats()["1"].Connections, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// checkConflictMaps: ZEO (without client-conflict-resolution) answered the
// conflicting vote with ConflictError; gozeo answers with the conflict for
// the client to resolve: [{oid, serials: (committed, read), data}].
func checkConflictMaps(t *testing.T, d *zeo5.Decoder, enc zeo5.Encoding, fr recordedFrame, got, want []byte) {
	t.Helper()
	wm, err := d.Decode(enc, want)
	if err != nil {
		t.Fatal(err)
	}
	state := d.Index(wm.Args, 1)
	wantOid, _ := mustLookup(t, d, state, "oid").AsOid()
	serials := mustLookup(t, d, state, "serials")
	committed, _ := d.Index(serials, 0).AsTid()
	read, _ := d.Index(serials, 1).AsTid()

	gm, err := d.Decode(enc, got)
	if err != nil {
		t.Fatal(err)
	}
	if gm.Flags != 0 || d.Len(gm.Args) != 1 {
		t.Fatalf("seq %d: want one conflict map, got %s", fr.Seq, describe(d, enc, got))
	}
	cm := d.Index(gm.Args, 0)
	oid, _ := mustLookup(t, d, cm, "oid").AsOid()
	gs := mustLookup(t, d, cm, "serials")
	gc, _ := d.Index(gs, 0).AsTid()
	gr, _ := d.Index(gs, 1).AsTid()
	data, ok := mustLookup(t, d, cm, "data").AsBytes()
	if oid != wantOid || gc != committed || gr != read || !ok || len(data) == 0 {
		t.Fatalf("seq %d: conflict map oid %s serials (%s, %s), want oid %s serials (%s, %s)", fr.Seq, oid, gc, gr, wantOid, committed, read)
	}
}

func mustLookup(t *testing.T, d *zeo5.Decoder, m zeo5.Value, key string) zeo5.Value {
	t.Helper()
	v, ok := d.Lookup(m, key)
	if !ok {
		t.Fatalf("no key %q", key)
	}
	return v
}

func checkInvalidationsAsSet(t *testing.T, d *zeo5.Decoder, enc zeo5.Encoding, fr recordedFrame, got, want []byte) {
	t.Helper()
	set := func(b []byte) (proto.Tid, []proto.Oid) {
		m, err := d.Decode(enc, b)
		if err != nil {
			t.Fatal(err)
		}
		tid, _ := d.Index(m.Args, 0).AsTid()
		l := d.Index(m.Args, 1)
		var oids []proto.Oid
		for i := 0; i < d.Len(l); i++ {
			o, _ := d.Index(l, i).AsOid()
			oids = append(oids, o)
		}
		slices.Sort(oids)
		return tid, oids
	}
	gt, go_ := set(got)
	wt, wo := set(want)
	if gt != wt || !slices.Equal(go_, wo) {
		t.Fatalf("seq %d: getInvalidations got %s %v want %s %v", fr.Seq, gt, go_, wt, wo)
	}
}

func checkRuok(t *testing.T, fr recordedFrame, got, want []byte) {
	t.Helper()
	var g, w map[string]map[string]any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("ruok JSON %q: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	for name, ws := range w {
		gs := g[name]
		for k, v := range ws {
			switch k {
			case "start": // the server's start time
				continue
			case "aborts":
				// B's tpc_abort after the conflict finds its transaction
				// (kept for client-side resolution) and counts.
				if gs[k] != 1.0 {
					t.Errorf("ruok %s.aborts = %v, want 1", name, gs[k])
				}
				continue
			}
			if gs[k] != v {
				t.Errorf("ruok %s.%s = %v, want %v", name, k, gs[k], v)
			}
		}
	}
}

func describe(d *zeo5.Decoder, enc zeo5.Encoding, b []byte) string {
	m, err := d.Decode(enc, b)
	if err != nil {
		return "undecodable: " + err.Error()
	}
	return string(m.Name) + " " + m.Args.Kind().String()
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
