// gozeo pack: ZEO's zeopack over the network: pack a storage of a running
// server as of a time.

package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gozeo/gozeo/client"
	"github.com/gozeo/gozeo/proto"
)

func init() {
	Register(&Command{
		Name:    "pack",
		Summary: "pack a storage of a running server (ZEO's zeopack)",
		Usage:   "[--days N] [--time HH[:MM[:SS]]] [--nogc] [--wait] [--timeout D] [TLS flags] ADDRESS[:STORAGE]",
		Run:     runPack,
	})
}

// PackOptions configure a network pack.
type PackOptions struct {
	Storage  string
	PackTime time.Time
	GC       bool
	// Wait waits for the pack to finish and reports how it ended. Without
	// it, Pack returns once the pack has run for AcceptWindow without an
	// error (an immediate refusal, such as a pack already running, is
	// still reported); the server logs how it ends.
	Wait         bool
	AcceptWindow time.Duration // default 1 s
	// ConnectTimeout is how long to poll for a connection (zeopack: 60 s).
	ConnectTimeout time.Duration
	// Progress receives a line every ProgressEvery (default 5 s) while
	// the command waits for a connection or for the pack.
	Progress      io.Writer
	ProgressEvery time.Duration
	Client        *client.Options
}

// PackResult says what happened.
type PackResult struct {
	Finished   bool // false: still running on the server (no Wait)
	Took       time.Duration
	SizeBefore int64
	SizeAfter  int64 // valid when Finished
}

// Pack connects to addr (polling up to ConnectTimeout, read-only as
// zeopack does) and packs the storage.
func Pack(ctx context.Context, addr string, o PackOptions) (*PackResult, error) {
	if o.AcceptWindow <= 0 {
		o.AcceptWindow = time.Second
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 5 * time.Second
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	co := *o.Client
	co.Storage, co.ReadOnly, co.NoWait = o.Storage, true, true
	co.WaitTimeout = o.ConnectTimeout
	c, err := client.Open(ctx, []string{addr}, &co)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if err := waitConnected(ctx, c, addr, o); err != nil {
		return nil, explainOpen(addr, err)
	}
	r := &PackResult{SizeBefore: c.Info().Size}
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- c.Pack(ctx, proto.TidFromTime(o.PackTime), o.GC) }()
	window := time.NewTimer(o.AcceptWindow)
	defer window.Stop()
	tick := time.NewTicker(o.ProgressEvery)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return nil, fmt.Errorf("pack of storage %s on %s: %w", o.Storage, addr, err)
			}
			r.Finished, r.Took = true, time.Since(start)
			// The server pushes the new size before it answers the pack.
			r.SizeAfter = c.Info().Size
			return r, nil
		case <-window.C:
			if !o.Wait {
				r.Took = time.Since(start)
				return r, nil
			}
		case <-tick.C:
			fmt.Fprintf(o.Progress, "gozeo pack: packing storage %s on %s: %s\n", o.Storage, addr, time.Since(start).Round(time.Second))
		}
	}
}

// waitConnected polls for a connection, as zeopack does, with a progress
// line now and then.
func waitConnected(ctx context.Context, c *client.Client, addr string, o PackOptions) error {
	start := time.Now()
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	next := o.ProgressEvery
	for !c.Connected() {
		waited := time.Since(start)
		if waited >= o.ConnectTimeout {
			return fmt.Errorf("%w: could not connect to %s (storage %s) within %v", errUnreachable, addr, o.Storage, o.ConnectTimeout)
		}
		if waited >= next {
			fmt.Fprintf(o.Progress, "gozeo pack: waiting for %s: %s of %s\n", addr, waited.Round(time.Second), o.ConnectTimeout)
			next += o.ProgressEvery
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", errUnreachable, ctx.Err())
		case <-poll.C:
		}
	}
	return nil
}

// PackTime is zeopack's pack time: now, or today at the given local time
// of day (HH, HH:MM or HH:MM:SS), then days earlier.
func PackTime(now time.Time, days int, timeOfDay string) (time.Time, error) {
	t := now
	if timeOfDay != "" {
		parts := strings.Split(timeOfDay, ":")
		if len(parts) > 3 {
			return time.Time{}, fmt.Errorf("invalid time of day %q (use HH[:MM[:SS]])", timeOfDay)
		}
		var hms [3]int
		limits := [3]int{23, 59, 59}
		for i, p := range parts {
			v, err := strconv.Atoi(p)
			if err != nil || v < 0 || v > limits[i] {
				return time.Time{}, fmt.Errorf("invalid time of day %q (use HH[:MM[:SS]])", timeOfDay)
			}
			hms[i] = v
		}
		t = time.Date(now.Year(), now.Month(), now.Day(), hms[0], hms[1], hms[2], 0, now.Location())
	}
	return t.Add(-time.Duration(days) * 24 * time.Hour), nil
}

func runPack(ctx context.Context, env *Env, args []string) error {
	cmd := Lookup("pack")
	fs := NewFlagSet(env, cmd)
	days := fs.Int("days", 0, "pack away history older than this many days (before --time)")
	tod := fs.String("time", "", "time of day to pack to, HH[:MM[:SS]] local time (default: now)")
	nogc := fs.Bool("nogc", false, "no garbage collection: keep unreachable objects")
	wait := fs.Bool("wait", false, "wait for the pack to finish and report how it ended")
	nf := addNetFlags(fs, 60*time.Second)
	if err := ParseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want one ADDRESS[:STORAGE]", ErrUsage)
	}
	if *days < 0 {
		return fmt.Errorf("%w: negative --days", ErrUsage)
	}
	addr, storage, err := SplitTarget(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	packTime, err := PackTime(time.Now(), *days, *tod)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	tlsCfg, err := nf.tlsConfig(addr)
	if err != nil {
		return err
	}
	r, err := Pack(ctx, addr, PackOptions{
		Storage: storage, PackTime: packTime, GC: !*nogc, Wait: *wait,
		ConnectTimeout: nf.timeout, Progress: env.Stderr, Client: nf.clientOptions(tlsCfg),
	})
	if err != nil {
		return &ExitError{Code: 1, Msg: err.Error()}
	}
	gc := "with gc"
	if *nogc {
		gc = "without gc"
	}
	when := packTime.Format("2006-01-02 15:04:05")
	if !r.Finished {
		fmt.Fprintf(env.Stdout, "packing storage %s on %s as of %s (%s): running on the server; it logs the end (use --wait to wait)\n",
			storage, addr, when, gc)
		return nil
	}
	fmt.Fprintf(env.Stdout, "packed storage %s on %s as of %s (%s) in %v: %d -> %d bytes\n",
		storage, addr, when, gc, r.Took.Round(time.Millisecond), r.SizeBefore, r.SizeAfter)
	return nil
}
