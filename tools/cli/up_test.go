package cli

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/fsstore/pickle"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

var committedRe = regexp.MustCompile(`committed ([0-9a-f]{16}) \(scratch object ([0-9a-f]{16})\)`)

func TestUp(t *testing.T) {
	s, addr := startNetServer(t, 1, nil)

	// An empty database answers without a root.
	code, out, errs := runMain("up", addr)
	if code != 0 || !strings.Contains(out, addr+" storage 1: up: no root object (empty database)") {
		t.Fatalf("empty: exit %d %q %q", code, out, errs)
	}

	root := []byte("the root pickle")
	tid := commitData(t, addr, "1", map[proto.Oid][]byte{0: root})
	code, out, errs = runMain("up", addr)
	if code != 0 || !strings.Contains(out, "root loaded (15 bytes, serial "+tid.String()+")") {
		t.Fatalf("exit %d %q %q", code, out, errs)
	}
	if strings.Contains(out, "committed") {
		t.Fatalf("committed without --commit: %s", out)
	}
	commits := s.Engine().Stats()["1"].Commits

	// --commit stores a fresh, unreferenced PersistentMapping each time.
	var oids []string
	for range 2 {
		code, out, errs = runMain("up", "--commit", addr+":1")
		m := committedRe.FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("--commit: exit %d %q %q", code, out, errs)
		}
		oid, _ := proto.ParseOid(m[2])
		ctid, _ := proto.ParseTid(m[1])
		data, err := s.Backend("1").LoadSerial(oid, ctid, nil)
		if err != nil {
			t.Fatalf("scratch object %s not in the storage: %v", oid, err)
		}
		if !strings.Contains(string(data), "PersistentMapping") || !strings.Contains(string(data), "zeoup") {
			t.Fatalf("scratch record %q", data)
		}
		refs, err := pickle.References(data, nil)
		if err != nil || len(refs) != 0 {
			t.Fatalf("scratch record is not a clean ZODB record: refs %v, %v", refs, err)
		}
		oids = append(oids, m[2])
	}
	if oids[0] == oids[1] {
		t.Fatalf("the same scratch oid twice: %v", oids)
	}
	if got := s.Engine().Stats()["1"].Commits; got != commits+2 {
		t.Fatalf("commits %d, want %d", got, commits+2)
	}
	// The root is untouched.
	if data, serial, err := s.Backend("1").Load(0, nil); err != nil || string(data) != string(root) || serial != tid {
		t.Fatalf("root changed: %q %s %v", data, serial, err)
	}
}

func TestUpDown(t *testing.T) {
	dead := freeAddr(t)
	code, out, errs := runMain("up", "--timeout", "300ms", dead)
	if code != 1 || out != "" || !strings.Contains(errs, "gozeo up: "+dead+" storage 1: DOWN") {
		t.Fatalf("exit %d %q %q", code, out, errs)
	}
	// A storage the server does not have.
	_, addr := startNetServer(t, 1, nil)
	code, _, errs = runMain("up", "--timeout", "500ms", addr+":nosuch")
	if code != 1 || !strings.Contains(errs, "DOWN") {
		t.Fatalf("unknown storage: exit %d %q", code, errs)
	}
	// A read-only server cannot take the commit check.
	_, ro := startNetServer(t, 1, func(c *config.Config) {
		st, err := fsstore.Open(c.Storages[0].Path, nil) // a read-only server needs an existing file
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
		c.ZEO.ReadOnly = true
	})
	if code, _, errs = runMain("up", "--timeout", "500ms", ro); code != 0 {
		t.Fatalf("read-only server, no commit: exit %d %q", code, errs)
	}
	if code, _, errs = runMain("up", "--commit", "--timeout", "500ms", ro); code != 1 || !strings.Contains(errs, "DOWN") {
		t.Fatalf("read-only server, --commit: exit %d %q", code, errs)
	}
}

func TestUpTLS(t *testing.T) {
	ssl, cert, _, ca := tlsFiles(t)
	_, addr := startNetServer(t, 1, func(c *config.Config) { c.ZEO.SSL = &ssl })
	code, out, errs := runMain("up", "--commit", "--tls-cert", cert, "--tls-ca", ca, addr)
	if code != 0 || !committedRe.MatchString(out) {
		t.Fatalf("exit %d %q %q", code, out, errs)
	}
	code, _, errs = runMain("up", "--timeout", "500ms", "--tls-ca", ca, addr) // no client certificate
	if code != 1 || !strings.Contains(errs, "DOWN") {
		t.Fatalf("without a client certificate: exit %d %q", code, errs)
	}
}

func TestZeoupRecord(t *testing.T) {
	now := time.Unix(1700000000, 0)
	got := ZeoupRecord(now)
	// What Python's pickle module writes for the class, then for
	// {'data': {'zeoup': 1700000000.0}} (protocol 3).
	want := "\x80\x03cpersistent.mapping\nPersistentMapping\nq\x00." +
		"\x80\x03}q\x01X\x04\x00\x00\x00dataq\x02}q\x03X\x05\x00\x00\x00zeoupq\x04GA\xd9T\xfc\x40\x00\x00\x00ss."
	if string(got) != want {
		t.Fatalf("record\n%q\nwant\n%q", got, want)
	}
	if _, err := pickle.References(got, nil); err != nil {
		t.Fatal(err)
	}
}
