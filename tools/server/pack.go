// Pack wiring: the engine's Pack on the FileStorage.

package server

import (
	"context"

	"github.com/gozeo/gozeo/fsstore"
	"github.com/gozeo/gozeo/proto"
)

func packStore(ctx context.Context, b *Backend, packTime proto.Tid, gc bool) error {
	res, err := b.Store.Pack(ctx, packTime, &fsstore.PackOptions{GC: gc, KeepOld: b.PackKeepOld})
	if err != nil {
		return err
	}
	if b.log != nil {
		b.log.Info("pack result", "path", b.Store.Path(), "changed", res.Changed,
			"size_before", res.SizeBefore, "size_after", res.SizeAfter,
			"oids_collected", res.OidsCollected, "dangling_references", res.DanglingCount,
			"txns_copied_during_pack", res.TxnsDuringPack, "took", res.Duration.String())
		for _, d := range res.Dangling {
			b.log.Warn("dangling reference found by pack", "ref", d.String())
		}
	}
	return nil
}
