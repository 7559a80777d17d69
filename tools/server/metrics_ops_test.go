// /metrics: scraped over HTTP, parsed, and compared with the engine's
// statistics.

package server

import (
	"io"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/config"
)

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value returns the metric's value for the given storage label ("" for a
// metric without labels).
func value(t *testing.T, fams map[string]*dto.MetricFamily, name, storage string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range f.Metric {
		match := storage == ""
		for _, l := range m.Label {
			if l.GetName() == "storage" && l.GetValue() == storage {
				match = true
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Untyped != nil:
			return m.Untyped.GetValue()
		}
	}
	t.Fatalf("metric %s has no series for storage %q", name, storage)
	return 0
}

func TestMetricsScrape(t *testing.T) {
	s, logs := startOps(t, func(c *config.Config) {
		c.ZEO.MetricsAddress = config.Address{Net: "tcp", Host: "127.0.0.1"}
		c.ZEO.MaxFrameSize = 1 << 10
	})
	url := "http://" + s.MetricsAddr().String() + "/metrics"
	logs.lineWith(t, "metrics listening", "address="+s.MetricsAddr().String())

	addr := s.Addrs()[0].String()
	rc := dialNative(t, addr)
	register(t, rc)
	var tid proto.Tid
	for i := range 3 {
		tid = commitOne(t, rc, uint64(i+1), 0, tid, []byte{byte(i)})
		loadData(t, rc, 0)
	}
	// A conflict and an abort.
	rc.send(&proto.TpcBeginRequest{Txn: 9})
	rc.send(&proto.StoreRequest{Txn: 9, Oid: 0, Serial: 0, Data: []byte("stale")})
	if f := rc.call(&proto.VoteRequest{Txn: 9}); f.IsError() {
		t.Fatal(proto.DecodeError(f.Body))
	}
	rc.call(&proto.TpcAbortRequest{Txn: 9})
	// A refused frame (over max-frame-size).
	bad := dialNative(t, addr)
	bad.write([]byte{0, 0, 8, 0})
	bad.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.ReadAll(bad.c)
	rc.call(&proto.PingRequest{})

	fams := scrape(t, url)
	st := s.Engine().Stats()["1"]
	ss := s.Engine().ServerStats()
	if st.Commits != 3 || st.Conflicts != 1 || st.Aborts != 1 || ss.RefusedFrames != 1 {
		t.Fatalf("the activity did not happen as planned: %+v %+v", st, ss)
	}
	for name, want := range map[string]int64{
		"gozeo_storage_connections":              st.Connections,
		"gozeo_storage_loads_total":              st.Loads,
		"gozeo_storage_stores_total":             st.Stores,
		"gozeo_storage_commits_total":            st.Commits,
		"gozeo_storage_aborts_total":             st.Aborts,
		"gozeo_storage_active_transactions":      st.ActiveTxns,
		"gozeo_storage_conflicts_total":          st.Conflicts,
		"gozeo_storage_conflicts_resolved_total": st.ConflictsResolved,
		"gozeo_storage_waiting":                  st.Waiting,
		"gozeo_storage_verifying":                st.Verifying,
		"gozeo_storage_objects":                  int64(s.Backend("1").Len()),
		"gozeo_storage_size_bytes":               s.Backend("1").Size(),
	} {
		if got := value(t, fams, name, "1"); got != float64(want) {
			t.Errorf("%s = %v, want %d", name, got, want)
		}
	}
	if got, want := value(t, fams, "gozeo_storage_last_transaction_timestamp_seconds", "1"), float64(tid.Time().UnixNano())/1e9; got != want || got == 0 {
		t.Errorf("last transaction time %v, want %v", got, want)
	}
	if got := value(t, fams, "gozeo_storage_start_time_seconds", "1"); got != st.Start {
		t.Errorf("start %v, want %v", got, st.Start)
	}
	if got := value(t, fams, "gozeo_storage_commit_lock_held_seconds", "1"); got != 0 {
		t.Errorf("lock held %v with no lock", got)
	}
	for name, want := range map[string]int64{
		"gozeo_connections":                    ss.Connections,
		"gozeo_refused_connections_total":      ss.RefusedConns,
		"gozeo_refused_frames_total":           ss.RefusedFrames,
		"gozeo_output_limit_disconnects_total": ss.OutputLimitCloses,
		"gozeo_transaction_timeouts_total":     ss.Timeouts,
	} {
		if got := value(t, fams, name, ""); got != float64(want) {
			t.Errorf("%s = %v, want %d", name, got, want)
		}
	}
	if fams["gozeo_storage_commits_total"].GetType() != dto.MetricType_COUNTER || fams["gozeo_storage_connections"].GetType() != dto.MetricType_GAUGE {
		t.Errorf("types: %v %v", fams["gozeo_storage_commits_total"].GetType(), fams["gozeo_storage_connections"].GetType())
	}
	if _, ok := fams["gozeo_tls_clients_total"]; ok {
		t.Error("TLS metrics without TLS")
	}
	// Go runtime and process metrics.
	if value(t, fams, "go_goroutines", "") <= 0 {
		t.Error("no goroutines reported")
	}
	if _, ok := fams["process_open_fds"]; !ok {
		t.Error("no process metrics")
	}
	// Scrapes read live values: one more commit shows at once.
	commitOne(t, rc, 20, 0, tid, []byte("more"))
	if got := value(t, scrape(t, url), "gozeo_storage_commits_total", "1"); got != 4 {
		t.Errorf("commits after one more: %v", got)
	}
}

// TestMetricsTLS: with a TLS front end, its handshake counters appear.
func TestMetricsTLS(t *testing.T) {
	setup := newTLSSetup(t, false, false)
	s, _ := startOps(t, func(c *config.Config) {
		ssl := setup.ssl
		c.ZEO.SSL = &ssl
		c.ZEO.MetricsAddress = config.Address{Net: "tcp", Host: "127.0.0.1"}
	})
	refusedCfg := setup.clientConfig(nil)
	c, err := tlsDial(s.Addrs()[0].String(), refusedCfg)
	if err == nil {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Read(make([]byte, 1))
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.front.refused.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	fams := scrape(t, "http://"+s.MetricsAddr().String()+"/metrics")
	if got := value(t, fams, "gozeo_tls_refused_total", ""); got != 1 {
		t.Errorf("tls refused %v", got)
	}
	if got := value(t, fams, "gozeo_tls_clients_total", ""); got != 0 {
		t.Errorf("tls clients %v", got)
	}
}
