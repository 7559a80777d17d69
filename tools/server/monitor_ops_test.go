// The monitor server: ZEO 4's report, with the engine's numbers.

package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

// readMonitor connects to the monitor and returns the report's lines.
func readMonitor(t *testing.T, addr net.Addr) []string {
	t.Helper()
	c, err := net.Dial(addr.Network(), addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c) // the server closes after the report
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(b), "\n\n") {
		t.Fatalf("report does not end with a blank line: %q", b)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// monitorBlocks parses a report into storage name -> key -> value, after
// checking the header.
func monitorBlocks(t *testing.T, lines []string) (map[string]map[string]string, []string) {
	t.Helper()
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "ZEO monitor server version gozeo ") {
		t.Fatalf("header: %q", lines)
	}
	if _, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", lines[1], time.Local); err != nil {
		t.Fatalf("date line %q: %v", lines[1], err)
	}
	if lines[2] != "" {
		t.Fatalf("third line %q, want blank", lines[2])
	}
	out := map[string]map[string]string{}
	var order []string
	var cur map[string]string
	for _, line := range lines[3:] {
		if line == "" {
			cur = nil
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("line %q is not \"key: value\"", line)
		}
		if k == "Storage" {
			cur = map[string]string{}
			out[v] = cur
			order = append(order, v)
			continue
		}
		if cur == nil {
			t.Fatalf("line %q outside a storage block", line)
		}
		if k != "Server started" && strings.Contains(v, ":") {
			t.Fatalf("value with a colon: %q", line)
		}
		cur[k] = v
	}
	return out, order
}

func TestMonitorReport(t *testing.T) {
	s, logs := startOps(t, func(c *config.Config) {
		c.ZEO.MonitorAddress = config.Address{Net: "tcp", Host: "127.0.0.1"}
		c.Apply(config.Overrides{Filenames: []string{filepath.Join(t.TempDir(), "Other.fs")}})
	})
	addr := s.MonitorAddr()
	logs.lineWith(t, "monitor listening", "address="+addr.String())

	rc := dialNative(t, s.Addrs()[0].String())
	register(t, rc)
	tid := commitOne(t, rc, 1, 0, 0, []byte("root"))
	loadData(t, rc, 0)
	// A second client holds the commit lock of oid 0 (voted, not
	// finished) while the report is made.
	holder := dialNative(t, s.Addrs()[0].String())
	register(t, holder)
	holder.send(&proto.TpcBeginRequest{Txn: 2})
	holder.send(&proto.StoreRequest{Txn: 2, Oid: 0, Serial: tid, Data: []byte("next")})
	if f := holder.call(&proto.VoteRequest{Txn: 2}); f.IsError() {
		t.Fatal(proto.DecodeError(f.Body))
	}

	blocks, order := monitorBlocks(t, readMonitor(t, addr))
	if fmt.Sprint(order) != "[1 2]" {
		t.Fatalf("storages %v, want [1 2] in order", order)
	}
	want := s.Engine().Stats()
	for _, name := range order {
		st, b := want[name], blocks[name]
		started := time.Unix(int64(st.Start), 0).Local().Format("Mon Jan _2 15:04:05 2006")
		checks := map[string]string{
			"Server started":      started,
			"Clients":             strconv.FormatInt(st.Connections, 10),
			"Clients verifying":   strconv.FormatInt(st.Verifying, 10),
			"Active transactions": strconv.FormatInt(st.ActiveTxns, 10),
			"Commits":             strconv.FormatInt(st.Commits, 10),
			"Aborts":              strconv.FormatInt(st.Aborts, 10),
			"Loads":               strconv.FormatInt(st.Loads, 10),
			"Stores":              strconv.FormatInt(st.Stores, 10),
			"Conflicts":           strconv.FormatInt(st.Conflicts, 10),
			"Conflicts resolved":  strconv.FormatInt(st.ConflictsResolved, 10),
		}
		for k, v := range checks {
			if b[k] != v {
				t.Errorf("storage %s: %q = %q, want %q", name, k, b[k], v)
			}
		}
	}
	one := blocks["1"]
	if one["Clients"] != "2" || one["Commits"] != "1" || one["Stores"] != "2" || one["Active transactions"] != "1" || one["Loads"] == "0" {
		t.Fatalf("storage 1 block does not show the activity: %v", one)
	}
	if held, ok := one["Commit lock held for"]; !ok || held != "0" {
		t.Fatalf("commit lock line missing or wrong while a lock is held: %v", one)
	}
	if _, ok := blocks["2"]["Commit lock held for"]; ok {
		t.Fatalf("storage 2 holds no lock: %v", blocks["2"])
	}
	if len(one) != 11 || len(blocks["2"]) != 10 {
		t.Fatalf("unexpected keys: %v / %v", one, blocks["2"])
	}
	// The key order is ZEO 4's.
	lines := readMonitor(t, addr)
	var keys []string
	for _, l := range lines[4:15] {
		k, _, _ := strings.Cut(l, ":")
		keys = append(keys, k)
	}
	wantKeys := "[Server started Clients Clients verifying Active transactions Commit lock held for Commits Aborts Loads Stores Conflicts Conflicts resolved]"
	if fmt.Sprint(keys) != wantKeys {
		t.Fatalf("key order %v", keys)
	}
}

// TestMonitorUnixSocket: the monitor on a unix socket; the report is
// answered without reading anything from the client.
func TestMonitorUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "monitor.sock")
	s, _ := startOps(t, func(c *config.Config) { c.ZEO.MonitorAddress = config.Address{Net: "unix", Path: sock} })
	blocks, order := monitorBlocks(t, readMonitor(t, s.MonitorAddr()))
	if len(order) != 1 || blocks["1"]["Clients"] != "0" || blocks["1"]["Commits"] != "0" {
		t.Fatalf("%v %v", order, blocks)
	}
	c, _ := net.Dial("unix", sock)
	line, err := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if err != nil || !strings.HasPrefix(line, "ZEO monitor server version") {
		t.Fatalf("%q %v", line, err)
	}
}
