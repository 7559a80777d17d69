// gozeo fsgen and pack-file: write a synthetic Data.fs; pack one offline.

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
	"github.com/gozeo/gozeo/tools/fstool"
)

func init() {
	Register(&Command{
		Name:    "fsgen",
		Summary: "write a synthetic Data.fs (valid ZODB records) for benchmarks and load tests",
		Usage:   "[-records N] [-size BYTES] [-per-txn N] [-oids N] [-seed N] FILE",
		Run:     runFsgen,
	})
	Register(&Command{
		Name:    "pack-file",
		Summary: "pack a Data.fs offline (not while a server runs on it), with garbage collection unless -nogc",
		Usage:   "[-days N | -time T] [-nogc] [-keep-old] FILE",
		Run:     runPackFile,
	})
}

func runFsgen(ctx context.Context, env *Env, args []string) error {
	var records, size, perTxn, oids *int
	var seed *uint64
	path, err := oneFile(env, Lookup("fsgen"), args, func(fs *flag.FlagSet) {
		records = fs.Int("records", 1_000_000, "data records in all")
		size = fs.Int("size", 150, "pickle bytes per record (at least 64)")
		perTxn = fs.Int("per-txn", 10, "records per transaction")
		oids = fs.Int("oids", 0, "distinct oids (default records/2)")
		seed = fs.Uint64("seed", 0, "random seed")
	})
	if err != nil {
		return err
	}
	if *records < 1 || *size < 64 || *perTxn < 1 || *oids < 0 {
		return fmt.Errorf("%w: want -records >= 1, -size >= 64, -per-txn >= 1, -oids >= 0", ErrUsage)
	}
	p := newProgress(env.Stderr, "fsgen", "records")
	start := time.Now()
	res, err := fsstore.Generate(path, fsstore.GenerateOptions{Records: *records, DataSize: *size, PerTxn: *perTxn,
		Oids: *oids, Seed: *seed}, p.update)
	p.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: %d bytes, %d transactions, %d records, max oid %s, last transaction %s, in %s\n",
		path, res.Size, res.Transactions, res.Records, res.MaxOid, res.LastTid, time.Since(start).Round(time.Millisecond))
	return nil
}

func runPackFile(ctx context.Context, env *Env, args []string) error {
	var days *float64
	var at *string
	var nogc, keepOld *bool
	path, err := oneFile(env, Lookup("pack-file"), args, func(fs *flag.FlagSet) {
		days = fs.Float64("days", 0, "pack to this many days ago (default 0: now)")
		at = fs.String("time", "", "pack time: RFC 3339 (2024-01-01T00:00:10Z), Unix seconds, or a 16-hex-digit tid")
		nogc = fs.Bool("nogc", false, "keep unreachable objects (no garbage collection)")
		keepOld = fs.Bool("keep-old", false, "keep the replaced file as FILE.old")
	})
	if err != nil {
		return err
	}
	if *at != "" && *days != 0 {
		return fmt.Errorf("%w: -days and -time exclude each other", ErrUsage)
	}
	if *days < 0 {
		return fmt.Errorf("%w: negative -days", ErrUsage)
	}
	packTime := proto.TidFromTime(time.Now().Add(-time.Duration(*days * float64(24*time.Hour))))
	if *at != "" {
		if packTime, err = parsePackTime(*at); err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
	}
	p := newProgress(env.Stderr, "pack-file", "bytes")
	res, err := fstool.PackFile(ctx, path, fstool.PackFileOptions{Time: packTime, GC: !*nogc, KeepOld: *keepOld, Progress: p.update})
	p.finish()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted; %s is unchanged", path)
		}
		return err
	}
	w := env.Stdout
	switch {
	case res.Redundant:
		fmt.Fprintf(w, "%s: already packed to a later time, nothing changed since: unchanged\n", path)
	case !res.Changed:
		fmt.Fprintf(w, "%s: nothing to drop at %s: unchanged\n", path, packTime.TimeString())
	default:
		fmt.Fprintf(w, "%s: packed to %s (tid %s) in %s\n", path, packTime.TimeString(), packTime, res.Duration.Round(time.Millisecond))
		fmt.Fprintf(w, "  size %d -> %d bytes (%.1f%%)\n", res.SizeBefore, res.SizeAfter, 100*float64(res.SizeAfter)/float64(max(res.SizeBefore, 1)))
		fmt.Fprintf(w, "  up to the pack time: %d transactions kept, %d dropped; %d records kept, %d dropped\n",
			res.TxnsKept, res.TxnsDropped, res.RecordsKept, res.RecordsDropped)
		fmt.Fprintf(w, "  after it: %d transactions copied; %d backpointers inlined\n", res.TxnsCopied, res.Inlined)
		if !*nogc {
			fmt.Fprintf(w, "  %d objects reachable, %d oids collected\n", res.Reachable, res.OidsCollected)
		}
	}
	if res.DanglingCount > 0 {
		fmt.Fprintf(w, "  %d dangling references (treated as absent):\n", res.DanglingCount)
		for _, d := range res.Dangling {
			fmt.Fprintf(w, "    %s\n", d)
		}
	}
	return nil
}

// parsePackTime reads RFC 3339, Unix seconds, or a tid in hex.
func parsePackTime(s string) (proto.Tid, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return proto.TidFromTime(t), nil
	}
	if len(s) == 16 {
		if tid, err := proto.ParseTid(s); err == nil {
			return tid, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
		return proto.TidFromUnix(f), nil
	}
	return 0, fmt.Errorf("bad pack time %q (want RFC 3339, Unix seconds or 16 hex digits)", s)
}
