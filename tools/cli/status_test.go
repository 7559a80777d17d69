package cli

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

// tableValue returns the value column of a status table row.
func tableValue(t *testing.T, table, label string) string {
	t.Helper()
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, label+"  ") {
			return strings.TrimSpace(line[len(label):])
		}
	}
	t.Fatalf("no row %q in:\n%s", label, table)
	return ""
}

func TestStatusNative(t *testing.T) {
	s, addr := startNetServer(t, 1, nil)
	commitData(t, addr, "1", map[proto.Oid][]byte{0: []byte("root"), 1: []byte("one")})
	commitData(t, addr, "1", map[proto.Oid][]byte{1: []byte("one again")})

	code, out, errs := runMain("status", addr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	st := s.Engine().Stats()["1"]
	for label, want := range map[string]string{
		"storage":             "1",
		"commits":             "2",
		"stores":              "3",
		"aborts":              "0",
		"loads":               itoa(st.Loads),
		"conflicts":           "0",
		"objects":             "2",
		"size":                itoa(s.Backend("1").Size()),
		"read-only":           "false",
		"active transactions": "0",
		"commit lock":         "not held",
		"transaction timeout": "off",
		"connections":         "1", // the probe itself
		"verifying":           "0",
	} {
		if got := tableValue(t, out, label); got != want {
			t.Errorf("%s = %q, want %q", label, got, want)
		}
	}
	if got := tableValue(t, out, "server"); got != addr+" (native)" {
		t.Errorf("server row %q", got)
	}
	if got := tableValue(t, out, "last transaction"); !strings.HasPrefix(got, s.Backend("1").LastTransaction().String()+" (") {
		t.Errorf("last transaction %q", got)
	}

	code, out, errs = runMain("status", "--json", addr+":1")
	if code != 0 {
		t.Fatalf("--json exit %d: %s", code, errs)
	}
	var js Status
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	sj := js.Storages[0]
	if js.Probe != "native" || len(js.Storages) != 1 || sj.Name != "1" || sj.Commits != 2 || sj.Stores != 3 ||
		deref(sj.Objects) != 2 || sj.LastTransaction != s.Backend("1").LastTransaction().String() || sj.Verifying == nil ||
		sj.ServerStarted != st.Start || sj.CommitLockSince != nil {
		t.Fatalf("JSON: %s", out)
	}
}

func TestStatusRuok(t *testing.T) {
	s, addr := startNetServer(t, 2, func(c *config.Config) { c.ZEO.TransactionTimeout = time.Minute })
	commitData(t, addr, "2", map[proto.Oid][]byte{0: []byte("root of 2")})
	code, out, errs := runMain("status", "--ruok", "--json", addr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var js Status
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	stats := s.Engine().Stats()
	if js.Probe != "ruok" || len(js.Storages) != 2 || js.Storages[0].Name != "1" || js.Storages[1].Name != "2" {
		t.Fatalf("%s", out)
	}
	for _, st := range js.Storages {
		want := stats[st.Name]
		if st.Commits != want.Commits || st.Stores != want.Stores || st.Loads != want.Loads ||
			st.Connections != want.Connections || st.LastTransaction != want.LastTransaction.String() ||
			!st.TransactionTimeout || st.Verifying != nil || st.Objects != nil {
			t.Errorf("storage %s: %+v, engine %+v", st.Name, st, want)
		}
		// ruok carries ctime (whole seconds, local time).
		if st.ServerStarted != float64(int64(want.Start)) {
			t.Errorf("start %v, want %v", st.ServerStarted, int64(want.Start))
		}
	}
	if js.Storages[1].Commits != 1 || js.Storages[0].Commits != 0 {
		t.Fatalf("commit went to the wrong storage: %s", out)
	}
	// The table has one column per storage.
	code, out, _ = runMain("status", "--ruok", addr)
	if code != 0 || !strings.Contains(out, "(ruok)") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if got := strings.Fields(tableValue(t, out, "commits")); len(got) != 2 || got[0] != "0" || got[1] != "1" {
		t.Fatalf("commits row %q", got)
	}
	if strings.Contains(out, "verifying") || strings.Contains(out, "objects") {
		t.Fatalf("ruok has no verifying/objects numbers:\n%s", out)
	}
}

func TestStatusTLS(t *testing.T) {
	ssl, cert, other, ca := tlsFiles(t)
	_, addr := startNetServer(t, 1, func(c *config.Config) { c.ZEO.SSL = &ssl })
	for _, probe := range []string{"--ruok=false", "--ruok"} {
		code, out, errs := runMain("status", probe, "--tls-cert", cert, "--tls-ca", ca, "--timeout", "5s", addr)
		if code != 0 || tableValue(t, out, "commits") != "0" {
			t.Fatalf("%s over TLS: exit %d %s\n%s", probe, code, errs, out)
		}
	}
	// Another CA's certificate: refused.
	code, _, errs := runMain("status", "--ruok", "--tls-cert", other, "--tls-ca", ca, "--timeout", "2s", addr)
	if code != 1 || errs == "" {
		t.Fatalf("refused client: exit %d %q", code, errs)
	}
	// A bad flag combination is reported before connecting.
	code, _, errs = runMain("status", "--tls-ca", cert+".missing", addr)
	if code != 1 || !strings.Contains(errs, "-tls-ca") {
		t.Fatalf("missing CA file: exit %d %q", code, errs)
	}
}

func TestStatusErrors(t *testing.T) {
	dead := freeAddr(t)
	code, _, errs := runMain("status", "--timeout", "300ms", dead)
	if code != 1 || !strings.Contains(errs, "gozeo status:") {
		t.Fatalf("unreachable: exit %d %q", code, errs)
	}
	code, _, errs = runMain("status", "--ruok", "--timeout", "300ms", dead)
	if code != 1 || !strings.Contains(errs, "connection refused") {
		t.Fatalf("unreachable ruok: exit %d %q", code, errs)
	}
	if code, _, _ = runMain("status"); code != 2 {
		t.Fatalf("no address: exit %d", code)
	}
	if code, _, _ = runMain("status", "host"); code != 2 {
		t.Fatalf("no port: exit %d", code)
	}
}

func TestParseRuokErrors(t *testing.T) {
	for _, body := range []string{`[]`, `{"1": {"last-transaction": "xyz"}}`, `{`} {
		if _, err := parseRuok([]byte(body)); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
	st, err := parseRuok([]byte(`{"b": {"last-transaction": "0000000000000000", "lock_time": 12.5, "start": "Sun Nov 22 02:17:31 2026", "timeout-thread-is-alive": "stub"}, "a": {"last-transaction": "03f0000000000000", "lock_time": null, "timeout-thread-is-alive": true}}`))
	if err != nil || len(st) != 2 || st[0].Name != "a" || st[1].Name != "b" || st[1].CommitLockSince == nil || *st[1].CommitLockSince != 12.5 ||
		st[0].CommitLockSince != nil || !st[0].TransactionTimeout || st[1].TransactionTimeout || st[1].ServerStarted == 0 || st[0].LastTransactionAt == "" {
		t.Fatalf("%+v %v", st, err)
	}
	var b bytes.Buffer
	WriteStatusTable(&b, &Status{Address: "x", Probe: "ruok", Storages: st}, time.Unix(22, 500e6))
	if got := strings.Join(strings.Fields(tableValue(t, b.String(), "commit lock")), " "); got != "not held held for 10s" {
		t.Fatalf("commit lock row %q\n%s", got, b.String())
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
