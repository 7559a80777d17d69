// Pack wiring.

package server

import (
	"context"

	"github.com/gozeo/gozeo/proto"
)

func packStore(ctx context.Context, b *Backend, packTime proto.Tid, gc bool) error {
	return ErrPackUnavailable
}
