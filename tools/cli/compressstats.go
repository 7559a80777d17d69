// gozeo compress-stats: what each record codec would do to a Data.fs.

package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/gozeo/gozeo/tools/fstool"
)

func init() {
	Register(&Command{
		Name:    "compress-stats",
		Summary: "measure the compression ratio and speed of zlib, zstd and s2 on sampled records of a Data.fs",
		Usage:   "[-sample N] FILE",
		Run:     runCompressStats,
	})
}

func runCompressStats(ctx context.Context, env *Env, args []string) error {
	var sample *int
	path, err := oneFile(env, Lookup("compress-stats"), args, func(fs *flag.FlagSet) {
		sample = fs.Int("sample", 10000, "records to sample")
	})
	if err != nil {
		return err
	}
	if *sample < 1 {
		return fmt.Errorf("%w: -sample must be at least 1", ErrUsage)
	}
	p := newProgress(env.Stderr, "compress-stats", "bytes")
	rep, err := fstool.CompressStats(path, *sample, p.update)
	p.finish()
	if err != nil {
		return err
	}
	if rep.Sampled == 0 {
		return fmt.Errorf("%s: no records with data", path)
	}
	return rep.WriteTable(env.Stdout)
}
