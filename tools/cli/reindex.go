// gozeo reindex: rebuild the index file of a Data.fs by a full scan.

package cli

import (
	"context"
	"fmt"

	"github.com/gozeo/gozeo/tools/fstool"
)

func init() {
	Register(&Command{
		Name:    "reindex",
		Summary: "rebuild the index file (Data.fs.gzindex) of a Data.fs by a full scan (not while a server runs on it)",
		Usage:   "FILE",
		Run:     runReindex,
	})
}

func runReindex(ctx context.Context, env *Env, args []string) error {
	path, err := oneFile(env, Lookup("reindex"), args, nil)
	if err != nil {
		return err
	}
	p := newProgress(env.Stderr, "reindex", "bytes")
	res, err := fstool.Reindex(path, p.update)
	p.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: indexed %d oids in %d bytes (last transaction %s) in %s\n",
		path, res.Oids, res.Size, res.LastTid, res.Duration.Round(1e6))
	return nil
}
