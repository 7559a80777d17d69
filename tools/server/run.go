// Run: the whole life of a server process, as "gozeo serve" runs it:
// signals, log rotation, pid file, graceful shutdown.

package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gozeo/gozeo/tools/config"
)

// ShutdownGrace bounds how long a graceful stop waits for commits that are
// finishing before giving up.
const ShutdownGrace = 30 * time.Second

// Run serves cfg until SIGTERM or SIGINT (or ctx ends). The first signal
// stops accepting, lets finishing commits complete, aborts the others,
// saves the indexes and exits cleanly; a second signal exits at once.
// SIGUSR2 reopens the log files.
func Run(ctx context.Context, cfg *config.Config, stderr io.Writer) error {
	logs, err := NewLogs(cfg.EventLog, stderr)
	if err != nil {
		return err
	}
	defer logs.Close()
	log := logs.Logger

	s, err := New(cfg, log)
	if err != nil {
		return err
	}
	if cfg.ZEO.PidFilename != "" {
		if err := os.WriteFile(cfg.ZEO.PidFilename, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			return fmt.Errorf("pid file: %w", err)
		}
		defer os.Remove(cfg.ZEO.PidFilename)
	}

	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR2)
	defer signal.Stop(sigs)

	runCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Start(runCtx); err != nil {
		return err
	}
	log.Info("gozeo server ready", "addresses", fmt.Sprint(s.Addrs()), "pid", os.Getpid())

	stopping := false
	stopDone := make(chan error, 1)
	stop := func(reason string) {
		stopping = true
		log.Info("shutting down", "reason", reason)
		go func() {
			sctx, c := context.WithTimeout(context.Background(), ShutdownGrace)
			defer c()
			stopDone <- s.Stop(sctx)
		}()
	}
	for {
		select {
		case <-ctx.Done():
			if !stopping {
				stop("context canceled")
			}
		case sig := <-sigs:
			switch {
			case sig == syscall.SIGUSR2:
				if err := logs.Reopen(); err != nil {
					log.Error("reopening log files", "err", err.Error())
				} else {
					log.Info("log files reopened")
				}
			case stopping:
				log.Warn("second signal: exiting at once", "signal", sig.String())
				os.Exit(1)
			default:
				stop(sig.String())
			}
		case err := <-stopDone:
			if err != nil {
				log.Error("shutdown", "err", err.Error())
				return err
			}
			log.Info("stopped cleanly")
			return nil
		case <-s.Done():
			if !stopping {
				log.Error("server stopped unexpectedly", "err", fmt.Sprint(s.err))
				return s.err
			}
		}
	}
}
