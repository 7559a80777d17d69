// gozeo serve: run the storage server (runzeo's replacement).

package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/gozeo/gozeo/tools/config"
	"github.com/gozeo/gozeo/tools/server"
)

func init() {
	Register(&Command{
		Name:    "serve",
		Summary: "run the storage server (reads zeo.conf; runzeo's -a/-f/-r/-t flags override it)",
		Usage:   "[-C zeo.conf] [-a ADDRESS] [-f FILENAME]... [-r] [-t TIMEOUT] [--invalidation-queue-size N]",
		Run:     runServe,
	})
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// serveConfig builds the configuration from the flags: the file (or the
// defaults), then runzeo's overrides on top.
func serveConfig(env *Env, cmd *Command, args []string) (*config.Config, error) {
	fs := NewFlagSet(env, cmd)
	confPath := fs.String("C", "", "configuration file (ZConfig syntax, as runzeo's)")
	addr := fs.String("a", "", "address to listen on: host:port, [ipv6]:port or a unix socket path")
	var files stringList
	fs.Var(&files, "f", "FileStorage path; repeat for several storages (named 1, 2, ...)")
	readOnly := fs.Bool("r", false, "serve read-only (pack is still allowed)")
	timeout := fs.Float64("t", -1, "transaction timeout in seconds (disconnect clients that hold commit locks longer)")
	queue := fs.Int("invalidation-queue-size", -1, "transactions kept for quick cache verification")
	if err := ParseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	cfg := config.DefaultConfig()
	if *confPath != "" {
		var err error
		if cfg, err = config.ParseFile(*confPath); err != nil {
			return nil, err
		}
	}
	o := config.Overrides{Address: *addr, Filenames: files, ReadOnly: *readOnly}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "t":
			d := time.Duration(*timeout * float64(time.Second))
			o.TransactionTimeout = &d
		case "invalidation-queue-size":
			o.InvalidationQueueSize = queue
		}
	})
	if err := cfg.Apply(o); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func runServe(ctx context.Context, env *Env, args []string) error {
	cfg, err := serveConfig(env, Lookup("serve"), args)
	if err != nil {
		return err
	}
	// Run handles SIGTERM/SIGINT itself (graceful, then immediate), so it
	// does not take the command context, which those signals cancel.
	_ = ctx
	return server.Run(context.Background(), cfg, env.Stderr)
}
