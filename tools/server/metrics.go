// Prometheus metrics (<zeo> metrics-address): a collector that reads the
// engine's statistics when scraped (served by metricshttp.go).

package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/gozeo/gozeo/engine"
	"github.com/gozeo/gozeo/proto"
)

// MetricsSource is what the collector reads at scrape time: the engine's
// per-storage and server-wide statistics, and (optionally) the size of
// each storage.
type MetricsSource interface {
	StatsSource
	ServerStats() engine.ServerStats
}

// storageSizer reports a storage's object count and file size.
type storageSizer interface {
	Len() int
	Size() int64
}

// collector turns statistics snapshots into metrics. It keeps no counter
// of its own: every value is read from the engine when Prometheus scrapes.
type collector struct {
	src     MetricsSource
	sizes   func(name string) storageSizer // nil, or nil result: no size metrics
	tlsSeen func() (served, refused int64) // nil: no TLS front end

	perStorage []storageMetric
	server     []serverMetric
	objects    *prometheus.Desc
	sizeBytes  *prometheus.Desc
	tlsServed  *prometheus.Desc
	tlsRefused *prometheus.Desc
}

type storageMetric struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	value func(st *proto.Stats, now time.Time) float64
}

type serverMetric struct {
	desc  *prometheus.Desc
	typ   prometheus.ValueType
	value func(ss *engine.ServerStats) float64
}

const metricsNamespace = "gozeo"

func newCollector(src MetricsSource) *collector {
	sd := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(metricsNamespace+"_storage_"+name, help, []string{"storage"}, nil)
	}
	gd := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(metricsNamespace+"_"+name, help, nil, nil)
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	i := func(f func(st *proto.Stats) int64) func(*proto.Stats, time.Time) float64 {
		return func(st *proto.Stats, _ time.Time) float64 { return float64(f(st)) }
	}
	c := &collector{src: src}
	c.perStorage = []storageMetric{
		{sd("connections", "Clients registered with the storage."), gauge, i(func(s *proto.Stats) int64 { return s.Connections })},
		{sd("loads_total", "loadBefore calls served."), counter, i(func(s *proto.Stats) int64 { return s.Loads })},
		{sd("stores_total", "Objects stored, deleted or restored by clients."), counter, i(func(s *proto.Stats) int64 { return s.Stores })},
		{sd("commits_total", "Transactions committed."), counter, i(func(s *proto.Stats) int64 { return s.Commits })},
		{sd("aborts_total", "Transactions aborted."), counter, i(func(s *proto.Stats) int64 { return s.Aborts })},
		{sd("active_transactions", "Transactions begun and not yet finished or aborted."), gauge, i(func(s *proto.Stats) int64 { return s.ActiveTxns })},
		{sd("conflicts_total", "Write conflicts reported at vote."), counter, i(func(s *proto.Stats) int64 { return s.Conflicts })},
		{sd("conflicts_resolved_total", "Conflicts resolved on the server (ZEO's statistic; always 0 in gozeo, whose clients resolve)."), counter, i(func(s *proto.Stats) int64 { return s.ConflictsResolved })},
		{sd("waiting", "Transactions waiting for commit locks."), gauge, i(func(s *proto.Stats) int64 { return s.Waiting })},
		{sd("verifying", "Clients verifying their cache."), gauge, i(func(s *proto.Stats) int64 { return s.Verifying })},
		{sd("last_transaction_timestamp_seconds", "Commit time of the last transaction (from its tid), 0 for an empty storage."), gauge,
			func(s *proto.Stats, _ time.Time) float64 {
				if s.LastTransaction == 0 {
					return 0
				}
				return float64(s.LastTransaction.Time().UnixNano()) / 1e9
			}},
		{sd("commit_lock_held_seconds", "How long the oldest commit lock held now has been held, 0 if none."), gauge,
			func(s *proto.Stats, now time.Time) float64 {
				if s.LockTime == 0 {
					return 0
				}
				return max(float64(now.UnixNano())/1e9-s.LockTime, 0)
			}},
		{sd("start_time_seconds", "When the server started serving the storage (Unix time)."), gauge,
			func(s *proto.Stats, _ time.Time) float64 { return s.Start }},
	}
	c.server = []serverMetric{
		{gd("connections", "Client connections open now."), gauge, func(s *engine.ServerStats) float64 { return float64(s.Connections) }},
		{gd("refused_connections_total", "Connections refused for max-connections."), counter, func(s *engine.ServerStats) float64 { return float64(s.RefusedConns) }},
		{gd("refused_frames_total", "Frames refused: over max-frame-size, undecodable, or a bad handshake."), counter, func(s *engine.ServerStats) float64 { return float64(s.RefusedFrames) }},
		{gd("output_limit_disconnects_total", "Clients disconnected for not reading their replies (output-buffer-limit)."), counter, func(s *engine.ServerStats) float64 { return float64(s.OutputLimitCloses) }},
		{gd("transaction_timeouts_total", "Transactions aborted for transaction-timeout."), counter, func(s *engine.ServerStats) float64 { return float64(s.Timeouts) }},
	}
	c.objects = sd("objects", "Objects in the storage.")
	c.sizeBytes = sd("size_bytes", "Size of the storage file in bytes.")
	c.tlsServed = gd("tls_clients_total", "TLS clients that completed the handshake.")
	c.tlsRefused = gd("tls_refused_total", "TLS clients refused at the handshake (no or bad client certificate).")
	return c
}

// Describe implements prometheus.Collector.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.perStorage {
		ch <- m.desc
	}
	for _, m := range c.server {
		ch <- m.desc
	}
	if c.sizes != nil {
		ch <- c.objects
		ch <- c.sizeBytes
	}
	if c.tlsSeen != nil {
		ch <- c.tlsServed
		ch <- c.tlsRefused
	}
}

// Collect implements prometheus.Collector: one snapshot per scrape.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	stats := c.src.Stats()
	for _, name := range c.src.StorageNames() {
		st, ok := stats[name]
		if !ok {
			continue
		}
		for _, m := range c.perStorage {
			ch <- prometheus.MustNewConstMetric(m.desc, m.typ, m.value(&st, now), name)
		}
		if c.sizes != nil {
			if sz := c.sizes(name); sz != nil {
				ch <- prometheus.MustNewConstMetric(c.objects, prometheus.GaugeValue, float64(sz.Len()), name)
				ch <- prometheus.MustNewConstMetric(c.sizeBytes, prometheus.GaugeValue, float64(sz.Size()), name)
			}
		}
	}
	ss := c.src.ServerStats()
	for _, m := range c.server {
		ch <- prometheus.MustNewConstMetric(m.desc, m.typ, m.value(&ss))
	}
	if c.tlsSeen != nil {
		served, refused := c.tlsSeen()
		ch <- prometheus.MustNewConstMetric(c.tlsServed, prometheus.CounterValue, float64(served))
		ch <- prometheus.MustNewConstMetric(c.tlsRefused, prometheus.CounterValue, float64(refused))
	}
}

// NewMetricsRegistry returns a registry holding the gozeo collector over
// src, plus the Go runtime and process collectors.
func NewMetricsRegistry(src MetricsSource) *prometheus.Registry {
	return newMetricsRegistry(newCollector(src))
}

func newMetricsRegistry(c *collector) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}
