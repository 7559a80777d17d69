// The in-process server: gozeo's own server (tools/server) on a temporary
// or given Data.fs, listening on a loopback port.

package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/proto/compress"
	"github.com/gozeo/gozeo/tools/config"
	"github.com/gozeo/gozeo/tools/server"
)

// InProc is a gozeo server running in this process.
type InProc struct {
	srv  *server.Server
	dir  string // temporary directory to remove, or ""
	Path string // the Data.fs
	Addr string // where clients connect
}

// InProcOptions configure the in-process server; the zero value serves a
// new temporary Data.fs without compression and logs nothing.
type InProcOptions struct {
	Data     string         // the Data.fs; "": a new temporary one
	Compress compress.Codec // record compression of the storage
	Logger   *slog.Logger
}

// StartInProc starts a gozeo server on opts.Data (a new temporary Data.fs
// when it is "") listening on 127.0.0.1 at a free port.
func StartInProc(ctx context.Context, opts InProcOptions) (*InProc, error) {
	path, log := opts.Data, opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &InProc{Path: path}
	if path == "" {
		dir, err := os.MkdirTemp("", "gozeo-bench-")
		if err != nil {
			return nil, fmt.Errorf("bench: in-process server: %w", err)
		}
		p.dir, p.Path = dir, filepath.Join(dir, "Data.fs")
	}
	cfg := config.DefaultConfig()
	if err := cfg.Apply(config.Overrides{Address: "127.0.0.1:0", Filenames: []string{p.Path}}); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("bench: in-process server: %w", err)
	}
	for i := range cfg.Storages {
		cfg.Storages[i].Compress = opts.Compress
	}
	srv, err := server.New(cfg, log)
	if err != nil {
		p.cleanup()
		return nil, fmt.Errorf("bench: in-process server: %w", err)
	}
	if err := srv.Start(context.WithoutCancel(ctx)); err != nil {
		p.cleanup()
		return nil, fmt.Errorf("bench: in-process server: %w", err)
	}
	p.srv = srv
	p.Addr = srv.Addrs()[0].String()
	return p, nil
}

// Stats returns the server's statistics of storage name.
func (p *InProc) Stats(name string) proto.Stats { return p.srv.Engine().Stats()[name] }

// Close stops the server (saving the index) and removes the temporary
// Data.fs, if any.
func (p *InProc) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := p.srv.Stop(ctx)
	p.cleanup()
	return err
}

func (p *InProc) cleanup() {
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
}
