// The HTTP server of <zeo> metrics-address: /metrics.

package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gozeo/gozeo/tools/config"
)

// metricsServer serves /metrics over HTTP.
type metricsServer struct {
	ln   net.Listener
	srv  *http.Server
	log  *slog.Logger
	addr net.Addr
	done chan struct{}
}

// listenMetrics opens the metrics listener; serve starts answering.
func listenMetrics(a config.Address, log *slog.Logger) (*metricsServer, error) {
	ln, err := listenAddress(a)
	if err != nil {
		return nil, fmt.Errorf("metrics-address: %w", err)
	}
	return &metricsServer{ln: ln, log: log, addr: ln.Addr(), done: make(chan struct{})}, nil
}

func (m *metricsServer) serve(reg *prometheus.Registry) {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:          slogPromLogger{m.log},
		Registry:          reg,
		EnableOpenMetrics: true,
	}))
	m.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
	m.log.Info("metrics listening", "address", m.addr.String(), "path", "/metrics")
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("metrics server stopped", "err", err.Error())
		}
	}()
}

// close stops the HTTP server, letting scrapes under way finish briefly.
func (m *metricsServer) close() {
	if m.srv == nil {
		_ = m.ln.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := m.srv.Shutdown(ctx); err != nil {
		_ = m.srv.Close()
	}
	<-m.done
}

// slogPromLogger routes promhttp's error messages to slog.
type slogPromLogger struct{ l *slog.Logger }

func (s slogPromLogger) Println(v ...any) { s.l.Error("metrics: " + fmt.Sprint(v...)) }
